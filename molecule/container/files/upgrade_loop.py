"""What an upgrade does to authorised users: run on the lab's client during the upgrade.

Loops authorised requests through the proxy, alternating a streamed POST /api/generate (read to
the object with "done": true; a stream that ends before it is a failure) and GET /api/tags (the
model must be listed), until --stop-file exists or --max-seconds pass, then writes a JSON report:
requests, ok, failed, the first failures, the longest gap between successful answers.

    python3 upgrade_loop.py --url https://target --user alice --password-file pw \
        --cafile ca.pem --model emu-tiny --stop-file /tmp/stop --out /tmp/loop.json

Stdlib only (Debian 12's python3 on the client). Secrets are read from files and never printed.
Each request opens its own connection: the report measures the server side's answers, not a
client's reuse of a keep-alive connection that a graceful reload closes between two requests.
Exit status: 0 when every request succeeded, 1 when one failed, 2 when it could not start.
"""

import argparse
import base64
import datetime
import http.client
import json
import os
import signal
import ssl
import sys
import time
import urllib.parse

MAX_FAILURES_KEPT = 20
PROMPT = "upgrade loop check"


class RequestFailed(Exception):
    """A request that got no good answer; ``status`` is the HTTP status when one came."""

    def __init__(self, error, status=None):
        super().__init__(error)
        self.status = status


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True, help="the proxy, e.g. https://target (http:// too)")
    p.add_argument("--user", help="basic-auth user (with --password-file)")
    p.add_argument("--password-file", help="file holding the basic-auth password")
    p.add_argument("--bearer-file", help="file holding an API key sent as 'Authorization: Bearer'")
    p.add_argument("--cafile", help="CA bundle that signs the proxy's certificate")
    p.add_argument("--insecure", action="store_true", help="do not verify the proxy's certificate")
    p.add_argument("--model", default="emu-tiny", help="model to generate with and expect in /api/tags")
    p.add_argument("--stop-file", help="stop once this file exists")
    p.add_argument("--max-seconds", type=float, default=600.0, help="stop after this long (default 600)")
    p.add_argument("--interval", type=float, default=0.05, help="pause between requests (default 0.05 s)")
    p.add_argument("--timeout", type=float, default=30.0, help="socket timeout per request (default 30 s)")
    p.add_argument("--out", help="write the JSON report here (it is printed too)")
    args = p.parse_args(argv)
    if bool(args.user) != bool(args.password_file):
        p.error("--user and --password-file go together")
    if args.user and args.bearer_file:
        p.error("use basic auth or --bearer-file, not both")
    if urllib.parse.urlsplit(args.url).scheme not in ("http", "https"):
        p.error("--url must start with http:// or https://")
    return args


def read_secret(path):
    with open(path, encoding="utf-8") as fh:
        secret = fh.read().rstrip("\r\n")
    if not secret:
        raise ValueError(f"{path} is empty")
    return secret


def auth_headers(args):
    if args.user:
        token = base64.b64encode(f"{args.user}:{read_secret(args.password_file)}".encode()).decode()
        return {"Authorization": "Basic " + token}
    if args.bearer_file:
        return {"Authorization": "Bearer " + read_secret(args.bearer_file)}
    return {}


def tls_context(args):
    ctx = ssl.create_default_context(cafile=args.cafile)
    if args.insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Client:
    def __init__(self, url, headers, context, timeout, model):
        parts = urllib.parse.urlsplit(url)
        self.https = parts.scheme == "https"
        self.netloc = parts.netloc
        self.prefix = parts.path.rstrip("/")
        self.headers = headers
        self.context = context
        self.timeout = timeout
        self.model = model

    def _open(self, method, path, body=None):
        if self.https:
            conn = http.client.HTTPSConnection(self.netloc, timeout=self.timeout, context=self.context)
        else:
            conn = http.client.HTTPConnection(self.netloc, timeout=self.timeout)
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, self.prefix + path, body, headers)
        resp = conn.getresponse()
        if resp.status != 200:
            snippet = resp.read(200).decode("utf-8", "replace")
            conn.close()
            raise RequestFailed(f"HTTP {resp.status}: {snippet}", resp.status)
        return conn, resp

    def generate(self):
        body = json.dumps({"model": self.model, "prompt": PROMPT, "stream": True})
        conn, resp = self._open("POST", "/api/generate", body)
        try:
            while True:
                line = resp.readline()
                if not line:
                    raise RequestFailed("stream ended before an object with done: true")
                if not line.strip():
                    continue
                obj = json.loads(line)
                if "error" in obj:
                    raise RequestFailed(f"error in stream: {obj['error']}")
                if obj.get("done") is True:
                    resp.read()  # the rest of the chunked body, so the stream ends cleanly
                    return
        finally:
            conn.close()

    def tags(self):
        conn, resp = self._open("GET", "/api/tags")
        try:
            names = {m.get("name") for m in json.loads(resp.read()).get("models", [])}
        finally:
            conn.close()
        wanted = self.model if ":" in self.model else self.model + ":latest"
        if wanted not in names:
            raise RequestFailed(f"{wanted} is not listed by /api/tags ({len(names)} models)")


def iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).isoformat(timespec="milliseconds")


def run(client, should_stop, interval):
    """Loop until should_stop(); return the report (without the run's end reason)."""
    started_wall, started = time.time(), time.monotonic()
    report = {"requests": 0, "ok": 0, "failed": 0, "failures": [],
              "by_request": {"generate": {"ok": 0, "failed": 0}, "tags": {"ok": 0, "failed": 0}}}
    last_ok, longest_gap = started, 0.0
    kinds = (("generate", client.generate), ("tags", client.tags))
    while True:
        name, call = kinds[report["requests"] % 2]
        report["requests"] += 1
        try:
            call()
        except Exception as exc:  # whatever went wrong, this user got no answer
            report["failed"] += 1
            report["by_request"][name]["failed"] += 1
            if len(report["failures"]) < MAX_FAILURES_KEPT:
                failure = {"time": iso(time.time()), "at_seconds": round(time.monotonic() - started, 3),
                           "request": name, "error": f"{type(exc).__name__}: {exc}"}
                if getattr(exc, "status", None) is not None:
                    failure["status"] = exc.status
                report["failures"].append(failure)
        else:
            now = time.monotonic()
            longest_gap = max(longest_gap, now - last_ok)
            last_ok = now
            report["ok"] += 1
            report["by_request"][name]["ok"] += 1
        # A full round (both kinds) before the first check, so a report never rests on nothing.
        reason = should_stop() if report["requests"] >= 2 else None
        if reason:
            break
        time.sleep(interval)
    ended = time.monotonic()
    report["longest_gap_seconds"] = round(max(longest_gap, ended - last_ok), 3)
    report["started"] = iso(started_wall)
    report["ended"] = iso(started_wall + (ended - started))
    report["duration"] = round(ended - started, 3)
    report["stopped_by"] = reason
    return report


def stopper(stop_file, max_seconds):
    deadline = time.monotonic() + max_seconds
    signalled = []
    signal.signal(signal.SIGTERM, lambda *_: signalled.append(True))

    def should_stop():
        if signalled:
            return "signal"
        if stop_file and os.path.exists(stop_file):
            return "stop-file"
        if time.monotonic() >= deadline:
            return "max-seconds"
        return None

    return should_stop


def write_out(path, report):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(report, fh, indent=2)
        fh.write("\n")
    os.replace(tmp, path)


def main(argv=None):
    args = parse_args(argv)
    try:
        headers = auth_headers(args)
        context = tls_context(args)
    except (OSError, ValueError, ssl.SSLError) as exc:
        # The message names the file, never its content.
        print(f"upgrade_loop: cannot start: {exc}", file=sys.stderr)
        return 2
    client = Client(args.url, headers, context, args.timeout, args.model)
    report = run(client, stopper(args.stop_file, args.max_seconds), args.interval)
    if args.out:
        write_out(args.out, report)
    print(json.dumps(report, indent=2))
    return 0 if report["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

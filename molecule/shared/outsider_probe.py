"""What an anonymous outsider can do to Ollama servers: run on the lab's client.

Stdlib only (it runs inside the client container). Every probe is one that cannot
change state on the target (see reference/ollama.md, "Non-destructive probes"):
nonexistent model names and empty bodies only.

    outsider_probe.py [--json] HOST[:PORT] ...

Each probe ends in one state: OPEN (Ollama itself answered), blocked (something else answered,
or the connection was accepted and closed without an answer), closed (connection refused:
nothing listens, or a firewall rejects), or one that means the probe could not look: UNRESOLVED (the name does not
resolve), NO ROUTE, TIMEOUT, TLS FAILURE, RATE LIMITED (429), ERROR. Those are never "closed".

Exit status: 0 when every target was examined, 3 when any could not be (a reason line says
which and why), 2 for bad arguments.
"""

import argparse
import errno
import http.client
import json
import socket
import ssl
import sys
import uuid
from urllib.parse import urlsplit

EXIT_NOT_EXAMINED = 3

# state -> (label in the table, what it means); only "open", "closed" and "refused" were examined.
STATES = {
    "open": ("OPEN", "Ollama answered"),
    "blocked": ("blocked", "answered, but not Ollama (or closed the connection without an answer)"),
    "refused": ("closed", "connection refused: nothing listens there, or a firewall rejects"),
    "unresolved": ("UNRESOLVED", "the name does not resolve"),
    "no_route": ("NO ROUTE", "no route to the host"),
    "timeout": ("TIMEOUT", "no answer within the timeout (dropped, or the host is down)"),
    "tls": ("TLS FAILURE", "the TLS handshake failed"),
    "rate_limited": ("RATE LIMITED", "429 Too Many Requests"),
    "error": ("ERROR", "the request failed"),
}
EXAMINED = ("open", "blocked", "refused")
_NO_ROUTE = (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ENETDOWN, errno.EHOSTDOWN)

PROBES = [
    # (name, method, path, body, what "open" looks like)
    ("banner", "GET", "/", None, "200 'Ollama is running'"),
    ("version", "GET", "/api/version", None, "200 with the version"),
    ("list models", "GET", "/api/tags", None, "200 with the models"),
    ("running models", "GET", "/api/ps", None, "200 {\"models\": ...}"),
    ("generate", "POST", "/api/generate", {"model": "{missing}"}, "404 model not found"),
    ("openai chat", "POST", "/v1/chat/completions",
     {"model": "{missing}", "messages": [{"role": "user", "content": "hi"}]}, "404 not found"),
    ("delete model", "DELETE", "/api/delete", {"model": "{missing}"}, "404 model not found"),
    ("pull model", "POST", "/api/pull", "", "400 missing request body"),
    ("push model", "POST", "/api/push", "", "400 missing request body"),
    ("create model", "POST", "/api/create", "", "400 missing request body"),
]


def classify_error(exc):
    """(state, text) of a request that got no HTTP answer. Only a refused connection is closed."""
    if isinstance(exc, socket.gaierror):
        return "unresolved", f"name does not resolve ({exc.strerror or exc})"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timeout", "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "refused", "connection refused"
    if isinstance(exc, ssl.SSLError):
        return "tls", f"TLS failure ({getattr(exc, 'reason', None) or exc})"
    if isinstance(exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)):
        # The port accepted the connection, then the server closed it unanswered (nginx's 444).
        return "blocked", "connection closed without an answer"
    if isinstance(exc, OSError) and exc.errno in _NO_ROUTE:
        return "no_route", f"no route to host ({exc.strerror or exc})"
    return "error", f"{exc.__class__.__name__}: {exc}"


def probe(base, method, path, body, timeout=5):
    """(status, text, failure): status None when nothing answered, failure then (state, why)."""
    parts = urlsplit(base)
    data = None
    if body is not None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    if parts.scheme == "https":
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # an outsider takes any certificate
        conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout, context=ctx)
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    headers = {"Content-Type": "application/json"} if data is not None else {}
    try:
        conn.request(method, (parts.path or "") + path, body=data, headers=headers)
        response = conn.getresponse()
        return response.status, response.read(65536).decode(errors="replace"), None
    except Exception as exc:  # every network failure is a result with its reason
        return None, "", classify_error(exc)
    finally:
        conn.close()


def state_of(name, status, text, failure):
    """The probe's state (see STATES)."""
    if status is None:
        return failure[0]
    if status == 429:
        return "rate_limited"
    return "open" if reachable(name, status, text) else "blocked"


def reachable(name, status, text):
    """True when the answer is Ollama's own, i.e. nothing stood in the way."""
    if status is None:
        return False
    if name == "banner":
        return status == 200 and "Ollama is running" in text
    if name in ("version", "list models", "running models"):
        return status == 200
    if name in ("pull model", "push model", "create model"):
        return status == 400 and "missing request body" in text
    return status == 404 and "not found" in text


def survey(target, timeout=5):
    base = target if "://" in target else f"http://{target}"
    if urlsplit(base).port is None:
        base += ":11434"
    missing = f"aisec-probe-{uuid.uuid4().hex[:12]}"
    results = []
    disclosed = {}
    unanswered = None
    for name, method, path, body, meaning in PROBES:
        if isinstance(body, dict):
            body = json.loads(json.dumps(body).replace("{missing}", missing))
        # No connection at all (refused, unresolved, dropped): the other probes would only say
        # (or wait for) the same again. A connection closed unanswered is per request: go on.
        if unanswered:
            status, text, failure = None, "", unanswered
        else:
            status, text, failure = probe(base, method, path, body, timeout)
            if failure and failure[0] not in ("blocked", "error"):
                unanswered = failure
        state = state_of(name, status, text, failure)
        results.append({"probe": name, "method": method, "path": path, "status": status, "state": state,
                        "reachable": state == "open", "why": failure[1] if failure else None,
                        "open_means": meaning, "body": text[:300]})
        if state == "open" and name in ("version", "list models"):
            disclosed.update(disclosure(name, text))
    not_examined = [r for r in results if r["state"] not in EXAMINED]
    reason = None
    if not_examined:
        first = not_examined[0]
        reason = f"{STATES[first['state']][0]}: {first['why'] or STATES[first['state']][1]}"
    return {"target": base, "probes": results, "disclosed": disclosed,
            "examined": not not_examined, "reason": reason}


def disclosure(name, text):
    """What an open read endpoint hands out: the version, the model names."""
    try:
        document = json.loads(text)
    except ValueError:
        return {}
    if name == "version":
        return {"version": document.get("version")}
    return {"models": [m.get("name") for m in document.get("models", [])]}


def print_table(report):
    print(f"\n{report['target']}")
    disclosed = report["disclosed"]
    if disclosed:
        models = ", ".join(disclosed.get("models") or []) or "none"
        print(f"  tells anyone: Ollama {disclosed.get('version', '?')}, models: {models}")
    for r in report["probes"]:
        label = STATES[r["state"]][0]
        answer = r["status"] if r["status"] is not None else (r["why"] or "no answer")
        print(f"  {label:12} {r['method']:6} {r['path']:22} -> {answer}  ({r['probe']})")
    opened = sum(r["reachable"] for r in report["probes"])
    print(f"  {opened}/{len(report['probes'])} probes reached Ollama without credentials")
    if not report["examined"]:
        print(f"  NOT EXAMINED: {report['reason']} (nothing is known about what is closed here)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--timeout", type=float, default=5, help="seconds per request (default 5)")
    parser.add_argument("targets", nargs="+")
    args = parser.parse_args(argv)
    reports = [survey(t, args.timeout) for t in args.targets]
    if args.json:
        json.dump(reports, sys.stdout, indent=2)
        print()
    else:
        for report in reports:
            print_table(report)
    missed = [r for r in reports if not r["examined"]]
    for report in missed:  # on stderr: the JSON on stdout stays one document
        print(f"outsider probe: could not examine {report['target']}: {report['reason']}", file=sys.stderr)
    return EXIT_NOT_EXAMINED if missed else 0


if __name__ == "__main__":
    sys.exit(main())

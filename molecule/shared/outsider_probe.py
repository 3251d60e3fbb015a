"""What an anonymous outsider can do to Ollama servers: run on the lab's client.

Stdlib only (it runs inside the client container). Every probe is one that cannot
change state on the target (see reference/ollama.md, "Non-destructive probes"):
nonexistent model names and empty bodies only.

    outsider_probe.py [--json] HOST[:PORT] ...
"""

import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid

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


def probe(base, method, path, body, timeout=5):
    data = None
    if body is not None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(4096).decode(errors="replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read(65536).decode(errors="replace")
    except (urllib.error.URLError, OSError) as err:
        return None, str(getattr(err, "reason", err))


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


def survey(target):
    base = target if "://" in target else f"http://{target}"
    if base.count(":") < 2:
        base += ":11434"
    missing = f"aisec-probe-{uuid.uuid4().hex[:12]}"
    results = []
    disclosed = {}
    unreachable = None
    for name, method, path, body, meaning in PROBES:
        if isinstance(body, dict):
            body = json.loads(json.dumps(body).replace("{missing}", missing))
        # Nothing answered at all (refused, dropped): the other probes would only wait again.
        status, text = (None, unreachable) if unreachable else probe(base, method, path, body)
        if status is None:
            unreachable = text
        open_ = reachable(name, status, text)
        results.append({"probe": name, "method": method, "path": path, "status": status,
                        "reachable": open_, "open_means": meaning, "body": text[:300]})
        if open_ and name in ("version", "list models"):
            disclosed.update(disclosure(name, text))
    return {"target": base, "probes": results, "disclosed": disclosed}


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
        verdict = "OPEN   " if r["reachable"] else "closed "
        status = r["status"] if r["status"] is not None else "no answer"
        print(f"  {verdict} {r['method']:6} {r['path']:22} -> {status}  ({r['probe']})")
    opened = sum(r["reachable"] for r in report["probes"])
    print(f"  {opened}/{len(report['probes'])} probes reached Ollama without credentials")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("targets", nargs="+")
    args = parser.parse_args(argv)
    reports = [survey(t) for t in args.targets]
    if args.json:
        json.dump(reports, sys.stdout, indent=2)
    else:
        for report in reports:
            print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())

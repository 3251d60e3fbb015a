"""What the monitoring scenario's test files share: the lab's settings, requests from the lab's
clients to a target's proxy, the alerts in a target's journal, and the secrets grep."""

import base64
import json
import os
import shlex
import time
from pathlib import Path

import yaml

SCENARIO_DIR = Path(__file__).resolve().parents[1]
LAB = yaml.safe_load((SCENARIO_DIR / "vars" / "lab.yml").read_text())
USER = LAB["proxy_basic_auth_users"][0]
KEY = LAB["proxy_api_keys"][0]["key"]
SECRETS = [USER["password"], KEY, LAB["monitoring_lab_wrong_password"], LAB["monitoring_lab_query_secret"]]
GENERATE = json.dumps({"model": "emu-tiny", "prompt": "hi", "options": {"num_predict": 2}})
ACCESS_LOG = "/var/log/nginx/aisec-ollama-access.json"

# Run on a client: N requests to TARGET (a new connection each), then new TCP connections every
# 50 ms until one fails; prints the statuses and the delay from the Nth answer to the first failed
# connection (null when every connection still worked after 30 s).
ATTACK_SCRIPT = r"""
import http.client, json, socket, ssl, sys, time
target, n, method, path, headers, body = sys.argv[1:7]
ctx = ssl.create_default_context(cafile="/tmp/aisec-proxy-ca-%s.crt" % target)
statuses = []
for _request in range(int(n)):
    conn = http.client.HTTPSConnection(target, 443, context=ctx, timeout=10)
    conn.request(method, path, body=body or None, headers=dict(json.loads(headers), Connection="close"))
    response = conn.getresponse()
    response.read()
    statuses.append(response.status)
    conn.close()
last = time.monotonic()
delay = None
while time.monotonic() - last < 30:
    try:
        socket.create_connection((target, 443), timeout=0.3).close()
    except OSError:
        delay = time.monotonic() - last
        break
    time.sleep(0.05)
print(json.dumps({"statuses": statuses, "delay": delay}))
"""


def attack(who, target, count, method, path, headers, body=""):
    """Run ATTACK_SCRIPT on client `who`; its result plus `at`, when this side saw it end."""
    args = [ATTACK_SCRIPT, target, str(count), method, path, json.dumps(headers), body]
    run = who.run(shlex.join(["python3", "-c", *args]))
    assert run.rc == 0, run.stderr
    return dict(json.loads(run.stdout), at=time.monotonic())


def record(name, result):
    """Keep a measured ban in the scenario's ephemeral folder (NAME.json), for the closing figures."""
    Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/tmp"), f"{name}.json").write_text(json.dumps(result))


def wrong_passwords(who, target):
    """monitoring_auth_failures wrong passwords (and a secret in the query string) from `who`."""
    auth = "{}:{}".format(USER["name"], LAB["monitoring_lab_wrong_password"])
    header = {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()}
    path = "/api/tags?token=" + LAB["monitoring_lab_query_secret"]
    return attack(who, target, LAB["monitoring_auth_failures"], "GET", path, header)


def address(who):
    return next(a for a in who.run("hostname -i").stdout.split() if ":" not in a)


def curl(who, path, *args, target="monitoring-target", timeout=10):
    """(curl exit code, HTTP status) of one request from a lab client to a target's proxy."""
    cmd = [
        "curl",
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--cacert",
        f"/tmp/aisec-proxy-ca-{target}.crt",
        "--connect-timeout",
        "3",
        "--max-time",
        str(timeout),
        *args,
        f"https://{target}{path}",
    ]
    result = who.run(shlex.join(cmd))
    return result.rc, int(result.stdout) if result.stdout.strip().isdigit() else 0


def with_key(who, target="monitoring-target"):
    """A user's request (GET /api/tags with the lab's API key) from `who`."""
    return curl(who, "/api/tags", "-H", "Authorization: Bearer " + KEY, target=target)


def alerts(target, rule, addr):
    """The alerts of one rule for one address in the journal (identifier, priority warning)."""
    out = target.run("journalctl -t aisec-ollama-monitor -p warning --no-pager -o cat").stdout
    found = []
    for line in out.splitlines():
        if line.startswith(f"ALERT {rule} "):
            alert = json.loads(line.split(" ", 2)[2])
            if alert["address"] == addr:
                found.append(alert)
    return found


def wait_for(check, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


def assert_no_secret_on_host(target):
    """No test secret in any file under /var/log, fail2ban's and the daemon's state, or the journal."""
    for secret in SECRETS:
        files = target.run(
            f"grep -rlF -- {shlex.quote(secret)} /var/log /var/lib/fail2ban /var/lib/aisec-ollama-monitor"
        )
        assert files.stdout == "", f"{secret[:12]} found in {files.stdout}"
        journal = target.run(f"journalctl --no-pager -o cat | grep -cF -- {shlex.quote(secret)}")
        assert journal.stdout.strip() == "0", "a test secret is in the journal"
    # And the greps could find something: the log they searched is not empty.
    assert target.file(ACCESS_LOG).size > 0

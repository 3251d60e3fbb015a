"""Monitoring's cost and speed: proxy request rate with aisec.ollama.monitoring on vs off, and
the delay from the Nth failed authentication to the ban taking effect, in the firewall's set
(monitoring-target) and through fail2ban's own nftables action (monitoring-nofw, no firewall role).

Runs against the molecule lab of the monitoring scenario (create and converge it first; the bench
re-applies the proxy with rate limits high enough not to interfere):

    scripts/molecule.sh create monitoring && scripts/molecule.sh prepare monitoring
    scripts/molecule.sh converge monitoring
    .venv/bin/python benchmarks/run.py monitoring
    scripts/molecule.sh converge monitoring   # put the scenario's settings back afterwards

- Request rate: GET /api/tags with the lab's API key over 8 keep-alive connections for a few
  seconds, from client 2 (a management address: never banned), in alternating rounds with
  monitoring off (the daemon, fail2ban and rsyslog stopped) and on; the median of each.
  Baseline: off.
- Ban delay, on each target: client 1 sends monitoring_auth_failures wrong passwords, then opens
  a new TCP connection every 50 ms until one fails; unbanned afterwards with the documented
  command (fail2ban-client set aisec-ollama-auth unbanip ADDRESS). Baseline: the median in the
  firewall's set.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, report, with_ratios
from lab import ROOT, apply_playbook, podman

TARGET, CLIENT, CLIENT2 = "monitoring-target", "monitoring-client", "monitoring-client2"
# Where bans go: the firewall role's set on TARGET, fail2ban's own nftables action on NOFW.
NOFW = "monitoring-nofw"
LAB_VARS = ROOT / "molecule" / "monitoring" / "vars" / "lab.yml"
ROUNDS = int(os.environ.get("BENCH_MONITORING_ROUNDS", "3"))
RPS_SECONDS = float(os.environ.get("BENCH_MONITORING_RPS_SECONDS", "4"))
BAN_RUNS = int(os.environ.get("BENCH_MONITORING_BAN_RUNS", "5"))
SERVICES = ["aisec-ollama-monitor", "fail2ban", "rsyslog"]

PLAYBOOK = """
- name: Apply the proxy with the benchmark's rate limits
  hosts: {target}
  gather_facts: false
  vars_files: [{lab_vars}]
  roles:
    - role: aisec.ollama.proxy
      vars:
        proxy_allowed_cidrs: {cidrs}
        proxy_connection_limit: 1000
        proxy_rate_limits:
          inference: {{rate: 10000r/s, burst: 10000}}
          read: {{rate: 10000r/s, burst: 10000}}
          embed: {{rate: 10000r/s, burst: 10000}}
          management: {{rate: 1r/m, burst: 0}}
"""

LOAD = r"""
import http.client, json, ssl, sys, threading, time
key, seconds = sys.argv[1], float(sys.argv[2])
ctx = ssl.create_default_context(cafile="/tmp/aisec-proxy-ca-monitoring-target.crt")
count, lock = [0], threading.Lock()
deadline = time.perf_counter() + seconds
def worker():
    conn = http.client.HTTPSConnection("monitoring-target", 443, context=ctx, timeout=30)
    done = 0
    while time.perf_counter() < deadline:
        conn.request("GET", "/api/tags", headers={"Authorization": "Bearer " + key})
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200, resp.status
        done += 1
    with lock:
        count[0] += done
threads = [threading.Thread(target=worker) for _t in range(8)]
started = time.perf_counter()
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"rps": count[0] / (time.perf_counter() - started)}))
"""

BAN = r"""
import base64, http.client, json, socket, ssl, sys, time
target, n, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile="/tmp/aisec-proxy-ca-%s.crt" % target)
auth = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
for _ in range(n):
    conn = http.client.HTTPSConnection(target, 443, context=ctx, timeout=10)
    conn.request("GET", "/api/tags", headers={"Authorization": auth, "Connection": "close"})
    assert conn.getresponse().status == 401
    conn.close()
last = time.monotonic()
while time.monotonic() - last < 30:
    try:
        socket.create_connection((target, 443), timeout=0.3).close()
    except OSError:
        print(json.dumps({"delay": time.monotonic() - last}))
        sys.exit(0)
    time.sleep(0.05)
print(json.dumps({"delay": None}))
"""


def address(container: str) -> str:
    return next(a for a in podman("exec", container, "hostname", "-i").split() if ":" not in a)


def ban_delays(target: str, lab: dict) -> list[float]:
    """BAN_RUNS delays (s) from client 1's Nth wrong password to its ban on `target`."""
    delays = []
    client_ip = address(CLIENT)
    for _run in range(BAN_RUNS):
        out = podman(
            "exec",
            CLIENT,
            "python3",
            "-c",
            BAN,
            target,
            str(lab["monitoring_auth_failures"]),
            lab["proxy_basic_auth_users"][0]["name"],
            lab["monitoring_lab_wrong_password"],
        )
        delay = json.loads(out)["delay"]
        if delay is None:
            sys.exit(f"client 1 was not banned on {target} within 30 s")
        delays.append(delay)
        podman("exec", target, "fail2ban-client", "set", "aisec-ollama-auth", "unbanip", client_ip)
    return delays


def apply_bench_config(cidrs: list[str]) -> None:
    apply_playbook(TARGET, PLAYBOOK.format(target=TARGET, lab_vars=LAB_VARS, cidrs=json.dumps(cidrs)))


def main() -> None:
    for name in (TARGET, NOFW, CLIENT, CLIENT2):
        if subprocess.run(["podman", "container", "exists", name], check=False).returncode:
            sys.exit(
                "bench_monitoring needs the monitoring lab: scripts/molecule.sh create monitoring && "
                "scripts/molecule.sh prepare monitoring && scripts/molecule.sh converge monitoring"
            )
    import yaml

    lab = yaml.safe_load(LAB_VARS.read_text())
    key = lab["proxy_api_keys"][0]["key"]
    apply_bench_config([f"{address(CLIENT)}/32", f"{address(CLIENT2)}/32", "127.0.0.0/8"])

    rates: dict[str, list[float]] = {"off": [], "on": []}
    try:
        for _round in range(ROUNDS):
            for state, verb in (("off", "stop"), ("on", "start")):
                podman("exec", TARGET, "systemctl", verb, *SERVICES)
                out = podman("exec", CLIENT2, "python3", "-c", LOAD, key, str(RPS_SECONDS))
                rates[state].append(json.loads(out)["rps"])
    finally:
        podman("exec", TARGET, "systemctl", "start", *SERVICES)

    delays = {name: ban_delays(name, lab) for name in (TARGET, NOFW)}

    off = Row("requests/s, monitoring off", statistics.median(rates["off"]), "req/s")
    on = Row("requests/s, monitoring on", statistics.median(rates["on"]), "req/s")
    rows = with_ratios(off, [off, on])
    ban_rows = []
    for name, where in ((TARGET, "firewall's set"), (NOFW, "fail2ban's own action")):
        for stat, fn in ((f"median of {BAN_RUNS}", statistics.median), (f"max of {BAN_RUNS}", max)):
            ban_rows.append(
                Row(
                    f"ban delay after the Nth failure, {where}: {stat}",
                    fn(delays[name]) * 1000,
                    "ms",
                    higher_is_better=False,
                )
            )
    rows += with_ratios(ban_rows[0], ban_rows)
    report(
        "monitoring",
        rows,
        notes=(
            f"molecule monitoring lab, {ROUNDS} alternating rounds of {RPS_SECONDS:g}s "
            f"GET /api/tags on 8 keep-alive connections per state "
            f"(rounds off: {[round(r) for r in rates['off']]}, on: "
            f"{[round(r) for r in rates['on']]}); ban delays (s): "
            f"{ {name: [round(d, 2) for d in runs] for name, runs in delays.items()} }"
        ),
    )


if __name__ == "__main__":
    main()

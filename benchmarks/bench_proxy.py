"""Proxy overhead: direct to Ollama (the emulator) versus through aisec.ollama.proxy's nginx.

nginx is not installed on the controller, so this runs against the molecule lab of the proxy
scenario (create and converge it first; the bench re-applies the role with its own settings):

    scripts/molecule.sh create proxy && scripts/molecule.sh converge proxy
    .venv/bin/python benchmarks/run.py proxy
    scripts/molecule.sh converge proxy      # put the scenario's settings back afterwards

The bench applies the role with `proxy_satisfy: any`, the client in the allowlist (so it
passes without a credential: the "no auth" case) and the stranger outside it (so it must
authenticate: the basic and bearer cases), and rate limits high enough not to interfere.
Measured from inside the lab's client containers, all over the same podman network:
- time to first token and inter-chunk gap of streamed /api/generate (emulator paced at 20
  tokens/s as the scenario sets it; a new connection per request, so TLS handshakes count);
- requests per second of GET /api/tags over 8 keep-alive connections for a few seconds;
- the cost of verifying one htpasswd hash with the C library's crypt(), the call nginx makes
  on every basic-auth request, for the schemes nginx accepts.
Ratios are against direct access (and against SHA-512-crypt for the hashes) from the same run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, report, with_ratios
from lab import ROOT, apply_playbook, podman

TARGET, CLIENT, STRANGER = "proxy-target", "proxy-client", "proxy-stranger"
LAB_VARS = ROOT / "molecule" / "proxy" / "vars" / "lab.yml"
STREAM_RUNS = int(os.environ.get("BENCH_PROXY_STREAM_RUNS", "15"))
RPS_SECONDS = float(os.environ.get("BENCH_PROXY_RPS_SECONDS", "4"))
SHORT_PASSWORD = "bench-short-1"  # noqa: S105 - a benchmark-only credential of 13 characters

PLAYBOOK = """
- name: Apply the proxy with the benchmark's settings
  hosts: proxy-target
  gather_facts: false
  vars_files: [{lab_vars}]
  roles:
    - role: aisec.ollama.proxy
      vars:
        proxy_allowed_cidrs: ["{client_ip}/32"]
        proxy_satisfy: any
        proxy_connection_limit: 1000
        # The lab's user (a 16+ character password: 1000 rounds with proxy_basic_auth_hash_rounds
        # auto) and one with a 12-15 character password (5000 rounds), to compare both costs.
        proxy_basic_auth_users: {users}
        proxy_rate_limits:
          inference: {{rate: 10000r/s, burst: 10000}}
          read: {{rate: 10000r/s, burst: 10000}}
          embed: {{rate: 10000r/s, burst: 10000}}
          management: {{rate: 1r/m, burst: 0}}
"""

# Runs inside a lab client (python3 stdlib only). Argument: a JSON case description.
LOAD = r"""
import base64, http.client, json, ssl, statistics, sys, threading, time
case = json.loads(sys.argv[1])
ctx = ssl.create_default_context(cafile="/tmp/aisec-proxy-ca-proxy-target.crt") if case["tls"] else None
headers = {"Content-Type": "application/json"}
if case.get("auth"):
    headers["Authorization"] = case["auth"]

def connect():
    if ctx:
        return http.client.HTTPSConnection(case["host"], case["port"], context=ctx, timeout=30)
    return http.client.HTTPConnection(case["host"], case["port"], timeout=30)

body = json.dumps({"model": "emu-tiny", "prompt": "benchmark", "options": {"num_predict": 10}})
ttfts, gaps = [], []
for _run in range(case["stream_runs"]):
    conn = connect()
    start = time.perf_counter()
    conn.request("POST", "/api/generate", body=body, headers=headers)
    resp = conn.getresponse()
    assert resp.status == 200, resp.status
    arrivals = []
    while True:
        line = resp.readline()
        if not line:
            break
        arrivals.append(time.perf_counter())
    conn.close()
    ttfts.append(arrivals[0] - start)
    gaps.extend(b - a for a, b in zip(arrivals[:-2], arrivals[1:-1]))  # the last line is the summary

count = [0]
lock = threading.Lock()
deadline = time.perf_counter() + case["rps_seconds"]

def worker():
    conn = connect()
    done = 0
    while time.perf_counter() < deadline:
        conn.request("GET", "/api/tags", headers=headers)
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200, resp.status
        done += 1
    with lock:
        count[0] += done

threads = [threading.Thread(target=worker) for _t in range(8)]
started = time.perf_counter()
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"ttft": statistics.median(ttfts), "gap": statistics.median(gaps),
                  "rps": count[0] / (time.perf_counter() - started)}))
"""

HASHES = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
try:
    import crypt
except ImportError:  # removed in Python 3.13
    print(json.dumps({"skipped": "the target's Python %d.%d has no crypt module (removed in 3.13)"
                      % sys.version_info[:2]}))
    sys.exit(0)
schemes = {"sha512-crypt 5000 rounds (passwords of 12-15 chars)": crypt.mksalt(crypt.METHOD_SHA512),
           "sha512-crypt 1000 rounds (16+ chars)": crypt.mksalt(crypt.METHOD_SHA512, rounds=1000),
           "bcrypt cost 10": crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024),
           "bcrypt cost 5": crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=32),
           "yescrypt (Debian default)": "$y$j9T$abcdefghabcdefgh",
           "md5-crypt (apr1's algorithm)": crypt.mksalt(crypt.METHOD_MD5)}
out = {}
for name, setting in schemes.items():
    hashed = crypt.crypt("benchmark-password", setting)
    assert hashed and not hashed.startswith("*"), (name, hashed)  # "*0"/"*1": setting refused
    runs = 10 if "bcrypt cost 10" in name or "yescrypt" in name else 100
    start = time.perf_counter()
    for _run in range(runs):
        crypt.crypt("benchmark-password", hashed)
    out[name] = (time.perf_counter() - start) / runs
print(json.dumps(out))
"""


def lab_ready() -> bool:
    return all(subprocess.run(["podman", "container", "exists", name], check=False).returncode == 0
               for name in (TARGET, CLIENT, STRANGER))


def apply_bench_config(client_ip: str, users: list[dict]) -> None:
    apply_playbook(TARGET, PLAYBOOK.format(lab_vars=LAB_VARS, client_ip=client_ip, users=json.dumps(users)))


def run_case(container: str, case: dict) -> dict:
    case = {"stream_runs": STREAM_RUNS, "rps_seconds": RPS_SECONDS, **case}
    return json.loads(podman("exec", container, "python3", "-c", LOAD, json.dumps(case)))


def main() -> None:
    if not lab_ready():
        sys.exit("bench_proxy needs the proxy lab: scripts/molecule.sh create proxy && "
                 "scripts/molecule.sh converge proxy")
    import yaml

    lab = yaml.safe_load(LAB_VARS.read_text())
    user, key = lab["proxy_basic_auth_users"][0], lab["proxy_api_keys"][0]
    client_ip = podman("exec", TARGET, "getent", "ahostsv4", CLIENT).split()[0]
    users = [*lab["proxy_basic_auth_users"], {"name": "bench-short", "password": SHORT_PASSWORD}]
    apply_bench_config(client_ip, users)

    import base64
    basic = "Basic " + base64.b64encode(f"{user['name']}:{user['password']}".encode()).decode()
    basic_short = "Basic " + base64.b64encode(f"bench-short:{SHORT_PASSWORD}".encode()).decode()
    assert len(user["password"]) >= 16 > len(SHORT_PASSWORD) >= 12
    proxied = {"host": TARGET, "port": 443, "tls": True}
    cases = [
        ("direct", CLIENT, {"host": TARGET, "port": 11434, "tls": False}),
        ("proxy, no auth (allowlisted)", CLIENT, proxied),
        ("proxy, basic auth (16+ chars: 1000 rounds)", STRANGER, {**proxied, "auth": basic}),
        ("proxy, basic auth (12-15 chars: 5000 rounds)", STRANGER, {**proxied, "auth": basic_short}),
        ("proxy, bearer key", STRANGER, {**proxied, "auth": "Bearer " + key["key"]}),
    ]
    results = {name: run_case(container, case) for name, container, case in cases}

    rows: list[Row] = []
    for metric, unit, better_high, label in (("ttft", "ms", False, "time to first token"),
                                             ("gap", "ms", False, "inter-chunk gap"),
                                             ("rps", "req/s", True, "requests/s")):
        scale = 1000.0 if unit == "ms" else 1.0
        group = [Row(f"{label}: {name}", results[name][metric] * scale, unit, higher_is_better=better_high)
                 for name, _c, _case in cases]
        rows += with_ratios(group[0], group)

    hashes = json.loads(podman("exec", TARGET, "python3", "-c", HASHES))
    if "skipped" in hashes:
        hash_note = f"htpasswd hashes not timed: {hashes['skipped']}"
        print(f"bench_proxy: skipped the hash timings: {hashes['skipped']}", file=sys.stderr)
    else:
        hash_note = "hashes timed with the target's crypt()"
        group = [Row(f"htpasswd verify: {name}", seconds * 1000.0, "ms", higher_is_better=False)
                 for name, seconds in hashes.items()]
        rows += with_ratios(group[0], group)

    report("proxy", rows, notes=(f"molecule proxy lab, {STREAM_RUNS} streamed generations per case "
                                 f"(emulator paced at 20 tokens/s), {RPS_SECONDS:g}s of GET /api/tags on 8 "
                                 f"keep-alive connections; {hash_note}"))


if __name__ == "__main__":
    main()

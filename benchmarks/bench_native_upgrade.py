"""What a native upgrade does to authorised users: harden.yml moves the harden lab's native Ollama
(aisec.ollama.server) to the next release while a client loops streamed generate and tags through
the proxy. The container role's blue/green upgrade has its own figure in molecule/container (0 failed
requests, asserted there); this is the native path's, for comparison.

Runs against the molecule lab of the harden scenario (create and converge it first):

    scripts/molecule.sh create harden && scripts/molecule.sh prepare harden
    scripts/molecule.sh converge harden
    .venv/bin/python benchmarks/run.py native_upgrade
    scripts/molecule.sh destroy harden   # or converge again: it goes back to 0.32.15

- Baseline: the loop (molecule/container/files/upgrade_loop.py, one new connection per request)
  for BASELINE_SECONDS while nothing changes.
- Upgrade: the same loop during `molecule converge harden` with server_ollama_version 0.33.0 and
  that release's archive (tests/emulator/package.py --version 0.33.0): the server role swaps the
  binary and its handler restarts ollama.service under the proxy.
Both runs use proxy rate limits high enough that the loop is never throttled (the lab's are
applied first, so the upgrade run changes only the release). Figures: failed requests and the
longest gap between successful answers; the ratio is the gap against the baseline's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Row, report, with_ratios
from lab import ROOT, podman, run_venv_tool

TARGET, CLIENT = "harden-target", "harden-client"
NEXT_VERSION = "0.33.0"
NEXT_RELEASE = ROOT / ".cache" / "release-next"
LOOP = ROOT / "molecule" / "container" / "files" / "upgrade_loop.py"
BASELINE_SECONDS = float(os.environ.get("BENCH_NATIVE_UPGRADE_BASELINE_SECONDS", "20"))
# TEST-ONLY lab credentials (molecule/harden/group_vars/all.yml).
LAB_USER, LAB_PASSWORD = "lab-harden-user", "lab-only-harden-password"
LAB_CA = "/usr/local/share/aisec-proxy-ca.crt"
WORK = "/root/aisec-native-upgrade"  # on the client: the loop's password, stop files and reports
RATES = {"proxy_rate_limits": {kind: {"rate": "100000r/m", "burst": 1000}
                               for kind in ("inference", "embed", "read", "management")}}


def converge(extra_vars: dict) -> float:
    """`molecule converge harden` with extra vars; its duration in seconds."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(extra_vars, fh)
    start = time.monotonic()
    result = run_venv_tool("molecule", "converge", "-s", "harden", "--", "-e", f"@{fh.name}",
                           ANSIBLE_FORCE_COLOR="false")
    os.unlink(fh.name)
    if result.returncode:
        sys.exit(f"molecule converge harden failed:\n{result.stdout[-4000:]}")
    return time.monotonic() - start


def start_loop(name: str) -> None:
    """Start the loop on the client in the background; it stops when WORK/NAME.stop exists."""
    podman("exec", CLIENT, "rm", "-f", f"{WORK}/{name}.stop", f"{WORK}/{name}.json")
    podman("exec", "-d", CLIENT, "python3", "/usr/local/bin/upgrade_loop.py", "--url", f"https://{TARGET}",
           "--user", LAB_USER, "--password-file", f"{WORK}/password", "--cafile", LAB_CA,
           "--model", "emu-tiny", "--stop-file", f"{WORK}/{name}.stop", "--max-seconds", "1200",
           "--out", f"{WORK}/{name}.json")


def stop_loop(name: str) -> dict:
    podman("exec", CLIENT, "touch", f"{WORK}/{name}.stop")
    for _attempt in range(120):
        out = subprocess.run(["podman", "exec", CLIENT, "cat", f"{WORK}/{name}.json"],
                             check=False, capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            return json.loads(out.stdout)
        time.sleep(0.5)
    sys.exit(f"the loop {name} wrote no report")


def row(case: str, loop: dict, **extra) -> Row:
    return Row(case, loop["longest_gap_seconds"], "s gap", higher_is_better=False,
               extra={"requests": loop["requests"], "failed": loop["failed"],
                      "failures": loop["failures"][:5], **extra})


def main() -> None:
    for name in (TARGET, CLIENT):
        podman("container", "exists", name)
    subprocess.run([sys.executable, str(ROOT / "tests" / "emulator" / "package.py"), "--out", str(NEXT_RELEASE),
                    "--version", NEXT_VERSION], check=True, capture_output=True)
    next_sha = (NEXT_RELEASE / "sha256sum.txt").read_text().split()[0]
    podman("cp", str(LOOP), f"{CLIENT}:/usr/local/bin/upgrade_loop.py")
    podman("exec", CLIENT, "install", "-d", "-m", "0700", WORK)
    with tempfile.NamedTemporaryFile("w", delete=False) as fh:
        fh.write(LAB_PASSWORD)
    podman("cp", fh.name, f"{CLIENT}:{WORK}/password")
    os.unlink(fh.name)

    converge(RATES)  # the lab as converged, with limits the loop never reaches
    start_loop("native-baseline")
    time.sleep(BASELINE_SECONDS)
    baseline = stop_loop("native-baseline")

    start_loop("native-upgrade")
    time.sleep(3)
    seconds = converge({**RATES, "server_ollama_version": NEXT_VERSION,
                        "server_archive_path": str(NEXT_RELEASE / "ollama-linux-amd64.tgz"),
                        "server_archive_sha256": next_sha})
    time.sleep(3)
    upgrade = stop_loop("native-upgrade")
    served = podman("exec", TARGET, "ollama", "--version").strip()  # the running server answers

    rows = with_ratios(row("no upgrade (baseline)", baseline),
                       [row(f"native upgrade to {NEXT_VERSION}", upgrade, harden_seconds=round(seconds, 1),
                            served_after=served)])
    for r in rows:
        print(f"  {r.case}: {r.extra['requests']} requests, {r.extra['failed']} failed")
    report("native_upgrade", rows, notes=f"harden.yml run {seconds:.1f} s; afterwards: {served}")


if __name__ == "__main__":
    main()

"""How long playbooks/harden.yml takes on 1, 2 and 4 native hosts, first run and re-run (issue 14).

Builds its own lab (fixed names, nothing else touched): targets bench-h1..bench-h4 (systemd,
localhost/aisec-target:latest, NET_ADMIN) and the client bench-client on the podman network
aisec-bench, as molecule/shared/create.yml starts them. For each size the targets are started
fresh, made exposed (molecule/shared/exposed_native.yml and ssh_standin.yml), then harden.yml
runs twice over the podman connection with the fleet lab's inputs (molecule/fleet/group_vars,
native hosts only, monitoring off): the first run, then the re-run, which must change nothing
(changed=0 in the recap on every host; otherwise the row is marked void).

    .venv/bin/python benchmarks/run.py harden      # 30-45 min on 2 busy cores

Figures: seconds per run (one sample each: on a shared machine equal re-runs spread by +-30 %);
ratios re-run / first run (goal <= 0.35) and 4 hosts / 1 host (goal <= 1.5). Every run has
ansible.posix.profile_tasks on; the report adds the top tasks of each run, tasks per host from
the recap, and the podman calls ("round trips") of the 1-host re-run, counted from a separate
-vvv re-run. Settings tried on 1-host re-runs: pipelining off (the podman connection has no
pipelining, has_pipelining = False, so ANSIBLE_PIPELINING is ignored and this row shows the
run-to-run spread) and an absolute remote_tmp (saves the `echo ~` call before each module);
BENCH_HARDEN_FORKS1=1 adds a 4-host re-run with forks 1 (the default of 5 is >= every size here).
Logs and seconds go to benchmarks/results/harden/; BENCH_HARDEN_SIZES=2,4 replaces only those
sizes' logs, BENCH_HARDEN_FROM_LOGS=1 reports from the logs without running anything. The lab is
removed at the end (BENCH_HARDEN_KEEP=1 keeps it).
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS_DIR, Row, report
from lab import ROOT, remove_lab, run_venv_tool, start_client, start_targets

NETWORK, CLIENT = "aisec-bench", "bench-client"
TARGETS = [f"bench-h{i}" for i in range(1, 5)]
SIZES = [int(s) for s in os.environ.get("BENCH_HARDEN_SIZES", "1,2,4").split(",")]
WORK = RESULTS_DIR / "harden"
FORKS = 5  # Ansible's default; >= every size measured
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)")
PROFILE = re.compile(r"^(.+?) -+ (\d+\.\d+)s$")
REMOTE_SECONDS = 1.0  # a task this long went to the host (controller-only tasks take < 0.5 s)
PODMAN_CALL = re.compile(r"^<(\S+)> RUN \[b'[^']*podman', b'(\w+)'")


FLEET_VARS = ROOT / "molecule" / "fleet" / "group_vars" / "all.yml"


def write_inventory(targets: list[str], client_address: str) -> Path:
    """An inventory of the targets (ollama_native, ollama_servers) and the client. harden.yml's inputs
    are the fleet lab's (molecule/fleet/group_vars/all.yml, linked: TEST-ONLY credentials; its
    container values go unused on native hosts); the client's address is a host variable of each
    target (it beats group_vars), so nothing gathers facts on the client."""
    hosts = {name: {"fleet_client": client_address} for name in targets}
    inventory = {"all": {"vars": {"ansible_connection": "containers.podman.podman"},
                         "children": {"ollama_native": {"hosts": hosts}, "ollama_servers": {"hosts": hosts},
                                      "clients": {"hosts": {CLIENT: {}}}}}}
    group_vars = WORK / "group_vars" / "all.yml"
    group_vars.parent.mkdir(parents=True, exist_ok=True)
    group_vars.unlink(missing_ok=True)
    group_vars.symlink_to(FLEET_VARS)
    path = WORK / "inventory.yml"
    path.write_text(json.dumps(inventory, indent=2) + "\n")  # JSON is YAML
    return path


def playbook(log: str, inventory: Path, *args: str, **env: str) -> float:
    """ansible-playbook ARGS on the lab, its output kept in WORK/LOG.log and its wall time in
    WORK/LOG.seconds; the seconds. Exits on a failed run (removing the lab)."""
    env = {"ANSIBLE_FORCE_COLOR": "false", "ANSIBLE_PIPELINING": "true", "ANSIBLE_FORKS": str(FORKS),
           "MOLECULE_PROJECT_DIRECTORY": str(ROOT), **env}
    start = time.monotonic()
    result = run_venv_tool("ansible-playbook", "-i", str(inventory), *args, **env)
    seconds = time.monotonic() - start
    (WORK / f"{log}.log").write_text(result.stdout + result.stderr)
    if result.returncode:
        remove_lab([*TARGETS, CLIENT], NETWORK)
        sys.exit(f"{log}: ansible-playbook failed (rc {result.returncode}); see {WORK}/{log}.log\n"
                 f"{result.stdout[-3000:]}")
    (WORK / f"{log}.seconds").write_text(f"{seconds:.3f}\n")
    return seconds


def harden(log: str, inventory: Path, *args: str, **env: str) -> float:
    """harden.yml with the per-task profile on; its seconds."""
    env = {"ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks",
           "PROFILE_TASKS_TASK_OUTPUT_LIMIT": "all", **env}
    seconds = playbook(log, inventory, "playbooks/harden.yml", *args, **env)
    print(f"  {log}: {seconds:.1f} s", flush=True)
    return seconds


def fresh_lab(size: int, client_address: str) -> Path:
    """Targets bench-h1..N started fresh and made exposed; the inventory."""
    targets = TARGETS[:size]
    start_targets(targets, NETWORK)
    inventory = write_inventory(targets, client_address)
    seconds = playbook(f"expose-{size}", inventory, "molecule/shared/exposed_native.yml",
                       "molecule/shared/ssh_standin.yml")
    print(f"  {size} host(s): lab exposed in {seconds:.0f} s", flush=True)
    return inventory


def measure() -> None:
    """Every run, its log and seconds in WORK: per size a first run and a re-run on fresh hosts;
    on 1 host a re-run without pipelining and one with -vvv; forks 1 on 4 hosts if asked."""
    for size in SIZES:  # this run's sizes replace their earlier logs; other sizes' logs are kept
        for old in [*WORK.glob(f"*-{size}.*"), *WORK.glob(f"*-{size}-*.*")]:
            old.unlink()
    try:
        client_address = start_client(CLIENT, NETWORK)
        for size in SIZES:
            inventory = fresh_lab(size, client_address)
            harden(f"first-{size}", inventory)
            harden(f"rerun-{size}", inventory)
            if size == 1:
                harden("rerun-1-nopipelining", inventory, ANSIBLE_PIPELINING="false")
                harden("rerun-1-vvv", inventory, "-vvv")
                harden("rerun-1-remotetmp", inventory, ANSIBLE_REMOTE_TMP="/root/.ansible/tmp")
            if size == max(SIZES) and os.environ.get("BENCH_HARDEN_FORKS1") == "1":
                harden(f"rerun-{size}-forks1", inventory, ANSIBLE_FORKS="1")
    finally:
        if os.environ.get("BENCH_HARDEN_KEEP") != "1":
            remove_lab([*TARGETS, CLIENT], NETWORK)


def recap(output: str) -> dict[str, dict[str, int]]:
    """The PLAY RECAP: host -> ok (tasks that ran, changed included), changed, failed, skipped."""
    hosts = {}
    for line in output.splitlines():
        if m := RECAP.match(line.strip()):
            hosts[m[1]] = {"ok": int(m[2]), "changed": int(m[3]), "failed": int(m[5]), "skipped": int(m[6])}
    return hosts


def profile(output: str) -> list[tuple[str, float]]:
    """profile_tasks' list: (task, seconds), longest first."""
    tail = output.split("PLAY RECAP", 1)[-1]
    tasks = [(m[1].strip(), float(m[2])) for line in tail.splitlines() if (m := PROFILE.match(line.strip()))]
    return sorted(tasks, key=lambda t: -t[1])


def podman_calls(output: str) -> dict[str, dict[str, int]]:
    """Per host, the podman subcommands the connection ran (-vvv 'RUN' lines): each one a round trip."""
    calls: dict[str, Counter] = {}
    for line in output.splitlines():
        if m := PODMAN_CALL.match(line):
            calls.setdefault(m[1], Counter())[m[2]] += 1
    return {host: dict(c) for host, c in calls.items()}


def run_of(log: str) -> dict | None:
    """One run read back from WORK: seconds, recap, profile (None if it did not run)."""
    seconds = WORK / f"{log}.seconds"
    if not seconds.exists():
        return None
    output = (WORK / f"{log}.log").read_text()
    tasks = profile(output)
    remote = [s for _name, s in tasks if s >= REMOTE_SECONDS]
    return {"seconds": float(seconds.read_text()), "recap": recap(output), "top": tasks[:10],
            "tasks_over_1s": len(remote), "seconds_in_tasks_over_1s": round(sum(remote), 1),
            "seconds_in_other_tasks": round(sum(s for _n, s in tasks if s < REMOTE_SECONDS), 1),
            "podman_calls": podman_calls(output) if log.endswith("-vvv") else None}


def measured(runs: dict[str, dict]) -> list[int]:
    """The sizes with a first run in the logs (this run's and earlier ones')."""
    return sorted(int(log.split("-")[1]) for log in runs if re.fullmatch(r"first-\d+", log))


def hosts(size: int) -> str:
    return "1 host" if size == 1 else f"{size} hosts"


def rows_for(runs: dict[str, dict]) -> list[Row]:
    """Rows: first run (ratio vs 1 host's), re-run (ratio vs its first run; VOID if it changed
    anything), the settings tried (ratio vs the same re-run with the defaults)."""
    one = runs.get("first-1")
    big = max(measured(runs), default=1)
    rows = []
    for size in measured(runs):
        first, rerun = runs.get(f"first-{size}"), runs.get(f"rerun-{size}")
        if not first or not rerun:
            continue
        void = any(h["changed"] for h in rerun["recap"].values())
        rows.append(Row(f"{hosts(size)}: first run (ratio vs 1 host)", first["seconds"], "s",
                        ratio=first["seconds"] / one["seconds"] if one and size != 1 else None,
                        higher_is_better=False, extra=first))
        rows.append(Row(f"{hosts(size)}: re-run (ratio vs its first run){' VOID: changed > 0' if void else ''}",
                        rerun["seconds"], "s", ratio=rerun["seconds"] / first["seconds"], higher_is_better=False,
                        extra={**rerun, "void": void}))
    for log, case, base in (("rerun-1-nopipelining", "1 host: re-run, pipelining off (ratio vs on)", "rerun-1"),
                            ("rerun-1-vvv", "1 host: re-run with -vvv (podman calls counted)", "rerun-1"),
                            ("rerun-1-remotetmp", "1 host: re-run, remote_tmp absolute (ratio vs ~)", "rerun-1"),
                            (f"rerun-{big}-forks1", f"{hosts(big)}: re-run, forks 1 (ratio vs 5)", f"rerun-{big}")):
        if runs.get(log) and runs.get(base):
            rows.append(Row(case, runs[log]["seconds"], "s", ratio=runs[log]["seconds"] / runs[base]["seconds"],
                            higher_is_better=False, extra=runs[log]))
    return rows


def summary(runs: dict[str, dict]) -> str:
    secs = {log: run["seconds"] for log, run in runs.items()}
    parts = [f"re-run/first {hosts(s)} {secs[f'rerun-{s}'] / secs[f'first-{s}']:.2f}"
             for s in measured(runs) if f"rerun-{s}" in secs]
    big = max(measured(runs), default=1)
    if big != 1 and {"first-1", "rerun-1", f"first-{big}", f"rerun-{big}"} <= secs.keys():
        parts.append(f"{hosts(big)}/1 host: first {secs[f'first-{big}'] / secs['first-1']:.2f}, "
                     f"re-run {secs[f'rerun-{big}'] / secs['rerun-1']:.2f}")
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return (f"pipelining on, forks {FORKS}, gather_facts false (the roles gather minimal subsets themselves); "
            f"{'; '.join(parts)}; goals re-run/first <= 0.35, 4 hosts/1 host <= 1.5; load average when reported {load}")


def main() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    if os.environ.get("BENCH_HARDEN_FROM_LOGS") != "1":
        measure()
    logs = sorted(p.stem for p in WORK.glob("*.seconds") if not p.stem.startswith("expose"))
    runs = {log: run for log in logs if (run := run_of(log))}
    (WORK / "runs.json").write_text(json.dumps(runs, indent=2))
    report("harden", rows_for(runs), notes=summary(runs))


if __name__ == "__main__":
    main()

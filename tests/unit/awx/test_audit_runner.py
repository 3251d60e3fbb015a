# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/audit.yml under ansible-runner (AWX's engine), on localhost: the summary comes back
through set_stats (the stats event's artifact_data in runner's job events, what AWX shows on the
job and passes down a workflow), and report files are never written silently into the
controller's (the execution environment's) filesystem.

The audited "host" is localhost with nothing at the probed ports (loopback port 1): the audit
reads, nothing changes.
"""

import glob
import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from ansible_runs import BIN, REPO, ansible_env, run_playbook

SURVEY = {  # as a survey sends them: strings
    "audit_hosts": "localhost",
    "audit_target": "https://127.0.0.1:1",
    "audit_version_url": "http://127.0.0.1:1",
    "audit_models": "false",
    "audit_fail_on_unexamined": "False",
    "audit_fail_on_verdicts": "exposed,incomplete",
}


LOCAL = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}


def _inventory(path, hosts=None):
    # the hosts in ollama_servers: audit_hosts' default (the survey's) finds them too
    path.write_text(yaml.safe_dump({"all": {"children": {"ollama_servers": {"hosts": hosts or {"localhost": LOCAL}}}}}))


def run_runner(tmp_path, extra, hosts=None, drop=()):
    """Run audit.yml under ansible-runner: SURVEY (minus the names in drop) + extra as extra vars,
    hosts as the inventory (localhost alone by default)."""
    pdd = tmp_path / "runner"
    (pdd / "env").mkdir(parents=True)
    (pdd / "inventory").mkdir()
    _inventory(pdd / "inventory" / "hosts.yml", hosts)
    (pdd / "env" / "envvars").write_text(yaml.safe_dump(ansible_env({})))
    survey = {**{k: v for k, v in SURVEY.items() if k not in drop}, **extra}
    (pdd / "env" / "extravars").write_text(yaml.safe_dump(survey))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWX_", "RUNNER_"))}
    env["PATH"] = f"{BIN}:{env.get('PATH', '')}"
    proc = subprocess.run(
        [
            str(BIN / "ansible-runner"),
            "run",
            str(pdd),
            "--project-dir",
            str(REPO / "playbooks"),
            "-p",
            "audit.yml",
            "--ident",
            "audit",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    artifacts = pdd / "artifacts" / "audit"
    stats = None
    for name in glob.glob(str(artifacts / "job_events" / "*.json")):
        event = json.loads(Path(name).read_text())
        if event.get("event") == "playbook_on_stats":
            stats = event["event_data"].get("artifact_data")
    return proc, artifacts, stats


def test_set_stats_carry_gate_counts_and_per_host_verdicts(tmp_path):
    proc, artifacts, stats = run_runner(tmp_path, {})
    assert (artifacts / "status").read_text() == "successful", proc.stdout[-3000:]
    assert stats["audit_result_gate"] == "passed"
    assert stats["audit_result_counts"] == {"hosts": 1, "pass": 1, "fail": 0, "not_examined": 0, "fails_gate": 0}
    assert stats["audit_result_verdicts"] == {"localhost": "pass"}
    assert stats["audit_result_report"] == ""
    assert [row["host"] for row in stats["audit_result_hosts"]] == ["localhost"]


def test_stats_carry_one_verdict_per_host_also_when_the_gate_fails(tmp_path, start_emulator):
    """Three hosts, three verdicts: an exposed Ollama (fail), nothing listening (pass), a host
    Ansible cannot reach (not_examined). The gate fails the job, and the stats - what a workflow
    branches on and passes to its next nodes - still carry every host's verdict."""
    emulator = start_emulator()
    hosts = {
        "exposed": {**LOCAL, "audit_target": emulator.url},
        "localhost": {**LOCAL, "audit_target": "https://127.0.0.1:1"},
        # ssh to a closed port: unreachable at once, kept in the play by ignore_unreachable
        "gone": {"ansible_host": "127.0.0.1", "ansible_port": 1, "audit_target": "https://127.0.0.1:2"},
    }
    # audit_target per host from the inventory: an extra var would beat the host vars
    proc, artifacts, stats = run_runner(tmp_path, {"audit_hosts": "all"}, hosts=hosts, drop=("audit_target",))
    assert (artifacts / "status").read_text() == "failed", proc.stdout[-3000:]
    assert stats["audit_result_gate"] == "failed"
    assert stats["audit_result_verdicts"] == {"exposed": "fail", "localhost": "pass", "gone": "not_examined"}
    assert stats["audit_result_counts"] == {"hosts": 3, "pass": 1, "fail": 1, "not_examined": 1, "fails_gate": 1}
    rows = {row["host"]: row for row in stats["audit_result_hosts"]}
    assert any("verdict exposed" in reason for reason in rows["exposed"]["breaches"])
    assert any("could not reach" in reason for reason in rows["gone"]["not_examined"])
    assert rows["gone"]["fails_gate"] is False  # audit_fail_on_unexamined is "False" in SURVEY


def test_report_dir_in_the_ee_under_runner_is_refused_before_probing(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    proc, artifacts, stats = run_runner(tmp_path, {"audit_report_dir": str(reports)})
    flat = " ".join(proc.stdout.split())
    assert (artifacts / "status").read_text() == "failed"
    assert "would be written on the controller (localhost)" in flat
    assert "AWX_ISOLATED_DATA_DIR" in flat
    assert "Probe every host's endpoints" not in flat
    assert list(reports.iterdir()) == []
    assert stats in (None, {})


def test_report_dir_on_the_controller_when_asked_is_written_and_said(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    proc, artifacts, stats = run_runner(
        tmp_path, {"audit_report_dir": str(reports), "audit_report_on_controller": "yes"}
    )
    flat = " ".join(proc.stdout.split())
    assert (artifacts / "status").read_text() == "successful", proc.stdout[-3000:]
    assert f"WARNING: the report files go to {reports} ON THE CONTROLLER" in flat
    assert sorted(p.name for p in reports.iterdir()) == [
        "ollama-audit-fleet.html",
        "ollama-audit-fleet.json",
        "ollama-audit-hosts.json",
        "ollama-audit.json",
        "ollama-audit.md",
        "ollama-audit.sarif",
        "ollama-audit.xml",
    ]
    assert stats["audit_result_report"] == f"localhost:{reports}"


def test_plain_ansible_playbook_keeps_writing_reports_on_the_controller(tmp_path):
    """Outside AWX / runner a controller path is the user's own disk: no refusal, no warning."""
    reports = tmp_path / "reports"
    reports.mkdir()
    _inventory(tmp_path / "hosts.yml")
    env = ansible_env({k: v for k, v in os.environ.items() if not k.startswith(("AWX_", "RUNNER_"))})
    (tmp_path / "extra.json").write_text(json.dumps({**SURVEY, "audit_report_dir": str(reports)}))
    proc = run_playbook(
        "-i",
        str(tmp_path / "hosts.yml"),
        "-e",
        "@" + str(tmp_path / "extra.json"),
        str(REPO / "playbooks" / "audit.yml"),
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert "WARNING: the report files go to" not in proc.stdout
    assert (reports / "ollama-audit-hosts.json").is_file()

"""After side_effect.yml: a half-applied proxy was repaired by a re-run under ansible-runner."""

import json
import os
from pathlib import Path

import yaml

LAB = yaml.safe_load((Path(__file__).resolve().parents[1] / "group_vars" / "all.yml").read_text())
CA = "/usr/local/share/aisec-proxy-ca.crt"
RUNNER_DIR = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "."), "runner", "artifacts")
RUNNER_ARTIFACTS = RUNNER_DIR / "harden-repair"


def runner_stats(ident):
    """What the playbook handed back with set_stats, read from runner's job events (as AWX does)."""
    for path in sorted((RUNNER_DIR / ident / "job_events").glob("*.json")):
        event = json.loads(path.read_text())
        if event.get("event") == "playbook_on_stats":
            return event["event_data"].get("artifact_data") or {}
    raise AssertionError(f"no playbook_on_stats event in {RUNNER_DIR / ident}")


def test_the_runner_rerun_succeeded():
    assert (RUNNER_ARTIFACTS / "status").read_text().strip() == "successful"
    assert (RUNNER_ARTIFACTS / "rc").read_text().strip() == "0"


def test_443_serves_the_proxy_again_after_the_half_applied_state(outsider, target_name):
    # side_effect.yml left nginx on Debian's default site with the proxy's files on disk, and a
    # run failed after the proxy role: only a role that checks the RUNNING nginx brings 443 back.
    result = outsider.host.run(
        f"curl -sS --max-time 10 --cacert {CA} -o /dev/null -w '%{{http_code}}' "
        f"-H 'Authorization: Bearer {LAB['harden_lab_api_key']}' https://{target_name}/api/tags")
    assert result.stdout == "200", result.stderr


def test_ollama_got_the_proxy_setting_with_its_credential(target):
    # The setting carrying the secret did reach the host (so the log search had something to find).
    env = target.run("systemctl show ollama -p Environment").stdout
    assert f"HTTPS_PROXY=http://lab-proxy-user:{LAB['harden_lab_proxy_password']}@proxy.invalid:3128" in env


def test_the_audit_under_runner_hands_back_per_host_verdicts():
    # audit.yml run as an AWX job template would run it (ansible-runner, survey strings): the
    # job's artifacts carry the gate and each host's verdict, for AWX's job view and a workflow.
    assert (RUNNER_DIR / "audit-lab" / "status").read_text().strip() == "successful"
    stats = runner_stats("audit-lab")
    assert stats["audit_result_gate"] == "passed", stats
    assert stats["audit_result_verdicts"] == {"harden-target": "pass"}, stats
    assert stats["audit_result_counts"]["hosts"] == 1
    assert stats["audit_result_report"].endswith(":/tmp"), stats

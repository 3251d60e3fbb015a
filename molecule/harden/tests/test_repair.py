"""After side_effect.yml: a half-applied proxy was repaired by a re-run under ansible-runner."""

import os
from pathlib import Path

import yaml

LAB = yaml.safe_load((Path(__file__).resolve().parents[1] / "group_vars" / "all.yml").read_text())
CA = "/usr/local/share/aisec-proxy-ca.crt"
RUNNER_ARTIFACTS = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "."), "runner", "artifacts", "harden-repair")


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

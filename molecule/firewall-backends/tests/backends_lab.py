"""Helpers of the firewall-backends scenario: reachability, rule file snapshots, the role playbook runner."""

import json
import os
import subprocess
import sys
from pathlib import Path

UFW, FIREWALLD = "fb-ufw", "fb-firewalld"
TARGETS = (UFW, FIREWALLD)
SCENARIO_DIR = Path(__file__).resolve().parents[1]
RULE_FILES = {
    UFW: ["/etc/ufw/user.rules", "/etc/ufw/user6.rules"],
    FIREWALLD: ["/etc/firewalld/zones/aisec-ollama.xml", "/etc/firewalld/policies/aisec-ollama-drop.xml"],
}


def reaches(outsider, target, port, timeout=3):
    """A new TCP connection from the outsider to the target's port completes."""
    return outsider.host.run(f"ncat -z -w {timeout} {target} {port}").rc == 0


def snapshot(target_host, name):
    """The rule files the role owns on that target, as sha256 sums (absent files included)."""
    out = target_host.run("sha256sum " + " ".join(RULE_FILES[name]) + " 2>&1")
    return out.stdout


def rollback_armed(target_host):
    return target_host.run("systemctl is-active --quiet aisec-ollama-firewall-rollback.timer").rc == 0


def playbook_argv(overrides=None, *options):
    inventory = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "inventory", "molecule_inventory.yml")
    argv = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory),
            str(SCENARIO_DIR / "playbooks" / "apply.yml"), *options]
    if overrides:
        argv += ["-e", json.dumps(overrides)]
    return argv


def playbook_env():
    return dict(os.environ, ANSIBLE_FORCE_COLOR="false", ANSIBLE_NOCOLOR="true", ANSIBLE_PIPELINING="true")


def run_playbook(overrides=None, *options):
    """ansible-playbook playbooks/apply.yml with extra vars: returns (exit code, stdout + stderr)."""
    run = subprocess.run(playbook_argv(overrides, *options), capture_output=True, text=True, env=playbook_env(),
                         timeout=900, check=False)
    return run.returncode, run.stdout + run.stderr

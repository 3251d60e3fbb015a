"""Helpers of the firewall scenario's tests: reachability, table hashes, the role playbook runner."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

TARGET = "firewall-target"
SCENARIO_DIR = Path(__file__).resolve().parents[1]
HASH = re.compile(r"sha256:([0-9a-f]{64})")


def reaches(outsider, port, timeout=3, target=TARGET):
    """A new TCP connection from the outsider to the target's port completes."""
    return outsider.host.run(f"ncat -z -w {timeout} {target} {port}").rc == 0


def live_hash(target):
    listing = target.run("nft list table inet aisec_ollama")
    match = HASH.search(listing.stdout) if listing.rc == 0 else None
    return match.group(1) if match else None


def file_hash(target):
    match = HASH.search(target.file("/etc/nftables.d/aisec-ollama.nft").content_string)
    return match.group(1) if match else None


def rollback_armed(target):
    return target.run("systemctl is-active --quiet aisec-ollama-firewall-rollback.timer").rc == 0


def run_playbook(overrides=None, *options):
    """ansible-playbook playbooks/apply.yml against the scenario's inventory, with extra vars:
    returns (exit code, stdout + stderr)."""
    inventory = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "inventory", "molecule_inventory.yml")
    argv = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory),
            str(SCENARIO_DIR / "playbooks" / "apply.yml"), *options]
    if overrides:
        argv += ["-e", json.dumps(overrides)]
    env = dict(os.environ, ANSIBLE_FORCE_COLOR="false", ANSIBLE_NOCOLOR="true", ANSIBLE_PIPELINING="true")
    run = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300, check=False)
    return run.returncode, run.stdout + run.stderr

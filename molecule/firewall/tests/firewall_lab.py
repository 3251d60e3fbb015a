"""Helpers of the firewall scenario's tests: reachability, table hashes, the role playbook runner."""

import functools
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


@functools.cache
def lab_addresses():
    """The clients' addresses, read once (each run would otherwise gather the clients' facts again)."""
    def ipv4(host):
        out = subprocess.run(["podman", "exec", host, "hostname", "-i"], capture_output=True, text=True,
                             check=True, timeout=60).stdout
        return next(address for address in out.split() if ":" not in address)

    return {"firewall_lab_client": ipv4("firewall-client"), "firewall_lab_stranger": ipv4("firewall-stranger")}


def run_playbook(overrides=None, *options):
    """ansible-playbook playbooks/apply.yml against the scenario's inventory, with extra vars:
    returns (exit code, stdout + stderr).
    Fewer round trips than a cold run, same role and inputs: the clients' addresses come as extra vars
    (the run is limited to the target; the confirm probe is still delegated to a client), and facts
    the role reads when missing (OS, connection environment) come from a fact cache that the first
    run fills."""
    ephemeral = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
    inventory = Path(ephemeral, "inventory", "molecule_inventory.yml")
    argv = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory),
            str(SCENARIO_DIR / "playbooks" / "apply.yml"), "--limit", TARGET, *options]
    argv += ["-e", json.dumps(lab_addresses())]
    if overrides:
        argv += ["-e", json.dumps(overrides)]
    env = dict(os.environ, ANSIBLE_FORCE_COLOR="false", ANSIBLE_NOCOLOR="true", ANSIBLE_PIPELINING="true",
               ANSIBLE_CACHE_PLUGIN="ansible.builtin.jsonfile",
               ANSIBLE_CACHE_PLUGIN_CONNECTION=str(Path(ephemeral, "apply-facts")))
    run = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300, check=False)
    return run.returncode, run.stdout + run.stderr

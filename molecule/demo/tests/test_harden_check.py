"""playbooks/harden.yml --check --diff on the exposed lab: it completes, says what it would change,
and changes nothing on either kind of host (native Ollama; the official image under podman)."""

import json
import os
import re
import subprocess

import pytest
from lab_hosts import PROJECT_DIR, host, hosts_of_kind

MARKER = "/tmp/aisec-check-mode-marker"
# What the run would write is under these; check mode must leave them as they were. Podman's own
# storage bookkeeping (touched by any podman command) is left out: the containers, images and
# networks are compared below instead.
WATCHED = "/etc /usr /opt /srv /var/lib"
SNAPSHOT = (
    "systemctl is-active ollama nginx aisec-ollama-a aisec-ollama-b aisec-ollama-egress 2>&1; "
    "systemctl is-enabled ollama nginx aisec-ollama-a aisec-ollama-b aisec-ollama-egress 2>&1; "
    "command -v nginx || echo no nginx; id ollama 2>&1; "
    "command -v podman >/dev/null && podman ps -a --no-trunc --format '{{.ID}} {{.Names}} {{.Image}} {{.Status}}'"
    " | sed -e 's/ Up .*/ Up/' && podman network ls --format '{{.Name}}' && podman images -q --no-trunc; "
    "nft list ruleset 2>&1 | md5sum"
)


def _servers():
    return hosts_of_kind("target") + hosts_of_kind("target-podman")


def _snapshot(name):
    return host(name).run(SNAPSHOT).stdout


def _inventory(tmp_path):
    """make demo's inventory, by container name: its group_vars, what scripts/demo.sh writes from podman."""
    network = json.loads(subprocess.check_output(["podman", "network", "inspect", "aisec-demo"]))[0]
    subnet = (network.get("subnets") or network["plugins"][0]["ipam"]["ranges"][0])[0]["subnet"]
    client = hosts_of_kind("client")[0]
    client_address = json.loads(subprocess.check_output(["podman", "inspect", client]))[0]["NetworkSettings"][
        "Networks"
    ]["aisec-demo"]["IPAddress"]
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").symlink_to(PROJECT_DIR / "molecule/demo/inventory/group_vars/all.yml")
    servers = "".join(f"        {name}: {{proxy_server_names: [{name}]}}\n" for name in _servers())
    (tmp_path / "hosts.yml").write_text(
        "all:\n  vars:\n    ansible_connection: containers.podman.podman\n"
        f"    demo_lab_cidr: {subnet}\n    demo_client_address: {client_address}\n"
        "    demo_basic_auth_password: check-mode-password\n    demo_api_key: 0123456789abcdef0123456789abcdef\n"
        f"  children:\n    ollama_servers:\n      hosts:\n{servers}"
        f"    clients:\n      hosts:\n        {client}:\n"
    )
    return tmp_path


@pytest.fixture(scope="module")
def check_run(tmp_path_factory):
    before = {}
    for name in _servers():
        host(name).run(f"touch {MARKER}")
        before[name] = _snapshot(name)
    env = dict(os.environ, MOLECULE_PROJECT_DIRECTORY=str(PROJECT_DIR), ANSIBLE_PIPELINING="true")
    run = subprocess.run(
        ["ansible-playbook", "-i", str(_inventory(tmp_path_factory.mktemp("inventory"))),
         "playbooks/harden.yml", "--check", "--diff"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False,
    )
    return run, before


def test_check_mode_completes_on_both_kinds_of_host(check_run):
    run = check_run[0]
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]


def test_check_mode_says_what_it_would_change(check_run):
    run = check_run[0]
    recap = dict(re.findall(r"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)", run.stdout, re.M))
    for name in _servers():
        assert int(recap.get(name, 0)) > 0, f"{name}: no change reported ({recap})"
    assert "/etc/nginx/aisec-ollama" in run.stdout


def test_check_mode_changes_nothing(check_run):
    before = check_run[1]
    for name in _servers():
        newer = host(name).run(
            f"find {WATCHED} \\( -newer {MARKER} -o -cnewer {MARKER} \\) -not -path '/var/lib/containers/storage/*'"
        )
        assert newer.stdout == "", f"{name}: check mode changed {newer.stdout}"
        assert _snapshot(name) == before[name], name

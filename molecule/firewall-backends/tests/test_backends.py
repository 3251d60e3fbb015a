"""The firewall role through ufw and firewalld, proven from an allowed client and a stranger:
the allowlist, Ollama's port closed despite an allow the user added earlier, a container publishing
Ollama's port refused before any change, and a rollback that ran before the confirmation failing
the run (not reported as success with the old rules back)."""

import subprocess
import threading
import time

import pytest
from backends_lab import (
    FIREWALLD,
    TARGETS,
    UFW,
    playbook_argv,
    playbook_env,
    reaches,
    rollback_armed,
    run_playbook,
    snapshot,
)
from lab_hosts import host


def test_auto_picks_the_manager_that_runs(ufw_host, firewalld_host):
    assert "Status: active" in ufw_host.run("ufw status").stdout
    assert "aisec.ollama ollama" in ufw_host.run("ufw status").stdout
    assert firewalld_host.run("firewall-cmd --state").stdout.strip() == "running"
    zones = firewalld_host.run("firewall-cmd --get-active-zones").stdout
    assert "aisec-ollama" in zones
    assert "aisec-ollama-drop" in firewalld_host.run("firewall-cmd --get-policies").stdout


@pytest.mark.parametrize("target", TARGETS)
def test_allowed_client_reaches_the_proxy_and_the_stranger_does_not(target, client, stranger):
    assert reaches(client, target, 443)
    assert not reaches(stranger, target, 443)
    assert reaches(client, target, 22)


@pytest.mark.parametrize("target", TARGETS)
def test_ollamas_port_is_closed_for_everyone_despite_the_earlier_allow(target, client, stranger):
    assert host(target).run("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:11434/").stdout == "200"
    assert not reaches(client, target, 11434)
    assert not reaches(stranger, target, 11434)


def test_the_users_earlier_allow_is_still_there_and_the_deny_precedes_it(ufw_host, firewalld_host):
    numbered = ufw_host.run("ufw status numbered").stdout.splitlines()
    rules = [line for line in numbered if line.startswith("[")]
    v4 = [line for line in rules if "(v6)" not in line]
    v6 = [line for line in rules if "(v6)" in line]
    assert "DENY" in v4[0] and "11434" in v4[0] and "aisec.ollama ollama" in v4[0], numbered
    assert "DENY" in v6[0] and "11434" in v6[0] and "aisec.ollama ollama" in v6[0], numbered
    assert any("11434/tcp" in line and "ALLOW" in line for line in v4), numbered
    assert "11434/tcp" in firewalld_host.run("firewall-cmd --zone=public --list-ports").stdout


BOTH_CLIENTS = ["{{ firewall_lab_client }}/32", "{{ firewall_lab_stranger }}/32"]
FAKE_PUBLISH = {
    # What podman (netavark) and docker add for -p 8080:11434, as iptables and as native nftables rules.
    UFW: ("iptables -t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination 10.99.0.2:11434",
          "iptables -t nat -D PREROUTING -p tcp --dport 8080 -j DNAT --to-destination 10.99.0.2:11434"),
    FIREWALLD: ("nft add table ip lab_publish && nft add chain ip lab_publish pre "
                "'{ type nat hook prerouting priority -100; }' && "
                "nft add rule ip lab_publish pre tcp dport 8080 dnat to 10.99.0.2:11434",
                "nft delete table ip lab_publish"),
}


def test_a_container_publishing_ollamas_port_is_refused_before_any_change():
    before = {name: snapshot(host(name), name) for name in TARGETS}
    for name in TARGETS:
        host(name).run_test(FAKE_PUBLISH[name][0])
    try:
        rc, out = run_playbook({"firewall_allowed_cidrs": BOTH_CLIENTS})
    finally:
        for name in TARGETS:
            host(name).run(FAKE_PUBLISH[name][1])
    flat = " ".join(out.split())  # ansible wraps long messages
    assert rc != 0
    assert "so this role cannot close it with ufw" in flat, out
    assert "so this role cannot close it with firewalld" in flat, out
    assert "10.99.0.2:11434" in out
    for name in TARGETS:
        assert snapshot(host(name), name) == before[name]
        assert not rollback_armed(host(name))


def _fire_rollback_early(name, fired):
    """Wait for the role to arm the rollback on that target, then run it at once: the timer 'fired first'."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if subprocess.run(["podman", "exec", name, "systemctl", "is-active", "--quiet",
                           "aisec-ollama-firewall-rollback.timer"], check=False).returncode == 0:
            subprocess.run(["podman", "exec", name, "systemctl", "start", "aisec-ollama-firewall-rollback.service"],
                           check=False)
            fired[name] = True
            return
        time.sleep(0.2)


def test_a_rollback_that_ran_before_the_confirmation_fails_the_run(stranger):
    before = {name: snapshot(host(name), name) for name in TARGETS}
    fired = {}
    pollers = [threading.Thread(target=_fire_rollback_early, args=(name, fired)) for name in TARGETS]
    for poller in pollers:
        poller.start()
    # Letting the stranger in is a change on both hosts; the early rollback must take it back.
    run = subprocess.run(playbook_argv({"firewall_allowed_cidrs": BOTH_CLIENTS}),
                         capture_output=True, text=True, env=playbook_env(), timeout=900, check=False)
    for poller in pollers:
        poller.join()
    out = run.stdout + run.stderr
    flat = " ".join(out.split())  # ansible wraps long messages
    assert fired == {UFW: True, FIREWALLD: True}
    assert run.returncode != 0
    for backend in ("ufw", "firewalld"):
        assert f"already ran and restored the previous {backend} rules" in flat, out
    assert "the previous rules were restored whole and are in force" in flat, out
    for name in TARGETS:
        assert snapshot(host(name), name) == before[name]
        assert not rollback_armed(host(name))
        assert not reaches(stranger, name, 443)

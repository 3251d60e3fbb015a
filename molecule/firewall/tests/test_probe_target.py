"""The confirm probe connects to the TARGET, never to the probing host itself. The address is resolved
on the target before the probe is delegated: `ansible_host | default(inventory_hostname)` (the old
default) templated in the delegated task meant the prober's own address, so a prober whose own port 22
was open confirmed rules that cut the target."""

import time

import pytest
from firewall_lab import TARGET, file_hash, live_hash, reaches, rollback_armed, run_playbook

PROBER = "firewall-stranger"  # outside the management CIDRs: the target's port 22 is closed to it
PROBE_PORT = 8080
EXTRA = [{"name": "metrics", "port": 9100, "cidrs": ["{{ firewall_lab_client }}/32"]},
         {"name": "probe", "port": PROBE_PORT, "cidrs": ["{{ firewall_lab_client }}/32"]}]


@pytest.fixture
def prober_listens_on_22(stranger):
    """The prober's OWN port 22 is open (a listener on the stranger itself)."""
    pid = stranger.host.check_output(
        "setsid nohup python3 -m http.server 22 --bind 0.0.0.0 >/dev/null 2>&1 & echo $!").strip()
    deadline = time.monotonic() + 10
    while stranger.host.run("ncat -z -w 1 127.0.0.1 22").rc != 0 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert stranger.host.run("ncat -z -w 1 127.0.0.1 22").rc == 0
    yield
    stranger.host.run(f"kill {pid}")


def test_probe_reaches_the_target_not_the_prober(target, client, stranger, prober_listens_on_22):
    before = live_hash(target)
    assert not reaches(stranger, 22)  # the target's management port is closed to the prober
    rc, out = run_playbook({"firewall_extra_services": EXTRA, "firewall_confirm_probe_from": PROBER,
                            "firewall_confirm_probe_address": "{{ ansible_host | default(inventory_hostname) }}",
                            "firewall_confirm_timeout": 25, "firewall_confirm_probe_timeout": 6})
    finished = time.monotonic()
    assert rc != 0, out  # the prober's own listener must not confirm the target's rules
    assert "comes back by itself" in out
    assert f"{TARGET}:22" in out and f"{PROBER}:22" not in out
    assert file_hash(target) == before  # not confirmed, so not persisted
    # On a loaded machine the run can outlast the 25 s timer: the rollback may already have run.
    while rollback_armed(target) and time.monotonic() - finished < 40:
        time.sleep(1)
    time.sleep(2)  # the timer's service runs nft -f right after the timer elapses
    assert live_hash(target) == before
    assert not reaches(client, PROBE_PORT)

"""What the role refuses, what check mode shows, and the rollback of an unconfirmed apply.
Each test runs the role (playbooks/apply.yml) with overrides and checks the host afterwards."""

import time

from firewall_lab import TARGET, file_hash, live_hash, reaches, rollback_armed, run_playbook

PROBE_PORT = 8080  # listening on the target, closed by the converged rules
EXTRA = [{"name": "metrics", "port": 9100, "cidrs": ["{{ firewall_lab_client }}/32"]},
         {"name": "probe", "port": PROBE_PORT, "cidrs": ["{{ firewall_lab_client }}/32"]}]


def unchanged(target, before):
    assert live_hash(target) == before
    assert file_hash(target) == before
    assert not rollback_armed(target)


def test_ruleset_that_would_lock_out_the_management_connection_is_refused_before_apply(target):
    before = live_hash(target)
    rc, out = run_playbook({"firewall_management_cidrs": ["{{ firewall_lab_stranger }}/32"]})
    assert rc != 0
    assert "refusing to apply: the new ruleset would drop the management connection" in out
    assert "Apply the table" not in out  # failed in validation, before the apply task
    unchanged(target, before)


def test_wrong_management_port_is_refused_before_apply(target):
    before = live_hash(target)
    rc, out = run_playbook({"firewall_management_port": 2222})
    assert rc != 0
    assert "tcp port 22" in out and "refusing to apply" in out
    unchanged(target, before)


def test_opening_ollamas_port_is_refused_before_apply(target):
    before = live_hash(target)
    ollama = {"name": "ollama", "port": 11434, "cidrs": ["{{ firewall_lab_client }}/32"]}
    rc, out = run_playbook({"firewall_extra_services": [ollama]})
    assert rc != 0
    assert "port 11434 is in closed_ports" in out
    unchanged(target, before)


def test_bad_cidr_is_refused_before_apply(target):
    before = live_hash(target)
    rc, out = run_playbook({"firewall_allowed_cidrs": ["10.0.0.0/33"]})
    assert rc != 0
    assert "'10.0.0.0/33' is not an IP address or CIDR" in out
    unchanged(target, before)


def test_check_mode_shows_the_ruleset_diff_and_changes_nothing(target, client):
    before = live_hash(target)
    rc, out = run_playbook({"firewall_extra_services": EXTRA}, "--check", "--diff")
    assert rc == 0, out
    assert f'tcp dport {PROBE_PORT} accept comment "probe"' in out
    assert "changed=1" in out or "changed=2" in out
    unchanged(target, before)
    assert not reaches(client, PROBE_PORT)


def test_unconfirmed_apply_is_rolled_back_by_itself(target, client):
    before = live_hash(target)
    # The stranger cannot reach the management port, so the confirmation never arrives.
    rc, out = run_playbook({"firewall_extra_services": EXTRA, "firewall_confirm_probe_from": "firewall-stranger",
                            "firewall_confirm_timeout": 25, "firewall_confirm_probe_timeout": 4})
    finished = time.monotonic()
    assert rc != 0
    assert "comes back by itself" in out
    # The new rules are live but not persisted until the rollback fires.
    assert rollback_armed(target)
    assert live_hash(target) != before
    assert file_hash(target) == before
    assert reaches(client, PROBE_PORT)
    while rollback_armed(target) and time.monotonic() - finished < 40:
        time.sleep(1)
    time.sleep(2)  # the timer's service runs nft -f right after the timer elapses
    assert live_hash(target) == before
    assert file_hash(target) == before
    assert not reaches(client, PROBE_PORT)
    assert reaches(client, 443)


def test_converged_policy_still_applies_idempotently_after_the_guards(target):
    before = live_hash(target)
    rc, out = run_playbook()
    assert rc == 0, out
    assert "changed=0" in out.split("PLAY RECAP")[-1].split(TARGET)[1].split("\n")[0], out
    unchanged(target, before)

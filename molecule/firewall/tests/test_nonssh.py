"""The lab reaches its hosts with `podman exec`, a connection that is not SSH: nothing of the management
path or the confirm probe can be derived from it. Without the variables the role fails in validation,
before any change, and names each one."""

import pytest
from firewall_lab import live_hash, rollback_armed, run_playbook


@pytest.mark.parametrize("unset", ["firewall_confirm_probe_from", "firewall_confirm_probe_address",
                                   "firewall_management_source"])
def test_non_ssh_connection_without_a_variable_fails_before_any_change_naming_it(target, unset):
    before = live_hash(target)
    rc, out = run_playbook({unset: None})
    assert rc != 0
    assert "is not SSH, so the role cannot derive" in out
    assert f"Set {unset}" in out
    assert "Apply the table" not in out  # stopped in validation
    assert live_hash(target) == before
    assert not rollback_armed(target)


def test_without_the_safety_net_only_the_management_source_is_needed(target):
    before = live_hash(target)
    rc, out = run_playbook({"firewall_confirm_probe_from": None, "firewall_confirm_probe_address": None,
                            "firewall_confirm_timeout": 0}, "--check")
    assert rc == 0, out
    assert live_hash(target) == before

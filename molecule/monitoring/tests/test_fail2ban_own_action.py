"""monitoring-nofw, a host the firewall role does not manage: bans go through fail2ban's own
nftables action (its table inet f2b-table), and floods are banned too (monitoring_ban_on_flood).

Client 1 is banned after wrong passwords, the collector after a burst of inference requests;
client 2 (a management address) and the management path keep working; both bans lift.
"""

import time

import pytest
from lab_hosts import host
from monitoring_lab import (
    GENERATE,
    KEY,
    LAB,
    address,
    alerts,
    assert_no_secret_on_host,
    attack,
    record,
    with_key,
    wrong_passwords,
)

TARGET = "monitoring-nofw"
BAN_TIME = LAB["monitoring_lab_ban_time"][TARGET]


@pytest.fixture(scope="module")
def target():
    return host(TARGET)


@pytest.fixture(scope="module")
def auth_ban(client):
    result = wrong_passwords(client, TARGET)
    record("ban_delay_nofw", result)
    print(f"own action: ban delay after failure number {LAB['monitoring_auth_failures']}: {result['delay']} s")
    return result


@pytest.fixture(scope="module")
def flood_ban(collector):
    """One inference request more than monitoring_requests_per_minute, from the collector."""
    count = LAB["monitoring_requests_per_minute"] + 1
    result = attack(collector, TARGET, count, "POST", "/api/generate", {"Authorization": "Bearer " + KEY}, GENERATE)
    record("flood_ban_delay_nofw", result)
    print(f"own action: flood ban delay after request number {count}: {result['delay']} s")
    return result


def own_set(target, jail):
    """The addresses in fail2ban's own nftables set for a jail."""
    return target.run(f"nft list set inet f2b-table addr-set-{jail}").stdout


def test_bans_are_fail2bans_own_action_here(target):
    assert "aisec_ollama" not in target.run("nft list tables").stdout
    for jail in ("aisec-ollama-auth", "aisec-ollama-flood"):
        actions = target.run(f"fail2ban-client get {jail} actions")
        assert actions.rc == 0, actions.stderr
        assert "nftables" in actions.stdout and "aisec-ollama-nftset" not in actions.stdout


def test_wrong_passwords_get_client_banned_at_the_network(auth_ban, client, target):
    assert auth_ban["statuses"] == [401] * LAB["monitoring_auth_failures"]
    assert auth_ban["delay"] is not None, "client 1 could still connect 30 s after its last failure"
    # Dropped (as in the firewall's sets): a connect timeout, no HTTP answer.
    assert with_key(client, TARGET) == (28, 0)
    assert address(client) in own_set(target, "aisec-ollama-auth")
    journal = target.run("journalctl -t aisec-ollama-monitor --no-pager -o cat").stdout
    assert f"BAN jail=aisec-ollama-auth address={address(client)}" in journal
    assert alerts(target, "auth_failures", address(client))


def test_flood_gets_client_banned_when_flood_bans_are_on(flood_ban, collector, target):
    assert flood_ban["statuses"] == [200] * (LAB["monitoring_requests_per_minute"] + 1)
    assert flood_ban["delay"] is not None, "the collector could still connect 30 s after its burst"
    assert with_key(collector, TARGET) == (28, 0)
    assert address(collector) in own_set(target, "aisec-ollama-flood")
    assert alerts(target, "requests_per_minute", address(collector))


def test_other_client_and_the_management_path_keep_working(auth_ban, flood_ban, client2):
    assert with_key(client2, TARGET) == (0, 200)
    banner = client2.run(f"timeout 5 bash -c 'exec 3<>/dev/tcp/{TARGET}/22; head -c 20 <&3'")
    assert banner.stdout.startswith("SSH-2.0"), banner.stderr


def test_bans_lift_after_the_ban_time(auth_ban, flood_ban, client, collector, target):
    pending = {"aisec-ollama-auth": (client, auth_ban), "aisec-ollama-flood": (collector, flood_ban)}
    lifted = {}
    deadline = time.monotonic() + BAN_TIME + 20
    while pending and time.monotonic() < deadline:
        for jail, (who, ban) in list(pending.items()):
            if with_key(who, TARGET) == (0, 200):
                lifted[jail] = time.monotonic() - ban["at"]
                del pending[jail]
        time.sleep(0.5)
    assert not pending, f"still banned {BAN_TIME + 20} s later: {sorted(pending)} (ban time {BAN_TIME} s)"
    for jail, elapsed in lifted.items():
        assert elapsed >= BAN_TIME - 5, f"{jail}: lifted after {elapsed:.0f} s (ban time {BAN_TIME} s)"
    assert address(client) not in own_set(target, "aisec-ollama-auth")
    assert address(collector) not in own_set(target, "aisec-ollama-flood")


def test_no_test_secret_in_any_log(target):
    assert_no_secret_on_host(target)

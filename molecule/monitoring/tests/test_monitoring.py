"""The monitoring role, seen from outside and on the host: alerts, bans, logs, the report.

Tests run in file order: rotation first, then the alerts raised by client 1, then its ban (and
the ban's lift), then the checks that read what all of that left behind.
"""

import datetime
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lab_hosts import host
from monitoring_lab import (
    ACCESS_LOG,
    GENERATE,
    KEY,
    LAB,
    SCENARIO_DIR,
    SECRETS,
    USER,
    address,
    alerts,
    assert_no_secret_on_host,
    curl,
    record,
    wait_for,
    with_key,
    wrong_passwords,
)

TARGET = "monitoring-target"
BAN_TIME = LAB["monitoring_lab_ban_time"][TARGET]


def now_in_business_hours():
    start, end = LAB["monitoring_business_hours"].split("-")
    return start <= datetime.datetime.now(datetime.UTC).strftime("%H:%M") < end


@pytest.fixture(scope="module")
def target():
    return host(TARGET)


def webhook(collector):
    out = collector.run("cat /tmp/webhook.jsonl 2>/dev/null").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_daemon_follows_the_access_log_across_rotation(target, client, client2):
    # logrotate leaves an empty log alone (notifempty): one request first.
    assert with_key(client2) == (0, 200)
    before = target.run(f"stat -c %i {ACCESS_LOG}").stdout
    result = target.run("logrotate -f /etc/logrotate.d/aisec-ollama-access")
    assert result.rc == 0, result.stderr
    assert target.file(ACCESS_LOG + ".1").exists
    assert target.run(f"stat -c %i {ACCESS_LOG}").stdout != before
    # The management call below is only seen if the daemon reopened the new file.
    rc, status = curl(
        client,
        "/api/pull",
        "-X",
        "POST",
        "-H",
        "Authorization: Bearer " + KEY,
        "--data-binary",
        '{"model": "emu-tiny"}',
    )
    assert (rc, status) == (0, 403)
    assert wait_for(lambda: alerts(target, "management", address(client)))
    assert '"path":"/api/pull"' in target.file(ACCESS_LOG).content_string


def test_refused_pull_raises_management_and_off_hours_alerts(target, client):
    alert = alerts(target, "management", address(client))[-1]
    assert alert["path"] == "/api/pull" and alert["status"] == 403
    if now_in_business_hours():
        pytest.skip("now is inside the lab's one-minute business window")
    off = wait_for(lambda: alerts(target, "off_hours", address(client)))
    assert off and off[-1]["path"] == "/api/pull"


def test_burst_above_the_per_minute_threshold_raises_the_alert(target, client):
    limit = LAB["monitoring_requests_per_minute"]
    for _request in range(limit + 2):
        assert curl(
            client, "/api/generate", "-X", "POST", "-H", "Authorization: Bearer " + KEY, "--data-binary", GENERATE
        ) == (0, 200)
    found = wait_for(lambda: alerts(target, "requests_per_minute", address(client)))
    assert found, "no requests_per_minute alert"
    assert found[-1]["count"] == limit + 1 and found[-1]["window"] == 60
    # One alert per address and window, not one per request.
    assert len(found) == 1
    # Flood bans are off here (monitoring-nofw has them on): alerted, not banned.
    time.sleep(2)
    assert with_key(client) == (0, 200)
    assert "aisec-ollama-flood" not in target.run("fail2ban-client status").stdout


@pytest.fixture(scope="module")
def ban(client):
    """Client 1 sends N wrong passwords; returns the measured delay and when the ban started."""
    result = wrong_passwords(client, TARGET)
    record("ban_delay", result)
    print(f"ban delay after failure number {LAB['monitoring_auth_failures']}: {result['delay']} s")
    return result


def test_wrong_passwords_get_client_banned_at_the_network(ban, client, target):
    assert ban["statuses"] == [401] * LAB["monitoring_auth_failures"]
    assert ban["delay"] is not None, "client 1 could still connect 30 s after its last failure"
    # The next connection fails at the network (dropped: a connect timeout, no HTTP answer).
    rc, status = with_key(client)
    assert status == 0 and rc == 28
    assert address(client) in target.run("nft list set inet aisec_ollama banned_ipv4").stdout
    assert address(client) in target.run("fail2ban-client status aisec-ollama-auth").stdout
    banned = target.run("journalctl -t aisec-ollama-monitor --no-pager -o cat").stdout
    assert f"BAN jail=aisec-ollama-auth address={address(client)}" in banned
    assert alerts(target, "auth_failures", address(client))


def test_second_client_and_the_management_path_keep_working(ban, client2):
    assert with_key(client2) == (0, 200)
    banner = client2.run("timeout 5 bash -c 'exec 3<>/dev/tcp/monitoring-target/22; head -c 20 <&3'")
    assert banner.stdout.startswith("SSH-2.0"), banner.stderr


def test_report_shows_counts_per_rule_and_the_current_ban(ban, client):
    inventory = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "inventory")
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_NOCOLOR="true")
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-i",
            str(inventory),
            str(SCENARIO_DIR / "playbooks" / "report.yml"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    reports = json.loads(run.stdout)["plays"][0]["tasks"][-1]["hosts"]
    # The target without the firewall role reports too (its bans are in fail2ban's own table).
    nofw = reports["monitoring-nofw"]["monitoring_report"]
    assert nofw["examined"] is True, nofw["problems"]
    assert set(nofw["bans"]) == {"aisec-ollama-auth", "aisec-ollama-flood"}
    report = reports[TARGET]["monitoring_report"]
    assert report["examined"] is True, report["problems"]
    assert report["alerts"]["management"] >= 1
    assert report["alerts"]["requests_per_minute"] == 1
    assert report["alerts"]["auth_failures"] >= 1
    assert report["requests_matched"]["auth_failures"] >= LAB["monitoring_auth_failures"]
    if time.monotonic() - ban["at"] < BAN_TIME - 2:
        assert address(client) in report["bans"]["aisec-ollama-auth"]


def test_management_address_is_never_banned(client2, target):
    for _request in range(LAB["monitoring_auth_failures"] + 1):
        assert (
            curl(client2, "/api/tags", "-u", "{}:{}".format(USER["name"], LAB["monitoring_lab_wrong_password"]))[1]
            == 401
        )
    # The alert is still raised (the address is watched), but never banned.
    assert wait_for(lambda: alerts(target, "auth_failures", address(client2)))
    time.sleep(2)
    assert with_key(client2) == (0, 200)
    assert address(client2) not in target.run("nft list set inet aisec_ollama banned_ipv4").stdout


def test_ban_lifts_after_the_ban_time(ban, client, target):
    lifted = wait_for(lambda: with_key(client) == (0, 200), timeout=BAN_TIME + 20)
    elapsed = time.monotonic() - ban["at"]
    assert lifted, f"client 1 still banned {elapsed:.0f} s after the ban (ban time {BAN_TIME} s)"
    assert elapsed >= BAN_TIME - 5
    assert address(client) not in target.run("nft list set inet aisec_ollama banned_ipv4").stdout


def test_webhook_receives_each_alert_as_json(collector, client):
    received = wait_for(
        lambda: {a["rule"] for a in webhook(collector)} >= {"management", "requests_per_minute", "auth_failures"}
    )
    assert received, webhook(collector)
    for alert in webhook(collector):
        assert {"rule", "address", "count", "window", "host", "time"} <= set(alert)
        assert alert["host"] == "monitoring-target"
    if not now_in_business_hours():
        assert any(a["rule"] == "off_hours" and a["address"] == address(client) for a in webhook(collector))


def test_collector_receives_the_access_log_over_tls(collector, target):
    # The collector's receiver speaks TLS only: a line there crossed TLS, checked against the lab CA.
    assert 'StreamDriverMode="1"' in target.file("/etc/rsyslog.d/60-aisec-ollama-forward.conf").content_string
    log = wait_for(
        lambda: (
            collector.run("cat /tmp/collector.log").stdout
            if '"/api/pull"' in collector.run("cat /tmp/collector.log").stdout
            else ""
        )
    )
    assert "aisec-ollama-access" in log and '"path":"/api/pull"' in log
    assert "ALERT management" in log  # the alerts too


def test_no_test_secret_in_any_log(target, collector):
    assert_no_secret_on_host(target)
    for secret in SECRETS:
        assert collector.run(f"grep -cF -- {shlex.quote(secret)} /tmp/collector.log /tmp/webhook.jsonl").rc == 1


def test_journal_is_persistent_and_bounded(target):
    config = target.run("systemd-analyze cat-config systemd/journald.conf").stdout
    assert "Storage=persistent" in config and "MaxRetentionSec=90day" in config
    assert target.file("/var/log/journal").is_directory

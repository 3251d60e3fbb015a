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
import yaml
from lab_hosts import host

SCENARIO_DIR = Path(__file__).resolve().parents[1]
LAB = yaml.safe_load((SCENARIO_DIR / "vars" / "lab.yml").read_text())
USER = LAB["proxy_basic_auth_users"][0]
KEY = LAB["proxy_api_keys"][0]["key"]
SECRETS = [USER["password"], KEY, LAB["monitoring_lab_wrong_password"], LAB["monitoring_lab_query_secret"]]
BASE = "https://monitoring-target"
CA = "/tmp/aisec-proxy-ca.crt"
BAN_TIME = LAB["monitoring_ban_time"]
GENERATE = json.dumps({"model": "emu-tiny", "prompt": "hi", "options": {"num_predict": 2}})

# On client 1: N wrong passwords (a new connection each), then new TCP connections every 50 ms
# until one fails; prints the delay from the Nth answer to the first failed connection.
BAN_SCRIPT = r"""
import base64, http.client, json, socket, ssl, sys, time
n, user, password, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile="/tmp/aisec-proxy-ca.crt")
auth = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
statuses = []
for _request in range(n):
    conn = http.client.HTTPSConnection("monitoring-target", 443, context=ctx, timeout=10)
    conn.request("GET", "/api/tags?token=" + secret, headers={"Authorization": auth, "Connection": "close"})
    statuses.append(conn.getresponse().status)
    conn.close()
last = time.monotonic()
delay = None
while time.monotonic() - last < 30:
    try:
        socket.create_connection(("monitoring-target", 443), timeout=0.3).close()
    except OSError:
        delay = time.monotonic() - last
        break
    time.sleep(0.05)
print(json.dumps({"statuses": statuses, "delay": delay}))
"""


def now_in_business_hours():
    start, end = LAB["monitoring_business_hours"].split("-")
    return start <= datetime.datetime.now(datetime.UTC).strftime("%H:%M") < end


@pytest.fixture(scope="module")
def target():
    return host("monitoring-target")


@pytest.fixture(scope="module")
def client():
    return host("monitoring-client")


@pytest.fixture(scope="module")
def client2():
    return host("monitoring-client2")


@pytest.fixture(scope="module")
def collector():
    return host("monitoring-collector")


def address(who):
    return next(a for a in who.run("hostname -i").stdout.split() if ":" not in a)


def curl(who, path, *args, timeout=10):
    """(curl exit code, HTTP status) of one request from a lab client."""
    cmd = [
        "curl",
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--cacert",
        CA,
        "--connect-timeout",
        "3",
        "--max-time",
        str(timeout),
        *args,
        BASE + path,
    ]
    result = who.run(shlex.join(cmd))
    return result.rc, int(result.stdout) if result.stdout.strip().isdigit() else 0


def alerts(target, rule, addr):
    """The alerts of one rule for one address in the journal (identifier, priority warning)."""
    out = target.run("journalctl -t aisec-ollama-monitor -p warning --no-pager -o cat").stdout
    found = []
    for line in out.splitlines():
        if line.startswith(f"ALERT {rule} "):
            alert = json.loads(line.split(" ", 2)[2])
            if alert["address"] == addr:
                found.append(alert)
    return found


def wait_for(check, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


def webhook(collector):
    out = collector.run("cat /tmp/webhook.jsonl 2>/dev/null").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_daemon_follows_the_access_log_across_rotation(target, client, client2):
    # logrotate leaves an empty log alone (notifempty): one request first.
    assert curl(client2, "/api/tags", "-H", "Authorization: Bearer " + KEY) == (0, 200)
    before = target.run("stat -c %i /var/log/nginx/aisec-ollama-access.json").stdout
    result = target.run("logrotate -f /etc/logrotate.d/aisec-ollama-access")
    assert result.rc == 0, result.stderr
    assert target.file("/var/log/nginx/aisec-ollama-access.json.1").exists
    assert target.run("stat -c %i /var/log/nginx/aisec-ollama-access.json").stdout != before
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
    assert '"path":"/api/pull"' in target.file("/var/log/nginx/aisec-ollama-access.json").content_string


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


@pytest.fixture(scope="module")
def ban(client, target):
    """Client 1 sends N wrong passwords; returns the measured delay and when the ban started."""
    args = [
        BAN_SCRIPT,
        str(LAB["monitoring_auth_failures"]),
        USER["name"],
        LAB["monitoring_lab_wrong_password"],
        LAB["monitoring_lab_query_secret"],
    ]
    run = client.run(shlex.join(["python3", "-c", *args]))
    assert run.rc == 0, run.stderr
    result = json.loads(run.stdout)
    result["at"] = time.monotonic()
    record = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/tmp"), "ban_delay.json")
    record.write_text(json.dumps(result))
    print(f"ban delay after failure number {LAB['monitoring_auth_failures']}: {result['delay']} s")
    return result


def test_wrong_passwords_get_client_banned_at_the_network(ban, client, target):
    assert ban["statuses"] == [401] * LAB["monitoring_auth_failures"]
    assert ban["delay"] is not None, "client 1 could still connect 30 s after its last failure"
    # The next connection fails at the network (dropped: a connect timeout, no HTTP answer).
    rc, status = curl(client, "/api/tags", "-H", "Authorization: Bearer " + KEY)
    assert status == 0 and rc == 28
    assert address(client) in target.run("nft list set inet aisec_ollama banned_ipv4").stdout
    assert address(client) in target.run("fail2ban-client status aisec-ollama-auth").stdout
    banned = target.run("journalctl -t aisec-ollama-monitor --no-pager -o cat").stdout
    assert f"BAN jail=aisec-ollama-auth address={address(client)}" in banned
    assert alerts(target, "auth_failures", address(client))


def test_second_client_and_the_management_path_keep_working(ban, client2):
    assert curl(client2, "/api/tags", "-H", "Authorization: Bearer " + KEY) == (0, 200)
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
    tasks = json.loads(run.stdout)["plays"][0]["tasks"]
    report = tasks[-1]["hosts"]["monitoring-target"]["monitoring_report"]
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
    assert curl(client2, "/api/tags", "-H", "Authorization: Bearer " + KEY) == (0, 200)
    assert address(client2) not in target.run("nft list set inet aisec_ollama banned_ipv4").stdout


def test_ban_lifts_after_the_ban_time(ban, client, target):
    lifted = wait_for(
        lambda: curl(client, "/api/tags", "-H", "Authorization: Bearer " + KEY) == (0, 200), timeout=BAN_TIME + 20
    )
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
    for secret in SECRETS:
        files = target.run(
            f"grep -rlF -- {shlex.quote(secret)} /var/log /var/lib/fail2ban /var/lib/aisec-ollama-monitor"
        )
        assert files.stdout == "", f"{secret[:12]} found in {files.stdout}"
        journal = target.run(f"journalctl --no-pager -o cat | grep -cF -- {shlex.quote(secret)}")
        assert journal.stdout.strip() == "0", "a test secret is in the journal"
        assert collector.run(f"grep -cF -- {shlex.quote(secret)} /tmp/collector.log /tmp/webhook.jsonl").rc == 1
    # And the greps could find something: the log they searched is not empty.
    assert target.file("/var/log/nginx/aisec-ollama-access.json").size > 0


def test_journal_is_persistent_and_bounded(target):
    config = target.run("systemd-analyze cat-config systemd/journald.conf").stdout
    assert "Storage=persistent" in config and "MaxRetentionSec=90day" in config
    assert target.file("/var/log/journal").is_directory

"""playbooks/audit.yml reports every host in scope, writes the fleet report and gates at the end.

The scope: the old exposed host (0.17.0, fails the version gate and the endpoint gate), the
nginx-fronted host, the client (no `ollama` binary and nothing installed) and an inventory host
whose name does not resolve. The playbook is run once, from the controller, the way a pipeline
runs it; its switches come from the inventory's group vars (not extra vars), so this also proves
that inventory values reach it.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[3]
GHOST = "audit-ghost.invalid"
SCOPE = {
    "audit-exposed": {"audit_target": "http://audit-exposed:11434"},
    "audit-nginx": {},
    "audit-client": {},
    GHOST: {"ansible_connection": "ssh"},
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    inventory = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "inventory")
    extra = tmp_path_factory.mktemp("audit-playbook") / "scope.yml"
    extra.write_text(yaml.safe_dump({"all": {"children": {"audit_scope": {
        "hosts": SCOPE,
        "vars": {
            "audit_probe_from": "audit-client",
            "audit_ca_path": "/root/audit-ca.pem",
            "audit_report_dir": "/root/audit",
            "audit_timeout": 5,
            "audit_models": "Yes",  # a string, as from a survey
        },
    }}}}))
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), "-i", str(extra),
           str(PROJECT_DIR / "playbooks" / "audit.yml"), "-e", "audit_hosts=audit_scope"]
    proc = subprocess.run(cmd, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=900, check=False)
    return proc


@pytest.fixture(scope="module")
def hosts(run, outsider):
    report = outsider.host.file("/root/audit/ollama-audit-hosts.json")
    assert report.exists, run.stdout[-3000:] + run.stderr[-3000:]
    return {row["host"]: row for row in json.loads(report.content_string)["hosts"]}


def output(run):
    # ansible-core 2.19 prints a failed task's result on stderr
    return run.stdout + run.stderr


def test_playbook_exits_non_zero_from_the_final_gate(run):
    assert run.returncode == 2, run.stdout[-3000:] + run.stderr[-3000:]
    assert "audit gate FAILED: 2 of 4 host(s)" in output(run)
    assert "Gate on the policy" in run.stdout


def test_every_host_in_scope_is_reported(hosts):
    assert set(hosts) == set(SCOPE)


def test_the_vulnerable_host_is_probed_and_fails_both_gates(hosts):
    row = hosts["audit-exposed"]
    assert row["verdict"] == "fail" and row["fails_gate"]
    assert row["version"] == "0.17.0" and row["vulnerable"] is True
    assert any(b.startswith("version gate") and "CVE-2026-7482" in b for b in row["breaches"]), row
    assert any("endpoint verdict exposed at http://audit-exposed:11434" in b for b in row["breaches"]), row


def test_a_host_without_ollama_is_reported_not_installed(hosts):
    row = hosts["audit-client"]
    assert row["verdict"] == "pass" and not row["fails_gate"], row
    assert any(n.startswith("Ollama not installed") for n in row["notes"]), row
    assert any("connection refused" in n for n in row["notes"]), row


def test_an_unresolvable_host_is_not_examined_and_fails_the_gate(hosts):
    row = hosts[GHOST]
    assert row["verdict"] == "not_examined" and row["fails_gate"], row
    assert any("host NOT examined" in r and "resolve" in r for r in row["not_examined"]), row
    assert any("NOT (fully) examined" in r and "does not resolve" in r for r in row["not_examined"]), row


def test_the_fronted_host_is_examined_and_passes(hosts):
    row = hosts["audit-nginx"]
    assert row["breaches"] == [], row
    assert row["version"] == "0.32.15", row
    assert "model store: intact" in row["notes"], row  # audit_models: "Yes" (a string) honoured


def test_the_gate_message_names_each_host_and_why(run):
    for line in ("audit-exposed: FAIL", f"{GHOST}: NOT EXAMINED", "audit-client: PASS"):
        assert line in output(run), output(run)[-3000:]


# ---- the fleet report: the JSON record and the HTML page (plugins/module_utils/fleet_*.py) -------
@pytest.fixture(scope="module")
def record(run, outsider):
    report = outsider.host.file("/root/audit/ollama-audit-fleet.json")
    assert report.exists, run.stdout[-3000:] + run.stderr[-3000:]
    return {h["host"]: h for h in json.loads(report.content_string)["hosts"]}


@pytest.fixture(scope="module")
def page(run, outsider):
    report = outsider.host.file("/root/audit/ollama-audit-fleet.html")
    assert report.exists, run.stdout[-3000:] + run.stderr[-3000:]
    assert report.mode == 0o640
    return report.content_string


def section(page, host):
    """One host's section of the page (its heading is the escaped host name)."""
    start = page.index(f"<h2>{host}</h2>")
    return page[start:page.index("</section>", start)]


def test_the_page_names_every_host_with_its_verdict(page):
    summary = dict(re.findall(r'<a href="#host-\d+">([^<]+)</a></td><td><span class="verdict [^"]+">([^<]+)</span>',
                              page))
    assert summary == {"audit-exposed": "FAIL", "audit-nginx": "PASS", "audit-client": "PASS",
                       GHOST: "NOT EXAMINED"}, summary
    assert "Gate FAILED: 2 of 4 host(s) fail it" in page


def test_the_page_shows_the_exposed_hosts_findings_version_and_models(page):
    host = section(page, "audit-exposed")
    assert '<span class="verdict bad">exposed</span>' in host
    assert "<code>exposure.management</code>" in host and "<code>proxy_basic_auth_users</code>" in host
    assert "Ollama <code>0.17.0</code>" in host and "<code>CVE-2026-7482</code>" in host
    row = re.search(r'<tr><td class="mono">emu-tiny:latest</td>.*?</tr>', host).group()
    for cell in ("781 B", "<td>emu</td>", "<td>1K</td>", "<td>F32</td>", "<td>MIT License (test fixture)</td>"):
        assert cell in row, row


def test_a_hostile_license_is_shown_as_text(page):
    host = section(page, "audit-nginx")
    assert "audit-hostile:latest" in host
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt; Hostile License" in host
    assert "<script" not in page


def test_what_could_not_be_read_is_said_on_the_page(page):
    ghost = section(page, GHOST)
    assert "model inventory NOT read" in ghost and "version NOT examined" in ghost
    assert "endpoints NOT examined" in ghost and "No findings" not in ghost
    assert "Ollama is not installed here" in section(page, "audit-client")


def test_the_record_carries_deployment_findings_with_fixes_and_models(record):
    assert set(record) == set(SCOPE)
    assert all(h["deployment"] in ("native", "container", "none", "unknown") for h in record.values())
    exposed = record["audit-exposed"]
    finding = next(f for f in exposed["endpoint"]["findings"] if f["id"] == "exposure.management")
    assert finding["severity"] == "critical" and finding["evidence"] and finding["fixes"]
    assert [m["name"] for m in exposed["models"]["items"]] == ["emu-tiny:latest"]
    nginx_models = {m["name"] for m in record["audit-nginx"]["models"]["items"]}
    assert nginx_models == {"emu-tiny:latest", "audit-hostile:latest"}
    assert record[GHOST]["models"]["state"] == "not_read"


def test_the_endpoint_reports_include_junit(outsider, run):
    junit = outsider.host.file("/root/audit/ollama-audit.xml")
    assert junit.exists and "<testsuites" in junit.content_string

# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/audit.yml writes the fleet report (JSON record and HTML page) on localhost: an exposed
Ollama (the emulator, serving a model whose license is hostile markup and a template expression)
and a host Ansible cannot reach. A second run given the first run's record shows what changed.
(molecule/audit does the same across real hosts.)"""

import json
import sys

import pytest
from ansible_runs import REPO, ansible_env, run_playbook

LOCAL = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
HOSTILE = "<script>document.title='pwned'</script> {{ lookup('pipe', 'touch %s') }} Evil License"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """(emulator, inventory path, report dir, marker path) for the module's runs."""
    from harness import Emulator  # tests/unit/conftest.py puts tests/emulator on sys.path

    tmp = tmp_path_factory.mktemp("fleet")
    emu = Emulator(tmp / "emu", {})
    marker = tmp / "template-injection-ran"
    created = emu.request("POST", "/api/create", {"model": "evil", "from": "emu-tiny", "stream": False,
                                                  "license": [HOSTILE % marker]})
    assert created.status == 200, created.body
    inventory = tmp / "hosts.json"
    inventory.write_text(json.dumps({"all": {"hosts": {
        "exposed": {**LOCAL, "audit_target": emu.url, "audit_version_url": emu.url},
        # ssh to a closed port: unreachable at once, kept in the play by ignore_unreachable
        "gone": {"ansible_host": "127.0.0.1", "ansible_port": 1, "audit_target": "https://127.0.0.1:2"},
    }}}))
    yield emu, inventory, tmp / "reports", marker
    emu.stop()


def audit(inventory, reports, *extra):
    env = {k: v for k, v in ansible_env().items() if not k.startswith(("AWX_", "RUNNER_"))}
    reports.mkdir(exist_ok=True)
    return run_playbook("-i", str(inventory), str(REPO / "playbooks" / "audit.yml"), "-e", "audit_hosts=all",
                        "-e", f"audit_report_dir={reports}", "-e", "audit_timeout=3", *extra, env=env, timeout=600)


@pytest.fixture(scope="module")
def first(fleet):
    _emu, inventory, reports, _marker = fleet
    proc = audit(inventory, reports)
    assert proc.returncode == 2, proc.stdout[-3000:] + proc.stderr[-3000:]  # the gate fails: exposed
    return proc, json.loads((reports / "ollama-audit-fleet.json").read_text()), \
        (reports / "ollama-audit-fleet.html").read_text()


def test_both_reports_are_written_beside_the_others_and_not_world_readable(fleet, first):
    reports = fleet[2]
    for name in ("ollama-audit-fleet.json", "ollama-audit-fleet.html", "ollama-audit-hosts.json",
                 "ollama-audit.json", "ollama-audit.xml", "ollama-audit.sarif"):
        assert (reports / name).exists(), name
    assert (reports / "ollama-audit-fleet.html").stat().st_mode & 0o777 == 0o640
    assert f"Fleet report: localhost:{reports}/ollama-audit-fleet.html" in first[0].stdout


def test_the_record_has_every_host_with_verdict_version_findings_and_models(first):
    hosts = {h["host"]: h for h in first[1]["hosts"]}
    exposed, gone = hosts["exposed"], hosts["gone"]
    assert (exposed["verdict"], exposed["endpoint"]["verdict"]) == ("fail", "exposed")
    assert exposed["version"]["state"] == "read" and exposed["version"]["source"] == "url"
    assert any(f["id"] == "exposure.management" and f["fixes"] for f in exposed["endpoint"]["findings"])
    models = {m["name"]: m for m in exposed["models"]["items"]}
    assert models["emu-tiny:latest"]["license"] == "MIT License (test fixture)"
    assert models["emu-tiny:latest"]["quantization_level"] == "F32"
    assert models["evil:latest"]["license"].startswith("<script>")  # data in the record, escaped on the page
    assert exposed["deployment"]  # "unknown" until audit.yml detects it
    assert gone["verdict"] == "not_examined"
    assert (gone["version"]["state"], gone["models"]["state"]) == ("not_examined", "not_read")
    # its target's port is closed (connection refused): the one answer that counts as closed
    assert gone["endpoint"]["state"] == "examined" and "refused" in gone["endpoint"]["reason"]


def test_the_page_escapes_the_hostile_license_and_never_templates_it(fleet, first):
    page, marker = first[2], fleet[3]
    assert "<script>document.title" not in page
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in page
    assert not marker.exists(), "a template expression in a license was evaluated"
    assert "lookup(&#x27;pipe&#x27;" in page  # shown as text, as served


def test_the_page_shows_each_verdict_and_what_could_not_be_read(first):
    page = first[2]
    assert '<a href="#host-1">exposed</a></td><td><span class="verdict v-fail">FAIL</span>' in page
    assert '<a href="#host-2">gone</a></td><td><span class="verdict v-not_examined">NOT EXAMINED</span>' in page
    assert "model inventory NOT read: host not examined" in page


def test_a_second_run_given_the_first_record_shows_what_changed(fleet, first):
    _emu, inventory, reports, _marker = fleet
    previous = reports / "previous.json"
    previous.write_text((reports / "ollama-audit-fleet.json").read_text())
    proc = audit(inventory, reports, "-e", f"audit_previous_report={previous}")
    assert proc.returncode == 2, proc.stdout[-3000:]
    changes = json.loads((reports / "ollama-audit-fleet.json").read_text())["changes"]
    assert changes["error"] is None and changes["previous"] == f"localhost:{previous}"
    exposed = next(h for h in changes["hosts"] if h["host"] == "exposed")
    assert exposed["closed"] == [] and exposed["opened"] == []
    assert "exposure.management" in [i["id"] for i in exposed["still_open"]]
    assert "Since the previous report" in (reports / "ollama-audit-fleet.html").read_text()


def test_a_previous_report_that_cannot_be_read_is_said(fleet, first):
    _emu, inventory, reports, _marker = fleet
    proc = audit(inventory, reports, "-e", f"audit_previous_report={reports}/missing.json")
    assert proc.returncode == 2, proc.stdout[-3000:]
    changes = json.loads((reports / "ollama-audit-fleet.json").read_text())["changes"]
    assert changes["error"].startswith("the previous report could not be used") and "missing.json" in changes["error"]

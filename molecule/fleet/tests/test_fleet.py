"""molecule/fleet: check mode announced what the real run then changed; the audit after hardening,
compared with the one before, calls every host hardened; and the outsider's own view of each host,
before and after, is what the reports say."""

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from ansible_collections.aisec.ollama.plugins.module_utils.endpoints import ROUTES_BY_NAME
from lab_hosts import PROJECT_DIR, fixture_model_names, hosts_in_group

EPHEMERAL = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "."))
REPORTS = "/var/tmp/fleet-report"  # on the client, where the audit probes from
LAB = yaml.safe_load((Path(__file__).resolve().parents[1] / "group_vars" / "all.yml").read_text())
API_KEY, CA_BUNDLE = LAB["fleet_api_key"], LAB["fleet_ca_bundle"]
DEPLOYMENT = {"fleet-native": "native", "fleet-docker": "container"}
# The outsider probe's names (molecule/shared/outsider_probe.py) for the endpoint audit's routes
# (plugins/module_utils/endpoints.py): two independent implementations of the same questions. The
# report names what is open by endpoint class (banner, read, inference, compat, management).
PROBE_ROUTE = {
    "banner": "banner", "version": "version", "list models": "tags", "running models": "ps",
    "generate": "generate", "openai chat": "openai_chat", "delete model": "delete", "pull model": "pull",
    "push model": "push", "create model": "create",
}
# What check mode cannot do as such, and the change it announces instead: a task whose input a
# skipped or simulated step would have made (a unit only said to be written cannot be started; a
# package not installed has no files to edit). Every other change of the real run must have been
# announced by the check run on the same host, under its own name.
PROXY, FIREWALL, CONTAINER = "aisec.ollama.proxy : ", "aisec.ollama.firewall : ", "aisec.ollama.container : "
PROXY_CERTIFICATES = PROXY + (
    "Say that the internal CA and the server certificate would be generated (check mode, new host)"
)
ANNOUNCED_AS = {
    **{PROXY + name: PROXY_CERTIFICATES for name in (
        "CA private key", "CA signing request", "CA certificate (self-signed)", "Server private key",
        "Server signing request (names the clients use)", "Server certificate signed by the internal CA",
    )},
    PROXY + "Disable the distribution's default site (it holds default_server on port 80)":
        PROXY + "Install nginx (and python3-cryptography for community.crypto on the host)",
    PROXY + "Reload nginx": PROXY + "Ask for a reload (the configuration passed nginx -t)",
    FIREWALL + "Confirm (disarm the rollback) and persist the table":
        FIREWALL + "Apply the table (the previous one comes back unless confirmed)",
    FIREWALL + "Load the table at every boot": FIREWALL + "Install the boot unit that loads the table",
    **{CONTAINER + name: CONTAINER + "Say what the role will do" for name in (
        "Create it (its subnet is what the egress rules match)", "Give the models to ollama",
        "Record every path's owner", "Load the egress rules (reloaded when they changed, never restarted)",
        "Start the new container (the old deployment still serves)", "Start the new container at boot",
        "Stop the old container and keep it from coming back (its volume stays)",
    )},
}
# converge.yml's own step after harden.yml (skipped in check mode: there is no CA yet).
LAB_STEPS = {"Install them on the client as one bundle (audit_ca_path of the next audit)"}


def _servers():
    return hosts_in_group("ollama_servers")


def _converge_runs():
    """fleet_changes.py's records of converge.yml: molecule's check, converge and idempotence runs."""
    records = [json.loads(p.read_text()) for p in sorted((EPHEMERAL / "changes").glob("*.json"))]
    return [r for r in records if r["playbook"] == "converge.yml"]


@pytest.fixture(scope="module")
def runs():
    converge = _converge_runs()
    assert [r["check"] for r in converge] == [True, False, False], "expected check, converge, idempotence"
    return dict(zip(("check", "first", "second"), converge, strict=True))


@pytest.fixture(scope="module")
def before(outsider):
    return json.loads(outsider.host.check_output(f"cat {REPORTS}/before/ollama-audit-fleet.json"))


@pytest.fixture(scope="module")
def after(outsider):
    """audit.yml after hardening, against the proxies, with the first report as the previous one.
    Its gate (exposed fails) must pass."""
    env = dict(os.environ, MOLECULE_PROJECT_DIRECTORY=str(PROJECT_DIR), ANSIBLE_PIPELINING="true")
    run = subprocess.run(
        ["ansible-playbook", "-i", str(EPHEMERAL / "inventory"), "playbooks/audit.yml",
         "-e", f"audit_report_dir={REPORTS}/after", "-e", f"audit_ca_path={CA_BUNDLE}",
         "-e", f"audit_previous_report={REPORTS}/before/ollama-audit-fleet.json"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    return json.loads(outsider.host.check_output(f"cat {REPORTS}/after/ollama-audit-fleet.json"))


def _row(report, name):
    return next(h for h in report["hosts"] if h["host"] == name)


def _probe_open(probe):
    """The endpoint classes the outsider's probe found open."""
    return {ROUTES_BY_NAME[PROBE_ROUTE[p["probe"]]].endpoint_class for p in probe["probes"] if p["state"] == "open"}


def _reported_open(row):
    """The classes the report calls open anonymously, of those the probe asks about."""
    asked = {ROUTES_BY_NAME[route].endpoint_class for route in PROBE_ROUTE.values()}
    return set(row["endpoint"]["open_anonymously"]) & asked


def test_check_mode_announced_every_change_the_real_run_made(runs):
    for name in _servers():
        announced = set(runs["check"]["changed"].get(name, []))
        made = set(runs["first"]["changed"].get(name, []))
        assert made, f"{name}: the real run changed nothing"
        missed = {
            task for task in made - LAB_STEPS if task not in announced and ANNOUNCED_AS.get(task) not in announced
        }
        assert not missed, f"{name}: changed without being announced in check mode: {sorted(missed)}"


def test_check_mode_announced_nothing_that_did_not_happen(runs):
    for name in _servers():
        announced = set(runs["check"]["changed"].get(name, []))
        made = set(runs["first"]["changed"].get(name, []))
        stand_ins = {ANNOUNCED_AS[task] for task in made if task in ANNOUNCED_AS}
        assert announced <= made | stand_ins, f"{name}: announced but not made: {sorted(announced - made - stand_ins)}"


def test_second_run_changed_nothing(runs):
    assert runs["second"]["changed"] == {}


def test_before_report_calls_both_hosts_exposed_and_knows_their_kind(before):
    for name in _servers():
        row = _row(before, name)
        assert row["endpoint"]["verdict"] == "exposed", row["endpoint"]
        assert row["deployment"] == DEPLOYMENT[name]


def test_outsider_saw_before_what_the_report_says(before, outsider):
    probes = {p["target"]: p for p in json.loads(outsider.host.check_output(f"cat {REPORTS}/probe-before.json"))}
    for name in _servers():
        seen = _probe_open(probes[f"http://{name}:11434"])
        assert seen >= {"read", "inference", "management"}, f"{name}: the outsider reached only {seen}"
        assert seen == _reported_open(_row(before, name)), name


def test_after_report_calls_every_host_hardened_and_what_closed(after):
    changes = {row["host"]: row for row in after["changes"]["hosts"]}
    for name in _servers():
        row = _row(after, name)
        assert row["endpoint"]["verdict"] == "hardened", row["endpoint"]
        assert row["deployment"] == DEPLOYMENT[name]
        change = changes[name]
        assert change["endpoint_verdict"] == ["exposed", "hardened"], change
        findings = {k: [i for i in change[k] if i["kind"] == "finding"] for k in ("closed", "still_open", "opened")}
        assert findings["closed"] and not findings["still_open"] and not findings["opened"], findings
    assert after["changes"]["new_hosts"] == [] and after["changes"]["gone_hosts"] == []


def test_outsider_sees_after_what_the_report_says(after, outsider):
    for name in _servers():
        row = _row(after, name)
        ollama_port = json.loads(outsider.host.run(f"ollama-outsider-probe --json --timeout 2 {name}:11434").stdout)[0]
        assert {p["state"] for p in ollama_port["probes"]} <= {"refused", "timeout"}, ollama_port["reason"]
        proxy = json.loads(outsider.host.check_output(f"ollama-outsider-probe --json https://{name}:443"))[0]
        assert _probe_open(proxy) == _reported_open(row) == set(), name


def test_client_with_the_key_sees_the_models_and_version_the_report_lists(after, outsider):
    for name in _servers():
        row = _row(after, name)
        status, tags = outsider.json(
            f"https://{name}/api/tags", headers=[f"Authorization: Bearer {API_KEY}"], cacert=CA_BUNDLE
        )
        assert status == 200, tags
        served = sorted(m["name"] for m in tags["models"])
        assert served == sorted(m["name"] for m in row["models"]["items"]) == sorted(fixture_model_names())
        status, version = outsider.json(
            f"https://{name}/api/version", headers=[f"Authorization: Bearer {API_KEY}"], cacert=CA_BUNDLE
        )
        assert status == 200 and version["version"] == row["version"]["version"], (version, row["version"])

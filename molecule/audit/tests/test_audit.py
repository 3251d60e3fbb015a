"""The audit's report files on the outsider's host say what the scenario's targets allow."""

import json
import xml.etree.ElementTree as ET

import pytest

EXPOSED = "http://audit-exposed:11434"
NGINX = "https://audit-nginx:443"


def _report(outsider, name):
    return json.loads(outsider.host.file(f"/root/audit/{name}").content_string)


@pytest.fixture(scope="module")
def anonymous(outsider):
    return {t["url"]: t for t in _report(outsider, "anonymous.json")["targets"]}


@pytest.fixture(scope="module")
def basic(outsider):
    return {t["url"]: t for t in _report(outsider, "basic.json")["targets"]}


@pytest.fixture(scope="module")
def bearer(outsider):
    return {t["url"]: t for t in _report(outsider, "bearer.json")["targets"]}


def status(target, check_id):
    return next(c["status"] for c in target["checks"] if c["id"] == check_id)


def test_exposed_host_is_exposed_with_every_class_open(anonymous):
    target = anonymous[EXPOSED]
    assert target["verdict"] == "exposed"
    assert set(target["reachable"]["anonymous"].values()) == {"open"}
    assert status(target, "exposure.management") == "fail"
    assert status(target, "disclosure.version") == "fail"
    assert status(target, "advisories.version") == "fail"


def test_exposed_host_answers_a_foreign_host_and_plain_http(anonymous):
    target = anonymous[EXPOSED]
    assert status(target, "rebinding.foreign_host") == "fail"
    assert status(target, "tls.plaintext") == "fail"
    assert status(target, "auth.challenge_missing") == "fail"
    assert status(target, "cors.origin_reflected") == "pass"


def test_nginx_hides_ollama_and_challenges(anonymous):
    target = anonymous[NGINX]
    assert target["verdict"] in ("restricted", "hardened")
    assert target["hidden_by_proxy"] and not target["identified"]
    assert "open" not in target["reachable"]["anonymous"].values()
    for check_id in ("identity.ollama", "disclosure.version", "auth.challenge_missing", "rebinding.foreign_host",
                     "cors.origin_reflected"):
        assert status(target, check_id) == "pass", check_id


def test_nginx_tls_is_trusted_modern_with_hsts_and_redirect(anonymous):
    target = anonymous[NGINX]
    for check_id in ("tls.certificate_untrusted", "tls.hostname_mismatch", "tls.certificate_expired",
                     "tls.certificate_expiring", "tls.legacy_protocols", "tls.hsts_missing", "tls.plaintext",
                     "tls.no_https_redirect"):
        assert status(target, check_id) == "pass", check_id
    assert target["tls"]["subject_alt_names"] == ["DNS:audit-nginx"]


def test_basic_credentials_open_inference_but_not_management(basic):
    target = basic[NGINX]
    auth = target["reachable"]["authenticated"]
    assert auth["inference"] == auth["compat"] == auth["read"] == "open"
    assert auth["management"] == auth["account"] == auth["experimental"] == "blocked"
    assert status(target, "auth.credentials_rejected") == "pass"
    assert target["version"] and target["version_source"] == "authenticated"


def test_read_routes_beyond_the_inference_profile_are_reported(basic):
    # The fixture opens every read route; the inference profile opens version, tags, ps and show
    # (a front-end checks its connection with /api/version), not /api/status.
    finding = next(f for f in basic[NGINX]["findings"] if f["id"] == "auth.beyond_profile")
    assert "status" in finding["detail"]
    assert "version" not in finding["detail"]
    assert finding["remediation"]["fixes"][0]["variables"] == ["proxy_profile"]


def test_bearer_key_is_accepted_and_the_admin_profile_is_not_met(bearer):
    target = bearer[NGINX]
    assert status(target, "auth.credentials_rejected") == "pass"
    assert status(target, "auth.profile_closed") == "fail"
    assert status(target, "auth.beyond_profile") == "pass"


def test_rate_limit_is_enforced_by_nginx_and_missing_on_the_exposed_host(bearer):
    assert status(bearer[NGINX], "rate_limit.missing") == "pass"
    assert status(bearer[EXPOSED], "rate_limit.missing") == "fail"


def test_sarif_and_junit_reports_parse_and_carry_the_findings(outsider):
    sarif = _report(outsider, "anonymous.sarif")
    results = sarif["runs"][0]["results"]
    assert any(r["ruleId"] == "exposure.management" and r["level"] == "error" for r in results)
    junit = ET.fromstring(outsider.host.file("/root/audit/bearer.xml").content_string)  # noqa: S314 - our report
    assert [s.get("name") for s in junit.findall("testsuite")] == [EXPOSED, NGINX]
    markdown = outsider.host.file("/root/audit/anonymous.md").content_string
    assert "**exposed**" in markdown


def test_reports_are_not_world_readable(outsider):
    assert outsider.host.file("/root/audit/anonymous.json").mode == 0o640


def test_audit_changed_nothing_on_the_exposed_target(target, outsider):
    status_code, body = outsider.json(EXPOSED + "/api/tags")
    assert status_code == 200 and [m["name"] for m in body["models"]] == ["emu-tiny:latest"]

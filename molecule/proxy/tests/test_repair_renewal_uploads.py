"""Issue 11 (proxy), checked from the client: a half-applied host repaired by a re-run, the internal
CA's name constraints, a short-lived certificate renewed, per-route body limits.

State comes from converge.yml (proxy-any: short-lived certificate, blob route open) and
side_effect.yml (renewal run, then the half-applied state and the repairing re-run).
"""

import json
import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from lab_hosts import Outsider, host

LAB_VARS = yaml.safe_load((Path(__file__).resolve().parents[1] / "vars" / "lab.yml").read_text())
KEY = LAB_VARS["proxy_api_keys"][0]
BEARER = f"Authorization: Bearer {KEY['key']}"
CA_TARGET = "/tmp/aisec-proxy-ca-proxy-target.crt"
CA_ANY = "/tmp/aisec-proxy-ca-proxy-any.crt"
MB = 1024 * 1024


@pytest.fixture(scope="module")
def client():
    return Outsider("proxy-client")


def status_of(client, url, *args, ca=CA_ANY, timeout=60):
    cmd = ["curl", "-sS", "--cacert", ca, "--max-time", str(timeout), "-o", "/dev/null", "-w", "%{http_code}",
           *args, url]
    result = client.host.run(shlex.join(cmd))
    return int(result.stdout) if result.stdout.strip().isdigit() else None


# --- A: a host left half-applied is repaired by a re-run ----------------------------------------

def test_half_applied_host_is_repaired_by_a_rerun(client):
    marker = host("proxy-any").file("/var/tmp/aisec-proxy-half-applied.txt")
    assert marker.exists, "side_effect.yml did not leave proxy-any half-applied"
    # The re-run changed no file: only the check of the running state could bring 443 back.
    assert status_of(client, "https://proxy-any/api/tags") == 200
    # Port 80 is the proxy's redirect again, not Debian's welcome page.
    result = client.host.run("curl -sS --max-time 10 -o /dev/null -w '%{http_code}' http://proxy-any/api/tags")
    assert result.stdout == "301"


def test_the_running_configuration_marker_matches_the_site_file():
    target = host("proxy-target")
    site = target.file("/etc/nginx/sites-available/aisec-ollama-proxy").content_string
    marker = next(line.split(": ", 1)[1] for line in site.splitlines()
                  if line.startswith("# aisec-ollama-config-marker: "))
    served = target.check_output(
        "curl -sk --resolve aisec-ollama-config.invalid:443:127.0.0.1 "
        "https://aisec-ollama-config.invalid/aisec-ollama-config-marker")
    assert served.strip() == marker


def test_the_configuration_marker_is_not_answered_off_loopback(client):
    address = client.host.check_output("getent ahostsv4 proxy-target").split()[0]
    status = status_of(client, "https://aisec-ollama-config.invalid/aisec-ollama-config-marker", "-k",
                       "--resolve", f"aisec-ollama-config.invalid:443:{address}", ca=CA_TARGET)
    assert status == 403


# --- 3: the internal CA can only sign for the proxy's names ----------------------------------------

def test_ca_certificate_carries_critical_name_constraints(client):
    text = client.host.check_output(f"openssl x509 -in {CA_TARGET} -noout -text")
    assert "X509v3 Name Constraints: critical" in text
    permitted = text.split("Permitted:", 1)[1].split("Excluded:", 1)[0]
    assert "DNS:proxy-target" in permitted
    excluded = text.split("Excluded:", 1)[1]
    assert "IP:0.0.0.0/0.0.0.0" in excluded


@pytest.mark.parametrize(("name", "trusted"), [("proxy-target", True), ("evil.example", False),
                                               ("proxy-target.evil.example", False)])
def test_a_certificate_the_ca_signs_for_another_name_is_not_trusted(client, name, trusted):
    # Whoever holds ca.key (it lives on the proxy host) signs a certificate for `name`; a client
    # trusting ca.crt must refuse every name but the proxy's own.
    key = host("proxy-target").file("/etc/nginx/aisec-ollama/tls/ca.key").content_string
    work = f"/tmp/aisec-nc-{name}"
    client.host.check_output(f"rm -rf {work} && mkdir -p {work}")
    client.host.check_output(f"cat > {work}/ca.key <<'EOF'\n{key}EOF")
    script = (
        f"cd {work} && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key "
        f"-subj /CN={name} -addext subjectAltName=DNS:{name} -out leaf.csr 2>/dev/null && "
        f"printf 'subjectAltName=DNS:{name}\\n' > ext.cnf && "
        f"openssl x509 -req -in leaf.csr -CA {CA_TARGET} -CAkey ca.key -CAcreateserial -days 2 "
        f"-extfile ext.cnf -out leaf.crt 2>/dev/null && openssl verify -CAfile {CA_TARGET} leaf.crt"
    )
    result = client.host.run(script)
    client.host.run(f"rm -rf {work}")
    if trusted:
        assert result.rc == 0, result.stdout + result.stderr
    else:
        assert result.rc != 0
        assert "subtree violation" in result.stdout + result.stderr


# --- 4: a certificate near its end is renewed, and served -------------------------------------------

def test_short_lived_certificate_is_renewed_and_served(client):
    record = json.loads(host("proxy-any").file("/var/tmp/aisec-proxy-renewal.json").content_string)
    before = datetime.strptime(record["before_not_after"], "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)
    after = datetime.strptime(record["after_not_after"], "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)
    now = datetime.now(UTC)
    # converge issued it for proxy_lab_short_cert_days; the re-run (threshold 30 days) renewed it.
    assert before < now + timedelta(days=LAB_VARS["proxy_lab_short_cert_days"] + 1)
    assert record["after_serial"] != record["before_serial"]
    assert after > now + timedelta(days=300)
    served = client.host.check_output(
        "openssl s_client -connect proxy-any:443 -servername proxy-any -CAfile " + CA_ANY
        + " </dev/null 2>/dev/null | openssl x509 -noout -serial")
    assert int(served.split("=", 1)[1], 16) == record["after_serial"]


# --- 5: per-route body limits -----------------------------------------------------------------------

def test_large_blob_upload_passes_where_the_blob_route_is_open(client):
    blob = "/tmp/aisec-proxy-blob.bin"
    client.host.check_output(f"head -c {30 * MB} /dev/urandom > {blob}")
    digest = client.host.check_output(f"sha256sum {blob}").split()[0]
    status = status_of(client, f"https://proxy-any/api/blobs/sha256:{digest}", "-H", BEARER,
                       "--data-binary", f"@{blob}", timeout=120)
    assert status == 201


def test_big_body_to_chat_is_refused_with_413(client):
    body = "/tmp/aisec-proxy-big-chat.json"
    client.host.check_output(f"head -c {25 * MB} /dev/zero | tr '\\0' 'a' > {body}")
    status = status_of(client, "https://proxy-any/api/chat", "-H", BEARER, "-H", "Content-Type: application/json",
                       "--data-binary", f"@{body}", timeout=120)
    assert status == 413

"""The proxy, attacked and used from outside: the client in the allowlist, the stranger not.

Tests run in file order; the rate-limit burst is last because it spends the client's budget.
"""

import base64
import itertools
import json
import shlex
from pathlib import Path

import pytest
import yaml
from lab_hosts import Outsider, host

LAB_VARS = yaml.safe_load((Path(__file__).resolve().parents[1] / "vars" / "lab.yml").read_text())
USER = LAB_VARS["proxy_basic_auth_users"][0]
KEY = LAB_VARS["proxy_api_keys"][0]
CA = "/tmp/aisec-proxy-ca-proxy-target.crt"
SITE = "/etc/nginx/sites-available/aisec-ollama-proxy"
LOG = "/var/log/nginx/aisec-ollama-access.json"
BASIC = f"{USER['name']}:{USER['password']}"
BEARER = f"Authorization: Bearer {KEY['key']}"
GENERATE = json.dumps({"model": "emu-tiny", "prompt": "why is the sky blue", "options": {"num_predict": 12}})

# Reads a streamed response line by line on the client and prints each line's arrival time.
STREAM_SCRIPT = r"""
import http.client, json, ssl, sys, time
host, path, body, auth = sys.argv[1:5]
ctx = ssl.create_default_context(cafile="/tmp/aisec-proxy-ca-proxy-target.crt")
conn = http.client.HTTPSConnection(host, 443, context=ctx, timeout=30)
headers = {"Content-Type": "application/json", "Authorization": auth}
start = time.monotonic()
headers["Connection"] = "close"
conn.request("POST", path, body=body, headers=headers)
resp = conn.getresponse()
out = {"status": resp.status, "type": resp.getheader("Content-Type"), "lines": []}
while True:
    line = resp.readline()
    if not line:
        break
    if line.strip():
        out["lines"].append([time.monotonic() - start, line.decode().strip()])
print(json.dumps(out))
"""


# The satisfy-all proxy (proxy-any is tested in test_satisfy_any.py). The shared `target`
# fixture picks the first target in inventory order, which is not the one meant here.
@pytest.fixture(scope="module")
def target_name():
    return "proxy-target"


@pytest.fixture(scope="module")
def target(target_name):
    return host(target_name)


@pytest.fixture(scope="module")
def base(target_name):
    return f"https://{target_name}"


@pytest.fixture(scope="module")
def client():
    return Outsider("proxy-client")


@pytest.fixture(scope="module")
def stranger():
    return Outsider("proxy-stranger")


def curl(who, url, *args, timeout=15):
    """curl from a lab client with the lab CA; returns (exit code, HTTP status or None, headers, body)."""
    cmd = ["curl", "-sS", "--cacert", CA, "--max-time", str(timeout), "-D", "/dev/stderr",
           "-o", "-", "-w", "\n__STATUS__%{http_code}", *args, url]
    result = who.host.run(shlex.join(cmd))
    body, _marker, status = result.stdout.rpartition("\n__STATUS__")
    return result.rc, (int(status) if status.isdigit() and status != "000" else None), result.stderr, body


def basic(*extra):
    return ["-u", BASIC, *extra]


def bearer(*extra):
    return ["-H", BEARER, *extra]


def stream(client, target_name, path, body, auth):
    script = ["python3", "-c", STREAM_SCRIPT, target_name, path, body, auth]
    result = client.host.run(shlex.join(script))
    assert result.rc == 0, result.stderr
    return json.loads(result.stdout)


def assert_streamed_chunk_by_chunk(out, min_lines):
    times = [t for t, _line in out["lines"]]
    assert out["status"] == 200
    assert len(times) >= min_lines
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # The emulator paces tokens at 20/s (50 ms): buffering would deliver them all at once.
    assert times[-1] - times[0] > 0.3, times
    assert sum(gap > 0.02 for gap in gaps) >= min_lines // 2, gaps


# --- authentication ---------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), [("GET", "/api/tags"), ("POST", "/api/generate"),
                                              ("POST", "/v1/chat/completions")])
def test_anonymous_request_is_refused(client, base, method, path):
    _rc, status, headers, _body = curl(client, base + path, "-X", method)
    assert status == 401
    assert 'WWW-Authenticate: Basic realm="Ollama"' in headers


def test_wrong_password_is_refused(client, base):
    _rc, status, _h, _b = curl(client, base + "/api/tags", "-u", USER["name"] + ":not-the-password")
    assert status == 401


def test_wrong_bearer_key_is_refused(client, base):
    _rc, status, _h, _b = curl(client, base + "/api/tags", "-H", "Authorization: Bearer " + "x" * 32)
    assert status == 401


def test_right_password_and_right_key_are_accepted(client, base):
    for auth in (basic(), bearer()):
        _rc, status, _h, body = curl(client, base + "/api/tags", *auth)
        assert status == 200
        assert "emu-tiny" in body


def test_basic_auth_streams_generate_chunk_by_chunk(client, target_name):
    token = base64.b64encode(BASIC.encode()).decode()
    out = stream(client, target_name, "/api/generate", GENERATE, "Basic " + token)
    assert out["type"].startswith("application/x-ndjson")
    assert_streamed_chunk_by_chunk(out, 12)
    assert json.loads(out["lines"][-1][1])["done"] is True


def test_bearer_key_streams_generate_chunk_by_chunk(client, target_name):
    out = stream(client, target_name, "/api/generate", GENERATE, BEARER.split(": ", 1)[1])
    assert_streamed_chunk_by_chunk(out, 12)


def test_openai_sse_chat_streams_and_ends_with_done(client, target_name):
    body = json.dumps({"model": "emu-tiny", "stream": True, "max_tokens": 12,
                       "messages": [{"role": "user", "content": "hello there"}]})
    out = stream(client, target_name, "/v1/chat/completions", body, BEARER.split(": ", 1)[1])
    assert out["type"].startswith("text/event-stream")
    assert_streamed_chunk_by_chunk(out, 8)
    assert out["lines"][-1][1] == "data: [DONE]"


# --- endpoint policy (default profile: inference) -----------------------------------------

@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/api/push"), ("DELETE", "/api/delete"), ("POST", "/api/pull"), ("POST", "/api/create"),
    ("POST", "/api/copy"), ("HEAD", "/api/blobs/sha256:" + "0" * 64), ("POST", "/api/me"),
    ("POST", "/api/signout"), ("POST", "/api/experimental/web_search"),
])
def test_management_endpoints_closed_with_credentials(client, base, method, path):
    flag = ["-I"] if method == "HEAD" else ["-X", method, "-d", "{}"]
    _rc, status, _h, _b = curl(client, base + path, *bearer(*flag))
    assert status == 403


@pytest.mark.parametrize("path", ["/", "/api/status", "/nonexistent", "/api/generate/../push",
                                  "/API/GENERATE", "/api/tags/"])
def test_unknown_and_unlisted_paths_are_denied(client, base, path):
    _rc, status, _h, body = curl(client, base + path, *basic("--path-as-is"))
    assert status == 403
    assert "Ollama is running" not in body


def test_version_is_open_to_credentials(client, base):
    # Front-ends check a connection with it (Open WebUI's "Verify connection").
    _rc, status, _h, body = curl(client, base + "/api/version", *bearer())
    assert status == 200
    assert "version" in json.loads(body)


def test_version_not_answered_without_auth(client, base):
    _rc, status, _h, body = curl(client, base + "/api/version")
    assert status in (401, 403)
    assert "version" not in body


def test_wrong_method_on_an_open_route_is_refused(client, base):
    _rc, status, _h, _b = curl(client, base + "/api/generate", *bearer())
    assert status == 405


# --- transport -------------------------------------------------------------------------

def test_http_redirects_to_https(client, target_name):
    _rc, status, headers, _b = curl(client, f"http://{target_name}/api/tags?x=1")
    assert status == 301
    assert f"Location: https://{target_name}/api/tags?x=1" in headers


def test_tls_1_1_is_refused_by_the_server(client, target_name):
    # SECLEVEL=0 lets the client offer TLS 1.1; the refusal must come from the server.
    cmd = (f"openssl s_client -connect {target_name}:443 -servername {target_name} -tls1_1 "
           f"-cipher DEFAULT@SECLEVEL=0 </dev/null")
    result = client.host.run(cmd)
    assert result.rc != 0
    assert "alert protocol version" in result.stderr + result.stdout


@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
def test_tls_1_2_and_1_3_are_accepted(client, target_name, version):
    cmd = f"openssl s_client -connect {target_name}:443 -servername {target_name} {version} -CAfile {CA} </dev/null"
    result = client.host.run(cmd)
    assert result.rc == 0, result.stderr
    assert "Verify return code: 0 (ok)" in result.stdout


def test_hsts_and_no_server_version(client, base):
    _rc, _status, headers, _b = curl(client, base + "/api/tags", *basic())
    assert "Strict-Transport-Security: max-age=63072000" in headers
    server = [h for h in headers.splitlines() if h.lower().startswith("server:")]
    assert server == ["Server: nginx"]


def test_foreign_host_header_gets_the_connection_closed(client, base):
    rc, status, _h, _b = curl(client, base + "/api/tags", *basic("-H", "Host: rebind.attacker.example"))
    assert status is None
    assert rc == 52  # empty reply: nginx closed the connection (444)


def test_foreign_tls_name_is_refused_at_handshake(client, target_name):
    address = client.host.check_output(f"getent ahostsv4 {target_name}").split()[0]
    rc, status, _h, _b = curl(client, "https://rebind.attacker.example/api/tags",
                              "--resolve", f"rebind.attacker.example:443:{address}", "-k")
    assert status is None
    assert rc == 35  # TLS handshake failed (unrecognized name)


def test_foreign_host_on_plain_http_gets_the_connection_closed(client, target_name):
    rc, status, _h, _b = curl(client, f"http://{target_name}/", "-H", "Host: rebind.attacker.example")
    assert status is None
    assert rc == 52


def test_upstream_host_header_is_loopback(target):
    assert "proxy_set_header Host 127.0.0.1:11434;" in target.file(SITE).content_string


# --- address allowlist ------------------------------------------------------------------

@pytest.mark.parametrize("auth", [[], basic(), bearer()], ids=["anonymous", "basic", "bearer"])
def test_client_outside_the_allowlist_is_forbidden(stranger, base, auth):
    _rc, status, _h, _b = curl(stranger, base + "/api/tags", *auth)
    assert status == 403


# --- CORS ---------------------------------------------------------------------------------

def test_cors_allowed_origin_is_echoed_exactly(client, base):
    origin = LAB_VARS["proxy_cors_origins"][0]
    _rc, status, headers, _b = curl(client, base + "/api/tags", *basic("-H", f"Origin: {origin}"))
    assert status == 200
    assert f"Access-Control-Allow-Origin: {origin}" in headers


def test_cors_foreign_origin_is_never_reflected(client, base):
    _rc, status, headers, _b = curl(client, base + "/api/tags", *basic("-H", "Origin: https://evil.example"))
    assert status == 200
    assert "access-control-allow-origin" not in headers.lower()


def test_cors_preflight_needs_no_credential_but_an_allowed_origin(client, base):
    origin = LAB_VARS["proxy_cors_origins"][0]
    _rc, status, headers, _b = curl(client, base + "/api/chat", "-X", "OPTIONS", "-H", f"Origin: {origin}")
    assert status == 204
    assert f"Access-Control-Allow-Origin: {origin}" in headers
    _rc, status, headers, _b = curl(client, base + "/api/chat", "-X", "OPTIONS", "-H", "Origin: https://evil.example")
    assert status != 204
    assert "access-control-allow-origin" not in headers.lower()


# --- secrets and logs ---------------------------------------------------------------------

def test_credential_files_are_private_and_hashed(target):
    htpasswd = target.file("/etc/nginx/aisec-ollama/htpasswd")
    assert (htpasswd.user, htpasswd.group, htpasswd.mode) == ("root", "www-data", 0o640)
    assert f"{USER['name']}:$6$" in htpasswd.content_string
    assert USER["password"] not in htpasswd.content_string
    keys = target.file("/etc/nginx/aisec-ollama/api-keys.map")
    assert (keys.user, keys.group, keys.mode) == ("root", "root", 0o640)
    assert target.file("/etc/nginx/aisec-ollama/tls/server.key").mode == 0o600
    assert target.file("/etc/nginx/aisec-ollama/tls/ca.key").mode == 0o600


def test_access_log_names_the_credential_never_the_secret(client, base, target):
    curl(client, base + "/api/tags?marker=log-check", *bearer())
    curl(client, base + "/api/ps", *basic())
    entries = [json.loads(line) for line in target.file(LOG).content_string.splitlines()]
    by_route = {e["route"]: e for e in entries if e["status"] == 200}
    assert by_route["tags"]["credential"] == KEY["name"]
    assert by_route["ps"]["credential"] == USER["name"]
    assert {"client", "method", "path", "status", "bytes", "request_time", "upstream_time"} <= set(by_route["ps"])
    text = target.file(LOG).content_string
    assert KEY["key"] not in text
    assert USER["password"] not in text
    assert "marker=log-check" not in text  # no query strings either


# --- failed validation (molecule/proxy/side_effect.yml) --------------------------------------

def test_previous_config_still_serves_after_failed_validation(client, base, target):
    marker = target.file("/var/tmp/aisec-proxy-broken-run.txt")
    assert marker.exists, "side_effect.yml did not run"
    assert "this_is_not_a_directive" in marker.content_string
    assert "this_is_not_a_directive" not in target.file(SITE).content_string
    assert target.run("nginx -t").rc == 0
    assert not target.run("ls /etc/nginx/aisec-ollama /etc/nginx/sites-available | grep -F '~'").stdout
    _rc, status, _h, _b = curl(client, base + "/api/tags", *bearer())
    assert status == 200
    # The key added by the rejected run never became valid.
    rejected = "Authorization: Bearer lab-only-rejected-key-0123456789"
    _rc, status, _h, _b = curl(client, base + "/api/tags", "-H", rejected)
    assert status == 401


# --- rate limit: last, it spends the client's budget ------------------------------------------

def test_zz_burst_on_inference_is_rate_limited(client, base):
    # The key's inference budget (default burst 20): a burst of 40 meets 429.
    cmd = ("for i in $(seq 40); do curl -s -o /dev/null -w '%{http_code}\\n' --cacert " + CA + " "
           + shlex.quote("-H" + BEARER) + " -d '{}' " + base + "/api/generate; done")
    statuses = client.host.check_output(cmd).split()
    assert "429" in statuses
    first_limited = statuses.index("429")
    # Before the budget ran out the requests reached Ollama (it answers the empty body itself).
    assert first_limited > 0
    assert set(statuses[:first_limited]) <= {"200", "400", "404"}

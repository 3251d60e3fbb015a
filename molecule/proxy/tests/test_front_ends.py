"""Front-ends through the proxy with the role's default budgets (issue 17).

- One Open WebUI user, replayed (openwebui_replay.py: version check, tags, show, three chat
  calls per turn, one embed per document chunk, all chunks in flight at once as Open WebUI
  0.12.4 sends them) with its API key from proxy-client to proxy-target: never a 429, every
  request answered by Ollama.
- An anonymous flood from another address (proxy-stranger, outside proxy-any's allowlist, so
  it must authenticate) meets 429; invented credentials do not buy it a fresh budget, the real
  key has its own.
- Every refusal of the proxy is Ollama's shape: JSON with an "error" string, never HTML.

File order matters: this file runs before test_proxy.py (only test_api_key_case.py comes first,
and it spends the read budget, not inference or embed): the replay needs the key's inference and
embed budgets untouched, and the flood spends only the stranger's address budget on proxy-any's
inference class, which no later test uses (test_real_clients.py sends its inference requests
with the key).
"""

import json
import shlex
from pathlib import Path

import pytest
import yaml
from lab_hosts import Outsider

HERE = Path(__file__).resolve().parent
LAB_VARS = yaml.safe_load((HERE.parent / "vars" / "lab.yml").read_text())
USER = LAB_VARS["proxy_basic_auth_users"][0]
KEY = LAB_VARS["proxy_api_keys"][0]
CA_TARGET = "/tmp/aisec-proxy-ca-proxy-target.crt"
CA_ANY = "/tmp/aisec-proxy-ca-proxy-any.crt"
TARGET = "https://proxy-target"
ANY = "https://proxy-any"
BEARER = f"Authorization: Bearer {KEY['key']}"


def curl(who, url, *args, ca=CA_TARGET, timeout=20):
    """(HTTP status or None, response headers lower-cased, body) of one curl from a lab host."""
    cmd = ["curl", "-sS", "--cacert", ca, "--max-time", str(timeout), "-D", "/dev/stderr",
           "-o", "-", "-w", "\n__STATUS__%{http_code}", *args, url]
    result = Outsider(who).host.run(shlex.join(cmd))
    body, _marker, status = result.stdout.rpartition("\n__STATUS__")
    headers = {}
    for line in result.stderr.splitlines():
        name, sep, value = line.partition(":")
        if sep and not name.startswith(("HTTP/", "curl")):
            headers[name.strip().lower()] = value.strip()
    return (int(status) if status.isdigit() and status != "000" else None), headers, body


def assert_ollama_error(status, headers, body, expected_status):
    """A refusal in Ollama's shape: the status, JSON content, {"error": "<non-empty string>"}."""
    assert status == expected_status, (status, body)
    assert headers.get("content-type", "").startswith("application/json"), headers
    assert "<html" not in body.lower()
    document = json.loads(body)
    assert isinstance(document.get("error"), str) and document["error"], document
    return document["error"]


# --- one Open WebUI user, at a human pace, with the defaults ---------------------------------

@pytest.fixture(scope="module")
def replay():
    config = {"host": "proxy-target", "ca": CA_TARGET, "auth": f"Bearer {KEY['key']}", "model": "emu-tiny",
              "turns": 4, "chunks": 40, "rag_turns": 2, "pause": 3}
    script = (HERE / "openwebui_replay.py").read_text()
    result = Outsider("proxy-client").host.run(shlex.join(["python3", "-c", script, json.dumps(config)]))
    assert result.rc == 0, result.stderr
    return json.loads(result.stdout)


def test_open_webui_user_never_meets_429(replay):
    statuses = [(r["step"], r["status"]) for r in replay["requests"]]
    assert [s for s in statuses if s[1] == 429] == []
    assert [s for s in statuses if s[1] != 200] == []


def test_open_webui_pattern_was_replayed_whole(replay):
    paths = [r["path"] for r in replay["requests"]]
    assert paths[:3] == ["/api/version", "/api/tags", "/api/show"]
    # 6 turns x 3 chat calls (18: the seed's 10/min with burst 5 refused the 6th), 42 embeds.
    assert paths.count("/api/chat") == 18
    assert paths.count("/api/embed") == 42
    streamed = [r for r in replay["requests"] if "answer" in r["step"]]
    assert streamed and all(r["done"] for r in streamed)
    assert replay["seconds"] < 60


def test_version_is_open_to_the_front_end(replay):
    version = replay["requests"][0]
    assert version["path"] == "/api/version" and version["status"] == 200


# --- an anonymous flood from another address ------------------------------------------------

FLOOD = """
import json, ssl, sys, http.client
ctx = ssl.create_default_context(cafile=sys.argv[1])
out = []
for extra in json.loads(sys.argv[2]):
    conn = http.client.HTTPSConnection("proxy-any", 443, context=ctx, timeout=20)
    headers = {"Content-Type": "application/json"}
    if extra:
        headers["Authorization"] = extra
    conn.request("POST", "/api/chat", body='{"model": "emu-tiny", "messages": []}', headers=headers)
    resp = conn.getresponse()
    out.append({"status": resp.status, "type": resp.getheader("Content-Type") or "",
                "retry_after": resp.getheader("Retry-After"), "challenge": resp.getheader("WWW-Authenticate"),
                "body": resp.read().decode(errors="replace")})
    conn.close()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def flood():
    """40 anonymous chat requests from the stranger, then invented credentials, then the real key."""
    invented = ["Bearer not-a-key-0123456789abcdefghij", "Basic " + "aW52ZW50ZWQtdXNlcjp4eHg=",  # invented-user:xxx
                "Bearer " + KEY["key"] + "x"]
    sequence = [""] * 40 + invented + [f"Bearer {KEY['key']}"]
    result = Outsider("proxy-stranger").host.run(shlex.join(["python3", "-c", FLOOD, CA_ANY, json.dumps(sequence)]))
    assert result.rc == 0, result.stderr
    out = json.loads(result.stdout)
    return out[:40], out[40:43], out[43]


def test_anonymous_flood_from_another_address_meets_429(flood):
    anonymous, _invented, _real = flood
    statuses = [r["status"] for r in anonymous]
    assert 429 in statuses
    first = statuses.index(429)
    assert first > 0 and set(statuses[:first]) == {401}
    limited = anonymous[first]
    assert limited["retry_after"] and int(limited["retry_after"]) >= 1


def test_every_flood_refusal_is_ollama_json(flood):
    anonymous, invented, _real = flood
    for r in anonymous + invented:
        assert r["status"] in (401, 429)
        assert r["type"].startswith("application/json"), r
        assert isinstance(json.loads(r["body"])["error"], str), r
    assert all(r["challenge"] == 'Basic realm="Ollama"' for r in anonymous if r["status"] == 401)


def test_invented_credentials_buy_no_fresh_budget(flood):
    _anonymous, invented, _real = flood
    # A made-up key, a made-up basic-auth user, a near-miss of the real key: the address budget.
    assert [r["status"] for r in invented] == [429, 429, 429]


def test_the_real_key_has_its_own_budget(flood):
    _anonymous, _invented, real = flood
    # The emulator answers an empty chat with a load response.
    assert real["status"] == 200, real


# --- every refusal is JSON, on every kind of route ---------------------------------------------

def test_401_is_json_with_the_challenge():
    status, headers, body = curl("proxy-client", TARGET + "/api/tags")
    assert_ollama_error(status, headers, body, 401)
    assert headers["www-authenticate"] == 'Basic realm="Ollama"'


@pytest.mark.parametrize(("method", "path"), [("POST", "/api/pull"), ("DELETE", "/api/delete"),
                                              ("GET", "/"), ("GET", "/nonexistent.html")])
def test_403_closed_route_is_json_and_names_the_route(method, path):
    status, headers, body = curl("proxy-client", TARGET + path, "-H", BEARER, "-X", method)
    error = assert_ollama_error(status, headers, body, 403)
    assert f"{method} {path} is closed" in error and "inference" in error


def test_403_path_that_would_break_json_is_not_echoed():
    status, headers, body = curl("proxy-client", TARGET + '/api/%22%7D%5Cx', "-H", BEARER, "--path-as-is")
    error = assert_ollama_error(status, headers, body, 403)
    assert "(path not shown)" in error


def test_403_outside_the_allowlist_is_json():
    status, headers, body = curl("proxy-stranger", TARGET + "/api/tags", "-H", BEARER)
    error = assert_ollama_error(status, headers, body, 403)
    assert "address" in error


def test_405_is_json_with_allow():
    status, headers, body = curl("proxy-client", TARGET + "/api/chat", "-H", BEARER)
    error = assert_ollama_error(status, headers, body, 405)
    assert "GET" in error
    assert headers["allow"] == "POST"


def test_413_is_json():
    client = Outsider("proxy-client").host
    client.run_test("head -c 21000000 /dev/zero | tr '\\0' 'a' > /tmp/aisec-21mb.json")
    status, headers, body = curl("proxy-client", TARGET + "/api/chat", "-H", BEARER, "-H",
                                 "Content-Type: application/json", "--data-binary", "@/tmp/aisec-21mb.json")
    assert_ollama_error(status, headers, body, 413)


def test_ollama_own_errors_pass_through():
    status, headers, body = curl("proxy-client", TARGET + "/api/show", "-H", BEARER, "-d", '{"model": "no-such-model"}')
    error = assert_ollama_error(status, headers, body, 404)
    assert "not found" in error

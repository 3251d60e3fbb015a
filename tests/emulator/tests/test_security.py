"""Host-header check (DNS-rebinding protection) and CORS, as Ollama does them."""

from __future__ import annotations

import socket

import pytest

ALLOWED = ["localhost", "localhost:11434", "127.0.0.1", "127.0.0.1:1234", "[::1]:11434", "10.1.2.3",
           "192.168.0.7:80", "0.0.0.0", "foo.localhost", "x.internal", "printer.local", "LOCALHOST"]
DENIED = ["evil.example", "evil.example:11434", "8.8.8.8", "example.com:80"]


@pytest.mark.parametrize("host", ALLOWED)
def test_loopback_server_accepts_local_host_headers(emu, host):
    assert emu.request("GET", "/", host=host).status == 200


def test_loopback_server_accepts_the_machine_hostname(emu):
    assert emu.request("GET", "/api/version", host=socket.gethostname()).status == 200


def test_hostname_override_is_used_by_the_host_check(start_emulator):
    emu = start_emulator({"OLLAMA_EMULATOR_HOSTNAME": "gpu-box-7"})
    assert emu.request("GET", "/", host="gpu-box-7:11434").status == 200


@pytest.mark.parametrize("host", DENIED)
def test_loopback_server_refuses_foreign_host_with_403_and_empty_body(emu, host):
    r = emu.request("GET", "/api/tags", host=host)
    assert (r.status, r.body) == (403, b"")


def test_host_check_also_guards_unknown_paths(emu):
    assert emu.request("GET", "/nope", host="evil.example").status == 403


def test_server_bound_to_all_interfaces_accepts_any_host(start_emulator):
    emu = start_emulator(bind="0.0.0.0")
    assert emu.request("GET", "/", host="evil.example").status == 200


def test_cors_echoes_an_allowed_default_origin(emu):
    r = emu.request("GET", "/api/version", headers={"Origin": "http://localhost:3000"})
    assert r.status == 200
    assert r.header("Access-Control-Allow-Origin") == "http://localhost:3000"
    assert "Origin" in r.header_all("Vary")


def test_cors_refuses_a_disallowed_origin_with_403(emu):
    r = emu.request("GET", "/api/version", headers={"Origin": "https://evil.example"})
    assert (r.status, r.body) == (403, b"")
    assert r.header("Access-Control-Allow-Origin") is None


def test_cors_preflight_for_allowed_origin_is_204_with_allow_headers(emu):
    r = emu.request("OPTIONS", "/api/chat", headers={"Origin": "http://127.0.0.1:8080",
                                                     "Access-Control-Request-Method": "POST"})
    assert r.status == 204
    assert r.header("Access-Control-Allow-Origin") == "http://127.0.0.1:8080"
    assert "POST" in r.header("Access-Control-Allow-Methods").split(",")
    assert "Authorization" in r.header("Access-Control-Allow-Headers").split(",")
    assert r.header("Access-Control-Max-Age") == "43200"


def test_ollama_origins_adds_to_the_defaults(start_emulator):
    emu = start_emulator({"OLLAMA_ORIGINS": "https://app.example"})
    assert emu.request("GET", "/", headers={"Origin": "https://app.example"}).status == 200
    assert emu.request("GET", "/", headers={"Origin": "http://localhost"}).status == 200
    assert emu.request("GET", "/", headers={"Origin": "https://other.example"}).status == 403


def test_ollama_origins_wildcards_match(start_emulator):
    emu = start_emulator({"OLLAMA_ORIGINS": "https://*.example.org"})
    assert emu.request("GET", "/", headers={"Origin": "https://a.example.org"}).status == 200
    assert emu.request("GET", "/", headers={"Origin": "https://a.example.com"}).status == 403


def test_ollama_origins_star_allows_every_origin(start_emulator):
    emu = start_emulator({"OLLAMA_ORIGINS": "*"})
    r = emu.request("GET", "/", headers={"Origin": "https://anything.example"})
    assert r.status == 200 and r.header("Access-Control-Allow-Origin") == "*"


def test_same_origin_request_is_not_treated_as_cors(emu):
    r = emu.request("GET", "/", headers={"Origin": "http://evil.example"}, host="evil.example")
    assert r.status == 403  # not refused by CORS (same origin) but by the Host check

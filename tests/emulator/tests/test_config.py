"""OLLAMA_HOST and friends, parsed like envconfig.Host() (cases from upstream envconfig tests)."""

from __future__ import annotations

import sys

import pytest
from harness import EMU_DIR

sys.path.insert(0, str(EMU_DIR))

from ollama_emulator import config

HOSTS = [
    ("", "http", "127.0.0.1:11434"),
    ("1.2.3.4", "http", "1.2.3.4:11434"),
    (":1234", "http", ":1234"),
    ("1.2.3.4:1234", "http", "1.2.3.4:1234"),
    ("0.0.0.0", "http", "0.0.0.0:11434"),
    ("example.com", "http", "example.com:11434"),
    ("example.com:1234", "http", "example.com:1234"),
    ("http://1.2.3.4", "http", "1.2.3.4:80"),
    ("http://1.2.3.4:4321", "http", "1.2.3.4:4321"),
    ("https://1.2.3.4", "https", "1.2.3.4:443"),
    ("https://1.2.3.4:1234", "https", "1.2.3.4:1234"),
    ("[::1]", "http", "[::1]:11434"),
    ("::1", "http", "[::1]:11434"),
    ("[::1]:1234", "http", "[::1]:1234"),
    ("  1.2.3.4  ", "http", "1.2.3.4:11434"),
    ('"1.2.3.4"', "http", "1.2.3.4:11434"),
    ("'1.2.3.4'", "http", "1.2.3.4:11434"),
    ("1.2.3.4:99999", "http", "1.2.3.4:11434"),
    ("ollama.com", "https", "ollama.com:443"),
    ("http://example.com/", "http", "example.com:80"),
]


@pytest.mark.parametrize(("raw", "scheme", "hostport"), HOSTS)
def test_ollama_host_is_parsed_like_envconfig(raw, scheme, hostport):
    h = config.parse_ollama_host(raw)
    assert (h.scheme, h.hostport) == (scheme, hostport)


def test_unspecified_address_is_contacted_on_loopback():
    assert config.connectable_host(config.parse_ollama_host("0.0.0.0:5000")).hostport == "127.0.0.1:5000"


def test_default_origins_are_always_allowed_and_extras_come_first():
    origins = config.allowed_origins({"OLLAMA_ORIGINS": "https://a.example,https://b.example"})
    assert origins[:2] == ["https://a.example", "https://b.example"]
    for o in ("http://localhost", "https://127.0.0.1:*", "http://0.0.0.0", "app://*", "file://*", "tauri://*"):
        assert o in origins


def test_models_dir_defaults_to_home_dot_ollama(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config.models_dir({}) == str(tmp_path / ".ollama" / "models")
    assert config.models_dir({"OLLAMA_MODELS": " '/srv/m' "}) == "/srv/m"


def test_keep_alive_defaults_to_five_minutes_and_negative_is_forever():
    assert config.keep_alive_seconds({}) == 300
    assert config.keep_alive_seconds({"OLLAMA_KEEP_ALIVE": "10m"}) == 600
    assert config.keep_alive_seconds({"OLLAMA_KEEP_ALIVE": "30"}) == 30
    assert config.keep_alive_seconds({"OLLAMA_KEEP_ALIVE": "-1"}) == config.FOREVER_SECONDS

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ollama_settings: OLLAMA_HOST read as envconfig.Host() reads it, and every value validated."""

import pytest
from ansible_collections.aisec.ollama.plugins.module_utils import ollama_settings as s
from hypothesis import given, settings
from hypothesis import strategies as st
from ollama_emulator import config as emulator_config


@pytest.mark.parametrize('raw, url', [
    ('', 'http://127.0.0.1:11434'),
    ('0.0.0.0', 'http://0.0.0.0:11434'),
    ('127.0.0.1:8080', 'http://127.0.0.1:8080'),
    (':1234', 'http://:1234'),
    ('http://example.com', 'http://example.com:80'),
    ('https://example.com', 'https://example.com:443'),
    ('http://example.com/path', 'http://example.com:80/path'),
    ('[::1]:11434', 'http://[::1]:11434'),
    ('::1', 'http://[::1]:11434'),
    ('ollama.com', 'https://ollama.com:443'),
    ('"  10.0.0.5:1  "', 'http://10.0.0.5:1'),
    ('127.0.0.1:99999', 'http://127.0.0.1:11434'),
])
def test_ollama_host_is_parsed_like_envconfig_host(raw, url):
    assert s.parse_ollama_host(raw).url() == url


@given(st.text(alphabet='0123456789abcdef.:[]/htps "\'', max_size=24))
@settings(max_examples=400, deadline=None)
def test_ollama_host_parsing_matches_the_emulator(raw):
    ours = s.parse_ollama_host(raw)
    theirs = emulator_config.parse_ollama_host(raw)
    assert (ours.scheme, ours.host, ours.port, ours.path) == (theirs.scheme, theirs.host, theirs.port, theirs.path)


@pytest.mark.parametrize('value', ['127.0.0.1:99999', 'localhost:abc', 'ftp://host:1', 'bad host:1', 'host:1:2'])
def test_host_that_ollama_would_reinterpret_is_rejected(value):
    checked = s.validate_settings({'OLLAMA_HOST': value})
    assert checked.errors and 'OLLAMA_HOST' in checked.errors[0]


@pytest.mark.parametrize('value', ['127.0.0.1', '127.0.0.1:11434', ':11434', 'http://0.0.0.0', '[::1]:8080',
                                   'ollama.internal:11434'])
def test_good_hosts_are_accepted(value):
    assert s.validate_settings({'OLLAMA_HOST': value}).errors == []


def test_host_path_is_accepted_with_a_note():
    checked = s.validate_settings({'OLLAMA_HOST': 'http://127.0.0.1:11434/ollama'})
    assert checked.errors == [] and 'ignored' in checked.notes[0]


@pytest.mark.parametrize('name, value', [
    ('OLLAMA_NO_CLOUD', 'yes'), ('OLLAMA_NOPRUNE', 'on'), ('OLLAMA_KEEP_ALIVE', '5 minutes'),
    ('OLLAMA_KEEP_ALIVE', '5d'), ('OLLAMA_NUM_PARALLEL', '-1'), ('OLLAMA_MAX_QUEUE', '0'),
    ('OLLAMA_CONTEXT_LENGTH', '4k'), ('OLLAMA_KV_CACHE_TYPE', 'q5_0'), ('OLLAMA_DEBUG', 'verbose'),
    ('OLLAMA_ORIGINS', 'example.com'), ('OLLAMA_ORIGINS', 'https://a.example,'), ('OLLAMA_ORIGINS', 'http://*.*'),
    ('OLLAMA_MODELS', 'relative/models'), ('HTTPS_PROXY', 'proxy:3128'),
])
def test_values_ollama_would_misread_are_rejected(name, value):
    assert s.validate_settings({name: value}).errors


@pytest.mark.parametrize('name, value', [
    ('OLLAMA_NO_CLOUD', True), ('OLLAMA_NO_CLOUD', 1), ('OLLAMA_NO_CLOUD', 'TRUE'), ('OLLAMA_KEEP_ALIVE', '5m'),
    ('OLLAMA_KEEP_ALIVE', '-1'), ('OLLAMA_KEEP_ALIVE', '1h30m'), ('OLLAMA_KEEP_ALIVE', 300),
    ('OLLAMA_LOAD_TIMEOUT', '10m'), ('OLLAMA_NUM_PARALLEL', 4), ('OLLAMA_KV_CACHE_TYPE', 'q8_0'),
    ('OLLAMA_DEBUG', '2'), ('OLLAMA_DEBUG', 'false'), ('OLLAMA_ORIGINS', 'https://chat.example.org,http://*.lan'),
    ('OLLAMA_MODELS', '/srv/models'), ('HTTPS_PROXY', 'http://user:pw@proxy:3128'), ('OLLAMA_REMOTES', 'ollama.com'),
])
def test_valid_values_are_accepted(name, value):
    checked = s.validate_settings({name: value})
    assert checked.errors == []
    assert name in checked.settings


def test_values_are_stored_as_ollama_reads_them():
    checked = s.validate_settings({'OLLAMA_HOST': ' "127.0.0.1:11434" ', 'OLLAMA_NO_CLOUD': True})
    assert checked.settings == {'OLLAMA_HOST': '127.0.0.1:11434', 'OLLAMA_NO_CLOUD': 'true'}


@pytest.mark.parametrize('name', ['OLLAMA_TMPDIR', 'OLLAMA_MULTIUSER_CACHE', 'OLLAMA_NEW_ENGINE'])
def test_removed_variables_are_rejected(name):
    checked = s.validate_settings({name: '1'})
    assert checked.errors and 'removed upstream' in checked.errors[0]


def test_unknown_variable_is_kept_with_a_warning_unless_strict():
    loose = s.validate_settings({'OLLAMA_SOMETHING': 'x'})
    assert loose.errors == [] and loose.unknown == ['OLLAMA_SOMETHING']
    assert s.validate_settings({'OLLAMA_SOMETHING': 'x'}, strict=True).errors


def test_line_breaks_and_bad_names_are_rejected():
    assert s.validate_settings({'OLLAMA_HOST': '127.0.0.1\nOLLAMA_ORIGINS=*'}).errors
    assert s.validate_settings({'BAD-NAME': 'x'}).errors


def test_insecure_values_are_reported():
    found = s.insecure_findings({'OLLAMA_HOST': '0.0.0.0', 'OLLAMA_ORIGINS': '*',
                                 'OLLAMA_DEBUG_LOG_REQUESTS': '1'})
    text = ' '.join(found)
    assert 'not a loopback' in text and "'*'" in text and 'DEBUG_LOG_REQUESTS' in text and 'NO_CLOUD' in text


def test_secure_values_give_no_finding():
    assert s.insecure_findings({'OLLAMA_HOST': '127.0.0.1:11434', 'OLLAMA_NO_CLOUD': 'true',
                                'OLLAMA_ORIGINS': 'https://chat.example.org'}) == []


@pytest.mark.parametrize('host, loopback', [('127.0.0.1', True), ('localhost:1', True), ('[::1]:1', True),
                                            (':11434', False), ('10.1.2.3', False), ('0.0.0.0', False)])
def test_loopback_bind_detection(host, loopback):
    assert s.is_loopback_bind(s.parse_ollama_host(host)) is loopback


def test_proxy_credentials_are_redacted():
    assert s.redact('HTTPS_PROXY', 'http://u:secret@proxy:3128') == 'http://********@proxy:3128'
    assert s.redact('OLLAMA_HOST', 'a@b') == 'a@b'
    assert s.has_secret({'HTTPS_PROXY': 'http://u:p@proxy:1'})


def test_merge_present_purge_and_absent():
    current = {'A': '1', 'B': '2'}
    assert s.merge_settings(current, {'B': '3'}, 'present', False) == {'A': '1', 'B': '3'}
    assert s.merge_settings(current, {'B': '3'}, 'present', True) == {'B': '3'}
    assert s.merge_settings(current, {'A': ''}, 'absent', False) == {'B': '2'}


@pytest.mark.parametrize('url, shown', [
    ('http://u:p@ss@proxy:3128', 'http://********@proxy:3128'),
    ('http://u:pa:ss@proxy:3128', 'http://********@proxy:3128'),
    ('http://u:pa/ss@proxy:3128', 'http://********@proxy:3128'),
    ('socks5h://token@proxy:1080', 'socks5h://********@proxy:1080'),
    ('u:p@ss@proxy:3128', '********@proxy:3128'),
    ('http://proxy:3128', 'http://proxy:3128'),
])
def test_proxy_userinfo_is_redacted_up_to_the_rightmost_at(url, shown):
    assert s.redact('https_proxy', url) == shown
    assert s.has_secret({'https_proxy': url}) is (url != shown)


def test_rejected_proxy_url_is_shown_redacted_in_the_error():
    errors = s.validate_settings({'HTTPS_PROXY': 'user:Pa@ss/S3cr3t@proxy:3128'}).errors
    assert len(errors) == 1 and 'S3cr3t' not in errors[0] and 'Pa@ss' not in errors[0]
    assert '********@proxy:3128' in errors[0]


def test_secret_values_are_the_userinfo_and_secret_named_values():
    assert s.secret_values('HTTPS_PROXY', 'http://u:p@ss@proxy') == ['u:p@ss']
    assert s.secret_values('HTTPS_PROXY', 'http://proxy:1') == []
    assert s.secret_values('MY_TOKEN', 'abc') == ['abc']
    assert s.secret_values('OLLAMA_HOST', '127.0.0.1') == []
    assert s.redact_text('Environment="HTTPS_PROXY=http://u:p@ss@proxy:1" "X=1"') == \
        'Environment="HTTPS_PROXY=http://********@proxy:1" "X=1"'

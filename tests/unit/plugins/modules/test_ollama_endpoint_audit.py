# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""aisec.ollama.ollama_endpoint_audit: results, report files, check mode, bad input, scale."""

import functools
import json
import os
import sys
import time
import xml.etree.ElementTree as ET

import pytest
from ansible_collections.aisec.ollama.plugins.modules import ollama_endpoint_audit as module

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'audit'))
import servers


@pytest.fixture
def run(module_runner):
    return functools.partial(module_runner, module.main)


@pytest.fixture
def stoppable():
    started = []
    yield started.append
    for server in started:
        server.stop()


def reports(tmp_path):
    tmp_path = tmp_path / 'reports'
    tmp_path.mkdir(exist_ok=True)
    return {
        'report_json': str(tmp_path / 'audit.json'),
        'report_markdown': str(tmp_path / 'audit.md'),
        'report_sarif': str(tmp_path / 'audit.sarif'),
        'report_junit': str(tmp_path / 'audit.xml'),
    }


def test_exposed_target_gets_exposed_verdict_and_summary(run, start_emulator):
    emu = start_emulator()
    result = run({'targets': [emu.url]})
    assert result['changed'] is False
    assert [t['verdict'] for t in result['targets']] == ['exposed']
    assert result['summary']['verdicts']['exposed'] == 1
    assert result['summary']['worst_severity'] == 'critical'
    assert result['summary']['anonymously_open_classes']['management'] == 1
    assert result['data_date']


def test_report_files_are_written_once_and_unchanged_on_a_second_run(run, start_emulator, tmp_path):
    emu = start_emulator()
    args = dict({'targets': [emu.url, f'127.0.0.1:{servers.closed_port()}']}, **reports(tmp_path))
    first = run(args)
    assert first['changed'] is True
    assert all(item['changed'] for item in first['reports'].values())
    data = json.loads((tmp_path / 'reports' / 'audit.json').read_text())
    assert [t['verdict'] for t in data['targets']] == ['exposed', 'unreachable']
    sarif = json.loads((tmp_path / 'reports' / 'audit.sarif').read_text())
    assert sarif['version'] == '2.1.0'
    assert {r['ruleId'] for r in sarif['runs'][0]['results']} >= {'exposure.management', 'tls.plaintext'}
    suites = ET.parse(tmp_path / 'reports' / 'audit.xml').getroot()  # noqa: S314 - our own report
    assert len(suites.findall('testsuite')) == 2
    assert suites.find("testsuite/testcase[@name='exposure.management']/failure") is not None
    markdown = (tmp_path / 'reports' / 'audit.md').read_text()
    assert '| **exposed** |' in markdown and 'aisec.ollama.proxy' in markdown
    assert oct((tmp_path / 'reports' / 'audit.json').stat().st_mode & 0o777) == '0o640'
    second = run(args)
    assert second['changed'] is False
    assert not any(item['changed'] for item in second['reports'].values())


def test_check_mode_writes_no_report_but_shows_the_diff(run, start_emulator, tmp_path):
    emu = start_emulator()
    result = run(dict({'targets': [emu.url]}, **reports(tmp_path)), check=True, diff=True)
    assert result['changed'] is True
    assert not list((tmp_path / 'reports').iterdir())
    assert {d['after_header'] for d in result['diff']} == set(reports(tmp_path).values())


def test_malformed_targets_fail_before_any_request(run):
    result = run({'targets': ['http://', 'ftp://host', 'host:99999', 'bad host', 'http://u:p@host']}, fail=True)
    assert result['msg'].startswith('invalid input: ')
    assert len(result['problems']) == 5
    assert 'targets[0]' in result['problems'][0] and 'targets[4]' in result['problems'][4]


def test_bad_numbers_and_half_credentials_are_refused(run):
    result = run({'targets': ['127.0.0.1'], 'timeout': 0, 'concurrency': 0, 'url_username': 'a'}, fail=True)
    text = result['msg']
    assert 'timeout must be greater than 0' in text
    assert 'concurrency must be between 1 and 1024' in text
    assert 'url_username and url_password go together' in text


def test_fail_on_verdicts_fails_after_reporting(run, start_emulator, tmp_path):
    emu = start_emulator()
    result = run(dict({'targets': [emu.url], 'fail_on_verdicts': ['exposed']}, **reports(tmp_path)), fail=True)
    assert result['failed_verdicts'] == [emu.url]
    assert (tmp_path / 'reports' / 'audit.json').exists()


def test_credentials_are_passed_and_never_returned(run, start_emulator, stoppable):
    emu = start_emulator()
    proxy = servers.Gateway(emu.port, users={'audit': 's3cret'}, deny_classes=['management'])
    stoppable(proxy)
    result = run({'targets': [proxy.url], 'url_username': 'audit', 'url_password': 's3cret'})
    target = result['targets'][0]
    assert target['reachable']['authenticated']['inference'] == 'open'
    assert target['reachable']['authenticated']['management'] == 'blocked'
    assert 's3cret' not in json.dumps(result)
    assert 'YXVkaXQ6czNjcmV0' not in json.dumps(result)


def test_many_targets_with_blackholes_finish_in_about_one_timeout(run, stoppable):
    timeout = 2.0
    answering = []
    for _server in range(60):
        server = servers.Plain(200, b'Ollama is running', [('Content-Type', 'text/plain; charset=utf-8')])
        stoppable(server)
        answering.append(server.url)
    holes = []
    for _hole in range(4):
        hole = servers.Blackhole()
        stoppable(hole)
        holes.append(hole.url)
    targets = answering[:20] + holes[:2] + answering[20:] + holes[2:]
    started = time.monotonic()
    result = run({'targets': targets, 'timeout': timeout, 'concurrency': 32, 'http_port': 0})
    elapsed = time.monotonic() - started
    verdicts = [t['verdict'] for t in result['targets']]
    assert verdicts.count('unreachable') == 4
    assert [t['url'] for t in result['targets']] == targets  # input order kept
    for target in result['targets']:
        if target['verdict'] == 'unreachable':
            assert target['duration'] <= timeout + 0.5
    # Four blackholes cost one timeout in parallel, not four in a row.
    assert elapsed < 2 * timeout + 2, elapsed


def test_report_in_a_missing_folder_is_a_clear_error(run, start_emulator, tmp_path):
    emu = start_emulator()
    path = str(tmp_path / 'no-such-folder' / 'audit.json')
    result = run({'targets': [emu.url], 'report_json': path}, fail=True)
    assert result['msg'].startswith(f'cannot write report_json {path}')
    assert result['targets'][0]['verdict'] == 'exposed'


def test_targets_not_examined_are_counted_by_reason_and_can_fail_the_gate(run):
    targets = ['http://aisec-audit-no-such-host.invalid:11434', f'127.0.0.1:{servers.closed_port()}']
    result = run({'targets': targets, 'fail_on_verdicts': ['incomplete', 'unreachable']}, fail=True)
    assert [t['error_kind'] for t in result['targets']] == ['dns', 'refused']
    assert [t['examined'] for t in result['targets']] == [False, False]
    assert result['targets'][0]['reason'].startswith('not examined: the host name does not resolve')
    assert result['targets'][1]['reason'].startswith('closed: connection refused')
    assert result['summary']['not_examined'] == {'dns': 1, 'refused': 1}
    assert result['summary']['verdicts']['hardened'] == 0
    assert len(result['failed_verdicts']) == 2


def test_default_deadline_leaves_room_for_the_proxy_roles_default_limits():
    # Both passes through the proxy role's default limits need about 100 s of waits.
    assert module.argument_spec()['target_deadline']['default'] >= 180

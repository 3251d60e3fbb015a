# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's outsider probe (molecule/shared/outsider_probe.py): it never says "closed" when it could
not look, and its exit status says when a target could not be examined."""

import errno
import importlib.util
import json
import os
import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'audit'))
import servers

_PATH = Path(__file__).resolve().parents[4] / 'molecule' / 'shared' / 'outsider_probe.py'
_spec = importlib.util.spec_from_file_location('outsider_probe', _PATH)
probe = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(probe)


def states(report):
    return {p['state'] for p in report['probes']}


@pytest.fixture
def stoppable():
    started = []
    yield started.append
    for server in started:
        server.stop()


def test_exposed_ollama_is_open_and_examined(start_emulator, capsys):
    emu = start_emulator(bind='0.0.0.0')
    report = probe.survey(f'127.0.0.1:{emu.port}')
    assert states(report) == {'open'}
    assert report['examined'] and report['reason'] is None
    assert probe.main([f'127.0.0.1:{emu.port}']) == 0
    assert 'OPEN' in capsys.readouterr().out


def test_a_name_that_does_not_resolve_is_unresolved_never_closed(capsys):
    target = 'aisec-probe-no-such-host.invalid:11434'
    report = probe.survey(target)
    assert states(report) == {'unresolved'}
    assert not report['examined'] and report['reason'].startswith('UNRESOLVED')
    assert probe.main([target]) == probe.EXIT_NOT_EXAMINED
    out = capsys.readouterr()
    assert 'closed' not in out.out.replace('nothing is known about what is closed here', '')
    assert 'UNRESOLVED' in out.out and 'NOT EXAMINED' in out.out
    assert 'could not examine http://aisec-probe-no-such-host.invalid:11434: UNRESOLVED' in out.err


def test_a_refused_connection_is_closed_and_examined():
    report = probe.survey(f'127.0.0.1:{servers.closed_port()}')
    assert states(report) == {'refused'}
    assert report['examined']
    assert probe.STATES['refused'][0] == 'closed'


def test_a_silent_port_times_out_and_is_not_examined(stoppable):
    hole = servers.Blackhole()
    stoppable(hole)
    report = probe.survey(f'127.0.0.1:{hole.port}', timeout=0.5)
    assert states(report) == {'timeout'}
    assert not report['examined']


def test_no_route_to_host_is_its_own_state(monkeypatch):
    def no_route(*_args, **_kwargs):
        raise OSError(errno.EHOSTUNREACH, 'No route to host')

    monkeypatch.setattr(socket, 'create_connection', no_route)
    report = probe.survey('10.255.255.1:11434')
    assert states(report) == {'no_route'}
    assert report['reason'].startswith('NO ROUTE')


def test_a_tls_failure_is_its_own_state(start_emulator):
    emu = start_emulator()
    report = probe.survey(f'https://127.0.0.1:{emu.port}')
    assert states(report) == {'tls'}
    assert not report['examined']


def test_a_429_is_rate_limited_never_closed(stoppable):
    server = servers.Scripted([(429, b'<html>429 Too Many Requests</html>', [('Content-Type', 'text/html')])])
    stoppable(server)
    report = probe.survey(f'127.0.0.1:{server.port}')
    assert states(report) == {'rate_limited'}
    assert not report['examined']


def test_a_proxy_answering_401_is_blocked_and_examined(stoppable):
    server = servers.Plain(401, b'<html>401</html>', [('Content-Type', 'text/html')])
    stoppable(server)
    report = probe.survey(f'127.0.0.1:{server.port}')
    assert states(report) == {'blocked'}
    assert report['examined']


def test_json_output_stays_one_document_when_a_target_is_not_examined(capsys):
    assert probe.main(['--json', f'127.0.0.1:{servers.closed_port()}', 'aisec-probe-none.invalid']) == 3
    out = capsys.readouterr()
    reports = json.loads(out.out)
    assert [r['examined'] for r in reports] == [True, False]
    assert 'could not examine' in out.err

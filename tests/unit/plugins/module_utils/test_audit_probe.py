# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Targets, the per-route probes and how an answer is judged."""

import email.utils
import errno
import http.client
import json
import socket
import ssl
import time

import pytest
from ansible_collections.aisec.ollama.plugins.module_utils import audit_probe as ap
from ansible_collections.aisec.ollama.plugins.module_utils import endpoints


@pytest.mark.parametrize('raw, url', [
    ('10.0.0.5', 'http://10.0.0.5:11434'),
    ('10.0.0.5:8080', 'http://10.0.0.5:8080'),
    ('ollama.example.com:443', 'https://ollama.example.com:443'),
    ('https://ollama.example.com', 'https://ollama.example.com:443'),
    ('http://ollama.example.com/', 'http://ollama.example.com:80'),
    ('https://gw.example.com:8443/ollama/', 'https://gw.example.com:8443/ollama'),
    ('[::1]:11434', 'http://[::1]:11434'),
    ('  HTTP://Host.Example  ', 'http://host.example:80'),
])
def test_targets_are_normalised(raw, url):
    assert ap.target_url(ap.parse_target(raw)) == url


@pytest.mark.parametrize('raw, words', [
    ('', 'empty'),
    ('http://', 'no host'),
    ('ftp://host', 'scheme must be http or https'),
    ('host:99999', 'port'),
    ('host:abc', 'port'),
    ('bad host', 'not a valid host name'),
    ('host/path', 'give a URL with a scheme'),
    ('http://user:pw@host', 'credentials'),
    ('http://host/?q=1', 'no query'),
    ('http://host:0', 'port 0'),
])
def test_malformed_targets_are_refused_with_the_reason(raw, words):
    with pytest.raises(ap.TargetError, match=words):
        ap.parse_target(raw)


def test_every_route_has_a_probe_or_a_reason_not_to_send_one():
    assert set(ap.PROBES) | set(ap.NOT_PROBED) == set(endpoints.ROUTES_BY_NAME)
    assert not set(ap.PROBES) & set(ap.NOT_PROBED)
    for cls in endpoints.CLASSES:
        assert ap.probed_routes([cls]), f'class {cls} has no probe'


def test_state_changing_routes_are_never_probed():
    for name in ('signout', 'user_keys', 'web_search', 'web_fetch'):
        assert name in ap.NOT_PROBED


def test_management_probes_send_empty_bodies_or_absent_names():
    target = ap.parse_target('10.0.0.5')
    model = ap.absent_model(target)
    for route in ap.probed_routes(['management']):
        method, path, body = ap.probe_request(route, target)
        if route.name in ('pull', 'push', 'create', 'copy'):
            assert (method, body) == ('POST', None)
        elif route.name == 'delete':
            assert (method, body) == ('DELETE', {'model': model})
        else:
            assert method == 'HEAD' and path.endswith('sha256:' + '0' * 64)


def test_absent_model_name_is_stable_and_never_a_cloud_model():
    names = {ap.absent_model(ap.parse_target(f'h{i}')) for i in range(200)}
    assert len(names) == 200
    assert not any(n.endswith('cloud') for n in names)
    assert ap.absent_model(ap.parse_target('h1')) == ap.absent_model(ap.parse_target('h1'))


def exchange(status, body=b'', content_type='application/json; charset=utf-8', method='GET', path='/x'):
    ex = ap.Exchange(method, path)
    ex.status = status
    ex.headers = {'content-type': content_type} if content_type else {}
    ex.body = body if isinstance(body, bytes) else json.dumps(body).encode()
    return ex


@pytest.mark.parametrize('expect, ex, state', [
    ('banner', exchange(200, b'Ollama is running', 'text/plain'), 'open'),
    ('banner', exchange(200, b'<html>It works</html>', 'text/html'), 'blocked'),
    ('json:version', exchange(200, {'version': '0.32.15'}), 'open'),
    ('json:version', exchange(200, {'other': 1}), 'blocked'),
    ('not_found', exchange(404, {'error': "model 'x' not found"}), 'open'),
    ('not_found', exchange(404, {'error': {'message': "model 'x' not found", 'type': 'not_found_error'}}), 'open'),
    ('not_found', exchange(404, b'<html>404 Not Found</html>', 'text/html'), 'blocked'),
    ('not_found', exchange(404, b'404 page not found', 'text/plain'), 'absent'),
    ('missing_body', exchange(400, {'error': 'missing request body'}), 'open'),
    ('missing_body', exchange(403, b'', None), 'blocked'),
    ('head_not_found', exchange(404, b'', method='HEAD'), 'open'),
    ('head_not_found', exchange(404, b'', 'text/html', method='HEAD'), 'blocked'),
    ('account', exchange(200, b'null'), 'open'),
    ('account', exchange(401, {'error': 'unauthorized', 'signin_url': 'https://ollama.com/connect'}), 'open'),
    ('account', exchange(401, b'<html>401</html>', 'text/html'), 'blocked'),
    ('json:models', exchange(401, b'', None), 'blocked'),
    ('json:models', exchange(444, b'', None), 'blocked'),
])
def test_only_ollamas_own_answer_counts_as_open(expect, ex, state):
    assert ap.judge(expect, ex) == state


def test_closed_connection_is_blocked_and_timeout_is_an_error():
    closed = ap.Exchange('GET', '/')
    closed.error_kind = 'closed'
    timed_out = ap.Exchange('GET', '/')
    timed_out.error_kind = 'timeout'
    assert ap.judge('banner', closed) == 'blocked'
    assert ap.judge('banner', timed_out) == 'error'


def test_a_429_is_rate_limited_never_blocked():
    ex = exchange(429, b'<html>429 Too Many Requests</html>', 'text/html')
    for expect in ('banner', 'json:version', 'not_found', 'missing_body', 'account'):
        assert ap.judge(expect, ex) == 'rate_limited'


@pytest.mark.parametrize('exc, kind', [
    (OSError(errno.EHOSTUNREACH, 'No route to host'), 'no_route'),
    (OSError(errno.ENETUNREACH, 'Network is unreachable'), 'no_route'),
    (socket.gaierror(-2, 'Name or service not known'), 'dns'),
    (TimeoutError('timed out'), 'timeout'),
    (ConnectionRefusedError(errno.ECONNREFUSED, 'Connection refused'), 'refused'),
    (ssl.SSLError(1, 'wrong version number'), 'tls'),
    (http.client.RemoteDisconnected('closed'), 'closed'),
])
def test_network_failures_are_told_apart(exc, kind):
    assert ap._classify_error(exc)[0] == kind


def test_only_a_refused_connection_means_closed():
    assert ap.CLOSED_KINDS == ('refused',)
    for kind in ('dns', 'no_route', 'timeout', 'tls', 'rate_limited', 'deadline'):
        assert kind in ap.UNEXAMINED
    assert 'refused' not in ap.UNEXAMINED


@pytest.mark.parametrize('value, seconds', [('7', 7.0), ('0', 0.0), (None, None), ('soon', None)])
def test_retry_after_seconds_are_read(value, seconds):
    assert ap._retry_after(value) == seconds


def test_retry_after_as_an_http_date_is_read():
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= ap._retry_after(when) <= 31

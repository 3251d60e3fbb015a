# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Endpoint audit of one target: every check in its positive and its negative case.

Against the Ollama emulator exposed, and behind a small reverse proxy (tests/unit/fixtures/audit/
servers.py) with basic auth, bearer keys, deny rules, a profile, TLS, HSTS, CORS and a rate limit.
"""

import errno
import os
import socket
import sys
import time

import pytest
from ansible_collections.aisec.ollama.plugins.module_utils import advisories as adv
from ansible_collections.aisec.ollama.plugins.module_utils import audit_checks, endpoints
from ansible_collections.aisec.ollama.plugins.module_utils import audit_probe as ap

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'audit'))
import servers

ADVISORIES = adv.load_advisory_file(adv.default_advisory_path())
BASIC = {'Authorization': 'Basic YXVkaXQ6czNjcmV0'}  # audit:s3cret
BEARER = {'Authorization': 'Bearer key-123'}
INFERENCE_ROUTES = [r.name for r in endpoints.profile_routes('inference')]


def audit(url, **options):
    options.setdefault('timeout', 3)
    options.setdefault('advisory_data', ADVISORIES)
    return audit_checks.audit_target(ap.parse_target(url), options)


def status(result, check_id):
    return next(c['status'] for c in result['checks'] if c['id'] == check_id)


def finding(result, check_id):
    return next(f for f in result['findings'] if f['id'] == check_id)


@pytest.fixture
def servers_started():
    started = []

    def start(server):
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def exposed(start_emulator):
    """Ollama opened to the network as the FAQ says (bound to 0.0.0.0, reached via 127.0.0.1)."""
    return start_emulator(bind='0.0.0.0')


@pytest.fixture
def gateway(start_emulator, servers_started):
    """Emulator on loopback behind a proxy: auth required, management/account/experimental denied,
    authenticated clients get the inference profile."""
    emu = start_emulator()

    def make(**kwargs):
        kwargs.setdefault('users', {'audit': 's3cret'})
        kwargs.setdefault('keys', ['key-123'])
        kwargs.setdefault('deny_classes', ['management', 'account', 'experimental'])
        kwargs.setdefault('allowed_routes', INFERENCE_ROUTES)
        return servers_started(servers.Gateway(emu.port, **kwargs))

    make.emulator = emu
    return make


@pytest.fixture(scope='module')
def certs(tmp_path_factory):
    base = tmp_path_factory.mktemp('certs')
    return {
        'good': servers.make_certs(base / 'good'),
        'self_signed': servers.make_certs(base / 'self', self_signed=True),
        'expired': servers.make_certs(base / 'expired', days=(-30, -1)),
        'expiring': servers.make_certs(base / 'expiring', days=(-1, 5)),
        'other_name': servers.make_certs(base / 'other', names=('ollama.example.com',)),
    }


def tls_gateway(gateway, certs, kind='good', legacy=False, **kwargs):
    _ca, cert, key = certs[kind]
    return gateway(tls_context=servers.server_context(cert, key, legacy=legacy), **kwargs)


# -- exposed Ollama ------------------------------------------------------------------------------

def test_exposed_emulator_is_identified_and_every_probed_class_is_open(exposed):
    result = audit(exposed.url)
    assert result['verdict'] == 'exposed'
    assert result['identified'] and not result['hidden_by_proxy']
    assert status(result, 'identity.ollama') == 'fail'
    assert set(result['reachable']['anonymous'].values()) == {'open'}
    for name in endpoints.CLASSES:
        assert status(result, f'exposure.{name}') == 'fail', name
    mgmt = finding(result, 'exposure.management')
    assert mgmt['severity'] == 'critical'
    assert {'request': 'POST /api/pull with an empty body', 'authenticated': False, 'status': 400} in mgmt['evidence']
    roles = {fix['role'] for fix in mgmt['remediation']['fixes']}
    assert {'aisec.ollama.proxy', 'aisec.ollama.server', 'aisec.ollama.firewall'} <= roles


def test_exposed_version_is_disclosed_and_its_advisories_listed(start_emulator):
    emu = start_emulator(env={'OLLAMA_EMULATOR_VERSION': '0.1.33'})
    result = audit(emu.url)
    assert result['version'] == '0.1.33'
    assert status(result, 'disclosure.version') == 'fail'
    ids = [a['id'] for a in result['advisories']]
    assert 'CVE-2024-37032' in ids
    probllama = next(a for a in result['advisories'] if a['id'] == 'CVE-2024-37032')
    assert probllama['reachable_anonymously'] is True
    assert finding(result, 'advisories.version')['severity'] == 'critical'


def test_advisories_skipped_without_data_and_version_hidden_behind_proxy(gateway):
    proxy = gateway()
    result = audit(proxy.url)
    assert status(result, 'disclosure.version') == 'pass'
    assert status(result, 'advisories.version') == 'skip'
    assert result['version'] is None


def test_plain_http_target_without_redirect_is_found(exposed):
    result = audit(exposed.url)
    assert status(result, 'tls.plaintext') == 'fail'
    assert status(result, 'tls.no_https_redirect') == 'fail'
    assert status(result, 'tls.legacy_protocols') == 'skip'


def test_plain_http_target_that_only_redirects_passes(servers_started):
    redirect = servers_started(servers.Plain(301, b'', [('Location', 'https://ollama.example.com/')]))
    result = audit(redirect.url)
    assert status(result, 'tls.plaintext') == 'pass'
    assert status(result, 'tls.no_https_redirect') == 'pass'


def test_exposed_server_asks_for_no_credentials(exposed):
    result = audit(exposed.url)
    assert status(result, 'auth.challenge_missing') == 'fail'
    assert finding(result, 'auth.challenge_missing')['severity'] == 'high'


def test_server_bound_to_all_interfaces_answers_a_foreign_host(exposed):
    result = audit(exposed.url)
    assert status(result, 'rebinding.foreign_host') == 'fail'
    assert '.invalid' in finding(result, 'rebinding.foreign_host')['evidence'][0]['request']


def test_server_bound_to_loopback_refuses_a_foreign_host(start_emulator):
    result = audit(start_emulator().url)
    assert status(result, 'rebinding.foreign_host') == 'pass'


def test_any_origin_allowed_is_found(start_emulator):
    result = audit(start_emulator(env={'OLLAMA_ORIGINS': '*'}).url)
    assert status(result, 'cors.origin_reflected') == 'fail'


def test_default_origins_do_not_allow_a_foreign_origin(start_emulator):
    assert status(audit(start_emulator().url), 'cors.origin_reflected') == 'pass'


def test_proxy_reflecting_the_origin_is_found(gateway):
    assert status(audit(gateway(require_auth=False, deny_classes=(), allowed_routes=None, cors_reflect=True).url),
                  'cors.origin_reflected') == 'fail'


def test_probes_change_nothing_on_the_server(exposed):
    before = exposed.request('GET', '/api/tags').json()
    files_before = sorted(p.relative_to(exposed.models) for p in exposed.models.rglob('*'))
    audit(exposed.url, rate_limit_probes=5)
    assert exposed.request('GET', '/api/tags').json() == before
    assert sorted(p.relative_to(exposed.models) for p in exposed.models.rglob('*')) == files_before
    assert not exposed.netlog.exists() or exposed.netlog.read_text() == ''


# -- behind a proxy ------------------------------------------------------------------------------

def test_proxy_hides_ollama_and_challenges_anonymous_clients(gateway):
    result = audit(gateway().url)
    assert result['hidden_by_proxy'] and not result['identified']
    assert status(result, 'identity.ollama') == 'pass'
    assert set(result['reachable']['anonymous'].values()) == {'blocked'}
    for name in endpoints.CLASSES:
        assert status(result, f'exposure.{name}') == 'pass', name
    assert status(result, 'auth.challenge_missing') == 'pass'
    assert result['verdict'] == 'restricted'  # plain HTTP remains
    assert status(result, 'auth.credentials_rejected') == 'skip'


def test_proxy_answering_403_without_challenge_is_a_low_finding(gateway):
    result = audit(gateway(deny_classes=list(endpoints.CLASSES)).url)
    assert status(result, 'auth.challenge_missing') == 'fail'
    assert finding(result, 'auth.challenge_missing')['severity'] == 'low'


@pytest.mark.parametrize('headers', [BASIC, BEARER], ids=['basic', 'bearer'])
def test_credentials_open_the_profile_and_nothing_else(gateway, headers):
    result = audit(gateway().url, auth_headers=headers, expected_profile='inference')
    auth = result['reachable']['authenticated']
    assert auth['inference'] == auth['compat'] == auth['read'] == 'open'
    assert auth['management'] == auth['account'] == auth['experimental'] == 'blocked'
    assert result['identified']
    assert status(result, 'auth.credentials_rejected') == 'pass'
    assert status(result, 'auth.beyond_profile') == 'pass'
    assert status(result, 'auth.profile_closed') == 'pass'
    # /api/version is in the inference profile (front-ends check a connection with it): read with
    # credentials. The emulator's version has unfixed advisories, on endpoints the proxy closes.
    assert result['version'] and result['version_source'] == 'authenticated'


def test_wrong_credentials_are_reported(gateway):
    result = audit(gateway().url, auth_headers={'Authorization': 'Bearer wrong'})
    assert status(result, 'auth.credentials_rejected') == 'fail'


def test_routes_open_beyond_the_expected_profile_are_found(gateway):
    result = audit(gateway().url, auth_headers=BASIC, expected_profile='dev')
    beyond = finding(result, 'auth.beyond_profile')
    assert 'chat' in beyond['detail'] and 'generate' not in beyond['detail'].split(': ', 1)[1].split(', ')


def test_management_open_with_credentials_is_critical(gateway):
    result = audit(gateway(deny_classes=(), allowed_routes=None).url, auth_headers=BASIC, expected_profile='inference')
    assert finding(result, 'auth.beyond_profile')['severity'] == 'critical'


def test_profile_routes_closed_to_credentials_are_reported(gateway):
    result = audit(gateway().url, auth_headers=BASIC, expected_profile='admin')
    closed = finding(result, 'auth.profile_closed')
    assert closed['severity'] == 'info' and 'pull' in closed['detail']


def test_rate_limit_is_opt_in(gateway):
    assert status(audit(gateway().url, auth_headers=BASIC), 'rate_limit.missing') == 'skip'


def test_rate_limit_answering_429_passes(gateway, clock):
    result = audit(gateway(rate_limit=3).url, auth_headers=BASIC, rate_limit_probes=10)
    check = next(c for c in result['checks'] if c['id'] == 'rate_limit.missing')
    assert check['status'] == 'pass'


def test_missing_rate_limit_is_found(gateway):
    result = audit(gateway().url, auth_headers=BEARER, rate_limit_probes=5)
    assert status(result, 'rate_limit.missing') == 'fail'


# -- TLS -----------------------------------------------------------------------------------------

def test_trusted_certificate_with_hsts_and_modern_tls_passes(gateway, certs):
    proxy = tls_gateway(gateway, certs, hsts=True)
    result = audit(proxy.url, ca_path=str(certs['good'][0]), auth_headers=BASIC, http_port=servers.closed_port())
    for check_id in ('tls.certificate_untrusted', 'tls.certificate_expired', 'tls.certificate_expiring',
                     'tls.hostname_mismatch', 'tls.hsts_missing', 'tls.legacy_protocols', 'tls.plaintext',
                     'tls.no_https_redirect'):
        assert status(result, check_id) == 'pass', check_id
    assert result['tls']['trusted'] and result['tls']['days_left'] >= 364
    assert result['reachable']['authenticated']['inference'] == 'open'
    assert result['verdict'] == 'hardened'


def test_missing_hsts_is_found(gateway, certs):
    result = audit(tls_gateway(gateway, certs).url, ca_path=str(certs['good'][0]), http_port=0)
    assert status(result, 'tls.hsts_missing') == 'fail'


def test_legacy_tls_accepted_is_found(gateway, certs):
    result = audit(tls_gateway(gateway, certs, legacy=True).url, ca_path=str(certs['good'][0]), http_port=0)
    assert result['tls']['legacy']['TLSv1'] is True
    assert status(result, 'tls.legacy_protocols') == 'fail'


def test_self_signed_certificate_is_untrusted_and_credentials_are_withheld(gateway, certs):
    result = audit(tls_gateway(gateway, certs, 'self_signed').url, auth_headers=BASIC, http_port=0)
    assert status(result, 'tls.certificate_untrusted') == 'fail'
    assert 'self-signed' in finding(result, 'tls.certificate_untrusted')['detail']
    assert result['credentials_withheld']
    assert result['reachable']['authenticated'] is None
    assert status(result, 'auth.credentials_rejected') == 'skip'


def test_unverified_credentials_are_sent_when_verification_is_off(gateway, certs):
    result = audit(tls_gateway(gateway, certs, 'self_signed').url, auth_headers=BASIC, http_port=0,
                   validate_certs=False)
    assert result['reachable']['authenticated']['inference'] == 'open'


def test_expired_certificate_is_found(gateway, certs):
    result = audit(tls_gateway(gateway, certs, 'expired').url, ca_path=str(certs['expired'][0]), http_port=0)
    assert status(result, 'tls.certificate_expired') == 'fail'
    assert result['tls']['days_left'] < 0


def test_certificate_expiring_soon_is_found(gateway, certs):
    result = audit(tls_gateway(gateway, certs, 'expiring').url, ca_path=str(certs['expiring'][0]), http_port=0)
    assert status(result, 'tls.certificate_expiring') == 'fail'
    assert status(result, 'tls.certificate_expired') == 'pass'


def test_certificate_for_another_name_is_found(gateway, certs):
    result = audit(tls_gateway(gateway, certs, 'other_name').url, ca_path=str(certs['other_name'][0]), http_port=0)
    assert status(result, 'tls.hostname_mismatch') == 'fail'
    assert status(result, 'tls.certificate_untrusted') == 'pass'


def test_plain_http_port_serving_the_api_next_to_https_is_found(gateway, certs):
    plain = gateway()
    result = audit(tls_gateway(gateway, certs).url, ca_path=str(certs['good'][0]), http_port=plain.port)
    assert status(result, 'tls.plaintext') == 'fail'
    assert status(result, 'tls.no_https_redirect') == 'fail'


def test_plain_http_port_redirecting_to_https_passes(gateway, certs, servers_started):
    redirect = servers_started(servers.Plain(308, b'', [('Location', 'https://127.0.0.1/')]))
    result = audit(tls_gateway(gateway, certs).url, ca_path=str(certs['good'][0]), http_port=redirect.port)
    assert status(result, 'tls.plaintext') == 'pass'
    assert status(result, 'tls.no_https_redirect') == 'pass'


# -- bad targets: a verdict and an error, never a traceback ----------------------------------------

def test_non_ollama_http_server_is_not_ollama(servers_started):
    result = audit(servers_started(servers.Plain()).url)
    assert result['verdict'] == 'not_ollama'
    assert set(result['reachable']['anonymous'].values()) == {'blocked'}


def test_server_that_never_answers_costs_one_timeout(servers_started):
    hole = servers_started(servers.Blackhole())
    started = time.monotonic()
    result = audit(hole.url, timeout=1)
    assert time.monotonic() - started < 1.5
    assert result['verdict'] == 'unreachable'
    assert result['error_kind'] == 'timeout'


def test_refused_connection_is_unreachable():
    result = audit(f'127.0.0.1:{servers.closed_port()}')
    assert result['verdict'] == 'unreachable'
    assert result['error'] == 'connection refused'


def test_unresolvable_host_is_unreachable():
    result = audit('http://aisec-audit-no-such-host.invalid:11434')
    assert result['verdict'] == 'unreachable'
    assert result['error_kind'] == 'dns'


def test_tls_failure_is_unreachable_with_the_reason(exposed):
    result = audit(f'https://127.0.0.1:{exposed.port}')
    assert result['verdict'] == 'unreachable'
    assert result['error_kind'] == 'tls'
    assert result['error'].startswith('TLS failure')


def test_deadline_bounds_a_target_that_answers_slowly(exposed):
    result = audit(exposed.url, target_deadline=0.05)
    errors = [c for c in result['checks'] if c['status'] == 'error']
    assert result['duration'] < 1.5
    assert result['verdict'] in ('exposed', 'unreachable') or errors


# -- rate limits: a 429 is "rate limited", never "closed" --------------------------------------

class VirtualClock:
    """Monotonic time that the audit's sleeps advance at once (the fake proxy reads it too)."""

    def __init__(self):
        self.offset = 0.0
        self.sleeps = []

    def now(self):
        return time.monotonic() + self.offset

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch):
    virtual = VirtualClock()
    monkeypatch.setattr(ap, '_clock', virtual.now)
    monkeypatch.setattr(ap, '_sleep', virtual.sleep)
    return virtual


def test_proxy_with_the_roles_default_limits_is_audited_correctly_with_credentials(gateway, clock):
    # nginx's limit_req with the proxy role's defaults (inference 10r/m burst 5, read 60r/m burst
    # 20, management 6r/m burst 2), counting anonymous requests too: the authenticated pass meets
    # 429 on inference after the anonymous pass used the budget. Paced, it sees the profile open.
    limiter = servers.NginxLimiter(clock=clock.now)
    result = audit(gateway(limiter=limiter).url, auth_headers=BASIC, expected_profile='inference')
    assert limiter.refused > 0 and result['rate_limited'] > 0  # the limits were really met
    assert result['reachable']['authenticated']['inference'] == 'open'
    assert result['reachable']['authenticated']['compat'] == 'open'
    assert 'rate_limited' not in result['routes']['anonymous'].values()
    assert 'rate_limited' not in result['routes']['authenticated'].values()
    assert status(result, 'auth.profile_closed') == 'pass'
    assert status(result, 'exposure.inference') == 'pass'
    assert result['verdict'] in ('restricted', 'hardened')
    assert result['not_examined'] == {}
    assert sum(clock.sleeps) < audit_checks.DEFAULTS['target_deadline'] - 30, sum(clock.sleeps)


def test_proxy_with_the_roles_default_limits_is_audited_correctly_anonymously(gateway, clock):
    limiter = servers.NginxLimiter(clock=clock.now)
    result = audit(gateway(limiter=limiter).url)
    assert limiter.refused > 0
    assert set(result['routes']['anonymous'].values()) <= {'blocked'}, result['routes']['anonymous']
    assert result['verdict'] in ('restricted', 'hardened')


def test_real_waits_follow_an_nginx_limit(gateway):
    # No virtual clock: the audit really sleeps (a fast limit: one request every 0.5 s, burst 2).
    limiter = servers.NginxLimiter({'inference': ('120r/m', 2), 'read': ('600r/m', 20)})
    result = audit(gateway(limiter=limiter).url, auth_headers=BEARER, expected_profile='inference')
    assert limiter.refused > 0
    assert result['reachable']['authenticated']['inference'] == 'open'
    assert status(result, 'auth.profile_closed') == 'pass'


def test_a_429_that_outlasts_the_deadline_is_rate_limited_never_closed(gateway, clock):
    # The fixture's count limit never refills: everything after the third inference request is 429.
    result = audit(gateway(rate_limit=3).url, auth_headers=BASIC, expected_profile='inference',
                   target_deadline=120)
    routes = result['routes']['authenticated']
    assert [routes[r] for r in ('generate', 'chat', 'embed')] == ['open', 'open', 'open']
    assert routes['embeddings'] == 'rate_limited'  # the fixture counts the inference class only
    assert status(result, 'auth.profile_closed') == 'error'
    assert 'not examined' in next(c['detail'] for c in result['checks'] if c['id'] == 'auth.profile_closed')
    assert result['verdict'] == 'incomplete'
    assert any('(with credentials)' in name for name in result['not_examined'])
    assert sum(clock.sleeps) <= 120


def test_anonymous_inference_still_rate_limited_makes_the_verdict_incomplete(servers_started, clock):
    # A proxy that hides Ollama (401) and answers 429 for good on some routes.
    answers = [(401, b'<html>401</html>', [('Content-Type', 'text/html'), ('WWW-Authenticate', 'Basic realm="x"')])] * 8
    answers += [(429, b'<html>429 Too Many Requests</html>', [('Content-Type', 'text/html')])]
    result = audit(servers_started(servers.Scripted(answers)).url, target_deadline=60)
    assert result['verdict'] == 'incomplete'
    assert result['examined'] is False
    assert 'rate_limited' in result['reachable']['anonymous'].values()
    assert any(c['status'] == 'error' and c['id'].startswith('exposure.') for c in result['checks'])


def test_retry_after_is_honoured(servers_started, clock):
    server = servers_started(servers.Scripted([
        (429, b'', [('Retry-After', '7')]),
        (200, b'Ollama is running', [('Content-Type', 'text/plain')]),
    ]))
    client = ap.Client(ap.parse_target(server.url), 3, ap.Deadline(60))
    ex = client.request('GET', '/')
    assert ex.status == 200 and ex.rate_limited == 1
    assert clock.sleeps == [7.0]


def test_a_retry_after_beyond_the_deadline_is_not_waited_for(servers_started, clock):
    server = servers_started(servers.Scripted([(429, b'', [('Retry-After', '100')])]))
    client = ap.Client(ap.parse_target(server.url), 3, ap.Deadline(30))
    ex = client.request('GET', '/')
    assert ex.status == 429 and ex.error_kind == 'rate_limited'
    assert clock.sleeps == []


def test_the_rate_limit_check_itself_is_not_paced(gateway, clock):
    result = audit(gateway(rate_limit=3).url, auth_headers=BASIC, rate_limit_probes=10, target_deadline=600)
    assert status(result, 'rate_limit.missing') == 'pass'


def test_no_route_to_host_is_not_examined_never_closed(monkeypatch):
    def no_route(*_args, **_kwargs):
        raise OSError(errno.EHOSTUNREACH, 'No route to host')

    monkeypatch.setattr(socket, 'create_connection', no_route)
    result = audit('http://10.255.255.1:11434')
    assert result['verdict'] == 'unreachable'
    assert result['error_kind'] == 'no_route'
    assert result['reason'].startswith('not examined: no route to the host')
    assert not result['examined']


def test_only_a_refused_connection_is_reported_closed():
    refused = audit(f'127.0.0.1:{servers.closed_port()}')
    assert refused['reason'].startswith('closed: connection refused')
    unresolved = audit('http://aisec-audit-no-such-host.invalid:11434')
    assert unresolved['reason'].startswith('not examined: the host name does not resolve')

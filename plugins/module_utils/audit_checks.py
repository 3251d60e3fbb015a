# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit of one target: what an anonymous outsider, and an authenticated client, can do.

``audit_target(target, options)`` runs every check of audit_findings.CHECKS against one
endpoint within its deadline and returns a plain dict (verdict, findings, checks, reachability
per endpoint class, TLS facts). It never raises for anything the network does.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import time

from ansible_collections.aisec.ollama.plugins.module_utils import advisories as adv
from ansible_collections.aisec.ollama.plugins.module_utils import audit_findings as af
from ansible_collections.aisec.ollama.plugins.module_utils import audit_probe as ap
from ansible_collections.aisec.ollama.plugins.module_utils import audit_tls, endpoints

DEFAULTS = {
    'timeout': 5.0,  # seconds per request
    # Seconds for all requests to one target, waits for rate limits included: the proxy role's
    # default inference budget (10/min, burst 5) needs about two minutes for both passes.
    'target_deadline': 300.0,
    'auth_headers': None,  # {'Authorization': ...}; None = no credentials
    'extra_headers': None,
    'validate_certs': True,
    'ca_path': None,
    'expected_profile': None,
    'http_port': 80,  # plain-HTTP port checked next to an https target (0 = do not check)
    'cert_expiry_warn_days': 30,
    'rate_limit_probes': 0,
    'advisory_data': None,
}

# A class is as open as its most open route; a route that could not be examined (rate limited, no
# answer) keeps the class from being called blocked.
_STATE_ORDER = ('open', 'rate_limited', 'error', 'blocked', 'absent')
UNEXAMINED_STATES = ('rate_limited', 'error')
_MAX_EVIDENCE = 6


def _class_state(states):
    for state in _STATE_ORDER:
        if state in states:
            return state
    return 'absent'


def _foreign_name(target, what):
    digest = hashlib.sha256((ap.target_url(target) + what).encode('utf-8')).hexdigest()[:10]
    return 'aisec-audit-%s.invalid' % digest


class _Sweep:
    """The per-route probes of one identity (anonymous or authenticated)."""

    def __init__(self):
        self.routes = {}  # route name -> state
        self.exchanges = {}  # route name -> Exchange

    def run(self, client, target, authenticated):
        for route in ap.probed_routes():
            method, path, body = ap.probe_request(route, target)
            note = 'with an empty body' if method in ('POST', 'DELETE') and body is None else None
            if body is not None:
                note = 'model %s' % body.get('model') if 'model' in body else None
            ex = client.request(method, path, body=body, authenticated=authenticated, note=note)
            self.exchanges[route.name] = ex
            self.routes[route.name] = ap.judge(ap.PROBES[route.name].expect, ex)
            if ex.error_kind == 'deadline':
                break
        return self

    def classes(self):
        out = {}
        for name in endpoints.CLASSES:
            out[name] = _class_state([self.routes[r.name] for r in ap.probed_routes([name]) if r.name in self.routes])
        return out

    def unexamined(self, names=None):
        """Route name -> why it was not examined (rate limited, no answer), for the given routes."""
        out = {}
        for name, state in self.routes.items():
            if state in UNEXAMINED_STATES and (names is None or name in names):
                out[name] = self.exchanges[name].error or state
        return out

    def of_class(self, name, state=None):
        out = []
        for route in ap.probed_routes([name]):
            ex = self.exchanges.get(route.name)
            if ex is not None and (state is None or self.routes[route.name] == state):
                out.append(ex)
        return out


def _evidence(exchanges, detail=None):
    return [ex.evidence(detail) for ex in exchanges[:_MAX_EVIDENCE]]


def _version_of(sweep):
    ex = sweep.exchanges.get('version')
    if ex is not None and sweep.routes.get('version') == 'open':
        data = ex.json()
        return data.get('version') if isinstance(data, dict) else None
    return None


def _advisory_severity(name):
    return 'info' if name in (None, 'none') else name


def _closed_to_everyone(classes, anon_classes, auth_classes):
    """True when every endpoint class of an advisory was seen closed, anonymously and with credentials.

    'all' (unauthenticated access as such) is closed when no class but the banner answers anonymous
    clients. Without an authenticated sweep, or with a class not examined, it is never closed.
    """
    if auth_classes is None:
        return False
    closed = ('blocked', 'absent')
    for name in classes:
        if name == 'all':
            if any(state not in closed for n, state in anon_classes.items() if n != 'banner'):
                return False
        elif anon_classes.get(name) not in closed or auth_classes.get(name) not in closed:
            return False
    return True


class TargetAudit:
    def __init__(self, target, options):
        self.target = target
        self.opts = dict(DEFAULTS)
        self.opts.update(options or {})
        self.rec = af.Recorder()
        self.deadline = ap.Deadline(self.opts['target_deadline'])
        self.with_credentials = bool(self.opts['auth_headers'])
        self.secure_context = None
        if target.scheme == 'https':
            if self.opts['validate_certs']:
                self.secure_context = ap.verified_context(self.opts['ca_path'])
            else:
                self.secure_context = ap.unverified_context()
        self.client = ap.Client(target, self.opts['timeout'], self.deadline, self.opts['auth_headers'],
                                self.opts['extra_headers'], self.secure_context)
        self.tls = None
        self.credentials_withheld = None
        self.anon = _Sweep()
        self.auth = None

    # -- steps ------------------------------------------------------------------------------
    def run(self):
        started = time.monotonic()
        result = {'target': self.target.raw, 'url': ap.target_url(self.target)}
        try:
            first = self.client.request('GET', '/')
            if first.status is None:
                result.update(self._unreachable(first))
            else:
                result.update(self._audit(first))
        finally:
            self.client.close()
        result['requests'] = self.client.sent
        result['duration'] = round(time.monotonic() - started, 3)
        return result

    def _unreachable(self, first):
        reason = unreachable_reason(first.error_kind, first.error)
        for check_id in af.CHECKS:
            self.rec.skip(check_id, reason)
        checks = self.rec.checks()
        return {'verdict': 'unreachable', 'error': first.error, 'error_kind': first.error_kind,
                'examined': False, 'reason': reason,
                'evidence': [first.evidence()], 'identified': False, 'identified_by': [],
                'hidden_by_proxy': False, 'server_header': None, 'version': None, 'version_source': None,
                'reachable': {'anonymous': {}, 'authenticated': None},
                'routes': {'anonymous': {}, 'authenticated': None}, 'tls': None, 'advisories': [],
                'findings': [], 'checks': _compact(checks)}

    def _audit(self, first):
        if self.target.scheme == 'https':
            self._tls_facts()
        self.anon.run(self.client, self.target, authenticated=False)
        if self.with_credentials and self.credentials_withheld is None:
            self.auth = _Sweep().run(self.client, self.target, authenticated=True)
        anon_classes = self.anon.classes()
        auth_classes = self.auth.classes() if self.auth else None

        anon_exchanges = [first, *self.anon.exchanges.values()]
        identified_by = ap.looks_like_ollama(anon_exchanges)
        if self.auth:
            identified_by += ['with credentials: %s' % r for r in ap.looks_like_ollama(self.auth.exchanges.values())]
        hidden = not ap.looks_like_ollama(anon_exchanges) and any(
            ex.status in (401, 403) for ex in anon_exchanges)
        version, source = _version_of(self.anon), 'anonymous'
        if version is None and self.auth:
            version, source = _version_of(self.auth), 'authenticated'

        self._identity(first)
        self._exposure()
        self._version(version, source)
        advisories = self._advisories(version, anon_classes, auth_classes)
        self._transport(first)
        self._auth(anon_classes)
        self._cors()
        self._rebinding()
        self._rate_limit()

        checks = self.rec.checks()
        findings = af.findings_of(checks)
        verdict = af.verdict(anon_classes, True, bool(identified_by), hidden, findings)
        not_examined = self.anon.unexamined()
        if self.auth:
            not_examined.update(('%s (with credentials)' % n, why) for n, why in self.auth.unexamined().items())
        if not_examined and verdict in ('restricted', 'hardened'):
            # Routes not examined (with credentials too) could hide a finding: no "all clear".
            verdict = 'incomplete'
        reason = None
        if verdict == 'incomplete':
            reason = 'not examined: %s' % ', '.join('%s (%s)' % item for item in not_examined.items())
        return {
            'verdict': verdict, 'error': None, 'error_kind': None, 'examined': verdict != 'incomplete',
            'reason': reason, 'not_examined': not_examined, 'rate_limited': self.client.rate_limited,
            'identified': bool(identified_by), 'identified_by': identified_by, 'hidden_by_proxy': hidden,
            'server_header': first.header('server'),
            'version': version, 'version_source': source if version else None,
            'reachable': {'anonymous': anon_classes, 'authenticated': auth_classes},
            'routes': {'anonymous': dict(self.anon.routes),
                       'authenticated': dict(self.auth.routes) if self.auth else None},
            'tls': self.tls, 'advisories': advisories,
            'credentials_withheld': self.credentials_withheld,
            'findings': findings, 'checks': _compact(checks),
        }

    def _tls_facts(self):
        timeout = max(0.05, min(self.opts['timeout'], self.deadline.remaining()))
        try:
            self.tls = audit_tls.certificate(self.target.host, self.target.port, timeout, self.opts['ca_path'])
        except Exception as exc:  # reported as an error check, never raised
            self.tls = {'error': '%s: %s' % (exc.__class__.__name__, exc)}
        self.tls['legacy'] = audit_tls.legacy_protocols(self.target.host, self.target.port, timeout)
        if self.with_credentials and self.opts['validate_certs']:
            if not self.tls.get('trusted') or self.tls.get('hostname_match') is False:
                self.credentials_withheld = ('the certificate does not verify (validate_certs=true): credentials '
                                             'were not sent')

    # -- checks -----------------------------------------------------------------------------
    def _identity(self, first):
        reasons = ap.looks_like_ollama([first, *self.anon.exchanges.values()])
        if reasons:
            self.rec.fail('identity.ollama', _evidence([first]), detail='; '.join(reasons))
        else:
            self.rec.ok('identity.ollama', _evidence([first]))

    def _exposure(self):
        classes = self.anon.classes()
        for name in endpoints.CLASSES:
            check_id = 'exposure.%s' % name
            state = classes[name]
            if state == 'open':
                opened = self.anon.of_class(name, 'open')
                self.rec.fail(check_id, _evidence(opened),
                              detail='open: %s' % ', '.join(
                                  r.name for r in ap.probed_routes([name]) if self.anon.routes.get(r.name) == 'open'))
            elif state in UNEXAMINED_STATES:
                names = [r.name for r in ap.probed_routes([name])]
                why = self.anon.unexamined(names)
                self.rec.error(check_id, 'not examined: %s' % '; '.join('%s: %s' % item for item in why.items()),
                               _evidence([self.anon.exchanges[n] for n in why]))
            else:
                self.rec.ok(check_id, _evidence(self.anon.of_class(name)[:2]), detail=state)

    def _version(self, version, source):
        ex = self.anon.exchanges.get('version')
        if source == 'anonymous' and version:
            self.rec.fail('disclosure.version', _evidence([ex]), detail='version %s' % version)
        elif ex is not None and self.anon.routes.get('version') in UNEXAMINED_STATES:
            self.rec.error('disclosure.version', ex.error, _evidence([ex]))
        else:
            self.rec.ok('disclosure.version', _evidence([ex] if ex is not None else []))

    def _advisories(self, version, anon_classes, auth_classes=None):
        data = self.opts['advisory_data']
        if not version:
            self.rec.skip('advisories.version', 'the version is not readable')
            return []
        if not data:
            self.rec.skip('advisories.version', 'no advisory data')
            return []
        try:
            judged = adv.evaluate(version, data)
        except ValueError as exc:
            self.rec.error('advisories.version', 'version %r cannot be judged: %s' % (version, exc))
            return []
        items = []
        for item in judged['advisories']:
            classes = item['endpoint_classes']
            open_anon = any(anon_classes.get(c) == 'open' for c in classes) or (
                'all' in classes and any(s == 'open' for n, s in anon_classes.items() if n != 'banner'))
            items.append({'id': item['id'], 'name': item['name'], 'severity': item['severity'],
                          'fixed_in': item['fixed_in'], 'endpoint_classes': classes,
                          'reachable_anonymously': open_anon,
                          'mitigated': _closed_to_everyone(classes, anon_classes, auth_classes),
                          'summary': item['summary']})
        if not items:
            self.rec.ok('advisories.version', detail='no advisory applies to %s' % version)
            return items
        # An advisory whose endpoints were seen closed to anonymous AND authenticated clients (a
        # proxy's policy) counts as low: the version is still listed, the exposure is not there.
        worst = max((_advisory_severity('low' if i['mitigated'] else i['severity']) for i in items),
                    key=af.severity_rank)
        detail = 'version %s: %s' % (version, ', '.join(
            i['id'] + (' (mitigated: endpoints closed)' if i['mitigated'] else '') for i in items))
        if judged['minimum_safe_version']:
            detail += '; fixed from %s' % judged['minimum_safe_version']
        evidence = [{'request': 'GET /api/version', 'status': 200, 'detail': 'version %s' % version}]
        self.rec.fail('advisories.version', evidence, severity=worst, detail=detail)
        return items

    def _transport(self, first):
        if self.target.scheme == 'http':
            location = first.header('location') or ''
            if first.status in (301, 302, 307, 308) and location.startswith('https://'):
                self.rec.ok('tls.plaintext', _evidence([first], 'redirect to %s' % location))
                self.rec.ok('tls.no_https_redirect', _evidence([first], 'redirect to %s' % location))
            else:
                self.rec.fail('tls.plaintext', _evidence([first]), detail='the target itself is plain HTTP')
                self.rec.fail('tls.no_https_redirect', _evidence([first]))
            for check_id in ('tls.legacy_protocols', 'tls.certificate_untrusted', 'tls.certificate_expired',
                             'tls.certificate_expiring', 'tls.hostname_mismatch', 'tls.hsts_missing'):
                self.rec.skip(check_id, 'the target is plain HTTP')
            return
        self._plaintext_port()
        self._certificate()
        answers = [ex for ex in [first, *self.anon.exchanges.values()] if ex.status is not None]
        if any(ex.header('strict-transport-security') for ex in answers):
            self.rec.ok('tls.hsts_missing', _evidence([first]), detail=first.header('strict-transport-security'))
        else:
            self.rec.fail('tls.hsts_missing', _evidence([first]))

    def _plaintext_port(self):
        port = self.opts['http_port']
        if not port:
            self.rec.skip('tls.plaintext', 'http_port is 0')
            self.rec.skip('tls.no_https_redirect', 'http_port is 0')
            return
        ex = self.client.request('GET', self.target.base_path + '/', scheme='http', port=port)
        location = ex.header('location') or ''
        if ex.status is None and ex.error_kind in (*ap.CLOSED_KINDS, 'closed'):
            detail = 'nothing answers plain HTTP on port %d (%s)' % (port, ex.error)
            self.rec.ok('tls.plaintext', _evidence([ex]), detail=detail)
            self.rec.ok('tls.no_https_redirect', _evidence([ex]), detail=detail)
        elif ex.status is None or ex.status == 429:
            detail = 'port %d not examined: %s' % (port, ex.error)
            self.rec.error('tls.plaintext', detail, _evidence([ex]))
            self.rec.error('tls.no_https_redirect', detail, _evidence([ex]))
        elif ex.status in (301, 302, 307, 308) and location.startswith('https://'):
            self.rec.ok('tls.plaintext', _evidence([ex]), detail='redirect to %s' % location)
            self.rec.ok('tls.no_https_redirect', _evidence([ex]), detail='redirect to %s' % location)
        else:
            self.rec.fail('tls.no_https_redirect', _evidence([ex]), detail='port %d answers %s' % (port, ex.status))
            serves_api = ap.looks_like_ollama([ex]) or ex.status == 401
            if serves_api:
                self.rec.fail('tls.plaintext', _evidence([ex]),
                              detail='port %d serves the API (or asks for credentials) in plain text' % port)
            else:
                self.rec.ok('tls.plaintext', _evidence([ex]), detail='port %d answers, but not the API' % port)

    def _certificate(self):
        tls = self.tls or {}
        legacy = tls.get('legacy') or {}
        accepted = [name for name in ('TLSv1', 'TLSv1.1') if legacy.get(name)]
        evidence = [{'request': 'TLS handshake limited to %s' % name, 'status': None,
                     'detail': 'accepted' if legacy.get(name) else ('refused' if legacy.get(name) is False
                                                                    else 'not tried')}
                    for name in ('TLSv1', 'TLSv1.1')]
        if accepted:
            self.rec.fail('tls.legacy_protocols', evidence, detail='accepted: %s' % ', '.join(accepted))
        elif all(legacy.get(n) is False for n in ('TLSv1', 'TLSv1.1')):
            self.rec.ok('tls.legacy_protocols', evidence)
        else:
            self.rec.error('tls.legacy_protocols', legacy.get('note') or 'not measured', evidence)
        if tls.get('error'):
            for check_id in ('tls.certificate_untrusted', 'tls.certificate_expired', 'tls.certificate_expiring',
                             'tls.hostname_mismatch'):
                self.rec.error(check_id, tls['error'])
            return
        cert_ev = [{'request': 'TLS handshake with %s:%d' % (self.target.host, self.target.port), 'status': None,
                    'detail': 'subject %s, issuer %s, not after %s' % (tls.get('subject'), tls.get('issuer'),
                                                                       tls.get('not_after'))}]
        if tls.get('trusted'):
            self.rec.ok('tls.certificate_untrusted', cert_ev)
        else:
            self.rec.fail('tls.certificate_untrusted', cert_ev, detail=tls.get('verify_error'))
        if 'days_left' not in tls:
            for check_id in ('tls.certificate_expired', 'tls.certificate_expiring', 'tls.hostname_mismatch'):
                self.rec.error(check_id, 'the certificate could not be decoded')
            return
        days = tls['days_left']
        if days < 0 or tls.get('not_yet_valid'):
            self.rec.fail('tls.certificate_expired', cert_ev, detail='not after %s' % tls['not_after'])
            self.rec.skip('tls.certificate_expiring', 'already expired')
        else:
            self.rec.ok('tls.certificate_expired', cert_ev)
            if days < self.opts['cert_expiry_warn_days']:
                self.rec.fail('tls.certificate_expiring', cert_ev, detail='%d day(s) left' % days)
            else:
                self.rec.ok('tls.certificate_expiring', cert_ev, detail='%d day(s) left' % days)
        if tls['hostname_match']:
            self.rec.ok('tls.hostname_mismatch', cert_ev)
        else:
            self.rec.fail('tls.hostname_mismatch', cert_ev,
                          detail='%s not in %s' % (self.target.host, ', '.join(tls['subject_alt_names']) or
                                                   tls.get('subject')))

    def _auth(self, anon_classes):
        anon = list(self.anon.exchanges.values())
        challenged = [ex for ex in anon if ex.status == 401 and ex.header('www-authenticate')]
        if challenged:
            self.rec.ok('auth.challenge_missing', _evidence(challenged[:1], 'WWW-Authenticate: %s'
                                                            % challenged[0].header('www-authenticate')))
        else:
            open_beyond_banner = any(s == 'open' for n, s in anon_classes.items() if n != 'banner')
            self.rec.fail('auth.challenge_missing', _evidence(anon[:2]),
                          severity='high' if open_beyond_banner else 'low',
                          detail='every route answers without asking for credentials' if open_beyond_banner
                          else 'blocked routes answer without a 401 challenge')
        skip_reason = None
        if not self.with_credentials:
            skip_reason = 'no credentials given'
        elif self.credentials_withheld:
            skip_reason = self.credentials_withheld
        if skip_reason:
            for check_id in ('auth.credentials_rejected', 'auth.beyond_profile', 'auth.profile_closed'):
                self.rec.skip(check_id, skip_reason)
            return
        auth = list(self.auth.exchanges.values())
        opened = [ex for name, ex in self.auth.exchanges.items() if self.auth.routes[name] == 'open']
        refused = [ex for ex in auth if ex.status == 401]
        unexamined = self.auth.unexamined()
        if opened:
            self.rec.ok('auth.credentials_rejected', _evidence(opened[:1]))
        elif refused:
            self.rec.fail('auth.credentials_rejected', _evidence(refused[:2]), detail='401 with credentials')
        elif unexamined:
            self.rec.error('auth.credentials_rejected',
                           'not examined: %s' % '; '.join('%s: %s' % item for item in unexamined.items()),
                           _evidence([self.auth.exchanges[n] for n in unexamined]))
        else:
            self.rec.ok('auth.credentials_rejected', _evidence(auth[:1]), detail='accepted, but no route opens')
        profile = self.opts['expected_profile']
        if not profile:
            self.rec.skip('auth.beyond_profile', 'no expected_profile given')
            self.rec.skip('auth.profile_closed', 'no expected_profile given')
            return
        allowed = set(r.name for r in endpoints.profile_routes(profile))
        open_routes = [name for name, state in self.auth.routes.items() if state == 'open']
        beyond = [name for name in open_routes if name not in allowed and name != 'banner']
        if beyond:
            worst = max((af.CLASS_SEVERITY[endpoints.ROUTES_BY_NAME[n].endpoint_class] for n in beyond),
                        key=af.severity_rank)
            self.rec.fail('auth.beyond_profile', _evidence([self.auth.exchanges[n] for n in beyond]),
                          severity=max(worst, 'high', key=af.severity_rank),
                          detail='profile %s does not open: %s' % (profile, ', '.join(beyond)))
        else:
            outside = [n for n in unexamined if n not in allowed and n != 'banner']
            if outside:
                self.rec.error('auth.beyond_profile', 'not examined: %s' % '; '.join(
                    '%s: %s' % (n, unexamined[n]) for n in outside),
                    _evidence([self.auth.exchanges[n] for n in outside]))
            else:
                self.rec.ok('auth.beyond_profile', detail='only routes of profile %s answer' % profile)
        closed = [name for name in self.auth.routes if name in allowed and self.auth.routes[name] == 'blocked']
        inside = [n for n in unexamined if n in allowed]
        if closed:
            self.rec.fail('auth.profile_closed', _evidence([self.auth.exchanges[n] for n in closed]),
                          detail='closed: %s' % ', '.join(closed) + (
                              '; not examined: %s' % ', '.join(inside) if inside else ''))
        elif inside:
            self.rec.error('auth.profile_closed', 'not examined: %s' % '; '.join(
                '%s: %s' % (n, unexamined[n]) for n in inside), _evidence([self.auth.exchanges[n] for n in inside]))
        else:
            self.rec.ok('auth.profile_closed')

    def _cors(self):
        origin = 'https://' + _foreign_name(self.target, 'origin')
        path = endpoints.ROUTES_BY_NAME['version'].path
        ex = self.client.request('GET', path, headers={'Origin': origin}, note='Origin: %s' % origin)
        allowed = ex.header('access-control-allow-origin')
        if allowed in (origin, '*') and ex.status is not None and ex.status < 400:
            self.rec.fail('cors.origin_reflected', _evidence([ex], 'Access-Control-Allow-Origin: %s' % allowed))
        elif (ex.status is None and ex.error_kind not in ('closed',)) or ex.status == 429:
            self.rec.error('cors.origin_reflected', ex.error, _evidence([ex]))
        else:
            self.rec.ok('cors.origin_reflected', _evidence([ex], 'Access-Control-Allow-Origin: %s' % allowed))

    def _rebinding(self):
        host = _foreign_name(self.target, 'host')
        path = endpoints.ROUTES_BY_NAME['version'].path
        ex = self.client.request('GET', path, host_header=host, note='Host: %s' % host)
        if ap.judge('json:version', ex) == 'open':
            self.rec.fail('rebinding.foreign_host', _evidence([ex]))
        elif (ex.status is None and ex.error_kind not in ('closed',)) or ex.status == 429:
            self.rec.error('rebinding.foreign_host', ex.error, _evidence([ex]))
        else:
            self.rec.ok('rebinding.foreign_host', _evidence([ex]))

    def _rate_limit(self):
        count = int(self.opts['rate_limit_probes'] or 0)
        if count <= 0:
            self.rec.skip('rate_limit.missing', 'opt-in: set rate_limit_probes')
            return
        authenticated = bool(self.auth)
        route = endpoints.ROUTES_BY_NAME['generate']
        method, path, body = ap.probe_request(route, self.target)
        seen_open = 0
        last = None
        for _sent in range(count):
            last = self.client.request(method, path, body=body, authenticated=authenticated, pace=False,
                                       note='model %s (burst of %d)' % (body['model'], count))
            if last.status == 429:
                # Not "after N requests": N depends on what earlier requests left in the bucket.
                self.rec.ok('rate_limit.missing', _evidence([last], '429 within a burst of %d request(s)' % count))
                return
            if ap.judge('not_found', last) == 'open':
                seen_open += 1
            elif last.status is None:
                break
        if seen_open:
            self.rec.fail('rate_limit.missing', _evidence([last], '%d of %d answered, none with 429'
                                                          % (seen_open, count)))
        else:
            self.rec.skip('rate_limit.missing', 'inference is not reachable with the identity used')


def unreachable_reason(kind, error):
    """What a target that gave no HTTP answer means, in words: only a refused port is closed."""
    if kind in ap.CLOSED_KINDS:
        return 'closed: %s (nothing listens on the port, or a firewall rejects)' % error
    if kind == 'closed':
        return 'not examined: the connection was closed before any answer (%s)' % error
    return 'not examined: %s (%s)' % (ap.UNEXAMINED.get(kind, 'no answer'), error)


def _compact(checks):
    """Checks without their evidence (findings carry it): the return value stays small."""
    return [{'id': c['id'], 'status': c['status'], 'severity': c['severity'], 'detail': c['detail']} for c in checks]


def audit_target(target, options=None):
    """Audit one parsed Target (see audit_probe.parse_target); never raises for network problems."""
    return TargetAudit(target, options).run()

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The endpoint audit's checks: ids, severities, titles, remediation, and the verdict.

Every check the auditor runs is listed in CHECKS once, with the fix that closes it. A check
ends as ``fail`` (a finding), ``pass``, ``skip`` (not applicable or not asked for) or ``error``
(could not be measured). Findings are the failed checks. The remediation names the role and the
variables that fix it; those names live only in FIXES below, so they are easy to correct when
the roles change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections

from ansible_collections.aisec.ollama.plugins.module_utils import endpoints

SEVERITIES = ('info', 'low', 'medium', 'high', 'critical')
STATUSES = ('fail', 'pass', 'skip', 'error')
VERDICTS = ('exposed', 'restricted', 'hardened', 'incomplete', 'unreachable', 'not_ollama')

Fix = collections.namedtuple('Fix', 'role variables text')

# The one place where role and variable names appear. Read from roles/*/meta/argument_specs.yml on
# 2026-11-26 while the roles were being written; keep in step (a unit test checks they exist).
FIXES = collections.OrderedDict([
    ('bind_loopback', Fix('aisec.ollama.server', ['server_bind_host'],
                          'bind Ollama to 127.0.0.1:11434 so only the local proxy reaches it')),
    ('firewall', Fix('aisec.ollama.firewall', ['firewall_allowed_cidrs'],
                     'allow the Ollama and proxy ports only from the networks that need them')),
    ('proxy_auth', Fix('aisec.ollama.proxy', ['proxy_basic_auth_users', 'proxy_api_keys'],
                       'put the authenticating proxy in front and require credentials on every route')),
    ('proxy_profile', Fix('aisec.ollama.proxy', ['proxy_profile'],
                          'choose the narrowest profile (inference, readonly, dev) that clients need')),
    ('proxy_cidrs', Fix('aisec.ollama.proxy', ['proxy_allowed_cidrs'],
                        'limit the proxy to the client networks')),
    ('proxy_tls', Fix('aisec.ollama.proxy',
                      ['proxy_tls_mode', 'proxy_tls_certificate_src', 'proxy_tls_private_key_src'],
                      'serve HTTPS with a certificate issued for the name clients use, from a trusted CA')),
    ('proxy_tls_protocols', Fix('aisec.ollama.proxy', ['proxy_tls_mode'],
                                'let the proxy role serve TLS (it accepts TLS 1.2 and 1.3 only)')),
    ('proxy_tls_redirect', Fix('aisec.ollama.proxy', ['proxy_http_redirect'],
                               'answer plain HTTP only with a redirect to HTTPS')),
    ('proxy_tls_hsts', Fix('aisec.ollama.proxy', ['proxy_hsts_max_age'],
                           'send Strict-Transport-Security on every HTTPS answer')),
    ('proxy_cors', Fix('aisec.ollama.proxy', ['proxy_cors_origins'],
                       'list the browser origins allowed; never reflect any Origin')),
    ('server_origins', Fix('aisec.ollama.server', ['server_origins'],
                           'remove "*" and foreign origins from OLLAMA_ORIGINS')),
    ('proxy_host', Fix('aisec.ollama.proxy', ['proxy_server_names'],
                       'answer only the expected Host names; close the connection for others')),
    ('rate_limit', Fix('aisec.ollama.proxy', ['proxy_rate_limits'],
                       'rate-limit inference per client (429 when exceeded)')),
    ('upgrade', Fix('aisec.ollama.server', ['server_ollama_version'],
                    'upgrade Ollama to a version that fixes the advisories (see ollama_version_check)')),
    ('no_cloud', Fix('aisec.ollama.server', ['server_settings'],
                     'set OLLAMA_NO_CLOUD=1 so the server never lends its ollama.com account')),
    ('credentials', Fix('aisec.ollama.proxy', ['proxy_basic_auth_users', 'proxy_api_keys'],
                        'give the audit valid credentials (url_username/url_password or bearer_token)')),
])

Check = collections.namedtuple('Check', 'id severity title fixes')

# Severity of anonymous reach per endpoint class (every class of endpoints.CLASSES).
CLASS_SEVERITY = {
    'banner': 'low',
    'read': 'medium',
    'inference': 'high',
    'compat': 'high',
    'management': 'critical',
    'account': 'high',
    'experimental': 'high',
}
if set(CLASS_SEVERITY) != set(endpoints.CLASSES):
    raise AssertionError('CLASS_SEVERITY must cover endpoints.CLASSES')

_EXPOSURE_FIXES = ('proxy_auth', 'bind_loopback', 'firewall', 'proxy_profile')


def _class_checks():
    checks = []
    for name, what in endpoints.CLASSES.items():
        fixes = _EXPOSURE_FIXES + (('no_cloud',) if name in ('account', 'experimental') else ())
        checks.append(Check('exposure.%s' % name, CLASS_SEVERITY[name],
                            'Anonymous clients reach the %s class: %s' % (name, what), fixes))
    return checks


_OTHER_CHECKS = [
    Check('disclosure.version', 'medium', 'The Ollama version is readable anonymously', _EXPOSURE_FIXES),
    Check('advisories.version', 'high', 'Published advisories apply to the version served',
          ('upgrade', 'proxy_profile')),
    Check('tls.plaintext', 'high', 'The API is served over plaintext HTTP', ('proxy_tls', 'bind_loopback')),
    Check('tls.no_https_redirect', 'medium', 'Plain HTTP does not redirect to HTTPS', ('proxy_tls_redirect',)),
    Check('tls.legacy_protocols', 'high', 'TLS 1.0 or 1.1 is accepted', ('proxy_tls_protocols',)),
    Check('tls.certificate_untrusted', 'high', 'The certificate does not verify against the trusted CAs',
          ('proxy_tls',)),
    Check('tls.certificate_expired', 'high', 'The certificate has expired or is not yet valid', ('proxy_tls',)),
    Check('tls.certificate_expiring', 'medium', 'The certificate expires soon', ('proxy_tls',)),
    Check('tls.hostname_mismatch', 'high', 'The certificate is not issued for the target name', ('proxy_tls',)),
    Check('tls.hsts_missing', 'low', 'HTTPS answers carry no Strict-Transport-Security header', ('proxy_tls_hsts',)),
    Check('auth.challenge_missing', 'medium', 'No route asks for credentials (401 with WWW-Authenticate)',
          ('proxy_auth',)),
    Check('auth.credentials_rejected', 'medium', 'The credentials given to the audit are not accepted',
          ('credentials',)),
    Check('auth.beyond_profile', 'high', 'Authenticated clients reach routes the expected profile does not open',
          ('proxy_profile',)),
    Check('auth.profile_closed', 'info', 'Routes the expected profile opens are closed to authenticated clients',
          ('proxy_profile',)),
    Check('cors.origin_reflected', 'high', 'An arbitrary browser Origin is allowed (CORS)',
          ('proxy_cors', 'server_origins')),
    Check('rebinding.foreign_host', 'high', 'A request with a foreign Host header is answered (DNS rebinding)',
          ('proxy_host', 'bind_loopback')),
    Check('rate_limit.missing', 'medium', 'Inference is not rate-limited (no 429 within the probes)',
          ('rate_limit',)),
]
_IDENTITY = Check('identity.ollama', 'info', 'Anonymous clients can tell an Ollama server is here (banner, '
                  '/api/version or /api/tags shape)', _EXPOSURE_FIXES)
CHECKS = collections.OrderedDict((c.id, c) for c in [_IDENTITY, *_class_checks(), *_OTHER_CHECKS])


def severity_rank(name):
    return SEVERITIES.index(name)


def remediation(check_id):
    """The remediation of a check: text plus the roles and variables that fix it."""
    fixes = [FIXES[name] for name in CHECKS[check_id].fixes]
    return {
        'text': '; or '.join(f.text for f in fixes),
        'fixes': [{'role': f.role, 'variables': list(f.variables), 'what': f.text} for f in fixes],
    }


class Recorder:
    """Collects one target's check results in CHECKS order."""

    def __init__(self):
        self._results = {}

    def record(self, check_id, status, evidence=None, severity=None, detail=None):
        if check_id not in CHECKS:
            raise KeyError('unknown check %s' % check_id)
        if status not in STATUSES:
            raise ValueError('unknown status %s' % status)
        self._results[check_id] = {
            'id': check_id,
            'status': status,
            'severity': severity or CHECKS[check_id].severity,
            'title': CHECKS[check_id].title,
            'detail': detail,
            'evidence': list(evidence or []),
        }

    def fail(self, check_id, evidence=None, severity=None, detail=None):
        self.record(check_id, 'fail', evidence, severity, detail)

    def ok(self, check_id, evidence=None, detail=None):
        self.record(check_id, 'pass', evidence, detail=detail)

    def skip(self, check_id, detail):
        self.record(check_id, 'skip', detail=detail)

    def error(self, check_id, detail, evidence=None):
        self.record(check_id, 'error', evidence, detail=detail)

    def status(self, check_id):
        item = self._results.get(check_id)
        return item['status'] if item else None

    def checks(self):
        """Every recorded check, in CHECKS order; checks never reached are skipped."""
        out = []
        for check_id in CHECKS:
            item = self._results.get(check_id)
            if item is None:
                item = {'id': check_id, 'status': 'skip', 'severity': CHECKS[check_id].severity,
                        'title': CHECKS[check_id].title, 'detail': 'not reached', 'evidence': []}
            out.append(item)
        return out


def findings_of(checks):
    """The failed checks as findings (with their remediation), most severe first."""
    found = []
    for item in checks:
        if item['status'] != 'fail':
            continue
        finding = dict(item)
        finding['remediation'] = remediation(item['id'])
        found.append(finding)
    found.sort(key=lambda f: -severity_rank(f['severity']))
    return found


def verdict(reachable, answered, identified, hidden, findings):
    """The target's verdict from what was measured.

    - unreachable: nothing answered at the HTTP level;
    - not_ollama: something answered, but neither Ollama nor an authenticating proxy;
    - exposed: an anonymous client reaches any class beyond the banner;
    - incomplete: nothing found open, but a class could not be examined (still 429 after pacing, or
      no answer): never called restricted or hardened;
    - restricted: closed to anonymous clients, but a finding of medium or worse remains;
    - hardened: closed, and nothing worse than low.
    """
    if not answered:
        return 'unreachable'
    if not identified and not hidden:
        return 'not_ollama'
    if any(state == 'open' for name, state in reachable.items() if name != 'banner'):
        return 'exposed'
    if any(state in ('rate_limited', 'error') for state in reachable.values()):
        return 'incomplete'
    if any(severity_rank(f['severity']) >= severity_rank('medium') for f in findings):
        return 'restricted'
    return 'hardened'

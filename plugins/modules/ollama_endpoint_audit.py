#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: ollama_endpoint_audit
short_description: Probe Ollama endpoints from outside and report what an outsider can do
version_added: 0.2.0
description:
  - "Probes one or many Ollama endpoints (or the proxies in front of them) from where the module
    runs, usually the controller with C(delegate_to: localhost), and reports what an anonymous
    client and, separately, an authenticated client can do."
  - "Safe against production: every request is chosen so it cannot change state. Inference and
    deletion are probed with a model name that does not exist, pull/push/create/copy with an
    empty body (Ollama answers 400 C(missing request body) before doing anything), blobs with
    C(HEAD) of a zero digest. C(/api/signout), C(DELETE /api/user/keys), C(web_search),
    C(web_fetch) and C(/v1/audio/transcriptions) are never sent; the account class is probed with
    C(POST /api/me) (who is signed in, a read) and the experimental class with
    C(GET /api/experimental/model-recommendations)."
  - "A route counts as reachable only when Ollama itself answers (its 404 C(not found) JSON, its
    400 C(missing request body), a 200 of the expected shape). A proxy's 401, 403, 404 page or a
    connection accepted and closed without an answer (nginx's 444) counts as blocked."
  - "Nothing that was not seen is called closed: a host name that does not resolve, no route to the
    host, a timeout, a TLS failure or a 429 that outlasts the pacing are results of their own
    (C(error_kind) V(dns), V(no_route), V(timeout), V(tls), V(rate_limited)), never blocked. Only a
    refused connection (C(error_kind=refused)) means the port is closed."
  - "A 429 answer is waited out and the request sent again: the C(Retry-After) header when the
    server sends one (up to 120 s), otherwise growing waits that learn the server's refill
    interval, all within O(target_deadline). A route still answered 429 is V(rate_limited) and the
    target's verdict cannot be V(restricted) or V(hardened) (it is V(incomplete) unless something
    is open). Rate limits count anonymous requests too (nginx limits before it authenticates), so
    the authenticated pass shares the budget the anonymous pass used."
  - "Checks: identity (banner, C(/api/version), C(/api/tags)); anonymous reach per endpoint class
    (banner, read, inference, compat, management, account, experimental, as defined once in the
    collection's C(endpoints) module_utils); version disclosure and the advisories for that
    version; TLS (plain HTTP, redirect to HTTPS, TLS 1.0/1.1, certificate trust, expiry, name,
    HSTS); authentication (401 challenge, credentials accepted, routes open with credentials
    against O(expected_profile)); CORS (a foreign Origin allowed); DNS rebinding (a foreign Host
    answered); optionally a rate-limit check."
  - Each target gets a verdict (V(exposed), V(restricted), V(hardened), V(incomplete),
    V(unreachable), V(not_ollama)) and findings with id, severity, title, evidence (request sent, status seen) and
    remediation naming the aisec.ollama role and variables that fix it.
  - Targets are audited by a bounded worker pool; a target that never answers costs at most
    O(timeout) per request and O(target_deadline) in total, and never stalls the others.
  - The advisory data is read on the controller by the action plugin of the same name.
author:
  - AISec Ollama Maintainers (@aisec)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
    details: The probes run (they are read-only); report files are not written in check mode.
  diff_mode:
    support: full
    details: Shows the report files that would change.
  platform:
    platforms: posix
  action:
    support: full
    details: The action plugin reads the advisory data file on the controller.
  async:
    support: none
  bypass_host_loop:
    support: none
options:
  targets:
    description:
      - Endpoints to audit, as URLs (V(https://ollama.example.com), V(http://10.0.0.5:11434),
        V(https://gw.example.com/ollama) with a path prefix) or V(host[:port]).
      - Without a scheme, port 443 means https and any other port http; without a port, 11434.
      - Every target is validated before any request is sent; one malformed target fails the task.
    type: list
    elements: str
    required: true
  url_username:
    description:
      - User name for HTTP basic authentication of the authenticated probes.
      - Credentials are only sent in the authenticated pass, and over HTTPS only when the
        certificate verifies (unless O(validate_certs=false)).
    type: str
  url_password:
    description:
      - Password for O(url_username).
    type: str
  bearer_token:
    description:
      - "API key sent as C(Authorization: Bearer <token>) in the authenticated pass. Mutually
        exclusive with O(url_username)."
    type: str
  headers:
    description:
      - Extra headers sent with every request (anonymous and authenticated), for example a
        header a gateway needs for routing. Do not put credentials here.
    type: dict
  expected_profile:
    description:
      - The proxy profile authenticated clients should get (the profiles of the C(aisec.ollama.proxy)
        role). Routes open with credentials beyond it are findings; routes of it that are closed are
        reported as information.
    type: str
    choices: [inference, readonly, dev, admin]
  timeout:
    description:
      - Seconds to wait for each connection and answer.
    type: float
    default: 5
  target_deadline:
    description:
      - Seconds all requests to one target may take together, waits for rate limits (429)
        included. Checks left when it runs out are reported as errors, and routes not examined
        make the verdict V(incomplete).
      - The default leaves room for the C(aisec.ollama.proxy) role's default limits (inference
        10 requests a minute, burst 5, per client address), which an audit with credentials
        meets (about two minutes for such a target). Raise it for stricter limits.
    type: float
    default: 300
  concurrency:
    description:
      - Targets audited at the same time (worker threads).
    type: int
    default: 32
  validate_certs:
    description:
      - Verify HTTPS certificates before sending credentials. The anonymous probes never verify
        (an outsider does not either); certificate problems are findings either way.
    type: bool
    default: true
  ca_path:
    description:
      - PEM bundle of certificate authorities to trust instead of the system store.
    type: path
  http_port:
    description:
      - For https targets, the plain-HTTP port checked for plaintext service and the redirect to
        HTTPS. V(0) skips that check.
    type: int
    default: 80
  cert_expiry_warn_days:
    description:
      - A certificate expiring within this many days is a finding.
    type: int
    default: 30
  rate_limit_probes:
    description:
      - Opt-in rate-limit check. Sends this many inference requests with a model name that does
        not exist and expects a 429 before the last one (these are not paced). V(0) does not check.
      - Uses the credentials when given.
    type: int
    default: 0
  fail_on_verdicts:
    description:
      - Fail the task (after writing the reports) when any target gets one of these verdicts.
      - Add V(unreachable) and V(incomplete) to fail when a target could not be (fully) examined.
    type: list
    elements: str
    choices: [exposed, restricted, hardened, incomplete, unreachable, not_ollama]
    default: []
  report_json:
    description:
      - Write the full result as JSON to this path (on the host the module runs on).
    type: path
  report_markdown:
    description:
      - Write a human-readable Markdown summary to this path.
    type: path
  report_sarif:
    description:
      - Write the findings as SARIF 2.1.0 (code scanning in CI) to this path.
    type: path
  report_junit:
    description:
      - Write one JUnit test suite per target, one test case per check, to this path.
    type: path
  advisory_file:
    description:
      - Advisory data file on the controller to use instead of the one in the collection.
    type: path
  _advisory_data:
    description:
      - Internal, set by the action plugin (the parsed advisory data). Tasks must not set it.
    type: dict
  _advisory_path:
    description:
      - Internal, set by the action plugin (the path of the advisory data file). Tasks must not set it.
    type: str
notes:
  - Report files contain no timestamps or durations, so an unchanged fleet gives the same files
    and C(changed) stays V(false); C(changed) is V(true) only when a report file changed.
  - Report files are written with mode 0640.
  - TLS 1.0/1.1 are tried with the cipher string C(DEFAULT:@SECLEVEL=0) because OpenSSL 3 refuses
    them at its default level; when the local OpenSSL cannot offer them at all the check is an
    error, not a pass.
seealso:
  - module: aisec.ollama.ollama_version_check
'''

EXAMPLES = r'''
- name: Audit the fleet from the controller, anonymously
  aisec.ollama.ollama_endpoint_audit:
    targets: "{{ groups['ollama'] | map('regex_replace', '$', ':11434') | list }}"
  delegate_to: localhost
  run_once: true
  register: audit

- name: Show the verdicts
  ansible.builtin.debug:
    msg: "{{ audit.targets | map(attribute='url') | zip(audit.targets | map(attribute='verdict')) | list }}"

- name: Audit the proxies with an API key against the expected profile, with reports for CI
  aisec.ollama.ollama_endpoint_audit:
    targets:
      - https://ollama-a.example.com
      - https://ollama-b.example.com
    bearer_token: "{{ vault_ollama_audit_key }}"
    expected_profile: inference
    ca_path: /etc/pki/ollama-ca.pem
    report_json: "{{ playbook_dir }}/reports/ollama-audit.json"
    report_markdown: "{{ playbook_dir }}/reports/ollama-audit.md"
    report_sarif: "{{ playbook_dir }}/reports/ollama-audit.sarif"
    report_junit: "{{ playbook_dir }}/reports/ollama-audit.xml"
    fail_on_verdicts: [exposed]
  delegate_to: localhost
  run_once: true

- name: Check that the proxy rate-limits inference (opt-in; sends 30 requests)
  aisec.ollama.ollama_endpoint_audit:
    targets: [https://ollama.example.com]
    url_username: audit
    url_password: "{{ vault_ollama_audit_password }}"
    rate_limit_probes: 30
  delegate_to: localhost
'''

RETURN = r'''
targets:
  description: One entry per target, in the order given.
  returned: success
  type: list
  elements: dict
  contains:
    target:
      description: The target as given.
      type: str
    url:
      description: The normalised base URL.
      type: str
      sample: http://10.0.0.5:11434
    verdict:
      description: >-
        V(exposed) (an anonymous client reaches more than the banner), V(restricted), V(hardened),
        V(incomplete) (nothing open was seen but some class could not be examined: rate limited or
        no answer), V(unreachable) (no HTTP answer at all; see C(error_kind)) or V(not_ollama).
      type: str
      sample: exposed
    error:
      description: Why the target is unreachable (null otherwise).
      type: str
    error_kind:
      description: >-
        Why nothing answered: V(refused) (the port is closed), V(dns) (the name does not resolve),
        V(no_route), V(timeout), V(tls), V(closed) (connection closed without an answer),
        V(rate_limited), V(deadline), V(protocol), V(network) or V(internal). Null when the target answered.
      type: str
      sample: dns
    examined:
      description: False when the target, or some endpoint class of it, could not be examined.
      type: bool
    reason:
      description: In words, what could not be examined and why (null when everything was).
      type: str
      sample: 'not examined: the host name does not resolve (host name does not resolve: ...)'
    not_examined:
      description: Route name -> why it was not examined (rate limited after pacing, no answer).
      type: dict
      sample: {generate (with credentials): '429 Too Many Requests after 6 wait(s), 250 s in all (no Retry-After)'}
    rate_limited:
      description: 429 answers met (each waited out or, at the end, reported).
      type: int
    identified:
      description: Whether the answers identify Ollama (anonymously or with credentials).
      type: bool
    identified_by:
      description: What identified it.
      type: list
      elements: str
      sample: ['banner "Ollama is running" at /', '/api/version answered 0.32.15']
    hidden_by_proxy:
      description: Nothing identifies Ollama anonymously and a 401/403 answers instead.
      type: bool
    version:
      description: The version read from C(/api/version), anonymously or with credentials.
      type: str
    reachable:
      description: >-
        Per identity (C(anonymous), C(authenticated)), the state of each endpoint class:
        V(open), V(blocked), V(absent) (Ollama without the route), V(rate_limited) (still 429
        after pacing) or V(error) (no answer). Only V(blocked) and V(absent) mean closed.
        C(authenticated) is null without credentials.
      type: dict
      sample: {anonymous: {banner: open, read: open, management: open}, authenticated: null}
    routes:
      description: The same per route name.
      type: dict
    tls:
      description: Certificate and protocol facts of https targets (null for http).
      type: dict
    advisories:
      description: Advisories applying to the version, with whether their endpoints are open anonymously.
      type: list
      elements: dict
    findings:
      description: Failed checks, most severe first.
      type: list
      elements: dict
      contains:
        id:
          description: Stable check id.
          type: str
          sample: exposure.management
        severity:
          description: info, low, medium, high or critical.
          type: str
        title:
          description: What is wrong.
          type: str
        detail:
          description: Specifics for this target.
          type: str
        evidence:
          description: Requests sent (C(request)), C(authenticated), the C(status) seen or the C(error).
          type: list
          elements: dict
          sample: [{request: 'POST /api/pull with an empty body', authenticated: false, status: 400}]
        remediation:
          description: C(text), and C(fixes) with the C(role) and C(variables) that fix it.
          type: dict
    checks:
      description: Every check with its status (fail, pass, skip, error), severity and detail.
      type: list
      elements: dict
    requests:
      description: Requests sent to the target.
      type: int
    duration:
      description: Seconds spent on the target.
      type: float
summary:
  description: Counts across targets.
  returned: success
  type: dict
  sample:
    targets: 2
    verdicts: {exposed: 1, restricted: 0, hardened: 1, incomplete: 0, unreachable: 0, not_ollama: 0}
    findings_by_severity: {critical: 1, high: 5, medium: 3, low: 1, info: 1}
    worst_severity: critical
    not_examined: {}
    rate_limited_targets: 1
reports:
  description: Report files, with whether each changed.
  returned: success
  type: dict
  sample: {report_json: {path: /tmp/audit.json, changed: true}}
data_date:
  description: Date of the advisory data used.
  returned: success
  type: str
failed_verdicts:
  description: Targets whose verdict is in O(fail_on_verdicts).
  returned: always
  type: list
  elements: str
'''

import base64  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.aisec.ollama.plugins.module_utils import advisories as adv  # noqa: E402
from ansible_collections.aisec.ollama.plugins.module_utils import (  # noqa: E402
    audit_checks,
    audit_pool,
    audit_report,
    endpoints,
)
from ansible_collections.aisec.ollama.plugins.module_utils import audit_findings as af  # noqa: E402
from ansible_collections.aisec.ollama.plugins.module_utils import audit_probe as ap  # noqa: E402


def argument_spec():
    return dict(
        targets=dict(type='list', elements='str', required=True),
        url_username=dict(type='str'),
        url_password=dict(type='str', no_log=True),
        bearer_token=dict(type='str', no_log=True),
        headers=dict(type='dict'),
        expected_profile=dict(type='str', choices=list(endpoints.PROFILES)),
        timeout=dict(type='float', default=5),
        target_deadline=dict(type='float', default=300),
        concurrency=dict(type='int', default=32),
        validate_certs=dict(type='bool', default=True),
        ca_path=dict(type='path'),
        http_port=dict(type='int', default=80),
        cert_expiry_warn_days=dict(type='int', default=30),
        rate_limit_probes=dict(type='int', default=0),
        fail_on_verdicts=dict(type='list', elements='str', default=[], choices=list(af.VERDICTS)),
        report_json=dict(type='path'),
        report_markdown=dict(type='path'),
        report_sarif=dict(type='path'),
        report_junit=dict(type='path'),
        advisory_file=dict(type='path'),
        _advisory_data=dict(type='dict'),
        _advisory_path=dict(type='str'),
    )


def _validate(module, params):
    """Everything wrong with the input, before any request is sent."""
    problems = []
    targets = []
    for pos, raw in enumerate(params['targets']):
        try:
            targets.append(ap.parse_target(raw))
        except ap.TargetError as exc:
            problems.append('targets[%d]: %s' % (pos, exc))
    if not params['targets']:
        problems.append('targets: give at least one URL or host:port')
    for name in ('timeout', 'target_deadline'):
        if params[name] <= 0:
            problems.append('%s must be greater than 0, got %s' % (name, params[name]))
    if params['concurrency'] < 1 or params['concurrency'] > 1024:
        problems.append('concurrency must be between 1 and 1024, got %d' % params['concurrency'])
    if not 0 <= params['http_port'] <= 65535:
        problems.append('http_port must be between 0 and 65535, got %d' % params['http_port'])
    if params['rate_limit_probes'] < 0 or params['rate_limit_probes'] > 1000:
        problems.append('rate_limit_probes must be between 0 and 1000, got %d' % params['rate_limit_probes'])
    if (params['url_username'] is None) != (params['url_password'] is None):
        problems.append('url_username and url_password go together')
    if params['ca_path'] and not _readable(params['ca_path']):
        problems.append('ca_path %s is not a readable file' % params['ca_path'])
    if problems:
        module.fail_json(msg='invalid input: ' + '; '.join(problems), problems=problems)
    return targets


def _readable(path):
    try:
        with open(path, 'rb'):
            return True
    except (IOError, OSError):
        return False


def _auth_headers(params):
    if params['bearer_token']:
        return {'Authorization': 'Bearer %s' % params['bearer_token']}
    if params['url_username'] is not None:
        raw = ('%s:%s' % (params['url_username'], params['url_password'])).encode('utf-8')
        return {'Authorization': 'Basic %s' % base64.b64encode(raw).decode('ascii')}
    return None


def _advisory_data(module, params):
    data = params['_advisory_data']
    if data is not None:
        return data, None
    try:  # run without the action plugin (a local test): the collection's own file
        return adv.load_advisory_file(params['advisory_file'] or adv.default_advisory_path()), None
    except adv.AdvisoryDataError as exc:
        return None, 'advisory data not available (%s): the advisories check is skipped' % exc


def _internal_error(target, exc, text):
    del exc
    error = 'internal error of the audit (please report): %s' % text.strip().splitlines()[-1]
    return {'target': target.raw, 'url': ap.target_url(target), 'verdict': 'unreachable',
            'error': error, 'error_kind': 'internal', 'examined': False, 'reason': 'not examined: %s' % error,
            'findings': [], 'checks': [], 'reachable': {'anonymous': {}}}


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[('bearer_token', 'url_username')],
        supports_check_mode=True,
    )
    params = module.params
    targets = _validate(module, params)
    data, warning = _advisory_data(module, params)
    if warning:
        module.warn(warning)
    options = {
        'timeout': params['timeout'],
        'target_deadline': params['target_deadline'],
        'auth_headers': _auth_headers(params),
        'extra_headers': params['headers'],
        'validate_certs': params['validate_certs'],
        'ca_path': params['ca_path'],
        'expected_profile': params['expected_profile'],
        'http_port': params['http_port'],
        'cert_expiry_warn_days': params['cert_expiry_warn_days'],
        'rate_limit_probes': params['rate_limit_probes'],
        'advisory_data': data,
    }
    summary = audit_report.Summary()
    results = [None] * len(targets)
    for index, result in audit_pool.run_bounded(
            targets, lambda t: audit_checks.audit_target(t, options), params['concurrency'], _internal_error):
        summary.add(result)
        results[index] = result
    summary_dict = summary.as_dict()

    reports, diffs, changed = {}, [], False
    for option, render in audit_report.RENDERERS.items():
        path = params[option]
        if not path:
            continue
        text = render(results, summary_dict)
        before = audit_report.read_text(path)
        differs = before != text
        if differs and not module.check_mode:
            try:
                audit_report.write_text(path, text)
            except (IOError, OSError) as exc:
                module.fail_json(msg='cannot write %s %s: %s' % (option, path, exc), targets=results,
                                 summary=summary_dict)
        reports[option] = {'path': path, 'changed': differs}
        changed = changed or differs
        if differs:
            diffs.append({'before_header': path, 'after_header': path, 'before': before or '', 'after': text})

    failed = [r['url'] for r in results if r['verdict'] in params['fail_on_verdicts']]
    result = dict(changed=changed, targets=results, summary=summary_dict, reports=reports,
                  data_date=(data or {}).get('last_refreshed'), failed_verdicts=failed)
    if module._diff and diffs:
        result['diff'] = diffs
    if failed:
        module.fail_json(msg='%d target(s) with a verdict in fail_on_verdicts: %s' % (len(failed), ', '.join(failed)),
                         **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()

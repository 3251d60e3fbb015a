# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report formats: parseable, stable, and carrying the findings."""

import json
import xml.etree.ElementTree as ET

from ansible_collections.aisec.ollama.plugins.module_utils import audit_findings as af
from ansible_collections.aisec.ollama.plugins.module_utils import audit_report


def sample_results():
    rec = af.Recorder()
    rec.fail('exposure.management', [{'request': 'POST /api/pull with an empty body', 'authenticated': False,
                                      'status': 400}], detail='open: pull')
    rec.ok('tls.plaintext')
    checks = rec.checks()
    exposed = {'target': 'a', 'url': 'http://a:11434', 'verdict': 'exposed', 'version': '0.1.33', 'error': None,
               'reachable': {'anonymous': {'management': 'open'}, 'authenticated': None},
               'findings': af.findings_of(checks), 'checks': checks, 'requests': 30, 'duration': 0.5}
    down = {'target': 'b', 'url': 'http://b:11434', 'verdict': 'unreachable', 'error': 'connection refused',
            'reachable': {'anonymous': {}}, 'findings': [], 'checks': [], 'requests': 1, 'duration': 0.1}
    summary = audit_report.Summary()
    for r in (exposed, down):
        summary.add(r)
    return [exposed, down], summary.as_dict()


def test_summary_counts_verdicts_and_severities():
    _results, summary = sample_results()
    assert summary['targets'] == 2
    assert summary['verdicts'] == {'exposed': 1, 'restricted': 0, 'hardened': 0, 'incomplete': 0, 'unreachable': 1,
                                   'not_ollama': 0}
    assert summary['not_examined'] == {'unknown': 1}
    assert summary['worst_severity'] == 'critical'
    assert summary['anonymously_open_classes']['management'] == 1


def test_json_report_has_no_durations_so_it_is_stable():
    results, summary = sample_results()
    text = audit_report.render_json(results, summary)
    assert 'duration' not in text
    assert json.loads(text)['schema'] == audit_report.SCHEMA
    results[0]['duration'] = 99
    assert audit_report.render_json(results, summary) == text


def test_sarif_lists_every_check_as_a_rule_and_findings_as_results():
    results, summary = sample_results()
    doc = json.loads(audit_report.render_sarif(results, summary))
    run = doc['runs'][0]
    assert [r['id'] for r in run['tool']['driver']['rules']] == list(af.CHECKS)
    assert [(r['ruleId'], r['level']) for r in run['results']] == [('exposure.management', 'error')]
    assert run['results'][0]['locations'][0]['physicalLocation']['artifactLocation']['uri'] == 'http://a:11434'


def test_junit_has_a_suite_per_target_and_failures_for_findings():
    results, summary = sample_results()
    root = ET.fromstring(audit_report.render_junit(results, summary).split('\n', 1)[1])  # noqa: S314 - our own output
    suites = root.findall('testsuite')
    assert [s.get('name') for s in suites] == ['http://a:11434', 'http://b:11434']
    assert suites[0].get('failures') == '1'
    failure = suites[0].find("testcase[@name='exposure.management']/failure")
    assert 'POST /api/pull with an empty body -> 400' in failure.text
    assert 'unreachable: connection refused' in suites[1].find('system-out').text


def test_markdown_shows_verdicts_findings_and_fixes():
    results, summary = sample_results()
    text = audit_report.render_markdown(results, summary)
    assert '| http://a:11434 | **exposed** | 0.1.33 | management | - | - | 1 |' in text
    assert '`exposure.management`' in text and 'aisec.ollama.proxy' in text
    assert 'Unreachable: connection refused' in text


def unexamined_results():
    """A name that does not resolve, and a proxy whose inference class stayed rate limited."""
    dns = {'target': 'c', 'url': 'http://c:11434', 'verdict': 'unreachable', 'error_kind': 'dns',
           'error': 'host name does not resolve: [Errno -2] Name or service not known',
           'reason': 'not examined: the host name does not resolve (host name does not resolve: ...)',
           'reachable': {'anonymous': {}}, 'findings': [], 'checks': [], 'requests': 1}
    limited = {'target': 'd', 'url': 'https://d:443', 'verdict': 'incomplete', 'error': None, 'error_kind': None,
               'reachable': {'anonymous': {'read': 'blocked', 'inference': 'rate_limited'}, 'authenticated': None},
               'not_examined': {'generate': '429 Too Many Requests after 5 wait(s), 60 s in all (no Retry-After)'},
               'rate_limited': 9, 'findings': [], 'checks': [], 'requests': 40}
    summary = audit_report.Summary()
    for r in (dns, limited):
        summary.add(r)
    return [dns, limited], summary.as_dict()


def test_summary_counts_targets_not_examined_by_reason():
    _results, summary = unexamined_results()
    assert summary['verdicts']['hardened'] == 0 and summary['verdicts']['restricted'] == 0
    assert summary['verdicts']['unreachable'] == 1 and summary['verdicts']['incomplete'] == 1
    assert summary['not_examined'] == {'dns': 1, 'incomplete': 1}
    assert summary['rate_limited_targets'] == 1


def test_markdown_says_what_was_not_examined_and_never_closed():
    results, summary = unexamined_results()
    text = audit_report.render_markdown(results, summary)
    assert '**2 target(s) were not (fully) examined**' in text
    assert '| http://c:11434 | **unreachable** | - | - | - | dns | 0 |' in text
    assert '| https://d:443 | **incomplete** | - | - | - | generate | 0 |' in text
    assert 'Unreachable: not examined: the host name does not resolve' in text
    assert '- `generate`: 429 Too Many Requests after 5 wait(s)' in text
    assert 'closed' not in text.replace('never "closed"', '').replace('never counted as closed', '')


def test_junit_names_the_routes_not_examined():
    results, summary = unexamined_results()
    root = ET.fromstring(audit_report.render_junit(results, summary).split('\n', 1)[1])  # noqa: S314 - our own output
    outs = [s.find('system-out').text for s in root.findall('testsuite')]
    assert outs[0].startswith('unreachable: not examined: the host name does not resolve')
    assert outs[1].startswith('not examined: generate: 429')


def test_json_report_is_the_same_whatever_the_pacing_met():
    """How many 429s were waited out depends on the bucket the previous run left: not posture."""
    results, summary = unexamined_results()
    paced = json.loads(json.dumps(results))
    paced[1]['rate_limited'] = 3
    paced[1]['checks'] = [{'id': 'x', 'evidence': [{'request': 'GET /', 'status': 200,
                                                    'rate_limited': '3 x 429, waited 7 s'}]}]
    calm = json.loads(json.dumps(paced))
    calm[1]['rate_limited'] = 0
    calm[1]['requests'] = 31  # the 9 retries were not needed
    del calm[1]['checks'][0]['evidence'][0]['rate_limited']
    calm_summary = dict(summary, rate_limited_targets=0, requests=summary['requests'] - 9)
    assert audit_report.render_json(paced, summary) == audit_report.render_json(calm, calm_summary)
    assert 'rate_limited_targets' not in audit_report.render_json(paced, summary)

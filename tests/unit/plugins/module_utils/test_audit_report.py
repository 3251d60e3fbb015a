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
    assert summary['verdicts'] == {'exposed': 1, 'restricted': 0, 'hardened': 0, 'unreachable': 1, 'not_ollama': 0}
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
    assert '| http://a:11434 | **exposed** | 0.1.33 | management | - | 1 |' in text
    assert '`exposure.management`' in text and 'aisec.ollama.proxy' in text
    assert 'Unreachable: connection refused' in text

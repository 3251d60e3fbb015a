# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The endpoint audit's summary and report formats: JSON, Markdown, SARIF 2.1.0, JUnit XML.

Reports hold no timestamps or durations, so an unchanged fleet gives byte-identical files and
the module can tell "changed" honestly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import json
import os
import tempfile
import xml.etree.ElementTree as ET

from ansible_collections.aisec.ollama.plugins.module_utils import audit_findings as af
from ansible_collections.aisec.ollama.plugins.module_utils import endpoints

SCHEMA = 'aisec.ollama.endpoint_audit/1'
TOOL = 'aisec.ollama.ollama_endpoint_audit'
_SARIF_LEVEL = {'critical': 'error', 'high': 'error', 'medium': 'warning', 'low': 'note', 'info': 'note'}
_SECURITY_SEVERITY = {'critical': '9.5', 'high': '8.0', 'medium': '5.5', 'low': '3.0', 'info': '0.0'}
# What changes from run to run while the posture does not: timings, how many 429s the pacing met
# and so how many requests were sent (both depend on what the previous run left in the proxy's
# rate-limit buckets). Kept in the module's return, left out of report files so an unchanged
# posture rewrites nothing.
_VOLATILE = ('duration', 'rate_limited', 'rate_limited_targets', 'requests')


class Summary:
    """Counts across targets, built one result at a time (nothing per target is kept)."""

    def __init__(self):
        self.targets = 0
        self.verdicts = collections.OrderedDict((v, 0) for v in af.VERDICTS)
        self.severities = collections.OrderedDict((s, 0) for s in reversed(af.SEVERITIES))
        self.by_id = collections.Counter()
        self.open_classes = collections.OrderedDict((c, 0) for c in endpoints.CLASSES)
        self.not_examined = collections.Counter()  # why targets went unexamined (or partly so)
        self.rate_limited = 0
        self.requests = 0

    def add(self, result):
        self.targets += 1
        self.verdicts[result['verdict']] += 1
        self.requests += result.get('requests') or 0
        if result['verdict'] == 'unreachable':
            self.not_examined[result.get('error_kind') or 'unknown'] += 1
        elif result['verdict'] == 'incomplete':
            self.not_examined['incomplete'] += 1
        if result.get('rate_limited'):
            self.rate_limited += 1
        for finding in result.get('findings') or []:
            self.severities[finding['severity']] += 1
            self.by_id[finding['id']] += 1
        for name, state in (result.get('reachable') or {}).get('anonymous', {}).items():
            if state == 'open':
                self.open_classes[name] += 1

    def as_dict(self):
        worst = next((s for s, n in self.severities.items() if n), None)
        return {
            'targets': self.targets,
            'verdicts': dict(self.verdicts),
            'findings_by_severity': dict(self.severities),
            'findings_by_id': dict(sorted(self.by_id.items())),
            'anonymously_open_classes': dict(self.open_classes),
            'worst_severity': worst,
            'not_examined': dict(sorted(self.not_examined.items())),
            'rate_limited_targets': self.rate_limited,
            'requests': self.requests,
        }


def _stable(value):
    """``value`` without the _VOLATILE keys, at any depth (evidence items carry them too)."""
    if isinstance(value, dict):
        return dict((k, _stable(v)) for k, v in value.items() if k not in _VOLATILE)
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def render_json(results, summary):
    doc = {'schema': SCHEMA, 'summary': _stable(summary), 'targets': [_stable(r) for r in results]}
    return json.dumps(doc, indent=2, sort_keys=False) + '\n'


def _md(text):
    return str(text if text is not None else '-').replace('|', '\\|').replace('\n', ' ')


def _open_classes(result, identity):
    states = (result.get('reachable') or {}).get(identity) or {}
    return ', '.join(n for n, s in states.items() if s == 'open') or '-'


def _not_examined(result):
    names = sorted((result.get('not_examined') or {}).keys())
    if result['verdict'] == 'unreachable':
        return _md(result.get('error_kind') or 'unreachable')
    return _md(', '.join(names)) if names else '-'


def render_markdown(results, summary):
    lines = ['# Ollama endpoint audit', '',
             '%d target(s): %s.' % (summary['targets'], ', '.join(
                 '%d %s' % (n, v) for v, n in summary['verdicts'].items() if n) or 'none'), '']
    unexamined = sum(summary['verdicts'].get(v, 0) for v in ('unreachable', 'incomplete'))
    if unexamined:
        lines += ['**%d target(s) were not (fully) examined**: nothing is known about what they do not show '
                  '(unreachable or incomplete is never "closed").' % unexamined, '']
    lines += ['| target | verdict | version | open anonymously | open with credentials | not examined | findings |',
              '|---|---|---|---|---|---|---|']
    for r in results:
        lines.append('| %s | **%s** | %s | %s | %s | %s | %d |' % (
            _md(r['url']), r['verdict'], _md(r.get('version')), _open_classes(r, 'anonymous'),
            _open_classes(r, 'authenticated') if (r.get('reachable') or {}).get('authenticated') else '-',
            _not_examined(r), len(r.get('findings') or [])))
    for r in results:
        lines += ['', '## %s: %s' % (r['url'], r['verdict']), '']
        if r.get('error'):
            lines.append('Unreachable: %s' % _md(r.get('reason') or r['error']))
            continue
        if r.get('not_examined'):
            lines.append('Not examined (never counted as closed):')
            for name, why in sorted(r['not_examined'].items()):
                lines.append('- `%s`: %s' % (name, _md(why)))
            lines.append('')
        if not r['findings']:
            lines.append('No findings.')
        for f in r['findings']:
            lines.append('- **%s** `%s` %s%s' % (f['severity'], f['id'], f['title'],
                                                 ': %s' % f['detail'] if f.get('detail') else ''))
            for ev in f['evidence'][:3]:
                lines.append('  - evidence: `%s` -> %s%s' % (ev['request'], ev.get('status') or ev.get('error') or '-',
                                                             ' (%s)' % ev['detail'] if ev.get('detail') else ''))
            for fix in f['remediation']['fixes']:
                lines.append('  - fix: %s `%s`: %s' % (fix['role'], '`, `'.join(fix['variables']), fix['what']))
    return '\n'.join(lines) + '\n'


def render_sarif(results, summary):
    del summary  # SARIF carries results; the summary is in the JSON report
    rules = []
    for check in af.CHECKS.values():
        rem = af.remediation(check.id)
        rules.append({
            'id': check.id,
            'name': check.id.replace('.', '_'),
            'shortDescription': {'text': check.title},
            'help': {'text': rem['text'] or 'informational'},
            'defaultConfiguration': {'level': _SARIF_LEVEL[check.severity]},
            'properties': {'security-severity': _SECURITY_SEVERITY[check.severity], 'tags': ['security', 'ollama']},
        })
    out = []
    for r in results:
        for f in r.get('findings') or []:
            message = '%s: %s' % (r['url'], f['title'])
            if f.get('detail'):
                message += ' (%s)' % f['detail']
            out.append({
                'ruleId': f['id'],
                'level': _SARIF_LEVEL[f['severity']],
                'message': {'text': message},
                'locations': [{'physicalLocation': {'artifactLocation': {'uri': r['url']}}}],
                'properties': {'severity': f['severity'], 'verdict': r['verdict'], 'evidence': f['evidence']},
            })
    doc = {
        '$schema': 'https://json.schemastore.org/sarif-2.1.0.json',
        'version': '2.1.0',
        'runs': [{'tool': {'driver': {'name': TOOL, 'informationUri': 'https://github.com/aisec/ollama',
                                      'rules': rules}},
                  'results': out}],
    }
    return json.dumps(doc, indent=2) + '\n'


def render_junit(results, summary):
    """One testsuite per target, one testcase per check: failures are findings, skips are skips."""
    suites = ET.Element('testsuites', name=TOOL, tests=str(summary['targets'] * len(af.CHECKS)))
    for r in results:
        checks = r.get('checks') or []
        findings = dict((f['id'], f) for f in r.get('findings') or [])
        failures = sum(1 for c in checks if c['status'] == 'fail')
        errors = sum(1 for c in checks if c['status'] == 'error')
        skipped = sum(1 for c in checks if c['status'] == 'skip')
        suite = ET.SubElement(suites, 'testsuite', name=r['url'], tests=str(len(checks)), failures=str(failures),
                              errors=str(errors), skipped=str(skipped))
        ET.SubElement(ET.SubElement(suite, 'properties'), 'property', name='verdict', value=r['verdict'])
        for c in checks:
            case = ET.SubElement(suite, 'testcase', classname=r['url'], name=c['id'])
            if c['status'] == 'fail':
                f = findings.get(c['id'], {})
                body = [f.get('detail') or ''] + ['%s -> %s' % (e['request'], e.get('status') or e.get('error'))
                                                  for e in f.get('evidence') or []]
                body.append('fix: ' + af.remediation(c['id'])['text'])
                node = ET.SubElement(case, 'failure', message='%s: %s' % (c['severity'], af.CHECKS[c['id']].title),
                                     type=c['severity'])
                node.text = '\n'.join(b for b in body if b)
            elif c['status'] == 'error':
                ET.SubElement(case, 'error', message=c.get('detail') or 'not measured')
            elif c['status'] == 'skip':
                ET.SubElement(case, 'skipped', message=c.get('detail') or '')
        if r.get('error'):
            ET.SubElement(suite, 'system-out').text = 'unreachable: %s' % (r.get('reason') or r['error'])
        elif r.get('not_examined'):
            ET.SubElement(suite, 'system-out').text = 'not examined: ' + '; '.join(
                '%s: %s' % item for item in sorted(r['not_examined'].items()))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding='unicode') + '\n'


RENDERERS = collections.OrderedDict([
    ('report_json', render_json),
    ('report_markdown', render_markdown),
    ('report_sarif', render_sarif),
    ('report_junit', render_junit),
])


def read_text(path):
    """A file's current text, or None when it does not exist."""
    try:
        with open(path, 'r', encoding='utf-8') as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def write_text(path, text):
    """Replace a file atomically (a reader never sees half a report)."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, tmp = tempfile.mkstemp(dir=folder, prefix='.%s.' % os.path.basename(path))
    try:
        with os.fdopen(handle, 'w', encoding='utf-8') as out:
            out.write(text)
        os.chmod(tmp, 0o640)  # findings describe weaknesses: not world-readable
        os.replace(tmp, path)
    except Exception:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise

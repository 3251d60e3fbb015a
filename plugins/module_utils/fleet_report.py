# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report's record: one document per audit run, built from what audit.yml saw.

Per host: the verdict and why (the audit's row), the deployment kind, the version against the
advisories, the endpoint findings with their evidence and fixing variables, and the model
inventory. Every part has a ``state``; a part that could not be read says so and why, and is
never shown as clean. Given the previous run's record, ``changes`` says per host what closed,
opened and stayed open, and what could not be compared because one run did not see it.

No timestamps and no per-run counters, so an unchanged fleet gives the same record.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.aisec.ollama.plugins.module_utils.audit_report import _stable

SCHEMA = 'aisec.ollama.fleet_report/1'
SEVERITY_ORDER = ('critical', 'high', 'medium', 'low', 'info', 'none')
_ADVISORY_KEYS = ('id', 'name', 'severity', 'fixed_in', 'summary', 'kind')


class PreviousReportError(Exception):
    """The previous run's record could not be used."""


def _get(mapping, key, default=None):
    return mapping.get(key, default) if isinstance(mapping, dict) else default


def _list(value):
    return list(value) if isinstance(value, (list, tuple)) else []


# ---- parts of one host -----------------------------------------------------------------------
def _version(row, facts):
    """The version against the advisories; ``state`` read, not_installed or not_examined."""
    binary, api = _get(facts, 'version_binary') or {}, _get(facts, 'version_api') or {}
    if _get(binary, 'unreachable'):
        return {'state': 'not_examined', 'reason': 'Ansible could not reach the host (%s)'
                % (_get(binary, 'msg') or 'unreachable')}
    result = binary if _get(binary, 'version') else (api if _get(api, 'version') else None)
    if result is None:
        if any(str(n).startswith('Ollama not installed') for n in _list(_get(row, 'notes'))):
            return {'state': 'not_installed', 'reason': next(
                str(n) for n in row['notes'] if str(n).startswith('Ollama not installed'))}
        why = [str(r) for r in _list(_get(row, 'not_examined')) if not str(r).startswith('endpoints')]
        return {'state': 'not_examined', 'reason': '; '.join(why) or 'the version was not read'}

    def advisories(key):
        return [dict((k, _get(a, k)) for k in _ADVISORY_KEYS) for a in _list(_get(result, key))]

    return {
        'state': 'read', 'version': result['version'], 'source': _get(result, 'source'),
        'vulnerable': _get(result, 'vulnerable'), 'minimum_safe_version': _get(result, 'minimum_safe_version'),
        'advisories': advisories('advisories'), 'unfixed': advisories('unfixed'),
        'accepted': advisories('accepted'), 'data_date': _get(result, 'data_date'),
        'gate_reasons': [str(r) for r in _list(_get(result, 'gate_reasons'))],
    }


def _finding(item):
    item = _stable(item)
    remediation = _get(item, 'remediation') or {}
    return {
        'id': _get(item, 'id'), 'severity': _get(item, 'severity'), 'title': _get(item, 'title'),
        'detail': _get(item, 'detail'), 'evidence': _list(_get(item, 'evidence')),
        'fixes': [{'role': _get(f, 'role'), 'variables': _list(_get(f, 'variables')), 'what': _get(f, 'what')}
                  for f in _list(_get(remediation, 'fixes'))],
    }


def _endpoint(target_url, endpoints):
    """The endpoint audit of one host; ``state`` examined, partial, not_examined."""
    if not isinstance(endpoints, dict) or not isinstance(endpoints.get('targets'), list):
        return {'state': 'not_examined', 'url': target_url, 'verdict': None, 'findings': [],
                'reason': 'the endpoint probe did not run (%s)' % (_get(endpoints, 'msg') or 'no result')}
    mine = [t for t in endpoints['targets'] if target_url in (_get(t, 'target'), _get(t, 'url'))]
    if not mine:
        return {'state': 'not_examined', 'url': target_url, 'verdict': None, 'findings': [],
                'reason': '%s was not probed (not in audit_targets)' % target_url}
    t = mine[0]
    refused = _get(t, 'error_kind') == 'refused'
    if _get(t, 'examined') or refused:
        state = 'examined'
    else:
        state = 'partial' if _get(t, 'verdict') == 'incomplete' else 'not_examined'
    reason = _get(t, 'reason') or _get(t, 'error')
    if refused:
        reason = 'connection refused: nothing listens there (counted as closed)'
    return {
        'state': state, 'url': _get(t, 'url') or target_url, 'verdict': _get(t, 'verdict'), 'reason': reason,
        'version': _get(t, 'version'), 'server_header': _get(t, 'server_header'),
        'identified_by': [str(x) for x in _list(_get(t, 'identified_by'))],
        'open_anonymously': sorted(n for n, s in (_get(_get(t, 'reachable'), 'anonymous') or {}).items()
                                   if s == 'open'),
        'not_examined': dict(sorted((str(k), str(v)) for k, v in (_get(t, 'not_examined') or {}).items())),
        'findings': [_finding(f) for f in _list(_get(t, 'findings'))],
    }


def _models(facts, version, asked):
    """The model inventory; ``state`` read, not_read or not_applicable (no Ollama, or not asked)."""
    result = _get(facts, 'models')
    if not asked:
        return {'state': 'not_applicable', 'reason': 'not asked (audit_models is false)', 'items': []}
    if version['state'] == 'not_installed':
        return {'state': 'not_applicable', 'reason': 'Ollama is not installed here', 'items': []}
    if version['state'] == 'not_examined':
        return {'state': 'not_read', 'reason': 'host not examined: %s' % version['reason'], 'items': []}
    if not isinstance(result, dict):
        return {'state': 'not_read', 'reason': 'the inventory was not taken (a check before it failed)', 'items': []}
    if result.get('unreachable'):
        return {'state': 'not_read', 'reason': 'Ansible could not reach the host (%s)' % result.get('msg'),
                'items': []}
    if result.get('skipped'):
        return {'state': 'not_read', 'reason': 'the inventory task was skipped', 'items': []}
    if not isinstance(result.get('models'), list):
        return {'state': 'not_read', 'reason': str(result.get('msg') or 'the inventory failed without a message'),
                'items': []}
    keys = ('name', 'digest', 'size', 'format', 'family', 'parameter_size', 'quantization_level', 'license',
            'show_error')
    items = [dict((k, _get(m, k)) for k in keys) for m in result['models'] if isinstance(m, dict)]
    return {'state': 'read', 'reason': None, 'url': result.get('url'), 'items': items,
            'truncated': result.get('truncated') or 0}


def host_record(row, facts, endpoints, models_asked=True):
    """One host's part of the record. ``row`` is audit.yml's row for it (audit_fleet), ``facts``
    what its tasks registered (version_binary, version_api, models, target)."""
    if isinstance(facts, dict):
        version = _version(row, facts)
    else:  # a URL of audit_targets that names no inventory host: only probed from outside
        facts = {}
        version = {'state': 'not_examined', 'reason': 'not an inventory host: only its endpoint was probed'}
    target = _get(facts, 'target') or row['host']
    return {
        'host': row['host'],
        'verdict': row['verdict'],
        'fails_gate': bool(_get(row, 'fails_gate')),
        # Set by audit.yml's deployment detection where it ran; a record without it says "unknown".
        'deployment': _get(row, 'deployment') or 'unknown',
        'breaches': [str(x) for x in _list(_get(row, 'breaches'))],
        'not_examined': [str(x) for x in _list(_get(row, 'not_examined'))],
        # the monitoring snapshot changes with every run (the audit's own probes included)
        'notes': [str(x) for x in _list(_get(row, 'notes')) if not str(x).startswith('monitoring ')],
        'version': version,
        'endpoint': _endpoint(target, endpoints),
        'models': _models(facts, version, models_asked),
    }


# ---- what changed since the previous run ------------------------------------------------------
def _items(host):
    """What can be open on a host, by key, with whether this run could see it at all."""
    endpoint, version = host['endpoint'], host['version']
    items = {}
    for f in endpoint.get('findings') or []:
        items['finding:%s' % f['id']] = {'kind': 'finding', 'id': f['id'], 'severity': f['severity'],
                                         'title': f['title']}
    for a in version.get('advisories') or []:
        items['advisory:%s' % a['id']] = {'kind': 'advisory', 'id': a['id'], 'severity': a['severity'],
                                          'title': a.get('name') or a.get('summary') or a['id']}
    seen = {'finding': endpoint['state'] == 'examined', 'advisory': version['state'] in ('read', 'not_installed')}
    return items, seen


def _compare(before, after):
    old, old_seen = _items(before)
    new, new_seen = _items(after)
    out = {'host': after['host'], 'verdict': [before['verdict'], after['verdict']],
           'endpoint_verdict': [before['endpoint'].get('verdict'), after['endpoint'].get('verdict')],
           'closed': [], 'opened': [], 'still_open': [], 'not_compared': []}
    for key in sorted(set(old) | set(new)):
        item = new.get(key) or old[key]
        kind = item['kind']
        if not (old_seen[kind] and new_seen[kind]):
            missing = 'this run' if not new_seen[kind] else 'the previous run'
            out['not_compared'].append(dict(item, why='not examined in %s' % missing))
        elif key in old and key in new:
            out['still_open'].append(item)
        elif key in new:
            out['opened'].append(item)
        else:
            out['closed'].append(item)
    return out


def parse_previous(text):
    """The previous run's record from its JSON text; PreviousReportError when it is not one."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise PreviousReportError('not JSON (%s)' % exc) from None
    if not isinstance(doc, dict) or doc.get('schema') != SCHEMA or not isinstance(doc.get('hosts'), list):
        raise PreviousReportError('not a fleet report of this collection (expected schema %s)' % SCHEMA)
    return doc


def changes(hosts, previous, source):
    """Per host, what closed, opened, stayed open or could not be compared since ``previous``."""
    before = dict((h['host'], h) for h in previous['hosts'] if isinstance(h, dict) and 'host' in h)
    now = [h['host'] for h in hosts]
    return {
        'previous': source, 'error': None,
        'hosts': [_compare(before[h['host']], h) for h in hosts if h['host'] in before],
        'new_hosts': [h for h in now if h not in before],
        # out of this run's scope: nothing is known about them now (never "closed")
        'gone_hosts': [h for h in before if h not in now],
    }


# ---- the record -------------------------------------------------------------------------------
def build(rows, facts, endpoints, models_asked=True, fail_on_unexamined=True, previous=None):
    """The run's record. ``facts``: host -> its registered results; ``previous``: None, or
    {'source': where it came from, 'text': its JSON} or {'source': ..., 'error': why it was not read}."""
    facts = facts if isinstance(facts, dict) else {}
    hosts = [host_record(row, facts.get(row['host']), endpoints, models_asked) for row in rows]
    counts = dict((v, sum(1 for h in hosts if h['verdict'] == v)) for v in ('pass', 'fail', 'not_examined'))
    doc = {
        'schema': SCHEMA,
        'gate': 'failed' if any(h['fails_gate'] for h in hosts) else 'passed',
        'fail_on_unexamined': bool(fail_on_unexamined),
        'counts': dict(counts, hosts=len(hosts), fails_gate=sum(1 for h in hosts if h['fails_gate'])),
        'hosts': hosts,
        'changes': None,
    }
    if previous:
        source = previous.get('source')
        try:
            if previous.get('error'):
                raise PreviousReportError(previous['error'])
            doc['changes'] = changes(hosts, parse_previous(previous.get('text') or ''), source)
        except PreviousReportError as exc:
            doc['changes'] = {'previous': source, 'error': 'the previous report could not be used: %s' % exc,
                              'hosts': [], 'new_hosts': [], 'gone_hosts': []}
    return doc

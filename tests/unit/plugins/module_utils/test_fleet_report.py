# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report's record: every host, every part with a state, nothing unseen shown as clean,
and what changed since the previous run."""

import copy
import json
import os
import sys

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.aisec.ollama.plugins.filter.fleet_report import fleet_report
from ansible_collections.aisec.ollama.plugins.module_utils import fleet_report as fr

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'audit'))

import fleet


def build(**kwargs):
    rows, facts, endpoints = fleet.inputs()
    return fr.build(rows, facts, endpoints, **kwargs)


def hosts(doc):
    return {h['host']: h for h in doc['hosts']}


def test_every_host_is_in_the_record_with_its_verdict_and_the_gate():
    doc = build()
    assert [(h['host'], h['verdict'], h['fails_gate']) for h in doc['hosts']] == [
        (fleet.EXPOSED, 'fail', True), (fleet.HARDENED, 'pass', False), (fleet.GONE, 'not_examined', True)]
    assert doc['gate'] == 'failed'
    assert doc['counts'] == {'hosts': 3, 'pass': 1, 'fail': 1, 'not_examined': 1, 'fails_gate': 2}
    assert doc['schema'] == fr.SCHEMA and doc['changes'] is None


def test_deployment_comes_from_the_row_and_is_unknown_without_it():
    by_host = hosts(build())
    assert by_host[fleet.EXPOSED]['deployment'] == 'native'
    assert by_host[fleet.HARDENED]['deployment'] == 'container'
    assert by_host[fleet.GONE]['deployment'] == 'unknown'


def test_an_unreachable_host_is_not_examined_in_every_part_never_clean():
    gone = hosts(build())[fleet.GONE]
    assert gone['version']['state'] == 'not_examined' and 'could not reach' in gone['version']['reason']
    assert gone['endpoint']['state'] == 'not_examined' and 'does not resolve' in gone['endpoint']['reason']
    assert gone['models']['state'] == 'not_read' and gone['models']['items'] == []
    assert gone['not_examined'], gone


def test_findings_keep_severity_evidence_and_the_variables_that_fix_them():
    finding = hosts(build())[fleet.EXPOSED]['endpoint']['findings'][0]
    assert finding['id'] == 'exposure.management' and finding['severity'] == 'critical'
    assert finding['evidence'][0]['request'].startswith('DELETE /api/delete')
    assert 'duration' not in finding['evidence'][0]  # volatile: left out so the record is stable
    assert ['proxy_basic_auth_users', 'proxy_api_keys'] in [f['variables'] for f in finding['fixes']]
    assert all(f['role'].startswith('aisec.ollama.') for f in finding['fixes'])


def test_version_is_judged_against_the_advisories():
    version = hosts(build())[fleet.EXPOSED]['version']
    assert version['state'] == 'read' and version['version'] == '0.17.0' and version['vulnerable'] is True
    assert version['minimum_safe_version'] == '0.17.1'
    assert [a['id'] for a in version['advisories']] == ['CVE-2026-7482']
    assert set(version['advisories'][0]) == {'id', 'name', 'severity', 'fixed_in', 'summary', 'kind'}
    api = hosts(build())[fleet.HARDENED]['version']
    assert api['state'] == 'read' and api['source'] == 'url' and api['vulnerable'] is False


def test_model_inventory_is_kept_with_license_and_a_failed_show_is_said():
    by_host = hosts(build())
    models = by_host[fleet.EXPOSED]['models']
    assert models['state'] == 'read'
    tiny = models['items'][0]
    assert tiny == {'name': 'emu-tiny:latest', 'digest': tiny['digest'], 'size': 781, 'format': 'gguf',
                    'family': 'emu', 'parameter_size': '1K', 'quantization_level': 'F32',
                    'license': 'MIT License (test fixture)', 'show_error': None}
    qwen = by_host[fleet.HARDENED]['models']['items'][0]
    assert qwen['license'] is None and 'HTTP 500' in qwen['show_error']


@pytest.mark.parametrize('result, reason', [
    (None, 'was not taken'),
    ({'failed': True, 'msg': 'model inventory not read from http://127.0.0.1:11434: cannot reach'}, 'cannot reach'),
    ({'unreachable': True, 'msg': 'ssh: timed out'}, 'could not reach'),
    ({'skipped': True}, 'skipped'),
])
def test_an_inventory_that_was_not_read_says_why(result, reason):
    rows, facts, endpoints = fleet.inputs()
    facts[fleet.EXPOSED]['models'] = result
    models = hosts(fr.build(rows, facts, endpoints))[fleet.EXPOSED]['models']
    assert models['state'] == 'not_read' and reason in models['reason'] and models['items'] == []


def test_models_not_asked_or_ollama_not_installed_is_not_applicable():
    doc = build(models_asked=False)
    assert hosts(doc)[fleet.EXPOSED]['models']['state'] == 'not_applicable'
    assert 'audit_models' in hosts(doc)[fleet.EXPOSED]['models']['reason']
    rows, facts, endpoints = fleet.inputs()
    rows[1]['notes'] = ['Ollama not installed: no ollama binary and nothing answers at http://127.0.0.1:11434']
    facts[fleet.HARDENED].update(version_api={'failed': True, 'msg': 'cannot reach'}, models={'skipped': True})
    host = hosts(fr.build(rows, facts, endpoints))[fleet.HARDENED]
    assert host['version']['state'] == 'not_installed'
    assert host['models']['state'] == 'not_applicable'


def test_a_refused_connection_is_examined_and_closed():
    rows, facts, endpoints = fleet.inputs()
    endpoints['targets'][2].update(error_kind='refused', error='Connection refused')
    endpoint = hosts(fr.build(rows, facts, endpoints))[fleet.GONE]['endpoint']
    assert endpoint['state'] == 'examined' and 'refused' in endpoint['reason']


def test_an_incomplete_endpoint_is_partial_and_a_missing_probe_not_examined():
    rows, facts, endpoints = fleet.inputs()
    endpoints['targets'][1].update(verdict='incomplete', examined=False, reason='not examined: generate (429)')
    assert hosts(fr.build(rows, facts, endpoints))[fleet.HARDENED]['endpoint']['state'] == 'partial'
    doc = fr.build(rows, facts, {'failed': True, 'msg': 'probe host unreachable'})
    assert all(h['endpoint']['state'] == 'not_examined' for h in doc['hosts'])
    assert 'probe host unreachable' in doc['hosts'][0]['endpoint']['reason']


def test_a_target_that_names_no_host_is_reported_from_its_probe_only():
    rows, facts, endpoints = fleet.inputs()
    rows.append({'host': 'http://10.0.0.9:11434', 'verdict': 'fail', 'fails_gate': True, 'breaches': ['x'],
                 'not_examined': [], 'notes': []})
    endpoints['targets'].append(dict(endpoints['targets'][0], target='10.0.0.9', url='http://10.0.0.9:11434'))
    extra = hosts(fr.build(rows, facts, endpoints))['http://10.0.0.9:11434']
    assert extra['endpoint']['verdict'] == 'exposed'
    assert extra['version']['state'] == 'not_examined' and 'only its endpoint' in extra['version']['reason']
    assert extra['models']['state'] == 'not_read'


def test_monitoring_notes_stay_out_so_an_unchanged_fleet_gives_the_same_record():
    rows, facts, endpoints = fleet.inputs()
    rows[0]['notes'].append('monitoring (last 3600 s): alerts auth_failures=3; banned now: none')
    first = json.dumps(fr.build(rows, facts, endpoints), sort_keys=True)
    assert 'monitoring (last' not in first
    endpoints['targets'][0].update(duration=9.9, requests=99)
    assert json.dumps(fr.build(rows, facts, endpoints), sort_keys=True) == first


# ---- changes since the previous run ----------------------------------------------------------
def previous_of(doc):
    return {'source': 'client:/r/ollama-audit-fleet.json', 'text': json.dumps(doc)}


def test_changes_list_closed_opened_and_still_open():
    before = build()
    rows, facts, endpoints = fleet.inputs()
    findings = endpoints['targets'][0]['findings']
    endpoints['targets'][0]['findings'] = [f for f in findings if f['id'] != 'tls.plaintext'] + [
        dict(findings[0], id='rate_limit.missing', severity='medium', title='Inference is not rate-limited')]
    after = fr.build(rows, facts, endpoints, previous=previous_of(before))
    change = next(h for h in after['changes']['hosts'] if h['host'] == fleet.EXPOSED)
    assert [i['id'] for i in change['closed']] == ['tls.plaintext']
    assert [i['id'] for i in change['opened']] == ['rate_limit.missing']
    assert {i['id'] for i in change['still_open']} == {'exposure.management', 'advisories.version', 'CVE-2026-7482'}
    assert change['not_compared'] == []
    assert after['changes']['previous'] == 'client:/r/ollama-audit-fleet.json' and after['changes']['error'] is None


def test_a_host_not_examined_now_closes_nothing():
    before = build()
    rows, facts, endpoints = fleet.inputs()
    endpoints['targets'][0].update(verdict='unreachable', examined=False, error_kind='timeout', findings=[],
                                   reason='not examined: timed out')
    facts[fleet.EXPOSED]['version_binary'] = {'unreachable': True, 'msg': 'timed out'}
    after = fr.build(rows, facts, endpoints, previous=previous_of(before))
    change = next(h for h in after['changes']['hosts'] if h['host'] == fleet.EXPOSED)
    assert change['closed'] == [] and change['opened'] == [] and change['still_open'] == []
    assert {i['id'] for i in change['not_compared']} == {'exposure.management', 'tls.plaintext',
                                                         'advisories.version', 'CVE-2026-7482'}
    assert all(i['why'] == 'not examined in this run' for i in change['not_compared'])


def test_hardening_closes_what_the_first_run_found():
    before = build()
    rows, facts, endpoints = fleet.inputs(exposed_findings=[])
    rows[0].update(verdict='pass', fails_gate=False)
    endpoints['targets'][0]['verdict'] = 'hardened'
    facts[fleet.EXPOSED]['version_binary'].update(version='0.32.15', vulnerable=False, advisories=[])
    after = fr.build(rows, facts, endpoints, previous=previous_of(before))
    change = next(h for h in after['changes']['hosts'] if h['host'] == fleet.EXPOSED)
    assert change['verdict'] == ['fail', 'pass'] and change['endpoint_verdict'] == ['exposed', 'hardened']
    assert {i['id'] for i in change['closed']} == {'exposure.management', 'tls.plaintext', 'advisories.version',
                                                   'CVE-2026-7482'}


def test_new_and_gone_hosts_are_named_never_closed():
    before = build()
    before['hosts'][1] = dict(before['hosts'][1], host='web-retired')
    after = build(previous=previous_of(before))
    assert after['changes']['new_hosts'] == [fleet.HARDENED]
    assert after['changes']['gone_hosts'] == ['web-retired']


@pytest.mark.parametrize('previous, why', [
    ({'source': 's', 'text': 'not json'}, 'not JSON'),
    ({'source': 's', 'text': json.dumps({'schema': 'aisec.ollama.endpoint_audit/1', 'targets': []})},
     'expected schema aisec.ollama.fleet_report/1'),
    ({'source': 's', 'error': 'file not found'}, 'file not found'),
])
def test_a_previous_report_that_cannot_be_used_is_said_not_ignored(previous, why):
    changes = build(previous=previous)['changes']
    assert changes['error'].startswith('the previous report could not be used') and why in changes['error']
    assert changes['hosts'] == []


def test_the_filter_checks_its_input_and_reads_switches_as_ansible_does():
    rows, facts, endpoints = fleet.inputs()
    with pytest.raises(AnsibleFilterError, match='audit rows'):
        fleet_report({'host': 'x'})
    doc = fleet_report(copy.deepcopy(rows), facts=facts, endpoints=endpoints, models_asked='false',
                       fail_on_unexamined='no')
    assert doc['hosts'][0]['models']['state'] == 'not_applicable'
    assert doc['fail_on_unexamined'] is False

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The advisory data file and the matching logic (module_utils/advisories.py)."""

import copy
import json

import pytest
import yaml
from ansible_collections.aisec.ollama.plugins.module_utils import advisories as adv


@pytest.fixture(scope='module')
def data():
    return adv.load_advisory_file(adv.default_advisory_path())


def ids(items):
    return [i['id'] for i in items]


# Every advisory of the reference table: id -> (aliases, confidence, fixed or None for unfixed).
REFERENCE = {
    'CVE-2024-28224': (['GHSA-5jx5-hqx5-2vrj', 'GO-2024-2699'], 'V', '0.1.29'),
    'CVE-2024-37032': (['GHSA-8hqg-whrw-pv92', 'GO-2024-2901'], 'V', '0.1.34'),
    'CVE-2024-39721': ([], 'S', '0.1.34'),
    'CVE-2025-44779': (['GHSA-93jv-pvg8-hf3v', 'GO-2025-3851'], 'V', '0.1.34'),
    'CVE-2024-39720': (['GHSA-95j2-w8x7-hm88', 'GO-2024-3245'], 'V', '0.1.46'),
    'CVE-2024-39722': ([], 'S', '0.1.46'),
    'CVE-2024-39719': ([], 'S', None),
    'CVE-2024-45436': (['GHSA-846m-99qv-67mg', 'GO-2024-3104'], 'V', '0.1.47'),
    'CVE-2024-8063': (['GHSA-2xf2-gjm6-g2c6', 'GO-2025-3689'], 'S', None),
    'CVE-2024-12055': (['GHSA-89qx-m49c-8crf', 'GO-2025-3558'], 'S', None),
    'CVE-2024-12886': (['GHSA-v464-r2r9-www7', 'GO-2025-3548'], 'S', None),
    'CVE-2025-0312': (['GHSA-p2wh-w96x-w232', 'GO-2025-3582'], 'S', None),
    'CVE-2025-0315': (['GHSA-fccc-8m69-8r78', 'GO-2025-3557'], 'S', None),
    'CVE-2025-0317': (['GHSA-9gcr-28rp-cc24', 'GO-2025-3559'], 'S', None),
    'CVE-2025-1975': (['GHSA-wrh5-cmwx-q2qr', 'GO-2025-3695'], 'S', None),
    'CVE-2025-51471': (['GHSA-x9hg-5q6g-q3jr', 'GO-2025-3824'], 'S', '0.14.3'),
    'CVE-2025-63389': (['GHSA-f6mr-38g8-39rg', 'GO-2025-4251'], 'V', None),
    'CVE-2026-7482': (['GHSA-x8qc-fggm-mpqg', 'GO-2026-5748'], 'V', '0.17.1'),
    'CVE-2026-7020': (['GHSA-x99g-8v8j-25j2', 'GO-2026-5750'], 'S', None),
    'CNVD-2025-04094': ([], '-', None),
}


def test_data_file_holds_every_reference_advisory(data):
    assert sorted(ids(data['advisories'])) == sorted(REFERENCE)
    for entry in data['advisories']:
        aliases, confidence, fixed = REFERENCE[entry['id']]
        assert sorted(entry['aliases']) == sorted(aliases), entry['id']
        assert entry['confidence'] == confidence, entry['id']
        fixes = [r['fixed'] for r in entry['affected'] if r['fixed']]
        assert fixes == ([fixed] if fixed else []), entry['id']
        assert entry['severity'] in adv.SEVERITIES
        assert entry['endpoints'] and entry['references'] and entry['mitigation']


def test_data_file_records_its_refresh_date(data):
    assert data['last_refreshed'] == '2026-11-26'


def test_unfixed_advisories_name_the_endpoints_to_close(data):
    for entry in data['advisories']:
        if adv.is_unfixed(entry):
            assert entry['compensating_control']['description']
            assert entry['compensating_control']['close_endpoints'], entry['id']
    by_design = adv.find_advisory(data, 'CVE-2025-63389')
    assert {'pull', 'push', 'create', 'delete', 'copy', 'blobs'} <= set(
        by_design['compensating_control']['close_endpoints'])


def test_find_advisory_by_alias(data):
    assert adv.find_advisory(data, 'go-2024-2901')['id'] == 'CVE-2024-37032'
    assert adv.find_advisory(data, 'GHSA-95j2-w8x7-hm88')['id'] == 'CVE-2024-39720'
    assert adv.find_advisory(data, 'CVE-1999-0001') is None


@pytest.mark.parametrize('advisory, affected, fixed', [
    ('CVE-2024-37032', '0.1.33', '0.1.34'),
    ('CVE-2024-39720', '0.1.45', '0.1.46'),
    ('CVE-2026-7482', '0.17.0', '0.17.1'),
    ('CVE-2024-28224', '0.1.28', '0.1.29'),
    ('CVE-2024-45436', '0.1.46', '0.1.47'),
])
def test_boundary_last_affected_and_first_fixed(data, advisory, affected, fixed):
    assert advisory in ids(adv.evaluate(affected, data)['advisories'])
    assert advisory not in ids(adv.evaluate(fixed, data)['advisories'])


@pytest.mark.parametrize('advisory, rc', [
    ('CVE-2026-7482', '0.17.1-rc2'),
    ('CVE-2026-7482', 'v0.17.1-rc.0'),
    ('CVE-2024-37032', '0.1.34-rc1'),
])
def test_rc_of_the_fixing_release_counts_as_affected(data, advisory, rc):
    result = adv.evaluate(rc, data)
    assert advisory in ids(result['advisories'])
    assert result['vulnerable'] is True


@pytest.mark.parametrize('newest', ['0.32.15', '0.33.0-rc2', '99.0.0'])
def test_unfixed_advisories_apply_to_the_newest_version(data, newest):
    result = adv.evaluate(newest, data)
    expected = sorted(k for k, v in REFERENCE.items() if v[2] is None)
    assert sorted(ids(result['unfixed'])) == expected
    assert {'CVE-2025-63389', 'CNVD-2025-04094'} <= set(ids(result['unfixed']))
    assert result['vulnerable'] is False
    assert result['minimum_safe_version'] is None
    assert all(item['fixed_in'] is None for item in result['unfixed'])


def test_results_for_an_old_version(data):
    result = adv.evaluate('0.1.33', data)
    assert result['version'] == '0.1.33'
    assert result['vulnerable'] is True
    assert result['minimum_safe_version'] == '0.17.1'
    assert result['data_date'] == '2026-11-26'
    probllama = next(i for i in result['advisories'] if i['id'] == 'CVE-2024-37032')
    assert probllama['severity'] == 'critical'
    assert probllama['fixed_in'] == '0.1.34'
    assert probllama['close_endpoints'] == ['pull', 'push']
    assert probllama['endpoint_classes'] == ['management']
    assert 'Upgrade to 0.1.34' in probllama['mitigation']
    # Unfixed ones are part of advisories too, and listed again in unfixed.
    assert set(ids(result['unfixed'])) <= set(ids(result['advisories']))


def test_minimum_safe_version_is_the_highest_needed_fix(data):
    assert adv.evaluate('0.1.46', data)['minimum_safe_version'] == '0.17.1'
    assert adv.evaluate('0.14.3', data)['minimum_safe_version'] == '0.17.1'
    accepted = [{'id': 'CVE-2026-7482', 'reason': 'create closed at the proxy'}]
    assert adv.evaluate('0.1.46', data, ignore=accepted)['minimum_safe_version'] == '0.14.3'


def test_minimum_safe_version_steps_past_a_later_regression():
    raw = {
        'schema_version': 1, 'last_refreshed': '2026-01-01',
        'advisories': [
            {'id': 'A', 'summary': 's', 'endpoints': ['pull'], 'affected': [{'introduced': '0', 'fixed': '0.2.0'}],
             'severity': 'high', 'confidence': 'V', 'mitigation': 'm'},
            {'id': 'B', 'summary': 's', 'endpoints': ['pull'],
             'affected': [{'introduced': '0.2.0', 'fixed': '0.2.3'}],
             'severity': 'low', 'confidence': 'V', 'mitigation': 'm'},
        ]}
    data = adv.validate_advisory_data(raw)
    assert adv.evaluate('0.1.0', data)['minimum_safe_version'] == '0.2.3'
    assert ids(adv.evaluate('0.1.0', data)['advisories']) == ['A']


def test_gate_fails_on_a_fixable_critical(data):
    result = adv.evaluate('0.17.0', data, fail_on_severity='critical')
    assert result['gate_failed']
    assert result['gate_reasons'] == ['CVE-2026-7482 (critical, fixed in 0.17.1)']


def test_gate_ignores_unfixed_unless_asked(data):
    assert not adv.evaluate('0.17.1', data, fail_on_severity='critical')['gate_failed']
    strict = adv.evaluate('0.17.1', data, fail_on_severity='critical', fail_on_unfixed=True)
    assert strict['gate_failed']
    assert {r.split(' ')[0] for r in strict['gate_reasons']} == {'CVE-2025-63389', 'CNVD-2025-04094'}


def test_accepted_risks_with_reasons_pass_the_strict_gate(data):
    ignore = [{'id': 'GHSA-f6mr-38g8-39rg', 'reason': 'management endpoints closed at the proxy'},
              {'id': 'CNVD-2025-04094', 'reason': 'bound to loopback, proxy with auth'}]
    result = adv.evaluate('0.17.1', data, fail_on_severity='critical', fail_on_unfixed=True, ignore=ignore)
    assert not result['gate_failed']
    assert sorted(ids(result['accepted'])) == ['CNVD-2025-04094', 'CVE-2025-63389']
    assert {a['reason'] for a in result['accepted']} == {i['reason'] for i in ignore}
    assert 'CVE-2025-63389' not in ids(result['advisories'])


def test_gate_below_threshold_passes(data):
    # 0.14.3: only 7482 (critical) is fixable and applies; a 'critical' gate fails, ignoring it passes.
    ignore = [{'id': 'CVE-2026-7482', 'reason': 'blobs/create/push closed'}]
    assert not adv.evaluate('0.14.3', data, fail_on_severity='high', ignore=ignore)['gate_failed']


def test_ignore_needs_a_reason(data):
    with pytest.raises(ValueError, match='reason is required'):
        adv.evaluate('0.1.33', data, ignore=[{'id': 'CVE-2024-37032', 'reason': ' '}])


def test_unknown_ignore_id_warns(data):
    result = adv.evaluate('0.1.33', data, ignore=[{'id': 'CVE-2000-0001', 'reason': 'typo'}])
    assert any('CVE-2000-0001' in w for w in result['warnings'])


def test_unknown_severity_name_in_the_gate_is_an_error(data):
    with pytest.raises(ValueError, match=r"unknown severity 'severe'.*critical"):
        adv.evaluate('0.1.33', data, fail_on_severity='severe')


def test_source_build_cannot_be_judged(data):
    result = adv.evaluate('0.0.0', data)
    assert result['vulnerable'] is None
    assert any('source build' in w for w in result['warnings'])
    assert all(i['fixed_in'] is None for i in result['advisories'])
    assert result['minimum_safe_version'] == '0.17.1'
    assert adv.evaluate('0.0.0', data, fail_on_severity='low')['gate_failed']


def test_advisories_for_endpoint(data):
    pull = ids(adv.advisories_for_endpoint(data, 'pull'))
    assert 'CVE-2024-37032' in pull and 'CVE-2025-63389' in pull
    assert 'CVE-2024-39720' not in pull


# --- malformed data ----------------------------------------------------------------------------
def raw_data():
    with open(adv.default_advisory_path()) as handle:
        return yaml.safe_load(handle)


def broken(mutate):
    raw = raw_data()
    mutate(raw)
    return raw


@pytest.mark.parametrize('mutate, message', [
    (lambda d: d['advisories'][0].update(severity='severe'), "CVE-2024-28224.*unknown severity 'severe'"),
    (lambda d: d['advisories'][0].pop('summary'), 'summary is missing'),
    (lambda d: d['advisories'][1]['affected'][0].update(fixed='0.1.x'), "fixed: '0.1.x' is not an Ollama version"),
    (lambda d: d['advisories'][1].update(endpoints=['pulls']), "unknown endpoint 'pulls'"),
    (lambda d: d['advisories'][6].pop('compensating_control'), 'compensating_control .* is required'),
    (lambda d: d['advisories'][2].update(aliases=['GO-2024-2901']), 'GO-2024-2901 is listed by both'),
    (lambda d: d.update(last_refreshed='yesterday'), 'last_refreshed must be a date'),
    (lambda d: d.update(schema_version=7), 'schema_version must be 1'),
    (lambda d: d['advisories'][0].update(confidence='maybe'), "confidence 'maybe'"),
    (lambda d: d['advisories'][0].update(colour='red'), r'unknown field\(s\) colour'),
])
def test_malformed_data_is_a_clear_error(mutate, message):
    with pytest.raises(adv.AdvisoryDataError, match=message):
        adv.validate_advisory_data(broken(mutate), source='test data')


def test_data_that_is_not_a_mapping():
    with pytest.raises(adv.AdvisoryDataError, match='expected a mapping'):
        adv.validate_advisory_data(['CVE-2024-37032'])


def test_unreadable_and_invalid_files(tmp_path):
    with pytest.raises(adv.AdvisoryDataError, match='cannot read advisory data file'):
        adv.load_advisory_file(str(tmp_path / 'missing.yml'))
    bad = tmp_path / 'bad.yml'
    bad.write_text('advisories: [\n  - id: x\n')
    with pytest.raises(adv.AdvisoryDataError, match='not valid YAML'):
        adv.load_advisory_file(str(bad))
    bad_json = tmp_path / 'bad.json'
    bad_json.write_text('{"advisories": ')
    with pytest.raises(adv.AdvisoryDataError, match='not valid JSON'):
        adv.load_advisory_file(str(bad_json))


def test_json_data_file_is_accepted(tmp_path):
    path = tmp_path / 'advisories.json'
    path.write_text(json.dumps(raw_data()))
    assert len(adv.load_advisory_file(str(path))['advisories']) == len(REFERENCE)


def test_validation_does_not_change_its_input():
    raw = raw_data()
    before = copy.deepcopy(raw)
    adv.validate_advisory_data(raw)
    assert raw == before


def test_advisories_for_endpoint_class(data):
    management = ids(adv.advisories_for_endpoint(data, 'management'))
    assert 'CVE-2024-39720' in management and 'CVE-2024-37032' in management
    inference = ids(adv.advisories_for_endpoint(data, 'inference'))
    assert inference == ['CVE-2024-28224', 'CVE-2025-63389', 'CNVD-2025-04094']

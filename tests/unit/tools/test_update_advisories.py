# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tools/update-advisories: merging OSV records into the advisory data."""

import io
import os
import shutil
import subprocess
import sys

import pytest
import yaml
from ansible_collections.aisec.ollama.plugins.module_utils import advisories as adv

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'tools'))

import update_advisories as tool  # noqa: E402

FIXTURES = os.path.join(ROOT, 'tests', 'unit', 'fixtures', 'osv')


@pytest.fixture
def data_file(tmp_path):
    path = tmp_path / 'advisories.yml'
    shutil.copy(adv.default_advisory_path(), path)
    return str(path)


def run_tool(*args):
    out, err = io.StringIO(), io.StringIO()
    rc = tool.run(list(args), out=out, err=err)
    return rc, out.getvalue(), err.getvalue()


def entry(path, name):
    return adv.find_advisory(adv.load_advisory_file(path), name)


def test_merge_keeps_hand_curated_fields(data_file):
    before = entry(data_file, 'CVE-2024-37032')
    rc, _out, err = run_tool('--data', data_file, '--date', '2026-12-01', os.path.join(FIXTURES, 'GO-2024-2901.json'))
    assert rc == 0, err
    after = entry(data_file, 'CVE-2024-37032')
    assert 'updated CVE-2024-37032 from GO-2024-2901' in err
    for field in ('confidence', 'mitigation', 'compensating_control', 'endpoints', 'summary', 'severity'):
        assert after[field] == before[field], field
    assert after['severity'] == 'critical'  # curated, not the record's MODERATE
    assert 'https://github.com/ollama/ollama/commit/2a21363bb756a7341d3d577f098583865bd7603f' in after['references']
    assert after['affected'] == before['affected']
    assert adv.load_advisory_file(data_file)['last_refreshed'] == '2026-12-01'


def test_curated_affected_range_survives_a_record_without_fix(data_file):
    rc, _out, err = run_tool('--data', data_file, os.path.join(FIXTURES, 'GO-2025-3824.json'))
    assert rc == 0, err
    assert entry(data_file, 'GO-2025-3824')['affected'][0]['fixed'] == '0.14.3'


def test_new_record_is_added_for_review_and_other_modules_skipped(data_file):
    rc, _out, err = run_tool('--data', data_file, os.path.join(FIXTURES, 'more'))
    assert rc == 0, err
    assert 'skipped GO-2026-9002' in err
    added = entry(data_file, 'GO-2026-9001')
    assert added['id'] == 'CVE-2026-99901'
    assert added['needs_review'] is True
    assert added['affected'] == [{'introduced': '0.30.0', 'fixed': '0.40.1', 'last_affected': None}]
    assert added['severity'] == 'high'
    assert added['cvss'][0]['score'] == 7.5
    assert added['confidence'] == 'V'
    assert entry(data_file, 'CVE-2026-99902') is None
    data = adv.load_advisory_file(data_file)
    assert 'CVE-2026-99901' in [a['id'] for a in adv.evaluate('0.32.15', data)['advisories']]
    assert adv.evaluate('0.40.1', data)['vulnerable'] is False


def test_folder_of_records_and_idempotence(data_file):
    assert run_tool('--data', data_file, '--date', '2026-12-01', FIXTURES)[0] == 0
    with open(data_file) as handle:
        first = handle.read()
    assert run_tool('--data', data_file, '--date', '2026-12-01', FIXTURES)[0] == 0
    with open(data_file) as handle:
        assert handle.read() == first


def test_dry_run_prints_a_diff_and_writes_nothing(data_file):
    with open(data_file) as handle:
        original = handle.read()
    rc, out, _err = run_tool('--data', data_file, '--dry-run', '--date', '2026-12-01', FIXTURES)
    assert rc == 0
    assert "-last_refreshed: '2026-11-26'" in out and "+last_refreshed: '2026-12-01'" in out
    assert '+  - id: CVE-2026-99901' in out
    with open(data_file) as handle:
        assert handle.read() == original


def test_normalize_leaves_the_bundled_file_unchanged(data_file):
    rc, _out, err = run_tool('--data', data_file, '--normalize')
    assert rc == 0 and 'unchanged' in err


@pytest.mark.parametrize('content, message', [
    ('{not json', 'cannot read OSV JSON'),
    ('{"summary": "no id"}', 'not an OSV record'),
])
def test_bad_osv_input(data_file, tmp_path, content, message):
    bad = tmp_path / 'bad.json'
    bad.write_text(content)
    rc, _out, err = run_tool('--data', data_file, str(bad))
    assert rc == 1 and message in err


def test_missing_input_path(data_file):
    rc, _out, err = run_tool('--data', data_file, '/nonexistent/osv')
    assert rc == 1 and 'no such file or folder' in err


def test_invalid_result_is_not_written(data_file, tmp_path):
    with open(data_file) as handle:
        raw = yaml.safe_load(handle)
    raw['advisories'][0]['severity'] = 'severe'
    with open(data_file, 'w') as handle:
        yaml.safe_dump(raw, handle, sort_keys=False)
    rc, _out, err = run_tool('--data', data_file, os.path.join(FIXTURES, 'GO-2024-2901.json'))
    assert rc == 1 and "unknown severity 'severe'" in err and 'nothing written' in err


@pytest.mark.parametrize('vector, score', [
    ('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8),
    ('CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', 7.5),
    ('CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 8.8),
    ('CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:L/A:N', 6.9),
    ('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:H', 8.2),
    ('CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:H', 6.6),
    ('CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N/E:P/RL:X/RC:R', 3.7),
])
def test_cvss3_base_scores_match_the_published_ones(vector, score):
    assert tool.cvss3_base_score(vector) == score


def test_bundled_cvss_3_scores_agree_with_their_vectors():
    for item in adv.load_advisory_file(adv.default_advisory_path())['advisories']:
        for cvss in item['cvss']:
            if cvss['vector'] and cvss['vector'].startswith('CVSS:3'):
                assert tool.cvss3_base_score(cvss['vector']) == cvss['score'], item['id']


def test_wrapper_script_runs(data_file):
    proc = subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'update-advisories'), '--data', data_file,
                           '--dry-run', os.path.join(FIXTURES, 'GO-2024-2901.json')],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert '2a21363bb756a7341d3d577f098583865bd7603f' in proc.stdout

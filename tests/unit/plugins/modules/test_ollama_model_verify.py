# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""aisec.ollama.ollama_model_verify: report, enforce, check mode, fail_on, and the emulator agreeing."""

import functools
import hashlib
import json
import os
import shutil

import pytest
from ansible_collections.aisec.ollama.plugins.modules import ollama_model_verify as module

FIXTURE = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'emulator', 'fixtures', 'models')


@pytest.fixture
def run(module_runner):
    return functools.partial(module_runner, module.main)


@pytest.fixture
def store(tmp_path):
    dest = tmp_path / 'models'
    shutil.copytree(FIXTURE, dest)
    blob = b'unapproved weights'
    hexd = hashlib.sha256(blob).hexdigest()
    (dest / 'blobs' / ('sha256-' + hexd)).write_bytes(blob)
    manifest = dest / 'manifests' / 'registry.ollama.ai' / 'library' / 'rogue' / 'latest'
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps(dict(schemaVersion=2, layers=[
        dict(mediaType='application/vnd.ollama.image.model', digest='sha256:' + hexd, size=len(blob))])))
    return dest


def args(store, tmp_path, **extra):
    return dict(models_dir=str(store), cache_path=str(tmp_path / 'cache.json'), **extra)


def test_report_lists_models_and_unapproved_without_changes(run, store, tmp_path):
    result = run(args(store, tmp_path, allowed_models=['emu-tiny']))
    assert not result['changed']
    assert sorted(m['name'] for m in result['models']) == ['emu-tiny:latest', 'rogue:latest']
    assert [u['name'] for u in result['unapproved']] == ['rogue:latest']
    assert (store / 'manifests' / 'registry.ollama.ai' / 'library' / 'rogue' / 'latest').exists()
    assert result['hashing']['hashed'] == 7


def test_enforce_in_check_mode_shows_what_would_go(run, store, tmp_path):
    result = run(args(store, tmp_path, allowed_models=['emu-tiny'], state='enforce'), check=True, diff=True)
    assert result['changed'] and len(result['removed']['manifests']) == 1 and len(result['removed']['blobs']) == 1
    assert 'rogue' in result['diff']['before']
    assert (store / 'manifests' / 'registry.ollama.ai' / 'library' / 'rogue' / 'latest').exists()
    assert not (tmp_path / 'cache.json').exists()


def test_enforce_removes_unapproved_and_is_idempotent(run, store, tmp_path):
    result = run(args(store, tmp_path, allowed_models=['emu-tiny'], state='enforce'))
    assert result['changed']
    assert not (store / 'manifests' / 'registry.ollama.ai' / 'library' / 'rogue').exists()
    again = run(args(store, tmp_path, allowed_models=['emu-tiny'], state='enforce'))
    assert not again['changed'] and [m['name'] for m in again['models']] == ['emu-tiny:latest']
    assert again['hashing']['reused'] == 6 and again['hashing']['hashed'] == 0


def test_fail_on_corrupt_fails_with_the_report(run, store, tmp_path):
    blob = next((store / 'blobs').glob('sha256-e60b*'))
    blob.write_bytes(b'X' * blob.stat().st_size)
    result = run(args(store, tmp_path, fail_on=['corrupt']), fail=True)
    assert '1 corrupt' in result['msg'] and result['corrupt'][0]['model'] == 'emu-tiny:latest'


def test_not_a_models_dir_fails(run, tmp_path):
    assert 'OLLAMA_MODELS' in run(dict(models_dir=str(tmp_path)), fail=True)['msg']


def test_digests_match_what_the_emulator_lists(run, store, tmp_path, start_emulator):
    emulator = start_emulator(env={'OLLAMA_MODELS': str(store), 'OLLAMA_NOPRUNE': '1'})
    listed = {m['name']: m['digest'] for m in emulator.request('GET', '/api/tags').json()['models']}
    result = run(args(store, tmp_path))
    ours = {m['name']: m['digest'].split(':', 1)[1] for m in result['models']}
    assert ours == listed

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


# --- symlinks: enforce must never delete outside the store -----------------------------------
def rogue_manifest_text():
    blob = b'outside weights'
    return json.dumps(dict(schemaVersion=2, layers=[
        dict(mediaType='application/vnd.ollama.image.model', digest='sha256:' + hashlib.sha256(blob).hexdigest(),
             size=len(blob))]))


@pytest.fixture
def outside(tmp_path):
    """A tree outside the store shaped like a manifests folder, holding a file that must survive."""
    victim = tmp_path / 'outside' / 'registry.ollama.ai' / 'library' / 'victim' / 'latest'
    victim.parent.mkdir(parents=True)
    victim.write_text(rogue_manifest_text())
    return tmp_path / 'outside', victim


def enforce(run, store, tmp_path, **kwargs):
    return run(args(store, tmp_path, allowed_models=['emu-tiny'], state='enforce'), **kwargs)


def test_symlinked_manifests_dir_is_refused_and_the_outside_file_survives(run, store, tmp_path, outside):
    base, victim = outside
    shutil.rmtree(store / 'manifests')
    (store / 'manifests').symlink_to(base)
    result = enforce(run, store, tmp_path, fail=True)
    assert 'manifests is a symlink to' in result['msg'] and 'nothing changed' in result['msg']
    assert victim.exists() and victim.read_text() == rogue_manifest_text()
    assert run(args(store, tmp_path), fail=True)['unsafe_links']  # report mode refuses too


def test_symlinked_blobs_dir_is_refused(run, store, tmp_path):
    real = tmp_path / 'elsewhere-blobs'
    (store / 'blobs').rename(real)
    (store / 'blobs').symlink_to(real)
    result = enforce(run, store, tmp_path, fail=True)
    assert 'blobs is a symlink' in result['msg']
    assert len(list(real.iterdir())) == 7


def test_symlinked_models_dir_is_refused(run, store, tmp_path):
    link = tmp_path / 'models-link'
    link.symlink_to(store)
    result = run(args(link, tmp_path, allowed_models=['emu-tiny'], state='enforce'), fail=True)
    assert f'models-link (models_dir) is a symlink to {store}' in result['msg']
    assert (store / 'manifests' / 'registry.ollama.ai' / 'library' / 'rogue' / 'latest').exists()


def test_symlink_inside_the_manifest_tree_leading_out_is_refused(run, store, tmp_path, outside):
    base, victim = outside
    (store / 'manifests' / 'evil.example').symlink_to(base / 'registry.ollama.ai')
    result = enforce(run, store, tmp_path, fail=True)
    assert 'evil.example is a symlink to' in result['msg'] and 'outside' in result['msg']
    assert victim.exists()
    # Nothing was removed from the store either: the refusal comes before any change.
    assert (store / 'manifests' / 'registry.ollama.ai' / 'library' / 'rogue' / 'latest').exists()


def test_symlinked_tag_file_leading_out_is_refused(run, store, tmp_path, outside):
    _base, victim = outside
    tag = store / 'manifests' / 'registry.ollama.ai' / 'library' / 'rogue' / 'v2'
    tag.symlink_to(victim)
    assert 'rogue/v2 is a symlink to' in enforce(run, store, tmp_path, fail=True)['msg']
    assert victim.exists()


def test_symlink_that_stays_inside_the_store_is_accepted(run, store, tmp_path):
    rogue = store / 'manifests' / 'registry.ollama.ai' / 'library' / 'rogue'
    (rogue / 'alias').symlink_to(rogue / 'latest')
    result = enforce(run, store, tmp_path)
    assert result['changed'] and not rogue.exists()


def test_link_swapped_in_after_the_scan_is_refused_at_removal(store, outside):
    from ansible_collections.aisec.ollama.plugins.module_utils import model_store
    base, victim = outside
    plan = dict(manifests=[str(store / 'manifests' / 'registry.ollama.ai' / 'library' / 'victim' / 'latest')],
                blobs=[])
    shutil.rmtree(store / 'manifests')
    (store / 'manifests').symlink_to(base)
    with pytest.raises(model_store.StoreError):
        model_store.apply_removal(str(store), plan)
    assert victim.exists()

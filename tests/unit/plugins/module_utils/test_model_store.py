# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""model_store: inventory, integrity, allowlists and the removal plan on a real store layout."""

import hashlib
import json
import os
import shutil
import tracemalloc

import pytest
from ansible_collections.aisec.ollama.plugins.module_utils import model_store as ms

FIXTURE = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'emulator', 'fixtures', 'models')
EMU_TINY = os.path.join('manifests', 'registry.ollama.ai', 'library', 'emu-tiny', 'latest')


def add_model(store, registry, namespace, model, tag, blobs):
    """Write blobs and a manifest; return the manifest path."""
    layers = []
    for content in blobs:
        hexd = hashlib.sha256(content).hexdigest()
        (store / 'blobs' / ('sha256-' + hexd)).write_bytes(content)
        layers.append(dict(mediaType='application/vnd.ollama.image.model', digest='sha256:' + hexd, size=len(content)))
    path = store / 'manifests' / registry / namespace / model / tag
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(schemaVersion=2, layers=layers)))
    return path


@pytest.fixture
def store(tmp_path):
    dest = tmp_path / 'models'
    shutil.copytree(FIXTURE, dest)
    return dest


def scan(store, cache=None):
    return ms.scan_store(str(store), cache or ms.HashCache(None))


def test_fixture_store_is_intact_and_listed_with_the_manifest_digest(store):
    report = scan(store)
    assert report.missing == [] and report.corrupt == [] and report.orphans == []
    (model,) = report.models
    digest = 'sha256:' + hashlib.sha256((store / EMU_TINY).read_bytes()).hexdigest()
    assert (model['name'], model['tag'], model['registry'], model['digest']) == \
        ('emu-tiny:latest', 'latest', 'registry.ollama.ai', digest)
    assert model['size'] == 551 + 67 + 52 + 50 + 35 + 26
    assert model['status'] == 'ok'


def test_tampered_blob_is_corrupt(store):
    blob = next((store / 'blobs').glob('sha256-e60b*'))
    data = bytearray(blob.read_bytes())
    data[0] ^= 1
    blob.write_bytes(bytes(data))
    report = scan(store)
    assert [c['status'] for c in report.corrupt] == ['sha256']
    assert report.models[0]['status'] == 'damaged'


def test_truncated_blob_has_the_wrong_size(store):
    blob = next((store / 'blobs').glob('sha256-e60b*'))
    blob.write_bytes(blob.read_bytes()[:10])
    assert [c['status'] for c in scan(store).corrupt] == ['size']


def test_missing_and_orphan_blobs_are_reported(store):
    next((store / 'blobs').glob('sha256-c000*')).unlink()
    (store / 'blobs' / ('sha256-' + '0' * 64 + '-partial')).write_bytes(b'x')
    report = scan(store)
    assert len(report.missing) == 1 and report.missing[0]['model'] == 'emu-tiny:latest'
    assert [o['partial'] for o in report.orphans] == [True]


def test_unreadable_manifest_is_reported(store):
    bad = store / 'manifests' / 'registry.ollama.ai' / 'library' / 'broken' / 'latest'
    bad.parent.mkdir(parents=True)
    bad.write_text('{not json')
    assert [i['path'] for i in scan(store).invalid_manifests] == [str(bad)]


def test_cache_skips_unchanged_blobs_and_rehashes_changed_ones(store, tmp_path):
    cache_file = str(tmp_path / 'cache.json')
    first = ms.HashCache(cache_file)
    report = scan(store, first)
    first.save(report.referenced)
    assert first.hashed == 6 and first.reused == 0
    second = ms.HashCache(cache_file)
    scan(store, second)
    assert second.hashed == 0 and second.reused == 6
    blob = next((store / 'blobs').glob('sha256-e60b*'))
    blob.write_bytes(b'y' * blob.stat().st_size)
    third = ms.HashCache(cache_file)
    assert [c['status'] for c in scan(store, third).corrupt] == ['sha256']
    assert third.hashed == 1


def test_hashing_streams_in_constant_memory(tmp_path):
    big = tmp_path / 'big'
    with open(big, 'wb') as fh:
        fh.truncate(64 * 1024 * 1024)
    tracemalloc.start()
    ms.sha256_file(str(big))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 4 * ms.CHUNK


@pytest.mark.parametrize('pattern, allowed', [
    ('emu-tiny:latest', True), ('emu-tiny', True), ('emu-*', True), ('emu-tiny:other', False),
    ('registry.ollama.ai/library/emu-tiny:*', True), ('llama3', False),
])
def test_allowlist_patterns(store, pattern, allowed):
    model = scan(store).models[0]
    assert ms.model_allowed(model, [pattern]) is allowed


def test_unapproved_registry_and_model_removal_keeps_shared_blobs(store):
    shared = (store / 'blobs').glob('sha256-e60b*').__next__().read_bytes()
    add_model(store, 'hf.co', 'someone', 'rogue', 'q4', [shared, b'rogue weights'])
    report = scan(store)
    unapproved = ms.classify(report, ['emu-tiny'], ['registry.ollama.ai'])
    assert [u['name'] for u in unapproved] == ['hf.co/someone/rogue:q4']
    assert len(unapproved[0]['reasons']) == 2
    plan = ms.removal_plan(str(store), report, unapproved)
    rogue_blob = str(store / 'blobs' / ('sha256-' + hashlib.sha256(b'rogue weights').hexdigest()))
    assert plan['blobs'] == [rogue_blob]
    ms.apply_removal(str(store), plan)
    after = scan(store)
    assert [m['name'] for m in after.models] == ['emu-tiny:latest']
    assert after.missing == [] and after.orphans == []
    assert not (store / 'manifests' / 'hf.co').exists()

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ollama's model store on disk: inventory, blob integrity, allowlists, removal plan.

Layout (server/manifest.go, server/images.go)::

    <models>/manifests/<registry host>/<namespace>/<model>/<tag>   JSON, schemaVersion 2
    <models>/blobs/sha256-<64 hex>                                   content, sha256 = digest

The digest Ollama lists for a model is the sha256 of its manifest file. Blobs are hashed in
1 MiB chunks (constant memory); a cache of size + mtime_ns + sha256 per blob path skips files
that did not change since they were last hashed.

Plain Python (no Ansible imports) so the unit tests drive it directly.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import fnmatch
import hashlib
import json
import os
import re
from typing import Dict, List, Optional, Set

CHUNK = 1024 * 1024
DEFAULT_REGISTRY = 'registry.ollama.ai'
DEFAULT_NAMESPACE = 'library'
DIGEST_RE = re.compile(r'^sha256[:-]([0-9a-fA-F]{64})$')
BLOB_RE = re.compile(r'^sha256-([0-9a-f]{64})$')


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as fh:
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                break
            digest.update(chunk)
    return digest.hexdigest()


class HashCache:
    """sha256 of blob files keyed by path, valid while size and mtime_ns are unchanged."""

    def __init__(self, path: Optional[str] = None) -> None:
        self.path = path
        self.entries: Dict[str, dict] = {}
        self.hashed = 0
        self.reused = 0
        self.bytes_hashed = 0
        if path:
            try:
                with open(path, encoding='utf-8') as fh:
                    data = json.load(fh)
                if isinstance(data, dict) and isinstance(data.get('blobs'), dict):
                    self.entries = data['blobs']
            except (OSError, ValueError):
                self.entries = {}

    def sha256(self, path: str, st: os.stat_result) -> str:
        entry = self.entries.get(path)
        if entry and entry.get('size') == st.st_size and entry.get('mtime_ns') == st.st_mtime_ns:
            self.reused += 1
            return entry['sha256']
        value = sha256_file(path)
        self.hashed += 1
        self.bytes_hashed += st.st_size
        self.entries[path] = dict(size=st.st_size, mtime_ns=st.st_mtime_ns, sha256=value)
        return value

    def save(self, keep: Set[str]) -> None:
        if not self.path:
            return
        os.makedirs(os.path.dirname(self.path) or '.', 0o700, exist_ok=True)
        data = dict(blobs={k: v for k, v in sorted(self.entries.items()) if k in keep})
        tmp = self.path + '.tmp'
        with open(tmp, 'w', encoding='utf-8') as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)


class StoreError(Exception):
    """The store is not safe to read or change (symlinks leading out of it)."""


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def unsafe_links(models_dir: str) -> List[str]:
    """Symlinks that would make a scan read, or a removal delete, files outside the store.

    Refused: models_dir itself, manifests/ or blobs/ being a symlink (the whole walk would
    happen elsewhere, as root), and any symlink inside manifests/ or blobs/ whose target
    resolves outside the real models directory. Symlinks that stay inside are allowed.
    """
    problems: List[str] = []
    top = os.path.normpath(models_dir)
    if os.path.islink(top):
        return ['%s (models_dir) is a symlink to %s' % (top, os.path.realpath(top))]
    root = os.path.realpath(top)
    for sub in ('manifests', 'blobs'):
        path = os.path.join(top, sub)
        if os.path.islink(path):
            problems.append('%s is a symlink to %s' % (path, os.path.realpath(path)))
    if problems:
        return problems
    for dirpath, dirs, files in os.walk(os.path.join(top, 'manifests')):
        for name in sorted(dirs + files):
            path = os.path.join(dirpath, name)
            if os.path.islink(path) and not _within(os.path.realpath(path), root):
                problems.append('%s is a symlink to %s, outside %s' % (path, os.path.realpath(path), root))
    blobs = os.path.join(top, 'blobs')
    if os.path.isdir(blobs):
        for name in sorted(os.listdir(blobs)):
            path = os.path.join(blobs, name)
            if os.path.islink(path) and not _within(os.path.realpath(path), root):
                problems.append('%s is a symlink to %s, outside %s' % (path, os.path.realpath(path), root))
    return problems


def display_name(registry: str, namespace: str, model: str, tag: str) -> str:
    """The name ``ollama list`` shows: the default registry and namespace are left out."""
    if registry == DEFAULT_REGISTRY and namespace == DEFAULT_NAMESPACE:
        return '%s:%s' % (model, tag)
    return '%s/%s/%s:%s' % (registry, namespace, model, tag)


def qualify_pattern(pattern: str) -> str:
    """An allowlist entry as a fully qualified pattern (Ollama's name defaults filled in)."""
    name, _colon, tag = pattern.rpartition(':') if ':' in pattern.rsplit('/', 1)[-1] else (pattern, '', '')
    tag = tag or 'latest'
    parts = name.split('/')
    if len(parts) == 1:
        parts = [DEFAULT_REGISTRY, DEFAULT_NAMESPACE, *parts]
    elif len(parts) == 2:
        parts = [DEFAULT_REGISTRY, *parts]
    return '%s:%s' % ('/'.join(parts), tag)


def model_allowed(model: dict, patterns: Optional[List[str]]) -> bool:
    if patterns is None:
        return True
    full = '%(registry)s/%(namespace)s/%(model)s:%(tag)s' % model
    return any(fnmatch.fnmatchcase(full.lower(), qualify_pattern(p).lower()) for p in patterns)


def registry_allowed(model: dict, registries: Optional[List[str]]) -> bool:
    if registries is None:
        return True
    return any(fnmatch.fnmatchcase(model['registry'].lower(), r.lower()) for r in registries)


class StoreReport:
    def __init__(self) -> None:
        self.models: List[dict] = []
        self.missing: List[dict] = []
        self.corrupt: List[dict] = []
        self.invalid_manifests: List[dict] = []
        self.orphans: List[dict] = []
        self.referenced: Set[str] = set()

    def as_dict(self) -> dict:
        return dict(models=self.models, missing=self.missing, corrupt=self.corrupt,
                    invalid_manifests=self.invalid_manifests, orphans=self.orphans)


def _layers(manifest: dict) -> List[dict]:
    layers = list(manifest.get('layers') or [])
    if manifest.get('config'):
        layers.append(manifest['config'])
    return layers


def _check_blob(models_dir: str, layer: dict, cache: HashCache) -> dict:
    """One layer against its blob: ok, missing, size (wrong size) or sha256 (wrong content)."""
    digest = str(layer.get('digest') or '')
    m = DIGEST_RE.match(digest)
    if not m:
        return dict(digest=digest, status='invalid_digest', path=None)
    hexd = m.group(1).lower()
    path = os.path.join(models_dir, 'blobs', 'sha256-' + hexd)
    out = dict(digest='sha256:' + hexd, path=path, media_type=layer.get('mediaType'), size=layer.get('size'))
    try:
        st = os.stat(path)
    except FileNotFoundError:
        out['status'] = 'missing'
        return out
    if layer.get('size') is not None and st.st_size != layer.get('size'):
        out.update(status='size', actual_size=st.st_size)
        return out
    actual = cache.sha256(path, st)
    out.update(status='ok' if actual == hexd else 'sha256', actual_sha256=actual)
    return out


def scan_store(models_dir: str, cache: HashCache, verify_blobs: bool = True) -> StoreReport:
    report = StoreReport()
    base = os.path.join(models_dir, 'manifests')
    for dirpath, dirs, files in os.walk(base):
        dirs.sort()
        rel = os.path.relpath(dirpath, base).split(os.sep)
        for tag in sorted(files):
            path = os.path.join(dirpath, tag)
            if tag.startswith('.'):
                continue
            if len(rel) != 3:
                report.invalid_manifests.append(dict(path=path, reason='not at manifests/<host>/<ns>/<model>/<tag>'))
                continue
            try:
                with open(path, 'rb') as fh:
                    data = fh.read()
                manifest = json.loads(data)
                if not isinstance(manifest, dict):
                    raise ValueError('not a JSON object')
            except (OSError, ValueError) as exc:
                report.invalid_manifests.append(dict(path=path, reason=str(exc)))
                continue
            model = dict(name=display_name(rel[0], rel[1], rel[2], tag), registry=rel[0], namespace=rel[1],
                         model=rel[2], tag=tag, digest='sha256:' + hashlib.sha256(data).hexdigest(),
                         manifest=path, size=0, problems=[])
            seen: Set[str] = set()
            for layer in _layers(manifest):
                blob = _check_blob(models_dir, layer, cache) if verify_blobs else dict(
                    digest=str(layer.get('digest')), status='unchecked', path=None)
                if blob['digest'] in seen:
                    continue
                seen.add(blob['digest'])
                model['size'] += int(layer.get('size') or 0)
                if blob.get('path'):
                    report.referenced.add(blob['path'])
                if blob['status'] in ('ok', 'unchecked'):
                    continue
                problem = dict(blob, model=model['name'])
                model['problems'].append(problem)
                (report.missing if blob['status'] == 'missing' else report.corrupt).append(problem)
            model['status'] = 'ok' if not model['problems'] else 'damaged'
            report.models.append(model)
    blobs_dir = os.path.join(models_dir, 'blobs')
    if os.path.isdir(blobs_dir):
        for name in sorted(os.listdir(blobs_dir)):
            path = os.path.join(blobs_dir, name)
            if path not in report.referenced and os.path.isfile(path):
                report.orphans.append(dict(path=path, size=os.path.getsize(path),
                                           partial=not BLOB_RE.match(name)))
    return report


def classify(report: StoreReport, allowed_models: Optional[List[str]],
             allowed_registries: Optional[List[str]]) -> List[dict]:
    """Mark each model approved or not; return the unapproved ones with the reason."""
    unapproved = []
    for model in report.models:
        reasons = []
        if not registry_allowed(model, allowed_registries):
            reasons.append('registry %s is not in allowed_registries' % model['registry'])
        if not model_allowed(model, allowed_models):
            reasons.append('%s is not in allowed_models' % model['name'])
        model['approved'] = not reasons
        if reasons:
            unapproved.append(dict(name=model['name'], digest=model['digest'], manifest=model['manifest'],
                                   reasons=reasons))
    return unapproved


def removal_plan(models_dir: str, report: StoreReport, unapproved: List[dict]) -> dict:
    """Manifests of unapproved models, and the blobs only they reference."""
    going = set(u['manifest'] for u in unapproved)
    kept_blobs: Set[str] = set()
    going_blobs: Set[str] = set()
    for model in report.models:
        blobs = set()
        try:
            with open(model['manifest'], 'rb') as fh:
                manifest = json.loads(fh.read())
            for layer in _layers(manifest):
                m = DIGEST_RE.match(str(layer.get('digest') or ''))
                if m:
                    blobs.add(os.path.join(models_dir, 'blobs', 'sha256-' + m.group(1).lower()))
        except (OSError, ValueError):
            continue
        (going_blobs if model['manifest'] in going else kept_blobs).update(blobs)
    blobs = sorted(b for b in going_blobs - kept_blobs if os.path.exists(b))
    return dict(manifests=sorted(going), blobs=blobs)


def apply_removal(models_dir: str, plan: dict) -> None:
    # Checked again right before deleting: a link swapped in after the scan is refused too.
    problems = unsafe_links(models_dir)
    if problems:
        raise StoreError('; '.join(problems))
    root = os.path.realpath(models_dir)
    for path in plan['manifests'] + plan['blobs']:
        # os.remove deletes a link itself, never its target; the folder holding it must be ours.
        if not _within(os.path.realpath(os.path.dirname(path)), root):
            raise StoreError('%s is not inside %s' % (path, root))
    for path in plan['manifests'] + plan['blobs']:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
    # Empty <host>/<namespace>/<model> folders left behind, as `ollama rm` leaves none.
    base = os.path.join(models_dir, 'manifests')
    for dirpath, _dirs, _files in sorted(os.walk(base), key=lambda t: -len(t[0])):
        if dirpath != base and not os.listdir(dirpath):
            os.rmdir(dirpath)

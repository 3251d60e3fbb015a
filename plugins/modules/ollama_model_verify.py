#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: ollama_model_verify
short_description: Verify Ollama's model store, list its models, enforce a model allowlist
version_added: 0.2.0
description:
  - Reads the model store in Ollama's layout (C(manifests/<registry>/<namespace>/<model>/<tag>),
    C(blobs/sha256-<hex>)). For every manifest it checks that each layer's blob exists, has the
    declared size and the sha256 of its digest.
  - Reports missing blobs, corrupt blobs (wrong size or wrong sha256), unreadable manifests and
    orphan blobs (no manifest references them, including C(-partial) downloads).
  - Lists the models with name, tag, registry, digest (the sha256 of the manifest, as
    C(/api/tags) shows it) and size - the inventory the audit report uses.
  - With O(allowed_models) and/or O(allowed_registries) it reports the models that are not
    approved; with O(state=enforce) it removes their manifests and the blobs that no remaining
    manifest references. Check mode (and O(state=report)) only shows what would go.
  - Refuses (fails before reading or removing anything) a store reached through symlinks - O(models_dir),
    C(manifests) or C(blobs) being a symlink, or a symlink inside C(manifests/) or C(blobs/) that
    resolves outside O(models_dir) - because the module runs as root and O(state=enforce) deletes
    files. Give the real directory (for example the target of a moved C(~/.ollama/models)).
  - Blobs are hashed in 1 MiB chunks (constant memory). A cache of size, mtime (ns) and sha256 per
    blob (O(cache_path)) skips blobs that did not change since the last run. Measured on the
    project's 2-core build machine (not extrapolated from a real 10 GB file), sha256 runs at about
    1.4 GB/s on a file in the page cache, so 10 GB takes about 7 s of CPU plus the time the disk
    needs to read 10 GB; a cached blob costs one C(stat) (see docs/server.md).
author:
  - AISec Ollama Maintainers (@aisec)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Nothing is removed and the hash cache is not written.
  diff_mode:
    support: full
    details: Lists the manifests and blobs that O(state=enforce) removes.
  platform:
    platforms: posix
options:
  models_dir:
    description:
      - The models directory (Ollama's E(OLLAMA_MODELS)).
    type: path
    default: /usr/share/ollama/.ollama/models
  allowed_models:
    description:
      - Approved models. Each entry is a name as C(ollama list) shows it, with shell-style
        wildcards, for example V(llama3.2:3b), V(qwen3:*) or V(hf.co/acme/*:*). An entry without a
        tag means the tag C(latest), as in Ollama. The default registry and namespace
        (C(registry.ollama.ai/library)) are filled in like Ollama does.
      - When not given, models are not checked by name.
    type: list
    elements: str
  allowed_registries:
    description:
      - Approved registry hosts (wildcards allowed), for example V(registry.ollama.ai).
      - When not given, registries are not checked.
    type: list
    elements: str
  state:
    description:
      - V(report) changes nothing (the hash cache aside).
      - V(enforce) removes the manifests of unapproved models and the blobs that only they
        reference. Corrupt or missing blobs are never removed or repaired; pull the model again.
    type: str
    choices: [report, enforce]
    default: report
  verify_blobs:
    description:
      - Hash the blobs. V(false) only lists models and checks that manifests parse (fast).
    type: bool
    default: true
  cache_path:
    description:
      - File keeping size, mtime and sha256 per blob, so unchanged blobs are not hashed again.
        Written with mode 0600. Set to an empty string to hash everything every run.
      - The default is one file per models directory under C(/var/cache/aisec-ollama/).
    type: path
  fail_on:
    description:
      - Fail the task (after reporting, and after enforcing) when any of these is found.
    type: list
    elements: str
    choices: [missing, corrupt, invalid_manifest, orphan, unapproved]
    default: []
notes:
  - A blob modified in place without changing its size and mtime (for example restored with
    C(touch -r)) is not hashed again while cached; remove the cache file for a full check.
  - Run it while Ollama is not pulling, or a download in progress shows as C(-partial) orphans.
  - Ollama deletes unreferenced blobs when it starts unless E(OLLAMA_NOPRUNE) is set.
'''

EXAMPLES = r'''
- name: Check the store and list its models
  aisec.ollama.ollama_model_verify:
    models_dir: /usr/share/ollama/.ollama/models
    fail_on: [missing, corrupt]
  register: ollama_models

- name: Show the inventory
  ansible.builtin.debug:
    msg: "{{ ollama_models.models | map(attribute='name') | list }}"

- name: Remove models that are not approved (check mode first to see what would go)
  aisec.ollama.ollama_model_verify:
    allowed_models: [llama3.2:3b, qwen3:*]
    allowed_registries: [registry.ollama.ai]
    state: enforce
'''

RETURN = r'''
models:
  description: Every model in the store.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Name as C(ollama list) shows it.
      type: str
      sample: llama3.2:3b
    model:
      description: Model name without registry, namespace and tag.
      type: str
    tag:
      description: Tag.
      type: str
    registry:
      description: Registry host.
      type: str
      sample: registry.ollama.ai
    namespace:
      description: Namespace.
      type: str
    digest:
      description: sha256 of the manifest file (what C(/api/tags) reports).
      type: str
    size:
      description: Sum of the declared sizes of its layers and config, in bytes.
      type: int
    manifest:
      description: Path of the manifest file.
      type: str
    status:
      description: V(ok), or V(damaged) when a blob is missing or corrupt.
      type: str
    approved:
      description: Whether the model passes O(allowed_models) and O(allowed_registries).
      type: bool
    problems:
      description: The missing or corrupt blobs of this model.
      type: list
      elements: dict
missing:
  description: Blobs a manifest references that do not exist (digest, path, model).
  returned: success
  type: list
  elements: dict
corrupt:
  description: >-
    Blobs with a wrong size (status V(size)) or content (status V(sha256)), or an invalid digest
    in the manifest (status V(invalid_digest)).
  returned: success
  type: list
  elements: dict
  sample:
    - digest: 'sha256:e60b...'
      status: sha256
      path: /usr/share/ollama/.ollama/models/blobs/sha256-e60b...
      model: emu-tiny:latest
invalid_manifests:
  description: Manifest files that cannot be read or are not where Ollama expects them.
  returned: success
  type: list
  elements: dict
orphans:
  description: Blob files no manifest references (path, size, partial).
  returned: success
  type: list
  elements: dict
unapproved:
  description: Models that fail the allowlists (name, digest, manifest, reasons).
  returned: success
  type: list
  elements: dict
removed:
  description: What O(state=enforce) removed (or would remove in check mode).
  returned: success
  type: dict
  contains:
    manifests:
      description: Manifest files.
      type: list
      elements: str
    blobs:
      description: Blob files no remaining manifest references.
      type: list
      elements: str
unsafe_links:
  description: Why the store was refused (symlinks leading out of it); nothing was read or removed.
  returned: when the store is refused
  type: list
  elements: str
hashing:
  description: Blobs hashed, blobs taken from the cache, bytes hashed, the cache file.
  returned: success
  type: dict
  sample: {hashed: 1, reused: 5, bytes_hashed: 67, cache_path: /var/cache/aisec-ollama/verify-1a2b3c4d5e6f.json}
'''

import hashlib  # noqa: E402
import os  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.aisec.ollama.plugins.module_utils import model_store  # noqa: E402


def default_cache_path(models_dir):
    key = hashlib.sha256(os.path.realpath(models_dir).encode('utf-8')).hexdigest()[:12]
    return '/var/cache/aisec-ollama/verify-%s.json' % key


def main():
    module = AnsibleModule(
        argument_spec=dict(
            models_dir=dict(type='path', default='/usr/share/ollama/.ollama/models'),
            allowed_models=dict(type='list', elements='str'),
            allowed_registries=dict(type='list', elements='str'),
            state=dict(type='str', choices=['report', 'enforce'], default='report'),
            verify_blobs=dict(type='bool', default=True),
            cache_path=dict(type='path'),
            fail_on=dict(type='list', elements='str', default=[],
                         choices=['missing', 'corrupt', 'invalid_manifest', 'orphan', 'unapproved']),
        ),
        supports_check_mode=True,
    )
    p = module.params
    models_dir = p['models_dir']
    if not os.path.isdir(os.path.join(models_dir, 'manifests')):
        module.fail_json(msg='%s has no manifests/ folder: not an Ollama models directory (set models_dir to '
                             'the value of OLLAMA_MODELS)' % models_dir)
    problems = model_store.unsafe_links(models_dir)
    if problems:
        module.fail_json(msg='Refusing to read the model store %s, nothing changed: %s. A symlink here would make '
                             'the scan read, and state=enforce delete, files outside the store as root. Set '
                             'models_dir to the real directory and replace symlinks in manifests/ and blobs/ '
                             'by the files themselves.' % (models_dir, '; '.join(problems)), unsafe_links=problems)
    cache_path = default_cache_path(models_dir) if p['cache_path'] is None else p['cache_path']
    cache = model_store.HashCache(cache_path or None)
    try:
        report = model_store.scan_store(models_dir, cache, verify_blobs=p['verify_blobs'])
    except OSError as exc:
        module.fail_json(msg='Cannot read %s: %s' % (models_dir, exc))
    unapproved = model_store.classify(report, p['allowed_models'], p['allowed_registries'])

    plan = dict(manifests=[], blobs=[])
    if p['state'] == 'enforce' and unapproved:
        plan = model_store.removal_plan(models_dir, report, unapproved)
    result = report.as_dict()
    changed = bool(plan['manifests'] or plan['blobs'])
    result.update(changed=changed, unapproved=unapproved, removed=plan,
                  hashing=dict(hashed=cache.hashed, reused=cache.reused, bytes_hashed=cache.bytes_hashed,
                               cache_path=cache_path or None))
    if module._diff and changed:
        result['diff'] = dict(before_header=models_dir, after_header=models_dir,
                              before=''.join(x + '\n' for x in plan['manifests'] + plan['blobs']), after='')

    if not module.check_mode:
        if changed:
            try:
                model_store.apply_removal(models_dir, plan)
            except (OSError, model_store.StoreError) as exc:
                module.fail_json(msg='Removing unapproved models failed: %s' % exc, **result)
        if cache_path and p['verify_blobs']:
            try:
                cache.save(keep=report.referenced)
            except OSError as exc:
                module.warn('Could not write the hash cache %s: %s' % (cache_path, exc))

    found = dict(missing=report.missing, corrupt=report.corrupt, invalid_manifest=report.invalid_manifests,
                 orphan=report.orphans, unapproved=[] if p['state'] == 'enforce' else unapproved)
    failed = ['%d %s' % (len(found[k]), k) for k in p['fail_on'] if found[k]]
    if failed:
        module.fail_json(msg='Model store %s: %s (see missing, corrupt, invalid_manifests, orphans, unapproved)'
                             % (models_dir, ', '.join(failed)), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()

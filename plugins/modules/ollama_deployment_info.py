#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: ollama_deployment_info
short_description: Tell how Ollama is deployed on a host (native service, containers, none)
version_added: 0.4.0
description:
  - Reads the native C(ollama.service) (C(systemctl show)) and every podman and docker container
    (C(inspect)), and reports which kind of deployment runs, the Ollama containers with their
    published ports, mounts and users, and the containers of the C(aisec.ollama.container) role
    (by their C(aisec.ollama.slot) label).
  - Never changes anything. An engine that does not answer within O(timeout) is reported in
    RV(errors) and its containers are unknown; the kind is then not trusted (RV(complete) false).
author:
  - AISec Ollama Maintainers (@aisec)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  unit:
    description: The native service's unit name.
    type: str
    default: ollama.service
  engines:
    description: Container engines to ask (those not installed are skipped).
    type: list
    elements: str
    choices: [podman, docker]
    default: [podman, docker]
  timeout:
    description: Seconds each engine command may take.
    type: int
    default: 30
'''

EXAMPLES = r'''
- name: How does Ollama run here?
  aisec.ollama.ollama_deployment_info:
  register: deployment

- name: Say it
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }} runs Ollama {{ deployment.kind }}"
'''

RETURN = r'''
kind:
  description: >-
    V(container) when an Ollama container runs (or exists and no native service is active or
    enabled), V(native) when the native unit exists, V(none) otherwise.
  returned: always
  type: str
  sample: container
complete:
  description: False when an engine could not be asked; RV(kind) may then miss containers.
  returned: always
  type: bool
engines:
  description: Installed engines and their binaries.
  returned: always
  type: dict
  sample: {podman: /usr/bin/podman}
native:
  description: The native unit (unit, active, enabled, user, models_env, host_env, home), or null.
  returned: always
  type: dict
containers:
  description: >-
    Ollama containers (image named like ollama, port 11434 inside, or the role's label): engine,
    name, image, image_id, running, status, health, user, published, mounts, env (OLLAMA_*),
    slot, config, restart_policy, data_mount.
  returned: always
  type: list
  elements: dict
errors:
  description: Commands that failed, with their message.
  returned: always
  type: list
  elements: str
'''

import json  # noqa: E402
import pwd  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.aisec.ollama.plugins.module_utils import deployment  # noqa: E402


def _run(module, argv, timeout):
    rc, out, err = module.run_command(['timeout', str(timeout), *argv])
    return rc, out, err.strip()


def _native(module, unit, timeout, errors):
    systemctl = module.get_bin_path('systemctl')
    if not systemctl:
        return None
    rc, out, err = _run(module, [systemctl, 'show', unit, '-p', 'Id', '-p', 'LoadState', '-p', 'ActiveState',
                                 '-p', 'UnitFileState', '-p', 'User', '-p', 'Environment', '-p', 'ExecStart'],
                        timeout)
    if rc != 0:
        errors.append('systemctl show %s: %s' % (unit, err or 'rc=%d' % rc))
        return None
    native = deployment.native_service(deployment.parse_systemctl_show(out))
    if native:
        try:
            native['home'] = pwd.getpwnam(native['user']).pw_dir
        except KeyError:
            native['home'] = ''
    return native


def _containers(module, engine, binary, timeout, errors):
    rc, out, err = _run(module, [binary, 'ps', '-aq', '--no-trunc'], timeout)
    if rc != 0:
        errors.append('%s ps: %s' % (engine, err or 'rc=%d' % rc))
        return []
    ids = out.split()
    if not ids:
        return []
    rc, out, err = _run(module, [binary, 'inspect', '--type', 'container', *ids], timeout)
    try:
        objects = json.loads(out) if out.strip() else []
    except ValueError:
        objects = None
    if rc != 0 and not objects:
        errors.append('%s inspect: %s' % (engine, err or 'rc=%d' % rc))
        return []
    records = []
    for obj in objects or []:
        record = deployment.container_record(engine, obj)
        if deployment.is_ollama(record):
            record['data_mount'] = deployment.data_mount(record)
            records.append(record)
    return records


def main():
    module = AnsibleModule(
        argument_spec=dict(
            unit=dict(type='str', default='ollama.service'),
            engines=dict(type='list', elements='str', choices=['podman', 'docker'], default=['podman', 'docker']),
            timeout=dict(type='int', default=30),
        ),
        supports_check_mode=True,
    )
    errors = []
    engines = {}
    for engine in module.params['engines']:
        binary = module.get_bin_path(engine)
        if binary:
            engines[engine] = binary
    native = _native(module, module.params['unit'], module.params['timeout'], errors)
    containers = []
    for engine, binary in engines.items():
        containers.extend(_containers(module, engine, binary, module.params['timeout'], errors))
    module.exit_json(changed=False, kind=deployment.kind(native, containers), complete=not errors,
                     engines=engines, native=native, containers=containers, errors=errors)


if __name__ == '__main__':
    main()

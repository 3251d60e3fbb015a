#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: ollama_model_inventory
short_description: List the models an Ollama server serves, with details and license (an AI bill of materials)
version_added: 0.3.0
description:
  - Asks a running Ollama server for its models (C(GET /api/tags)) and, for each one, its details
    (C(POST /api/show)), and returns name, digest, size, format, family, parameter size, quantization
    level and the first line of the license of each model.
  - Only reads; nothing on the server changes. Used by C(playbooks/audit.yml) for the fleet
    report's model inventory, against the API served on each host.
  - Fails when the list cannot be read (nothing answers, an error status, not Ollama). A model whose
    details cannot be read stays in the list with RV(models[].show_error) saying why.
  - Redirects are not followed.
author:
  - AISec Ollama Maintainers (@aisec)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  url:
    description:
      - Base URL of the Ollama API, for example the one served on the host itself.
    type: str
    default: http://127.0.0.1:11434
  timeout:
    description:
      - Seconds per request.
    type: int
    default: 10
  max_models:
    description:
      - Ask C(/api/show) for at most this many models; the rest are left out and counted in
        RV(truncated).
    type: int
    default: 500
notes:
  - Model names and license text come from the server and may be hostile; the fleet report escapes
    them. Treat them as data wherever else you use them.
'''

EXAMPLES = r'''
- name: List the models of the local Ollama
  aisec.ollama.ollama_model_inventory:
  register: ollama_inventory

- name: Show name, quantization and license
  ansible.builtin.debug:
    msg: "{{ ollama_inventory.models | map(attribute='name') | list }}"
'''

RETURN = r'''
url:
  description: The base URL asked.
  returned: success
  type: str
  sample: http://127.0.0.1:11434
models:
  description: Every model the server lists (up to O(max_models)), in the server's order.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Name as C(ollama list) shows it.
      type: str
      sample: llama3.2:3b
    digest:
      description: Digest as C(/api/tags) reports it.
      type: str
    size:
      description: Size in bytes as C(/api/tags) reports it.
      type: int
    format:
      description: Model file format.
      type: str
      sample: gguf
    family:
      description: Model family.
      type: str
      sample: llama
    parameter_size:
      description: Parameter size as Ollama reports it.
      type: str
      sample: 3.2B
    quantization_level:
      description: Quantization level.
      type: str
      sample: Q4_K_M
    license:
      description: First non-empty line of the license (at most 200 characters), null when the model declares none.
      type: str
      sample: LLAMA 3.2 COMMUNITY LICENSE AGREEMENT
    show_error:
      description: >-
        Why C(/api/show) could not be read for this model (null when it was); license and details
        are then unknown.
      type: str
truncated:
  description: How many listed models were left out by O(max_models).
  returned: success
  type: int
  sample: 0
'''

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible.module_utils.common.text.converters import to_text  # noqa: E402
from ansible.module_utils.urls import fetch_url  # noqa: E402
from ansible_collections.aisec.ollama.plugins.module_utils import model_inventory  # noqa: E402
from ansible_collections.aisec.ollama.plugins.module_utils.ollama_version import display_url  # noqa: E402

# Answers larger than this are not read whole (a hostile server could send gigabytes).
MAX_BODY = 8 * 1024 * 1024


class _NoRedirects(object):
    """The module as fetch_url sees it, with follow_redirects=none (a 3xx comes back as is)."""

    def __init__(self, module):
        self._module = module
        self.params = dict(module.params, follow_redirects='none')

    def __getattr__(self, name):
        return getattr(self._module, name)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type='str', default='http://127.0.0.1:11434'),
            timeout=dict(type='int', default=10),
            max_models=dict(type='int', default=model_inventory.MAX_MODELS),
        ),
        supports_check_mode=True,
    )
    view = _NoRedirects(module)
    timeout = module.params['timeout']

    def request(method, url, body):
        data = module.jsonify(body) if body is not None else None
        resp, info = fetch_url(view, url, data=data, method=method, timeout=timeout,
                               headers={'Content-Type': 'application/json'} if data else None)
        status = info.get('status', -1)
        if status is None or status < 0:
            return None, None, info.get('msg', 'no answer')
        # an error status leaves the body in info (fetch_url has read it already)
        raw = (info.get('body') or b'') if status >= 400 or resp is None else resp.read(MAX_BODY)
        return status, to_text(raw, errors='surrogate_or_replace'), None

    try:
        result = model_inventory.inventory(request, module.params['url'], module.params['max_models'])
    except model_inventory.InventoryError as exc:
        module.fail_json(msg='model inventory not read from %s: %s' % (display_url(module.params['url']), exc))
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()

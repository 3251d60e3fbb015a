# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: fleet_report_html
short_description: Render the audit's fleet report record as one self-contained HTML page
version_added: 0.3.0
author:
  - AISec Ollama Maintainers (@aisec)
description:
  - Takes the record of P(aisec.ollama.fleet_report#filter) and returns a page a person reads, with
    the gate, a summary table, what changed since the previous report, and per host the verdict
    and why, the deployment kind, the version against the advisories, the endpoint findings with
    severity, evidence and the variable that fixes each, and the model inventory.
  - Inline CSS only, no script, no external asset (a Content-Security-Policy forbids both); every
    value from the hosts is HTML-escaped, control and bidi characters shown as escapes.
  - What could not be read is marked NOT READ or NOT EXAMINED with the reason, never left blank.
positional: _input
options:
  _input:
    description: The record.
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Write the page
  ansible.builtin.copy:
    dest: /srv/reports/ollama-audit-fleet.html
    content: "{{ audit_fleet_report | aisec.ollama.fleet_report_html }}"
    mode: "0640"
'''

RETURN = r'''
_value:
  description: The HTML page.
  type: str
'''

from ansible.errors import AnsibleFilterError  # noqa: E402 (ansible-test wants the docs first)
from ansible_collections.aisec.ollama.plugins.module_utils import fleet_html  # noqa: E402
from ansible_collections.aisec.ollama.plugins.module_utils import fleet_report as fr  # noqa: E402


def fleet_report_html(doc):
    if not isinstance(doc, dict) or doc.get('schema') != fr.SCHEMA:
        raise AnsibleFilterError('fleet_report_html needs a record of aisec.ollama.fleet_report (schema %s)'
                                 % fr.SCHEMA)
    return fleet_html.render(doc)


class FilterModule(object):
    def filters(self):
        return {'fleet_report_html': fleet_report_html}

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: fleet_report
short_description: Build the audit's fleet report record (per host verdict, findings, version, models, changes)
version_added: 0.3.0
author:
  - AISec Ollama Maintainers (@aisec)
description:
  - Used by C(playbooks/audit.yml). Takes the audit's rows (one per host, as the final gate judges
    them) and what each host's checks registered, and returns the record written as
    C(ollama-audit-fleet.json) and rendered by P(aisec.ollama.fleet_report_html#filter).
  - Every part of a host (version, endpoints, models) has a C(state); what could not be read says
    so and why, and is never shown as clean.
  - With O(previous), a host's C(changes) list the findings and advisories closed, opened, still
    open, and those that could not be compared because one of the runs did not examine them.
positional: _input
options:
  _input:
    description: The audit's rows (C(audit_fleet) in audit.yml).
    type: list
    elements: dict
    required: true
  facts:
    description: Host name to its registered results (C(version_binary), C(version_api), C(models), C(target)).
    type: dict
    default: {}
  endpoints:
    description: The result of M(aisec.ollama.ollama_endpoint_audit) for the fleet.
    type: dict
    default: {}
  models_asked:
    description: Whether the audit asked for the model inventory (C(audit_models)).
    type: bool
    default: true
  fail_on_unexamined:
    description: The audit's C(audit_fail_on_unexamined).
    type: bool
    default: true
  previous:
    description:
      - The previous run's record, as C({source, text}) (its JSON text) or C({source, error}) when it
        could not be read. Omit for no comparison.
    type: dict
'''

EXAMPLES = r'''
- name: Build the record
  ansible.builtin.set_fact:
    audit_fleet_report: "{{ audit_fleet | aisec.ollama.fleet_report(facts=audit_facts, endpoints=audit_endpoints) }}"
'''

RETURN = r'''
_value:
  description: The record (schema C(aisec.ollama.fleet_report/1)); see docs/audit-report.md.
  type: dict
'''

from ansible.errors import AnsibleFilterError  # noqa: E402 (ansible-test wants the docs first)
from ansible.module_utils.parsing.convert_bool import boolean  # noqa: E402
from ansible_collections.aisec.ollama.plugins.module_utils import fleet_report as fr  # noqa: E402


def fleet_report(rows, facts=None, endpoints=None, models_asked=True, fail_on_unexamined=True, previous=None):
    if not isinstance(rows, (list, tuple)) or not all(isinstance(r, dict) and 'host' in r for r in rows):
        raise AnsibleFilterError('fleet_report needs the audit rows (a list of dicts with host and verdict)')
    return fr.build(list(rows), facts or {}, endpoints or {}, models_asked=boolean(models_asked, strict=False),
                    fail_on_unexamined=boolean(fail_on_unexamined, strict=False), previous=previous)


class FilterModule(object):
    def filters(self):
        return {'fleet_report': fleet_report}

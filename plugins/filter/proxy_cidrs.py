# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: proxy_cidrs
short_description: Validate and normalise an IP allowlist (IPv4 and IPv6 CIDRs)
version_added: 0.2.0
author:
  - AISec Ollama Maintainers (@aisec)
description:
  - Returns the CIDRs in canonical form (a bare address becomes a C(/32) or C(/128) network).
  - Fails, naming the variable and the index, on anything that is not a network, including a
    network with host bits set (V(10.0.0.1/8)), since that is usually a typo for a narrower one.
  - With O(satisfy=any), an empty list is refused. Under C(satisfy any) an allowed address
    needs no credential, and an empty allowlist means every address, so nobody would need one.
positional: _input, variable
options:
  _input:
    description: The CIDRs.
    type: list
    elements: str
    required: true
  variable:
    description: Variable name used in error messages.
    type: str
    default: proxy_allowed_cidrs
  satisfy:
    description:
      - The role's C(proxy_satisfy). With V(any) an empty list is an error (authentication
        would be off for every address).
    type: str
    choices: [all, any]
'''

EXAMPLES = r'''
- name: Normalised allowlist
  ansible.builtin.debug:
    msg: "{{ ['10.0.0.0/8', '192.0.2.7', '2001:db8::/32'] | aisec.ollama.proxy_cidrs }}"
'''

RETURN = r'''
_value:
  description: The networks in canonical form, in input order, without repeats.
  type: list
  elements: str
  sample: [10.0.0.0/8, 192.0.2.7/32, 2001:db8::/32]
'''

import ipaddress  # noqa: E402 (ansible-test wants the docs first)

from ansible.errors import AnsibleFilterError  # noqa: E402 (ansible-test wants the docs first)


def proxy_cidrs(cidrs, variable='proxy_allowed_cidrs', satisfy=None):
    if not isinstance(cidrs, (list, tuple)):
        raise AnsibleFilterError('%s must be a list of CIDRs, got %r' % (variable, cidrs))
    if satisfy not in (None, 'all', 'any'):
        raise AnsibleFilterError("proxy_satisfy must be 'all' or 'any', got %r" % (satisfy,))
    if satisfy == 'any' and len(cidrs) == 0:
        raise AnsibleFilterError(
            "%s is empty while proxy_satisfy is 'any': an empty allowlist means every address, and under "
            "'any' an allowed address needs no credential, so authentication would be off for everyone. "
            "List the networks trusted without a credential, or set proxy_satisfy: all. Nothing was changed."
            % variable)
    out = []
    for index, cidr in enumerate(cidrs):
        try:
            network = ipaddress.ip_network(str(cidr).strip(), strict=True)
        except ValueError as exc:
            raise AnsibleFilterError("%s[%d]: %r is not a CIDR (%s)" % (variable, index, cidr, exc)) from None
        if str(network) not in out:
            out.append(str(network))
    return out


class FilterModule(object):
    def filters(self):
        return {'proxy_cidrs': proxy_cidrs}

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: proxy_name_constraints
short_description: X.509 name constraints that limit the proxy's internal CA to the proxy's own names
version_added: 0.2.0
author:
  - AISec Ollama Maintainers (@aisec)
description:
  - Returns the permitted and excluded subtrees for the internal CA's C(nameConstraints)
    extension, in the C(community.crypto.openssl_csr) syntax (V(DNS:name), V(IP:192.0.2.1/32)).
  - Every server name and every C(DNS:) extra SAN is permitted (the name and its subdomains,
    RFC 5280 4.2.1.10); every C(IP:) extra SAN is permitted as a single address.
  - When no IP address is listed, all IPv4 and IPv6 addresses are excluded, since a constraint
    without any C(iPAddress) subtree would leave IP names unconstrained.
  - Fails on a name that is neither a host name nor an IP SAN.
positional: _input, extra_sans
options:
  _input:
    description: The proxy's server names (C(proxy_server_names)).
    type: list
    elements: str
    required: true
  extra_sans:
    description: Extra SANs (C(proxy_tls_extra_sans)), like V(DNS:name) or V(IP:192.0.2.1).
    type: list
    elements: str
    default: []
'''

EXAMPLES = r'''
- name: Constraints for one name and one address
  ansible.builtin.debug:
    msg: "{{ ['ollama.lab.example'] | aisec.ollama.proxy_name_constraints(['IP:192.0.2.10']) }}"
'''

RETURN = r'''
_value:
  description: The subtrees.
  type: dict
  contains:
    permitted:
      description: Permitted subtrees (C(name_constraints_permitted)).
      type: list
      elements: str
      sample: [DNS:ollama.lab.example, IP:192.0.2.10/32]
    excluded:
      description: Excluded subtrees (C(name_constraints_excluded)).
      type: list
      elements: str
      sample: [IP:0.0.0.0/0, IP:::/0]
'''

import ipaddress  # noqa: E402 (ansible-test wants the docs first)
import re  # noqa: E402 (ansible-test wants the docs first)

from ansible.errors import AnsibleFilterError  # noqa: E402 (ansible-test wants the docs first)

HOST_NAME = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$')
ALL_ADDRESSES = ['IP:0.0.0.0/0', 'IP:::/0']


def proxy_name_constraints(server_names, extra_sans=None):
    if not isinstance(server_names, (list, tuple)) or not server_names:
        raise AnsibleFilterError('proxy_name_constraints: proxy_server_names must be a non-empty list')
    permitted = []
    addresses = False
    for name in list(server_names) + list(extra_sans or []):
        name = str(name)
        if name.startswith('IP:'):
            try:
                address = ipaddress.ip_address(name[3:])
            except ValueError:
                raise AnsibleFilterError('proxy_name_constraints: %r is not an IP SAN' % name) from None
            entry = 'IP:%s/%d' % (address, address.max_prefixlen)
            addresses = True
        else:
            host = name[4:] if name.startswith('DNS:') else name
            if not HOST_NAME.match(host):
                raise AnsibleFilterError('proxy_name_constraints: %r is not a host name' % name)
            entry = 'DNS:%s' % host.lower().rstrip('.')
        if entry not in permitted:
            permitted.append(entry)
    return {'permitted': permitted, 'excluded': [] if addresses else list(ALL_ADDRESSES)}


class FilterModule(object):
    def filters(self):
        return {'proxy_name_constraints': proxy_name_constraints}

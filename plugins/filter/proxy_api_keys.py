# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: proxy_api_keys
short_description: Validate named API keys and turn them into nginx map entries
version_added: 0.2.0
author:
  - AISec Ollama Maintainers (@aisec)
description:
  - Each key becomes the exact C(Authorization) header value OpenAI-compatible clients send,
    C(Bearer <key>), mapped to the key's name (what the access log shows, never the key).
  - "The map entry is a case-sensitive regular expression (C(~^[Bb][Ee][Aa][Rr][Ee][Rr] <key>$),
    the key escaped for PCRE): nginx compares plain C(map) strings without regard to letter case,
    so a plain entry would accept the key in any case. The scheme word C(Bearer) matches in any
    case (RFC 7235), the key only exactly."
  - Names must be 1-64 characters of C([A-Za-z0-9_.@-]) starting with a letter or digit; keys
    must be at least 24 characters of the token68 alphabet (C(A-Za-z0-9-._~+/=)), which
    nginx can hold in a quoted map string. Names and keys must be unique, and keys must differ
    in more than letter case (the error names both entries, never the keys).
positional: _input
options:
  _input:
    description: API keys, each a dict with C(name) and C(key).
    type: list
    elements: dict
    required: true
'''

EXAMPLES = r'''
- name: The map include (never log it)
  ansible.builtin.template:
    src: api-keys.map.j2
    dest: /etc/nginx/aisec-ollama/api-keys.map
    mode: "0600"
  no_log: true
'''

RETURN = r'''
_value:
  description: Map entries in input order.
  type: list
  elements: dict
  contains:
    name:
      description: The credential name.
      type: str
    header:
      description: The full Authorization header value that identifies this key.
      type: str
    regex:
      description: The case-sensitive PCRE that matches exactly this header (for a C(~) map entry).
      type: str
'''

import re  # noqa: E402 (ansible-test wants the docs first)

from ansible.errors import AnsibleFilterError  # noqa: E402 (ansible-test wants the docs first)

NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$')
KEY = re.compile(r'^[A-Za-z0-9._~+/=-]{24,512}$')
# Auth schemes are case-insensitive (RFC 7235); written as classes, the common subset of PCRE.
SCHEME = '[Bb][Ee][Aa][Rr][Ee][Rr]'


def pcre_escape(text):
    """Escape every character PCRE could read as syntax (of the key alphabet: . and +)."""
    return re.sub(r'([^A-Za-z0-9_~=/-])', r'\\\1', text)


def proxy_api_keys(keys):
    out, names, values, folded = [], set(), set(), {}
    for index, item in enumerate(keys or []):
        where = 'proxy_api_keys[%d]' % index
        if not isinstance(item, dict) or set(item) - {'name', 'key'}:
            raise AnsibleFilterError('proxy_api_keys: %s must be a dict with only name and key' % where)
        name, key = item.get('name'), item.get('key')
        if not isinstance(name, str) or not NAME.match(name):
            raise AnsibleFilterError('proxy_api_keys: %s.name %r must be 1-64 characters of A-Z a-z 0-9 _ . @ - '
                                     '(starting with a letter or digit)' % (where, name))
        if name in names:
            raise AnsibleFilterError('proxy_api_keys: %s.name %r is used twice' % (where, name))
        # Never echo the key itself.
        if not isinstance(key, str) or not KEY.match(key):
            raise AnsibleFilterError('proxy_api_keys: %s (%s) needs a key of 24-512 characters of '
                                     'A-Z a-z 0-9 - . _ ~ + / =' % (where, name))
        if key in values:
            raise AnsibleFilterError('proxy_api_keys: %s (%s) reuses the key of another name' % (where, name))
        if key.lower() in folded:
            raise AnsibleFilterError('proxy_api_keys: the keys of %s and %s differ only in letter case; give one '
                                     'of them a new key' % (folded[key.lower()], name))
        names.add(name)
        values.add(key)
        folded[key.lower()] = name
        out.append({'name': name, 'header': 'Bearer ' + key, 'regex': '^%s %s$' % (SCHEME, pcre_escape(key))})
    return out


class FilterModule(object):
    def filters(self):
        return {'proxy_api_keys': proxy_api_keys}

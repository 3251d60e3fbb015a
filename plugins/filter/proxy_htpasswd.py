# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: proxy_htpasswd
short_description: Hash basic-auth credentials into htpasswd lines nginx verifies (SHA-512-crypt)
version_added: 0.2.0
author:
  - AISec Ollama Maintainers (@aisec)
description:
  - Returns one C(name:$6$salt$hash) line per credential, the SHA-512-crypt format that
    nginx's C(auth_basic_user_file) verifies through the C(crypt) of the host's C library.
  - The salt is derived from an HMAC-SHA256 of the credential name under a per-host secret, so
    the same name and password always give the same line (idempotent runs, no rewrite of the
    file) while two hosts, or two names, never share a salt.
  - Pure Python (no passlib, no C(crypt) module), so it runs on any controller.
  - Names must be 1-64 characters of C([A-Za-z0-9_.@-]) starting with a letter or digit
    (they appear in the access log); passwords must be at least 12 characters.
positional: _input, salt_key
options:
  _input:
    description: Credentials, each a dict with C(name) and C(password).
    type: list
    elements: dict
    required: true
  salt_key:
    description: The per-host secret the salts are derived from (at least 16 characters).
    type: str
    required: true
  rounds:
    description:
      - SHA-512-crypt rounds, 1000 (the format's minimum) to 999999999; nginx pays them on every
        basic-auth request. 5000 is the format's default.
      - C(auto) chooses per password from its length, the only strength the filter can enforce -
        1000 rounds for passwords of 16 characters or more, 5000 for shorter ones. Rounds multiply an
        offline attacker's cost by a constant (5000 against 1000 is a factor of 5, about 2.3 bits),
        while the 4 characters the fast path requires beyond the 12-character minimum add at least
        4 bits even when chosen by a person, and about 24 when random. See docs/proxy.md.
    type: raw
    default: 5000
'''

EXAMPLES = r'''
- name: htpasswd content (never log it)
  ansible.builtin.copy:
    dest: /etc/nginx/aisec-ollama/htpasswd
    content: "{{ proxy_basic_auth_users | aisec.ollama.proxy_htpasswd(proxy_salt_key) | join('\n') }}\n"
    mode: "0640"
  no_log: true
'''

RETURN = r'''
_value:
  description: htpasswd lines, in the order of the input.
  type: list
  elements: str
  sample: ["ops:$6$Jx0d4w3Qh1mV8tQn$..."]
'''

import hashlib  # noqa: E402 (ansible-test wants the docs first)
import hmac  # noqa: E402 (ansible-test wants the docs first)
import re  # noqa: E402 (ansible-test wants the docs first)

from ansible.errors import AnsibleFilterError  # noqa: E402 (ansible-test wants the docs first)

ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$')
MIN_PASSWORD = 12
MIN_SALT_KEY = 16
DEFAULT_ROUNDS = 5000
MIN_ROUNDS = 1000  # the format's floor: glibc and libxcrypt raise anything lower to it
FAST_LENGTH = 16  # rounds='auto': passwords at least this long get MIN_ROUNDS


def _b64_24bit(b2, b1, b0, count):
    w = (b2 << 16) | (b1 << 8) | b0
    out = []
    for _digit in range(count):
        out.append(ITOA64[w & 0x3f])
        w >>= 6
    return ''.join(out)


def _repeat(digest, length):
    return digest * (length // 64) + digest[:length % 64]


def sha512_crypt(password, salt, rounds=DEFAULT_ROUNDS):
    """SHA-512-crypt ($6$) as specified by U. Drepper and implemented by glibc/libxcrypt."""
    pw = password.encode('utf-8')
    salt_b = salt.encode('ascii')[:16]
    b = hashlib.sha512(pw + salt_b + pw).digest()
    a = hashlib.sha512(pw + salt_b)
    a.update(_repeat(b, len(pw)))
    n = len(pw)
    while n:
        a.update(b if n & 1 else pw)
        n >>= 1
    a = a.digest()
    p = _repeat(hashlib.sha512(pw * len(pw)).digest(), len(pw))
    s = _repeat(hashlib.sha512(salt_b * (16 + a[0])).digest(), len(salt_b))
    c = a
    for i in range(rounds):
        h = hashlib.sha512(p if i & 1 else c)
        if i % 3:
            h.update(s)
        if i % 7:
            h.update(p)
        h.update(c if i & 1 else p)
        c = h.digest()
    encoded = []
    for k in range(21):
        x, y, z = c[k], c[k + 21], c[k + 42]
        order = ((x, y, z), (y, z, x), (z, x, y))[k % 3]
        encoded.append(_b64_24bit(order[0], order[1], order[2], 4))
    encoded.append(_b64_24bit(0, 0, c[63], 2))
    prefix = '$6$' if rounds == DEFAULT_ROUNDS else '$6$rounds=%d$' % rounds
    return '%s%s$%s' % (prefix, salt_b.decode('ascii'), ''.join(encoded))


def derived_salt(salt_key, name):
    """16 crypt characters from HMAC-SHA256(salt_key, name): stable per host and name."""
    mac = hmac.new(salt_key.encode('utf-8'), name.encode('utf-8'), hashlib.sha256).digest()
    return ''.join(ITOA64[byte & 0x3f] for byte in mac[:16])


def proxy_htpasswd(users, salt_key, rounds=DEFAULT_ROUNDS):
    """htpasswd lines for users; rounds is a number or 'auto' (by password length)."""
    if not isinstance(salt_key, str) or len(salt_key) < MIN_SALT_KEY:
        raise AnsibleFilterError('proxy_htpasswd: the salt key must be a string of at least %d characters'
                                 % MIN_SALT_KEY)
    auto = str(rounds).strip().lower() == 'auto'
    if not auto:
        try:
            rounds = int(rounds)
        except (TypeError, ValueError):
            rounds = 0
        if not MIN_ROUNDS <= rounds <= 999999999:
            raise AnsibleFilterError("proxy_htpasswd: rounds must be 'auto' or a number between %d and 999999999"
                                     % MIN_ROUNDS)
    lines, seen = [], set()
    for index, user in enumerate(users or []):
        where = 'proxy_basic_auth_users[%d]' % index
        if not isinstance(user, dict) or set(user) - {'name', 'password'}:
            raise AnsibleFilterError('proxy_htpasswd: %s must be a dict with only name and password' % where)
        name, password = user.get('name'), user.get('password')
        if not isinstance(name, str) or not NAME.match(name):
            raise AnsibleFilterError('proxy_htpasswd: %s.name %r must be 1-64 characters of A-Z a-z 0-9 _ . @ - '
                                     '(starting with a letter or digit)' % (where, name))
        if name in seen:
            raise AnsibleFilterError('proxy_htpasswd: %s.name %r is used twice' % (where, name))
        seen.add(name)
        if not isinstance(password, str) or len(password) < MIN_PASSWORD:
            # Never echo the password itself.
            raise AnsibleFilterError('proxy_htpasswd: %s (%s) needs a password of at least %d characters'
                                     % (where, name, MIN_PASSWORD))
        cost = (MIN_ROUNDS if len(password) >= FAST_LENGTH else DEFAULT_ROUNDS) if auto else rounds
        lines.append('%s:%s' % (name, sha512_crypt(password, derived_salt(salt_key, name), cost)))
    return lines


class FilterModule(object):
    def filters(self):
        return {'proxy_htpasswd': proxy_htpasswd}

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: nft_ruleset
short_description: Own one nftables table (inbound allowlist, egress limits) and apply it with commit-confirm
version_added: 0.2.0
description:
  - Renders the whole C(inet) table O(table) from structured inputs, checks it with C(nft -c) and
    loads it with one C(nft -f) (one atomic transaction that replaces only this table; every other
    table on the host is left alone).
  - "Inbound: the C(input) chain has C(policy drop). Loopback, established/related traffic, the
    essential ICMPv6 types, the management port from O(management_sources), and the O(allow)
    entries are accepted, and DHCPv6 replies (UDP 547 to 546 at a link-local address); O(closed_ports)
    are dropped from off the host, also when a container publishes them (C(forward) chain, DNAT-ed
    connections whose translated destination port, or host port, is closed: C(-p 18080:11434) too)."
  - A drop policy in this table's base chain drops a packet even when another table accepts it.
    That is intended, everything not allowed here is dropped.
  - "Lockout guard: before anything changes, the module evaluates the new policy for a new TCP
    connection from O(protect_source) to O(protect_port) and fails if it would be dropped."
  - "Commit-confirm: with O(confirm_timeout) > 0, the live table is saved, a transient systemd timer
    is armed to restore it after that many seconds, and only then is the new table loaded
    (RV(pending) is true). A second call with O(phase=confirm) disarms the timer and writes
    O(path), the file the boot unit loads. If the confirmation never arrives, the previous
    table comes back by itself."
  - "Egress (O(egress) other than V(open)): new connections of the user O(egress_user) (output chain,
    native service) and of the networks O(egress_sources) (forward chain, containers) are limited
    to DNS and O(egress_allowed) (V(restricted)) or to nothing (V(none))."
author:
  - AISec Ollama Maintainers (@aisec)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Renders and validates, reports the change and the diff, changes nothing.
  diff_mode:
    support: full
    details: The diff is between O(path) (what the host boots with) and the new rendering.
  platform:
    platforms: posix
options:
  phase:
    description:
      - V(validate) checks the inputs and the lockout guard and returns the rendering; needs no nft.
      - V(apply) also checks the file with C(nft -c) and loads it when the live table differs. The live table
        differs when its comment carries another hash, or when its rules are not the ones recorded at the
        last confirmed load (a rule deleted or added by hand, a chain flushed); the table is then re-applied
        with the same commit-confirm safety net (RV(repair) says why).
      - V(confirm) disarms the rollback of a pending apply and persists it; a no-op when none is pending.
      - V(verify) changes nothing and fails unless the loaded table is the one in O(path) (and, when given,
        O(expected_hash)) exactly as it was loaded and confirmed, and no rollback is armed.
    type: str
    choices: [validate, apply, confirm, verify]
    default: apply
  expected_hash:
    description: With O(phase=verify), the hash of the rendering that must be loaded (RV(hash) of the apply).
    type: str
  table:
    description: Name of the C(inet) table this module owns.
    type: str
    default: aisec_ollama
  path:
    description: Persistent file holding the table, loaded at boot (for example by a oneshot unit).
    type: path
    default: /etc/nftables.d/aisec-ollama.nft
  allow:
    description: Inbound services to accept, each from its own sources.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Short name, shown as the rule's comment.
        type: str
        required: true
      port:
        description: Destination port.
        type: int
        required: true
      proto:
        description: Protocol.
        type: str
        choices: [tcp, udp]
        default: tcp
      sources:
        description: Source CIDRs allowed; V(0.0.0.0/0) and V(::/0) for everyone.
        type: list
        elements: str
        required: true
        aliases: [cidrs]
  closed_ports:
    description: Ports never reachable from off the host (native listener or published container port).
    type: list
    elements: int
    default: [11434]
  management_sources:
    description:
      - CIDRs that always reach O(management_port) (SSH). Evaluated before everything else.
      - Required when O(phase) is V(validate) or V(apply).
    type: list
    elements: str
  management_port:
    description: TCP port of the management connection.
    type: int
    default: 22
  protect_source:
    description:
      - Address the current management connection comes from, as seen by the host (for SSH the first
        field of E(SSH_CONNECTION)). The module refuses a ruleset that would drop it.
      - When omitted, no lockout check is possible and a warning says so.
    type: str
  protect_port:
    description: Port of the current management connection; defaults to O(management_port).
    type: int
  trusted_interfaces:
    description: Interfaces whose inbound traffic is accepted whole (for example a container bridge).
    type: list
    elements: str
    default: []
  egress:
    description: Outbound policy for the Ollama service.
    type: str
    choices: [open, restricted, none]
    default: open
  egress_user:
    description: User the native service runs as (matched by C(meta skuid)); must exist when given.
    type: str
  egress_sources:
    description: CIDRs of the container network the Ollama container uses (forward chain).
    type: list
    elements: str
    default: []
  egress_allowed:
    description:
      - Destinations allowed when O(egress=restricted), each C(dest) (a CIDR or a host name, resolved on
        the target at apply time), C(port) (default 443) and C(proto) (default tcp).
    type: list
    elements: dict
    default: []
  ban_sets:
    description:
      - Add the sets C(banned_ipv4) and C(banned_ipv6) and drop their addresses in the C(input) chain (after the
        management rule, before everything else). aisec.ollama.monitoring's fail2ban action fills them.
      - Their elements are run-time state, not rules; a verify or a repair ignores them. A re-apply of a changed
        table (a new hash) empties them.
    type: bool
    default: false
  confirm_timeout:
    description: Seconds before an unconfirmed apply is rolled back; V(0) applies and persists at once.
    type: int
    default: 60
  rollback_unit:
    description: Name of the transient systemd timer/service that restores the previous table.
    type: str
    default: aisec-ollama-firewall-rollback
notes:
  - Needs C(nft) (nftables 0.9.7 or later for table comments) and, for the safety net, C(systemd-run).
seealso:
  - name: nftables wiki, configuring chains
    description: Base chain priorities and policies.
    link: https://wiki.nftables.org/wiki-nftables/index.php/Configuring_chains
'''

EXAMPLES = r'''
- name: Apply the table; the previous one returns in 60 s unless confirmed
  aisec.ollama.nft_ruleset:
    allow:
      - name: proxy
        port: 443
        sources: [10.0.0.0/8]
    management_sources: [192.0.2.10/32]
    protect_source: 192.0.2.10
  register: fw

- name: Prove a new connection still works
  ansible.builtin.wait_for_connection:
    timeout: 20
  when: fw.pending

- name: Confirm, so the rollback does not fire, and persist the table
  aisec.ollama.nft_ruleset:
    phase: confirm
  when: fw.pending
'''

RETURN = r'''
content:
  description: The rendered nft file.
  returned: always
  type: str
hash:
  description: SHA-256 of the table body, stored in the table's comment.
  returned: phase is validate or apply
  type: str
  sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
live_hash:
  description: Hash found in the live table before this run, or null.
  returned: phase is apply or verify
  type: str
repair:
  description: Why a table carrying the rendered hash was re-applied (its loaded rules differed).
  returned: when a loaded table was repaired
  type: str
verified:
  description: True when O(phase=verify) found the loaded table to be the rendered one.
  returned: phase is verify and it succeeded
  type: bool
pending:
  description: True when the new table is live but not confirmed yet (the rollback timer is armed).
  returned: always
  type: bool
rollback_unit:
  description: Transient unit that restores the previous table.
  returned: always
  type: str
'''

import pwd  # noqa: E402
import socket  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.aisec.ollama.plugins.module_utils import nft_ruleset as rs  # noqa: E402
from ansible_collections.aisec.ollama.plugins.module_utils.nft_commit import CommitError, Committer  # noqa: E402


def argument_spec():
    return dict(
        phase=dict(type='str', choices=['validate', 'apply', 'confirm', 'verify'], default='apply'),
        expected_hash=dict(type='str'),
        table=dict(type='str', default='aisec_ollama'),
        path=dict(type='path', default='/etc/nftables.d/aisec-ollama.nft'),
        allow=dict(type='list', elements='dict', default=[], options=dict(
            name=dict(type='str', required=True),
            port=dict(type='int', required=True),
            proto=dict(type='str', choices=['tcp', 'udp'], default='tcp'),
            sources=dict(type='list', elements='str', required=True, aliases=['cidrs']),
        )),
        closed_ports=dict(type='list', elements='int', default=[11434]),
        management_sources=dict(type='list', elements='str'),
        management_port=dict(type='int', default=22),
        protect_source=dict(type='str'),
        protect_port=dict(type='int'),
        trusted_interfaces=dict(type='list', elements='str', default=[]),
        egress=dict(type='str', choices=['open', 'restricted', 'none'], default='open'),
        egress_user=dict(type='str'),
        egress_sources=dict(type='list', elements='str', default=[]),
        egress_allowed=dict(type='list', elements='dict', default=[]),
        ban_sets=dict(type='bool', default=False),
        confirm_timeout=dict(type='int', default=60),
        rollback_unit=dict(type='str', default='aisec-ollama-firewall-rollback'),
    )


def resolve(host):
    try:
        infos = socket.getaddrinfo(host, None, 0, socket.SOCK_STREAM)
    except socket.gaierror:
        return []
    return sorted({info[4][0] for info in infos})


def build(module):
    p = module.params
    uid = None
    if p['egress'] != 'open' and p['egress_user']:
        try:
            uid = pwd.getpwnam(p['egress_user']).pw_uid
        except KeyError:
            module.fail_json(msg="egress_user: user %r does not exist on the host; egress rules match the "
                                 "service's user, install Ollama first or give egress_sources" % p['egress_user'])
    egress_allowed = [rs.parse_egress(e, 'egress_allowed[%d]' % i, resolve) for i, e in enumerate(p['egress_allowed'])]
    allow = [dict((k, entry.get(k)) for k in ('name', 'port', 'proto', 'sources')) for entry in p['allow']]
    return rs.build_policy(p['table'], allow, p['closed_ports'], p['management_sources'], p['management_port'],
                           p['egress'], uid, p['egress_sources'], egress_allowed, p['trusted_interfaces'],
                           p['ban_sets'])


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        required_if=[('phase', 'validate', ['management_sources']), ('phase', 'apply', ['management_sources'])],
        supports_check_mode=True,
    )
    p = module.params
    committer = Committer(module.run_command, p['table'], p['path'], p['rollback_unit'])
    result = dict(changed=False, pending=False, rollback_unit=p['rollback_unit'])

    if p['phase'] == 'verify':
        expected = committer.persisted()
        result['live_hash'] = rs.content_hash(committer.live_listing())
        if expected is None:
            module.fail_json(msg="verify: %s does not exist; nothing was applied and confirmed" % p['path'], **result)
        if p['expected_hash'] and rs.content_hash(expected) != p['expected_hash']:
            module.fail_json(msg="verify: %s holds hash %s, the rendered table is %s; the rendering was not "
                                 "persisted" % (p['path'], rs.content_hash(expected), p['expected_hash']), **result)
        if committer.rollback_armed():
            module.fail_json(msg="verify: the rollback timer %s.timer is still armed: the previous rules come back "
                                 "when it fires" % p['rollback_unit'], **result)
        problem = committer.verify(expected)
        if problem:
            module.fail_json(msg="verify: the loaded table is not the rendered one: %s. Run the role again to "
                                 "re-apply it." % problem, **result)
        result['verified'] = True
        module.exit_json(**result)

    if p['phase'] == 'confirm':
        if module.check_mode:
            module.exit_json(**result)
        try:
            result['changed'] = committer.confirm()
        except CommitError as exc:
            module.fail_json(msg=str(exc), **result)
        result['content'] = committer.persisted()
        module.exit_json(**result)

    try:
        policy = build(module)
    except rs.PolicyError as exc:
        module.fail_json(msg=str(exc), **result)
    content = rs.render(policy)
    result.update(content=content, hash=rs.content_hash(content))

    if p['protect_source']:
        problem = rs.lockout_problem(policy, p['protect_source'], p['protect_port'])
        if problem:
            module.fail_json(msg=problem, **result)
    else:
        module.warn("protect_source not given: the lockout guard could not check the current connection")
    if p['phase'] == 'validate':
        module.exit_json(**result)

    for tool in ('nft',) + (('systemd-run', 'systemctl') if p['confirm_timeout'] > 0 else ()):
        found = module.get_bin_path(tool, opt_dirs=['/usr/sbin', '/sbin'])
        if not found:
            module.fail_json(msg="%s not found on the host; install it (nftables, systemd) first" % tool, **result)
        setattr(committer, tool.replace('-', '_'), found)
    try:
        committer.check(content)
        live_hash = rs.content_hash(committer.live_listing())
        persisted = committer.persisted()
        result['live_hash'] = live_hash
        # Not the comment alone: the loaded rules must be the ones recorded at the last confirmed load.
        problem = committer.verify(content)
        live_ok = problem is None
        file_ok = persisted == content
        if live_ok and file_ok:
            module.exit_json(**result)
        result['changed'] = True
        if problem and live_hash == result['hash']:
            result['repair'] = problem
            module.warn("re-applying table inet %s: %s" % (p['table'], problem))
        result['diff'] = dict(before=persisted or '', after=content, before_header=p['path'], after_header=p['path'])
        if module.check_mode:
            module.exit_json(**result)
        if live_ok:
            committer.persist(content)  # same rules live, only the file was missing or edited
        else:
            result['pending'] = committer.apply(content, p['confirm_timeout'])['pending']
    except CommitError as exc:
        module.fail_json(msg=str(exc), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()

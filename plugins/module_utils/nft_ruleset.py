# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The firewall role's nftables table: a structured policy, its validation, its rendering and
an evaluation of the policy ("would this packet be accepted?") used to refuse a ruleset that
would cut the management connection before it is applied.

Plain Python, no Ansible: the module nft_ruleset and the unit tests drive it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import ipaddress
import re

PROTOS = ("tcp", "udp")
EGRESS_MODES = ("open", "restricted", "none")
HASH_RE = re.compile(r'comment "managed by aisec\.ollama\.firewall sha256:([0-9a-f]{64})"')
# ICMPv6 that IPv6 cannot work without (neighbour discovery, router adverts, MLD).
# DHCPv6: servers and relays answer from port 547 to the client's port 546 (RFC 8415, section 7.2).
DHCPV6_SERVER_CLIENT_PORTS = (547, 546)
ICMPV6_ESSENTIAL = ("nd-neighbor-solicit", "nd-neighbor-advert", "nd-router-advert",
                    "mld-listener-query", "mld2-listener-report")
IFNAME_RE = re.compile(r"^[A-Za-z0-9_.:@+-]{1,15}$")
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
# Sets of banned addresses (ban_sets=True), filled at run time by aisec.ollama.monitoring's
# fail2ban action. Their elements are state, not rules: normalise_listing leaves them out.
BAN_SETS = (("banned_ipv4", "ipv4_addr", "ip"), ("banned_ipv6", "ipv6_addr", "ip6"))


class PolicyError(ValueError):
    """An input that cannot become a ruleset; the message names the field and the fix."""


class Allow(object):
    """Accept new connections to one port from some sources."""

    def __init__(self, name, port, proto, sources):
        # type: (str, int, str, list) -> None
        self.name = name
        self.port = port
        self.proto = proto
        self.sources = sources  # list of ipaddress networks


class Egress(object):
    """One allowed outbound destination: networks (already resolved) and a port."""

    def __init__(self, dest, networks, port, proto):
        # type: (str, list, int, str) -> None
        self.dest = dest
        self.networks = networks
        self.port = port
        self.proto = proto


class Policy(object):
    """Everything the table says, in the order the chains evaluate it."""

    def __init__(self, table, allows, closed_ports, management, egress_mode="open", egress_uid=None,
                 egress_sources=None, egress_allowed=None, trusted_interfaces=None, ban_sets=False):
        self.table = table
        self.ban_sets = ban_sets
        self.allows = allows  # type: list
        self.closed_ports = closed_ports  # type: list
        self.management = management  # type: Allow
        self.egress_mode = egress_mode
        self.egress_uid = egress_uid  # type: int | None
        self.egress_sources = egress_sources or []
        self.egress_allowed = egress_allowed or []
        self.trusted_interfaces = trusted_interfaces or []


def parse_network(value, field):
    # type: (str, str) -> ipaddress.IPv4Network | ipaddress.IPv6Network
    try:
        return ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        raise PolicyError("%s: %r is not an IP address or CIDR (for everyone write 0.0.0.0/0 and ::/0)"
                          % (field, value)) from None


def parse_networks(values, field, allow_empty=False):
    if not isinstance(values, list):
        raise PolicyError("%s: expected a list of CIDRs, got %r" % (field, values))
    if not values and not allow_empty:
        raise PolicyError("%s: the list is empty; name at least one CIDR" % field)
    return [parse_network(v, "%s[%d]" % (field, i)) for i, v in enumerate(values)]


def parse_port(value, field):
    # type: (object, str) -> int
    try:
        port = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PolicyError("%s: %r is not a port number" % (field, value)) from None
    if not 1 <= port <= 65535 or str(port) != str(value).strip():
        raise PolicyError("%s: %r is not a port number (1-65535)" % (field, value))
    return port


def parse_proto(value, field):
    proto = str(value or "tcp").lower()
    if proto not in PROTOS:
        raise PolicyError("%s: protocol %r is not one of %s" % (field, value, ", ".join(PROTOS)))
    return proto


def parse_allow(entry, field):
    # type: (dict, str) -> Allow
    if not isinstance(entry, dict):
        raise PolicyError("%s: expected a dict with name, port, proto and sources" % field)
    unknown = set(entry) - {"name", "port", "proto", "sources"}
    if unknown:
        raise PolicyError("%s: unknown keys %s (expected name, port, proto, sources)"
                          % (field, ", ".join(sorted(unknown))))
    name = str(entry.get("name") or "")
    if not NAME_RE.match(name):
        raise PolicyError("%s.name: %r must be 1-64 letters, digits, '.', '_' or '-'" % (field, name))
    return Allow(name, parse_port(entry.get("port"), field + ".port"),
                 parse_proto(entry.get("proto"), field + ".proto"),
                 parse_networks(entry.get("sources"), field + ".sources"))


def build_policy(table, allow, closed_ports, management_sources, management_port, egress_mode="open",
                 egress_uid=None, egress_sources=None, egress_allowed=None, trusted_interfaces=None,
                 ban_sets=False):
    # type: (...) -> Policy
    """Validate every input and return the policy; raises PolicyError on the first bad one."""
    if not NAME_RE.match(table or "") or "." in table or "-" in table:
        raise PolicyError("table: %r must be letters, digits and '_'" % table)
    allows = [parse_allow(entry, "allow[%d]" % i) for i, entry in enumerate(allow or [])]
    closed = [parse_port(p, "closed_ports[%d]" % i) for i, p in enumerate(closed_ports or [])]
    mgmt = Allow("management", parse_port(management_port, "management_port"), "tcp",
                 parse_networks(management_sources, "management_sources"))
    names = [a.name for a in allows]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise PolicyError("allow: names must be unique, repeated: %s" % ", ".join(duplicates))
    for a in allows:
        if a.port in closed:
            raise PolicyError("allow '%s': port %d is in closed_ports (never reachable from off the host); "
                              "reach it through the proxy instead" % (a.name, a.port))
    if mgmt.port in closed:
        raise PolicyError("management_port %d is in closed_ports" % mgmt.port)
    if egress_mode not in EGRESS_MODES:
        raise PolicyError("egress: %r is not one of %s" % (egress_mode, ", ".join(EGRESS_MODES)))
    if egress_mode != "open" and egress_uid is None and not egress_sources:
        raise PolicyError("egress %s needs the Ollama service's user (egress_user) or its container "
                          "network (egress_sources)" % egress_mode)
    sources = parse_networks(egress_sources or [], "egress_sources", allow_empty=True)
    for i, name in enumerate(trusted_interfaces or []):
        if not IFNAME_RE.match(str(name)):
            raise PolicyError("trusted_interfaces[%d]: %r is not an interface name" % (i, name))
    return Policy(table, allows, closed, mgmt, egress_mode, egress_uid, sources,
                  list(egress_allowed or []), list(trusted_interfaces or []), bool(ban_sets))


def parse_egress(entry, field, resolve):
    # type: (dict, str, object) -> Egress
    """An egress entry {dest, port, proto}; dest is a CIDR or a host name given to resolve()."""
    if not isinstance(entry, dict) or not entry.get("dest"):
        raise PolicyError("%s: expected a dict with dest (CIDR or host name), port and proto" % field)
    unknown = set(entry) - {"dest", "port", "proto"}
    if unknown:
        raise PolicyError("%s: unknown keys %s (expected dest, port, proto)" % (field, ", ".join(sorted(unknown))))
    dest = str(entry["dest"])
    try:
        networks = [ipaddress.ip_network(dest, strict=False)]
    except ValueError:
        addresses = resolve(dest)  # type: ignore[operator]
        if not addresses:
            raise PolicyError("%s.dest: %r does not resolve on the target" % (field, dest)) from None
        networks = sorted({ipaddress.ip_network(a) for a in addresses}, key=lambda n: (n.version, n))
    return Egress(dest, networks, parse_port(entry.get("port", 443), field + ".port"),
                  parse_proto(entry.get("proto"), field + ".proto"))


def accepts(policy, source, port, proto="tcp"):
    # type: (Policy, str, int, str) -> bool
    """Whether the input chain accepts a new connection from source to port (first match wins,
    as in the rendered chain; anything unmatched meets the chain's drop policy)."""
    address = ipaddress.ip_address(source)
    if address.is_loopback:
        return True
    if proto == "tcp" and port == policy.management.port and _matches(policy.management, address):
        return True
    if port in policy.closed_ports:
        return False
    return any(rule.proto == proto and rule.port == port and _matches(rule, address) for rule in policy.allows)


def _matches(rule, address):
    return any(address.version == n.version and address in n for n in rule.sources)


def lockout_problem(policy, source, port):
    # type: (Policy, str | None, int | None) -> str | None
    """Why the new ruleset would cut the management connection from source to port, or None."""
    if not source:
        return None
    try:
        ipaddress.ip_address(source)
    except ValueError:
        return "management source %r is not an IP address" % source
    port = port or policy.management.port
    if accepts(policy, source, port, "tcp"):
        return None
    return ("refusing to apply: the new ruleset would drop the management connection from %s to tcp port %d "
            "(management_sources: %s, management_port: %d). Add the connection's address to the management "
            "CIDRs or correct the management port."
            % (source, port, ", ".join(str(n) for n in policy.management.sources) or "none",
               policy.management.port))


def _split(networks):
    v4 = [str(n) for n in networks if n.version == 4]
    v6 = [str(n) for n in networks if n.version == 6]
    return v4, v6


def _set(items):
    return items[0] if len(items) == 1 else "{ %s }" % ", ".join(items)


def _source_matches(networks, field="saddr"):
    """nft match expressions for a list of networks: one per address family in use."""
    v4, v6 = _split(networks)
    out = []
    if v4:
        out.append("ip %s %s" % (field, _set(v4)))
    if v6:
        out.append("ip6 %s %s" % (field, _set(v6)))
    return out


def _body(policy):
    # type: (Policy) -> list
    lines = []
    add = lines.append
    if policy.ban_sets:
        for name, kind, _family in BAN_SETS:
            add("  set %s {" % name)
            add("    type %s" % kind)
            add('    comment "banned by aisec.ollama.monitoring (fail2ban)"')
            add("  }")
    add("  chain input {")
    add("    # Policy drop inside this chain drops even what another table accepts: that is the intent.")
    add("    type filter hook input priority filter - 10; policy drop;")
    add('    iifname "lo" accept')
    for name in policy.trusted_interfaces:
        add('    iifname "%s" accept comment "trusted interface"' % name)
    if policy.ban_sets:
        # Management first (a banned address still manages the host), then the bans, before
        # "established": a banned client's open connections are cut too.
        for match in _source_matches(policy.management.sources):
            add('    %s tcp dport %d accept comment "management"' % (match, policy.management.port))
        for name, _kind, family in BAN_SETS:
            add('    %s saddr @%s drop comment "banned"' % (family, name))
    add("    ct state established,related accept")
    add("    ct state invalid drop")
    add("    icmpv6 type { %s } accept" % ", ".join(ICMPV6_ESSENTIAL))
    # DHCPv6 replies (RFC 8415: server/relay port 547 to the client's port 546 at its link-local
    # address) are NEW to conntrack: the client's request went to a multicast group (ff02::1:2),
    # so the unicast reply matches no tuple and "established" does not cover it.
    add('    ip6 daddr fe80::/10 udp sport %d udp dport %d accept comment "dhcpv6 client"'
        % DHCPV6_SERVER_CLIENT_PORTS)
    for match in _source_matches(policy.management.sources) if not policy.ban_sets else []:
        add('    %s tcp dport %d accept comment "management"' % (match, policy.management.port))
    if policy.closed_ports:
        add('    meta l4proto { tcp, udp } th dport %s drop comment "never from off the host"'
            % _set([str(p) for p in policy.closed_ports]))
    for rule in policy.allows:
        for match in _source_matches(rule.sources):
            add('    %s %s dport %d accept comment "%s"' % (match, rule.proto, rule.port, rule.name))
    add("  }")
    add("  chain forward {")
    add("    # Accept by default: only published (DNAT-ed) closed ports and container egress are ours.")
    add("    type filter hook forward priority filter - 10; policy accept;")
    for port in policy.closed_ports:
        for proto in PROTOS:
            # The forward hook runs after prerouting's DNAT, so the packet's own destination port is
            # the translated one (the container's port): `-p 18080:11434` is caught here, whatever
            # host port publishes it. `ct status dnat` keeps the match to published (DNAT-ed) traffic.
            add('    ct status dnat %s dport %d drop comment "published container port"' % (proto, port))
            # And the host port before DNAT (`-p 11434:8080`): the closed port is never a way in.
            # One port per rule: nft lists a set of proto-dst in a form it cannot read back.
            add('    meta l4proto %s ct status dnat ct original proto-dst %d drop comment "published host port"'
                % (proto, port))
    if policy.egress_mode != "open":
        for match in _source_matches(policy.egress_sources):
            add("    %s jump ollama_egress" % match)
    add("  }")
    add("  chain output {")
    add("    type filter hook output priority filter - 10; policy accept;")
    if policy.egress_mode != "open" and policy.egress_uid is not None:
        add("    meta skuid %d jump ollama_egress" % policy.egress_uid)
    add("  }")
    if policy.egress_mode != "open":
        add("  chain ollama_egress {")
        add('    oifname "lo" accept')
        add("    ct state established,related accept")
        if policy.egress_mode == "restricted":
            add('    meta l4proto { tcp, udp } th dport 53 accept comment "dns"')
            for entry in policy.egress_allowed:
                for match in _source_matches(entry.networks, "daddr"):
                    add('    %s %s dport %d accept comment "%s"' % (match, entry.proto, entry.port,
                                                                    entry.dest.replace('"', "")))
        add('    reject comment "egress %s"' % policy.egress_mode)
        add("  }")
    return lines


def render(policy):
    # type: (Policy) -> str
    """The whole table as one nft file: one atomic transaction that replaces only this table.
    The table's comment carries the hash of the body, so the live table can be compared without
    parsing nft's own listing."""
    body = "\n".join(_body(policy)) + "\n"
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return (
        "#!/usr/sbin/nft -f\n"
        "# managed by aisec.ollama.firewall: do not edit, the next run replaces it.\n"
        "# Creating then deleting the table makes the load work whether or not it exists.\n"
        "table inet {t}\n"
        "delete table inet {t}\n"
        "table inet {t} {{\n"
        '  comment "managed by aisec.ollama.firewall sha256:{d}"\n'
        "{body}"
        "}}\n"
    ).format(t=policy.table, d=digest, body=body)


def content_hash(content):
    # type: (str | None) -> str | None
    """The body hash a rendered file or an `nft list table` listing carries, if any."""
    match = HASH_RE.search(content or "")
    return match.group(1) if match else None


def restore_script(table, listing):
    # type: (str, str | None) -> str
    """An nft file that puts the table back as listed (or removes it if it did not exist)."""
    head = "table inet {t}\ndelete table inet {t}\n".format(t=table)
    return head + (listing.rstrip() + "\n" if listing and listing.strip() else "")


HANDLE_RE = re.compile(r"\s+# handle \d+\s*$")
SET_START_RE = re.compile(r"^\s*set (%s) \{$" % "|".join(name for name, _k, _f in BAN_SETS))


def normalise_listing(listing):
    # type: (str | None) -> str | None
    """`nft -s list table` output reduced to what the rules are: handles, blank lines and trailing
    spaces dropped, so two listings of the same loaded table compare equal."""
    if listing is None or not listing.strip():
        return None
    lines = []
    in_ban_set = in_elements = False
    for line in listing.splitlines():
        line = HANDLE_RE.sub("", line).rstrip()
        if SET_START_RE.match(line):
            in_ban_set = True
        elif in_ban_set and line.strip() == "}" and not in_elements:
            in_ban_set = False
        if in_ban_set and line.strip().startswith("elements = {"):
            # The banned addresses (one or many lines up to the closing brace) are state, not rules.
            in_elements = not line.rstrip().endswith("}")
            continue
        if in_elements:
            in_elements = not line.rstrip().endswith("}")
            continue
        if line.strip():
            lines.append(line)
    return "\n".join(lines) + "\n"

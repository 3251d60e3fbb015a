# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""nft_ruleset: validation, rendering, the accept evaluation and the lockout guard."""

import ipaddress
import os
import shutil
import subprocess

import pytest
from ansible_collections.aisec.ollama.plugins.module_utils import nft_ruleset as rs
from hypothesis import given
from hypothesis import strategies as st

MGMT = "192.0.2.10"


def policy(allow=None, closed=(11434,), management=(MGMT + "/32",), port=22, **kwargs):
    if allow is None:
        allow = [{"name": "proxy", "port": 443, "proto": "tcp", "sources": ["10.0.0.0/8", "2001:db8::/32"]}]
    return rs.build_policy("aisec_ollama", allow, list(closed), list(management), port, **kwargs)


def rule_lines(content):
    return [line.strip() for line in content.splitlines()]


# --- rendering --------------------------------------------------------------------------------
def test_rendered_file_replaces_only_its_own_table_in_one_transaction():
    content = rs.render(policy())
    lines = rule_lines(content)
    assert lines[3:6] == ["table inet aisec_ollama", "delete table inet aisec_ollama", "table inet aisec_ollama {"]
    assert "flush ruleset" not in content
    assert sum(line.startswith("table ") for line in lines) == 2


def test_input_chain_drops_by_default_and_accepts_the_management_rule_before_anything_else():
    lines = rule_lines(rs.render(policy()))
    assert "type filter hook input priority filter - 10; policy drop;" in lines
    management = lines.index('ip saddr 192.0.2.10/32 tcp dport 22 accept comment "management"')
    closed = lines.index('meta l4proto { tcp, udp } th dport 11434 drop comment "never from off the host"')
    proxy = lines.index('ip saddr 10.0.0.0/8 tcp dport 443 accept comment "proxy"')
    assert lines.index('ct state established,related accept') < management < closed < proxy


def test_ipv4_and_ipv6_sources_get_one_rule_each():
    lines = rule_lines(rs.render(policy()))
    assert 'ip saddr 10.0.0.0/8 tcp dport 443 accept comment "proxy"' in lines
    assert 'ip6 saddr 2001:db8::/32 tcp dport 443 accept comment "proxy"' in lines


def test_several_sources_render_as_an_anonymous_set():
    content = rs.render(policy([{"name": "proxy", "port": 443, "sources": ["10.0.0.0/8", "172.16.0.0/12"]}]))
    assert 'ip saddr { 10.0.0.0/8, 172.16.0.0/12 } tcp dport 443 accept comment "proxy"' in content


def test_published_container_port_is_dropped_one_rule_per_protocol():
    lines = rule_lines(rs.render(policy()))
    for proto in ("tcp", "udp"):
        assert (f'meta l4proto {proto} ct status dnat ct original proto-dst 11434 drop '
                f'comment "published host port"') in lines


def test_published_container_port_is_matched_after_dnat_whatever_the_host_port():
    """`-p 18080:11434`: the forward hook sees the translated destination port (11434), not 18080."""
    lines = rule_lines(rs.render(policy()))
    forward = lines[lines.index("chain forward {"):]
    for proto in ("tcp", "udp"):
        assert (f'ct status dnat {proto} dport 11434 drop '
                f'comment "published container port"') in forward


def test_dhcpv6_client_replies_are_accepted_at_the_link_local_address():
    lines = rule_lines(rs.render(policy()))
    input_chain = lines[lines.index("chain input {"):lines.index("chain forward {")]
    assert 'ip6 daddr fe80::/10 udp sport 547 udp dport 546 accept comment "dhcpv6 client"' in input_chain


def test_listing_normalisation_drops_handles_and_blank_lines():
    listing = "table inet t { # handle 3\n\tchain input { # handle 1\n\n\t\tiifname \"lo\" accept # handle 4 \n\t}\n}\n"
    assert rs.normalise_listing(listing) == 'table inet t {\n\tchain input {\n\t\tiifname "lo" accept\n\t}\n}\n'
    assert rs.normalise_listing("") is None


def test_egress_open_leaves_outbound_unmanaged():
    content = rs.render(policy())
    assert "ollama_egress" not in content
    assert "skuid" not in content


def test_egress_restricted_allows_dns_and_the_named_destinations_for_the_service_user_only():
    allowed = [rs.parse_egress({"dest": "198.51.100.0/24", "port": 443}, "e", None)]
    lines = rule_lines(rs.render(policy(egress_mode="restricted", egress_uid=997, egress_allowed=allowed)))
    assert "meta skuid 997 jump ollama_egress" in lines
    assert 'meta l4proto { tcp, udp } th dport 53 accept comment "dns"' in lines
    assert 'ip daddr 198.51.100.0/24 tcp dport 443 accept comment "198.51.100.0/24"' in lines
    first_two = lines[lines.index("chain ollama_egress {") + 1:][:2]
    assert first_two == ['oifname "lo" accept', "ct state established,related accept"]
    assert 'reject comment "egress restricted"' in lines


def test_egress_none_allows_nothing_new():
    content = rs.render(policy(egress_mode="none", egress_uid=997))
    assert 'th dport 53' not in content
    assert 'reject comment "egress none"' in content


def test_container_egress_is_matched_by_network_on_forward():
    content = rs.render(policy(egress_mode="none", egress_sources=["10.88.0.0/16"]))
    assert "ip saddr 10.88.0.0/16 jump ollama_egress" in content
    assert "skuid" not in content


def test_hash_changes_with_the_rules_and_is_found_in_the_file():
    one, two = rs.render(policy()), rs.render(policy(port=2222))
    assert rs.content_hash(one) and rs.content_hash(two)
    assert rs.content_hash(one) != rs.content_hash(two)
    assert rs.content_hash(rs.render(policy())) == rs.content_hash(one)
    assert rs.content_hash("table inet x {}") is None


def test_restore_script_recreates_the_previous_table_or_removes_a_new_one():
    assert rs.restore_script("t", None) == "table inet t\ndelete table inet t\n"
    listing = 'table inet t {\n\tchain input {\n\t}\n}\n'
    assert rs.restore_script("t", listing).endswith(listing)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("nft"), reason="needs root and nft to parse the rendering")
def test_nft_accepts_the_rendering():
    allowed = [rs.parse_egress({"dest": "2001:db8::/32", "port": 443}, "e", None)]
    content = rs.render(policy(egress_mode="restricted", egress_uid=0, egress_allowed=allowed,
                               egress_sources=["10.88.0.0/16"], trusted_interfaces=["podman0"]))
    result = subprocess.run(["nft", "-c", "-f", "-"], input=content, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


# --- validation -------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, message", [
    ({"allow": [{"name": "p", "port": 443, "sources": ["10.0.0.0/33"]}]},
     "allow[0].sources[0]: '10.0.0.0/33' is not an IP address or CIDR"),
    ({"allow": [{"name": "p", "port": 70000, "sources": ["10.0.0.0/8"]}]}, "allow[0].port: 70000 is not a port"),
    ({"allow": [{"name": "p", "port": 443, "proto": "sctp", "sources": ["10.0.0.0/8"]}]}, "protocol 'sctp'"),
    ({"allow": [{"name": "p", "port": 443, "sources": []}]}, "allow[0].sources: the list is empty"),
    ({"allow": [{"name": "bad name", "port": 443, "sources": ["10.0.0.0/8"]}]}, "allow[0].name"),
    ({"allow": [{"name": "p", "port": 443, "sources": ["10.0.0.0/8"], "cidr": 1}]}, "unknown keys cidr"),
    ({"allow": [{"name": "p", "port": 1, "sources": ["10.0.0.0/8"]},
                {"name": "p", "port": 2, "sources": ["10.0.0.0/8"]}]},
     "names must be unique, repeated: p"),
    ({"allow": [{"name": "ollama", "port": 11434, "sources": ["10.0.0.0/8"]}]}, "port 11434 is in closed_ports"),
    ({"management": []}, "management_sources: the list is empty"),
    ({"port": 11434}, "management_port 11434 is in closed_ports"),
    ({"egress_mode": "restricted"}, "needs the Ollama service's user"),
    ({"egress_mode": "sometimes"}, "egress: 'sometimes' is not one of"),
    ({"trusted_interfaces": ["eth0; drop"]}, "trusted_interfaces[0]"),
])
def test_bad_input_is_refused_with_the_field_named(kwargs, message):
    with pytest.raises(rs.PolicyError) as caught:
        policy(**kwargs)
    assert message in str(caught.value)


def test_egress_host_names_are_resolved_and_unresolvable_ones_refused():
    entry = rs.parse_egress({"dest": "registry.example", "port": 443}, "e", lambda host: ["2001:db8::1", "192.0.2.1"])
    assert [str(n) for n in entry.networks] == ["192.0.2.1/32", "2001:db8::1/128"]
    with pytest.raises(rs.PolicyError, match="does not resolve"):
        rs.parse_egress({"dest": "nowhere.example"}, "e", lambda host: [])


# --- accept evaluation and the lockout guard ----------------------------------------------------
def test_management_source_is_accepted_on_the_management_port_only():
    p = policy()
    assert rs.accepts(p, MGMT, 22)
    assert not rs.accepts(p, MGMT, 2222)
    assert not rs.accepts(p, "192.0.2.11", 22)
    assert not rs.accepts(p, MGMT, 22, "udp")


def test_ollama_port_is_refused_even_from_allowed_sources_but_not_from_loopback():
    p = policy()
    assert not rs.accepts(p, "10.1.2.3", 11434)
    assert rs.accepts(p, "127.0.0.1", 11434)
    assert rs.accepts(p, "10.1.2.3", 443)
    assert rs.accepts(p, "2001:db8::5", 443)
    assert not rs.accepts(p, "192.168.1.1", 443)


def test_lockout_guard_passes_the_current_connection():
    assert rs.lockout_problem(policy(), MGMT, 22) is None
    assert rs.lockout_problem(policy(), None, None) is None


def test_lockout_guard_refuses_a_ruleset_that_drops_the_current_connection():
    problem = rs.lockout_problem(policy(management=["198.51.100.0/24"]), MGMT, 22)
    assert problem.startswith("refusing to apply")
    assert "from 192.0.2.10 to tcp port 22" in problem
    assert "198.51.100.0/24" in problem


def test_lockout_guard_refuses_a_management_port_other_than_the_connections():
    assert "tcp port 22" in rs.lockout_problem(policy(port=2222), MGMT, 22)


def test_lockout_guard_refuses_a_source_that_is_not_an_address():
    assert "not an IP address" in rs.lockout_problem(policy(), "ssh-host", 22)


@given(st.ip_addresses(v=4), st.integers(min_value=0, max_value=32), st.integers(1, 65535),
       st.lists(st.integers(1, 65535), max_size=5))
def test_a_source_inside_the_management_cidrs_is_never_locked_out(address, prefix, port, ports):
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    closed = [p for p in ports if p != port]
    allow = [{"name": f"s{i}", "port": p, "sources": ["0.0.0.0/0"]} for i, p in enumerate(ports) if p not in closed]
    p = rs.build_policy("t", allow, closed, [str(network)], port)
    assert rs.lockout_problem(p, str(address), port) is None


# --- ban sets (aisec.ollama.monitoring) ---------------------------------------------------------
def test_no_ban_sets_unless_asked():
    assert "banned_ipv4" not in rs.render(policy())


def test_ban_sets_drop_after_management_and_before_established():
    lines = rule_lines(rs.render(policy(ban_sets=True)))
    assert "set banned_ipv4 {" in lines and "set banned_ipv6 {" in lines
    chain = lines[lines.index("chain input {"):lines.index("chain forward {")]
    mgmt = chain.index('ip saddr 192.0.2.10/32 tcp dport 22 accept comment "management"')
    ban4 = chain.index('ip saddr @banned_ipv4 drop comment "banned"')
    ban6 = chain.index('ip6 saddr @banned_ipv6 drop comment "banned"')
    established = chain.index("ct state established,related accept")
    assert mgmt < ban4 < ban6 < established
    assert sum(1 for line in chain if line.endswith('comment "management"')) == 1


def test_banned_addresses_are_not_part_of_the_listing_compared():
    empty = "table inet t {\n\tset banned_ipv4 {\n\t\ttype ipv4_addr\n\t}\n\tchain input {\n\t}\n}\n"
    typed = "type ipv4_addr\n"
    one = empty.replace(typed, typed + "\t\telements = { 10.0.0.5 }\n")
    many = empty.replace(typed, typed + "\t\telements = { 10.0.0.5, 10.0.0.6,\n\t\t\t     10.0.0.7 }\n")
    assert rs.normalise_listing(one) == rs.normalise_listing(empty) == rs.normalise_listing(many)
    other = empty.replace("banned_ipv4", "their_set").replace(typed, typed + "\t\telements = { 10.0.0.5 }\n")
    assert "10.0.0.5" in rs.normalise_listing(other)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("nft"), reason="needs root and nft to parse the rendering")
def test_rendering_with_ban_sets_is_accepted_by_nft():
    content = rs.render(policy(ban_sets=True))
    result = subprocess.run(["nft", "-c", "-f", "-"], input=content, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr

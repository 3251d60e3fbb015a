# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugin_utils/discovery.py: the ranges it plans, and what it calls each kind of server.

The lab (conftest.py) is real: the Ollama emulator, fronts that refuse like a proxy (one over TLS on a port that
is not 443), a web page, a listener that never answers, each on its own 127.0.3.x address, and
addresses where nothing listens.
"""

import time

import pytest
from ansible_collections.aisec.ollama.plugins.plugin_utils import discovery
from discovery_lab import NET, TIMEOUT, port_free_on
from harness import emulators


@pytest.mark.parametrize("role, verdict, scheme", [
    ("exposed", "exposed", "http"),
    ("realm_ollama", "protected", "http"),
    ("realm_other", "unidentified", "http"),
    ("version_open", "protected", "http"),
    ("web_page", "not_ollama", "http"),
    ("silent", "no_answer", "http"),
    ("tls_exposed", "exposed", "https"),
])
def test_identify_names_each_kind_of_server(lab, role, verdict, scheme):
    record = discovery.identify(*lab[role], timeout=TIMEOUT)
    assert (record["verdict"], record["scheme"]) == (verdict, scheme), record


def test_exposed_record_carries_version_and_model_count(lab):
    record = discovery.identify(*lab["exposed"], timeout=TIMEOUT)
    assert record["version"] == "0.32.15"
    assert record["models_visible"] == 1  # the emulator's fixture store holds emu-tiny
    assert "/api/version answered 0.32.15" in record["identified_by"]


def test_protection_is_said_to_be_a_claim_when_only_the_realm_names_ollama(lab):
    claimed = discovery.identify(*lab["realm_ollama"], timeout=TIMEOUT)
    assert "a claim, not proven" in claimed["identified_by"]
    assert claimed["version"] is None and claimed["models_visible"] is None
    proven = discovery.identify(*lab["version_open"], timeout=TIMEOUT)
    assert proven["version"] == "0.32.15" and "/api/tags refused (401)" in proven["identified_by"]
    assert proven["models_visible"] is None


def test_scan_keeps_only_ollama_and_unidentified_hosts_and_counts_the_rest(lab):
    port = lab["exposed"][1]
    hosts, counts = discovery.scan([f"{NET}.0/28"], ports=[port], timeout=TIMEOUT)
    kept = ("exposed", "realm_ollama", "realm_other", "version_open", "tls_exposed")
    assert sorted(hosts) == sorted(lab[role][0] for role in kept)
    assert counts["planned"] == 14  # a /28 without its network and broadcast addresses
    assert counts["open"] == 7  # everything but "nothing" and the empty addresses
    assert (counts["not_ollama"], counts["no_answer"], counts["exposed"]) == (1, 1, 2)


def test_a_silent_listener_costs_about_one_timeout(lab):
    start = time.monotonic()
    hosts, counts = discovery.scan([lab["silent"][0]], ports=[lab["silent"][1]], timeout=TIMEOUT)
    elapsed = time.monotonic() - start
    assert hosts == {} and counts["no_answer"] == 1
    assert elapsed < 4 * TIMEOUT, f"{elapsed:.2f} s for one silent listener"


def test_exclude_is_never_contacted(lab):
    port = lab["exposed"][1]
    hosts, counts = discovery.scan([f"{NET}.0/28"], ports=[port], exclude=[f"{NET}.2", f"{NET}.8/31"],
                                   timeout=TIMEOUT)
    assert lab["exposed"][0] not in hosts and lab["tls_exposed"][0] not in hosts
    assert counts["planned"] == 14 - 3


def test_ipv6_loopback(tmp_path):
    with emulators(tmp_path) as start:
        port = port_free_on(["::1"])
        start(bind="::1", port=port)
        hosts, _counts = discovery.scan(["::1/128"], ports=[port], timeout=TIMEOUT)
    assert hosts["::1"][0]["verdict"] == "exposed"


@pytest.mark.parametrize("networks, exclude, ports, message", [
    (["10.0.0.0/33"], [], [11434], "'10.0.0.0/33' is not an address or CIDR"),
    (["ollama.example.com"], [], [11434], "is not an address or CIDR"),
    ([], [], [11434], "at least one address"),
    (["10.0.0.1"], ["10.0.0.0/8x"], [11434], "exclude: '10.0.0.0/8x'"),
    (["10.0.0.1"], [], [0], "between 1 and 65535"),
    (["10.0.0.1"], [], [70000], "between 1 and 65535"),
    (["10.0.0.1"], [], [], "between 1 and 65535"),
    (["10.0.0.0/8"], [], [11434], "16777216 addresses, more than max_addresses (262144)"),
    (["fd00::/64"], [], [11434], "more than max_addresses"),
])
def test_bad_input_fails_before_anything_is_sent(networks, exclude, ports, message):
    with pytest.raises(discovery.DiscoveryError) as err:
        discovery.plan(networks, exclude, ports)
    assert message in str(err.value)


def test_plan_is_lazy_and_each_address_comes_once():
    total, pairs = discovery.plan(["10.0.0.0/30", "10.0.0.1", "10.0.0.0/31"], ports=[11434, 443],
                                  max_addresses=1 << 20)
    assert total == (4 + 1 + 2) * 2
    assert list(pairs) == [("10.0.0.1", 11434), ("10.0.0.1", 443), ("10.0.0.2", 11434), ("10.0.0.2", 443),
                           ("10.0.0.0", 11434), ("10.0.0.0", 443)]
    big_total, big_pairs = discovery.plan(["10.0.0.0/14"], max_addresses=1 << 20)
    assert big_total == 1 << 18
    assert next(big_pairs) == ("10.0.0.1", 11434)  # no list of 262144 pairs was built first

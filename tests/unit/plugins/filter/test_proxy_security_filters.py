"""Issue 11 (proxy): satisfy any with an empty allowlist, per-route body limits, CA name constraints."""

import ipaddress

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.aisec.ollama.plugins.filter.proxy_cidrs import proxy_cidrs
from ansible_collections.aisec.ollama.plugins.filter.proxy_locations import proxy_locations
from ansible_collections.aisec.ollama.plugins.filter.proxy_tls import proxy_name_constraints

# --- item 1: satisfy any + [] would turn authentication off for every address ----------------


def test_empty_allowlist_under_satisfy_any_is_refused_with_the_reason():
    with pytest.raises(AnsibleFilterError) as err:
        proxy_cidrs([], satisfy="any")
    message = str(err.value)
    assert "proxy_allowed_cidrs" in message
    assert "proxy_satisfy" in message
    assert "authentication would be off for everyone" in message


def test_empty_allowlist_under_satisfy_all_still_means_every_address_with_a_credential():
    assert proxy_cidrs([], satisfy="all") == []


def test_non_empty_allowlist_under_satisfy_any_is_accepted():
    assert proxy_cidrs(["10.0.0.0/8"], satisfy="any") == ["10.0.0.0/8"]


def test_unknown_satisfy_value_is_refused():
    with pytest.raises(AnsibleFilterError, match="proxy_satisfy"):
        proxy_cidrs(["10.0.0.0/8"], satisfy="some")


# --- item 5: only the blob upload gets the large body limit -------------------------------------


def test_only_the_blob_upload_route_is_an_upload():
    locations = proxy_locations("admin")
    uploads = [loc["name"] for loc in locations if loc["upload"]]
    assert uploads == ["blobs"]
    chat = next(loc for loc in locations if loc["name"] == "chat")
    assert chat["upload"] is False


def test_profiles_without_the_blob_route_have_no_upload_location():
    for profile in ("inference", "readonly", "dev"):
        assert not any(loc["upload"] for loc in proxy_locations(profile))


def test_custom_profile_with_blobs_gets_the_upload_location():
    locations = proxy_locations("custom", ["chat", "blobs"])
    assert {loc["name"]: loc["upload"] for loc in locations} == {"chat": False, "blobs": True}


# --- item 3: the internal CA can only sign for the proxy's names ------------------------------


def test_constraints_permit_the_server_names_and_exclude_every_address():
    constraints = proxy_name_constraints(["ollama.lab.example", "proxy-target"])
    assert constraints["permitted"] == ["DNS:ollama.lab.example", "DNS:proxy-target"]
    # Without an iPAddress subtree, IP names would be unconstrained (RFC 5280 4.2.1.10).
    assert constraints["excluded"] == ["IP:0.0.0.0/0", "IP:::/0"]


def test_constraints_permit_listed_addresses_as_single_hosts():
    constraints = proxy_name_constraints(["ollama.lab.example"], ["IP:192.0.2.10", "IP:2001:db8::5",
                                                                  "DNS:alias.lab.example"])
    assert constraints["permitted"] == ["DNS:ollama.lab.example", "IP:192.0.2.10/32", "IP:2001:db8::5/128",
                                        "DNS:alias.lab.example"]
    # An iPAddress subtree is present: every other address is outside it, nothing to exclude.
    assert constraints["excluded"] == []
    for entry in constraints["permitted"]:
        if entry.startswith("IP:"):
            assert ipaddress.ip_network(entry[3:]).num_addresses == 1


def test_constraints_never_permit_everything():
    constraints = proxy_name_constraints(["proxy-target"])
    assert not any(entry in ("DNS:", "DNS:.", "IP:0.0.0.0/0", "IP:::/0") for entry in constraints["permitted"])


@pytest.mark.parametrize(("names", "extra"), [([], []), (["bad name"], []), (["ok"], ["IP:not-an-ip"]),
                                              (["ok"], ["DNS:*.wild"])])
def test_bad_names_are_refused(names, extra):
    with pytest.raises(AnsibleFilterError):
        proxy_name_constraints(names, extra)

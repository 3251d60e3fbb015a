"""The proxy role's filters: policy from the endpoint table, credentials, allowlists."""

import re
import warnings
from pathlib import Path

import jinja2
import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.aisec.ollama.plugins.filter.proxy_api_keys import proxy_api_keys
from ansible_collections.aisec.ollama.plugins.filter.proxy_cidrs import proxy_cidrs
from ansible_collections.aisec.ollama.plugins.filter.proxy_htpasswd import derived_salt, proxy_htpasswd, sha512_crypt
from ansible_collections.aisec.ollama.plugins.filter.proxy_locations import LIMIT_CLASSES, proxy_locations
from ansible_collections.aisec.ollama.plugins.module_utils import endpoints


def libc_crypt(password, setting):
    """The C library's crypt(), the call nginx makes (the module is deprecated, fine for a cross-check).

    Python 3.13 removed the ``crypt`` module: there the cross-check is skipped, with the reason.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        crypt = pytest.importorskip(
            "crypt", reason="the crypt module (removed in Python 3.13) is needed to cross-check against libc")
    return crypt.crypt(password, setting)


CLOSED_IN_DEFAULT = ["push", "delete", "pull", "create", "copy", "blobs", "me", "signout", "user_keys",
                     "web_search", "web_fetch", "model_recommendations", "banner"]


def names(locations):
    return [loc["name"] for loc in locations]


# --- proxy_locations ----------------------------------------------------------------------

@pytest.mark.parametrize("profile", list(endpoints.PROFILES))
def test_every_profile_opens_exactly_its_routes_from_the_endpoint_table(profile):
    assert names(proxy_locations(profile)) == [r.name for r in endpoints.profile_routes(profile)]


def test_default_profile_closes_management_account_experimental_and_banner():
    opened = names(proxy_locations("inference"))
    assert not set(CLOSED_IN_DEFAULT) & set(opened)
    # version: front-ends check a connection with it (issue 17).
    assert {"generate", "chat", "embed", "openai_chat", "anthropic_messages", "version", "tags", "ps",
            "show"} <= set(opened)


def test_dev_profile_is_only_generate():
    assert names(proxy_locations("dev")) == ["generate"]


def test_admin_profile_is_every_route():
    assert names(proxy_locations("admin")) == list(endpoints.ROUTES_BY_NAME)


def test_exact_routes_become_exact_locations_with_methods():
    generate = proxy_locations("dev")[0]
    assert generate["modifier"] == "="
    assert generate["match"] == "/api/generate"
    assert generate["methods"] == ["POST"]
    assert generate["methods_regex"] == "^(?:POST)$"
    assert generate["limit_class"] == "inference"


def test_parameter_routes_match_exactly_one_more_segment():
    blobs = {loc["name"]: loc for loc in proxy_locations("admin")}["blobs"]
    assert blobs["modifier"] == "~"
    pattern = re.compile(blobs["match"])
    assert pattern.match("/api/blobs/sha256:" + "0" * 64)
    assert not pattern.match("/api/blobs/")
    assert not pattern.match("/api/blobs/a/b")
    assert re.match(blobs["methods_regex"], "HEAD") and not re.match(blobs["methods_regex"], "GET")


def test_every_endpoint_class_has_a_rate_limit_class():
    assert set(LIMIT_CLASSES) == set(endpoints.CLASSES)
    assert set(LIMIT_CLASSES.values()) == {"inference", "read", "management"}


def test_custom_routes_accept_route_and_class_names():
    opened = names(proxy_locations("custom", ["generate", "read"]))
    assert opened == [r.name for r in endpoints.routes_for(["generate", "read"])]


@pytest.mark.parametrize(("profile", "routes", "message"), [
    ("custom", ["generate", "nonsense"], "unknown endpoint 'nonsense'"),
    ("custom", [], "needs proxy_custom_routes"),
    ("inference", ["generate"], "only used with proxy_profile 'custom'"),
    ("everything", [], "unknown profile 'everything'"),
])
def test_bad_policy_fails_with_a_clear_message(profile, routes, message):
    with pytest.raises(AnsibleFilterError, match=re.escape(message)):
        proxy_locations(profile, routes)


# --- proxy_htpasswd -----------------------------------------------------------------------

@pytest.mark.parametrize(("password", "salt", "rounds"), [
    ("secret", "abcdefgh12345678", 5000), ("x" * 100, "ab", 5000), ("pässwörd-long-enough", "Zz09./", 5000),
    ("a", "0123456789abcdef", 10000), ("", "salt", 1000), ("exactly-64" * 6 + "1234", "s", 5000),
])
def test_sha512_crypt_matches_the_c_library(password, salt, rounds):
    setting = "$6$" + ("" if rounds == 5000 else f"rounds={rounds}$") + salt
    assert sha512_crypt(password, salt, rounds) == libc_crypt(password, setting)


def test_htpasswd_is_stable_for_the_same_inputs_and_differs_by_host_secret():
    users = [{"name": "ops", "password": "correct horse battery"}]
    first = proxy_htpasswd(users, "host-secret-aaaaaaaa")
    assert first == proxy_htpasswd(users, "host-secret-aaaaaaaa")
    assert first != proxy_htpasswd(users, "host-secret-bbbbbbbb")
    assert first[0].startswith("ops:$6$" + derived_salt("host-secret-aaaaaaaa", "ops") + "$")


def test_htpasswd_changes_when_the_password_rotates():
    before = proxy_htpasswd([{"name": "ops", "password": "correct horse battery"}], "k" * 16)
    after = proxy_htpasswd([{"name": "ops", "password": "correct horse battery 2"}], "k" * 16)
    assert before != after


@pytest.mark.parametrize(("users", "message"), [
    ([{"name": "ops", "password": "short"}], "at least 12"),
    ([{"name": "bad:name", "password": "long-enough-password"}], "must be 1-64 characters"),
    ([{"name": "ops", "password": "long-enough-password"}] * 2, "used twice"),
    ([{"name": "ops", "password": "long-enough-password", "role": "x"}], "only name and password"),
])
def test_bad_basic_users_fail_without_echoing_the_password(users, message):
    with pytest.raises(AnsibleFilterError, match=message) as err:
        proxy_htpasswd(users, "k" * 16)
    assert "long-enough-password" not in str(err.value)


def test_auto_rounds_follow_the_password_length_and_verify_with_the_c_library():
    users = [{"name": "short", "password": "x" * 15}, {"name": "long", "password": "y" * 16}]
    short_line, long_line = proxy_htpasswd(users, "k" * 16, "auto")
    assert short_line.startswith("short:$6$" + derived_salt("k" * 16, "short") + "$")  # 5000: no rounds= field
    assert long_line.startswith("long:$6$rounds=1000$")
    for line, user in zip((short_line, long_line), users, strict=True):
        stored = line.split(":", 1)[1]
        assert libc_crypt(user["password"], stored) == stored  # what nginx's crypt() check computes


def test_a_number_of_rounds_applies_to_every_user():
    lines = proxy_htpasswd([{"name": "a", "password": "y" * 40}, {"name": "b", "password": "z" * 12}], "k" * 16, 20000)
    assert all("$6$rounds=20000$" in line for line in lines)
    assert proxy_htpasswd([{"name": "a", "password": "y" * 40}], "k" * 16, "5000") == \
        proxy_htpasswd([{"name": "a", "password": "y" * 40}], "k" * 16)


@pytest.mark.parametrize("rounds", [999, 0, "fast", "", None, 1000000000])
def test_bad_rounds_are_refused(rounds):
    with pytest.raises(AnsibleFilterError, match="rounds must be 'auto' or a number between 1000"):
        proxy_htpasswd([{"name": "a", "password": "y" * 40}], "k" * 16, rounds)


def test_short_salt_key_is_refused():
    with pytest.raises(AnsibleFilterError, match="salt key"):
        proxy_htpasswd([], "short")


# --- proxy_api_keys -------------------------------------------------------------------------

def test_api_keys_become_bearer_header_entries():
    out = proxy_api_keys([{"name": "webui", "key": "sk-" + "a" * 30}])
    assert out == [{"name": "webui", "header": "Bearer sk-" + "a" * 30,
                    "regex": "^[Bb][Ee][Aa][Rr][Ee][Rr] sk-" + "a" * 30 + "$"}]


@pytest.mark.parametrize(("keys", "message"), [
    ([{"name": "a", "key": "too-short"}], "needs a key"),
    ([{"name": "a", "key": "has space " + "x" * 30}], "needs a key"),
    ([{"name": "a", "key": 'quote"' + "x" * 30}], "needs a key"),
    ([{"name": "a", "key": "k" * 30}, {"name": "a", "key": "j" * 30}], "used twice"),
    ([{"name": "a", "key": "k" * 30}, {"name": "b", "key": "k" * 30}], "reuses the key"),
])
def test_bad_api_keys_fail_without_echoing_the_key(keys, message):
    with pytest.raises(AnsibleFilterError, match=message) as err:
        proxy_api_keys(keys)
    assert "x" * 30 not in str(err.value) and "k" * 30 not in str(err.value)


# --- proxy_cidrs ----------------------------------------------------------------------------

def test_cidrs_are_normalised_and_deduplicated():
    assert proxy_cidrs(["10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "10.0.0.0/8"]) == [
        "10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"]


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "10.0.0.1/8", "example.com", ""])
def test_bad_cidr_names_the_variable_and_index(bad):
    with pytest.raises(AnsibleFilterError, match=re.escape("proxy_allowed_cidrs[1]")):
        proxy_cidrs(["127.0.0.0/8", bad])


# --- proxy_api_keys: exact, case-sensitive matching in the rendered nginx map ----------------
MAP_TEMPLATE = Path(__file__).resolve().parents[4] / "roles" / "proxy" / "templates" / "api-keys.map.j2"
LAB_KEYS = [
    {"name": "webui", "key": "lab-only-key-0123456789abcdefghij"},
    {"name": "ci.bot", "key": "Ab.c+d/e=f~g_h-" + "Z9" * 6},  # every punctuation of the alphabet
]


def nginx_string(token):
    """A double-quoted nginx token as nginx's parser hands it on: \\" \\' \\\\ unescaped, other \\x kept."""
    assert token.startswith('"') and token.endswith('"'), token
    return re.sub(r'\\(["\'\\])', r"\1", token[1:-1])


def rendered_map(keys):
    """(regex, name) pairs of the api-keys map include, rendered as the role renders it."""
    # An nginx config file, not HTML: no autoescaping, like Ansible's template module.
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)  # noqa: S701
    text = env.from_string(MAP_TEMPLATE.read_text()).render(proxy_site_api_keys=proxy_api_keys(keys))
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = re.fullmatch(r'("(?:[^"\\]|\\.)*")\s+("(?:[^"\\]|\\.)*");', line)
        assert match, line
        source, name = nginx_string(match.group(1)), nginx_string(match.group(2))
        # "~" = case-sensitive regex ("~*" would be case-insensitive; a plain string is too).
        assert source.startswith("~") and not source.startswith("~*"), line
        entries.append((re.compile(source[1:]), name))
    return entries


def nginx_map(entries, value):
    """map's lookup for regex entries: the first that matches (pcre_exec = search), else default ""."""
    return next((name for regex, name in entries if regex.search(value)), "")


def test_map_entries_are_case_sensitive_regexes_of_the_exact_header():
    entries = rendered_map(LAB_KEYS)
    for item in LAB_KEYS:
        key = item["key"]
        assert nginx_map(entries, "Bearer " + key) == item["name"]
        assert nginx_map(entries, "bearer " + key) == item["name"]  # the scheme word is case-insensitive
        assert nginx_map(entries, "Bearer " + key.swapcase()) == ""
        assert nginx_map(entries, "Bearer " + key.upper()) == ""
        assert nginx_map(entries, "Bearer " + key + "x") == ""
        assert nginx_map(entries, "Bearer " + key[:-1]) == ""
        assert nginx_map(entries, "xBearer " + key) == ""
        assert nginx_map(entries, "Bearer  " + key) == ""
        assert nginx_map(entries, "Basic " + key) == ""


def test_punctuation_in_keys_is_literal_in_the_regex():
    entries = rendered_map(LAB_KEYS)
    key = LAB_KEYS[1]["key"]
    assert nginx_map(entries, "Bearer " + key.replace(".", "X")) == ""   # . is not "any character"
    assert nginx_map(entries, "Bearer " + key.replace("+", "++")) == ""  # + is not "one or more"
    assert nginx_map(entries, "Bearer " + key.replace("c+d", "ccd")) == ""   # + does not repeat the c


def test_regex_uses_only_the_common_pcre_subset():
    for regex, _name in rendered_map(LAB_KEYS):
        body = regex.pattern
        assert body.startswith("^[Bb][Ee][Aa][Rr][Ee][Rr] ") and body.endswith("$")
        # Only literal characters, \. and \+ escapes after the scheme: nothing PCRE and Python read differently.
        assert re.fullmatch(r"(?:[A-Za-z0-9_~=/-]|\\[.+])+", body[len("^[Bb][Ee][Aa][Rr][Ee][Rr] "):-1]), body


def test_keys_differing_only_in_case_are_refused_naming_both_entries():
    key = "lab-only-key-0123456789abcdefghij"
    with pytest.raises(AnsibleFilterError, match="differ only in letter case") as err:
        proxy_api_keys([{"name": "webui", "key": key}, {"name": "ci", "key": key.upper()}])
    assert "webui" in str(err.value) and "ci" in str(err.value)
    assert key not in str(err.value) and key.upper() not in str(err.value)

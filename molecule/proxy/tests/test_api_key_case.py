"""API keys match exactly, from the client's side: the key in another letter case is refused.

nginx compares plain ``map`` strings without regard to case, so a key entry written as a plain
string let ``Bearer <KEY IN ANY CASE>`` in. The proxy now writes case-sensitive regex entries.
Runs before test_proxy.py (file order): a handful of /api/tags requests on the read budget.
"""

import shlex
from pathlib import Path

import pytest
import yaml
from lab_hosts import Outsider, host

LAB_VARS = yaml.safe_load((Path(__file__).resolve().parents[1] / "vars" / "lab.yml").read_text())
KEY = LAB_VARS["proxy_api_keys"][0]["key"]
TARGET = "proxy-target"
URL = f"https://{TARGET}/api/tags"
CA = f"/tmp/aisec-proxy-ca-{TARGET}.crt"
KEYS_MAP = "/etc/nginx/aisec-ollama/api-keys.map"


def status_with(authorization):
    cmd = ["curl", "-sS", "--cacert", CA, "--max-time", "15", "-o", "/dev/null", "-w", "%{http_code}",
           "-H", f"Authorization: {authorization}", URL]
    return int(Outsider("proxy-client").host.check_output(shlex.join(cmd)))


def test_exact_key_is_accepted():
    assert status_with(f"Bearer {KEY}") == 200


@pytest.mark.parametrize("variant", [KEY.upper(), KEY.swapcase(), KEY[0].swapcase() + KEY[1:]],
                         ids=["upper", "swapcase", "first-letter"])
def test_key_in_another_letter_case_is_refused(variant):
    assert variant != KEY
    assert status_with(f"Bearer {variant}") == 401


def test_scheme_word_is_case_insensitive():
    # RFC 7235: the auth scheme is case-insensitive; only the key must match exactly.
    assert status_with(f"bearer {KEY}") == 200


def test_key_map_holds_case_sensitive_regex_entries():
    text = host(TARGET).file(KEYS_MAP).content_string
    entries = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert entries and all(line.startswith('"~^') and not line.startswith('"~*') for line in entries), entries

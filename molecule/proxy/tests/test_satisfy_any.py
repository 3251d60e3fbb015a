"""proxy_satisfy: any (on proxy-any): an allowed address OR a credential is enough."""

import shlex
from pathlib import Path

import pytest
import yaml
from lab_hosts import Outsider

LAB_VARS = yaml.safe_load((Path(__file__).resolve().parents[1] / "vars" / "lab.yml").read_text())
USER = LAB_VARS["proxy_basic_auth_users"][0]
KEY = LAB_VARS["proxy_api_keys"][0]
URL = "https://proxy-any/api/tags"
CA = "/tmp/aisec-proxy-ca-proxy-any.crt"


def status_of(who, *args):
    cmd = ["curl", "-sS", "--cacert", CA, "--max-time", "15", "-o", "/dev/null", "-w", "%{http_code}", *args, URL]
    return int(Outsider(who).host.check_output(shlex.join(cmd)))


def test_allowed_address_needs_no_credential():
    assert status_of("proxy-client") == 200


def test_other_address_without_credential_is_refused():
    assert status_of("proxy-stranger") == 401


@pytest.mark.parametrize("auth", [["-u", f"{USER['name']}:{USER['password']}"],
                                  ["-H", f"Authorization: Bearer {KEY['key']}"]], ids=["basic", "bearer"])
def test_other_address_with_a_credential_is_let_in(auth):
    assert status_of("proxy-stranger", *auth) == 200


def test_other_address_with_a_wrong_credential_is_refused():
    assert status_of("proxy-stranger", "-u", f"{USER['name']}:wrong-password-here") == 401


def test_closed_routes_stay_closed_for_the_allowed_address():
    cmd = ["curl", "-sS", "--cacert", CA, "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-d", "{}",
           "https://proxy-any/api/pull"]
    assert Outsider("proxy-client").host.check_output(shlex.join(cmd)) == "403"

# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/harden.yml's one-fact inputs, as an AWX survey or credential sends them (strings):
harden_allowed_cidrs feeds proxy_allowed_cidrs and firewall_allowed_cidrs, the simple credential
forms feed proxy_basic_auth_users / proxy_api_keys, TLS content feeds the proxy's content
variables; each role's own variable, when set, wins and the run says so.

harden.yml runs on localhost with its three role switches off (survey strings), so only its own
checks and translations run; a second play reports what the roles would read.
"""

import json
import sys

import pytest
import yaml
from ansible_runs import REPO, ansible_env, run_playbook

PASSWORD = "survey-password-0123456789"  # noqa: S105 (a test value)
KEY = "survey-api-key-abcdefghijklmnopqrstuvwxyz"


def run_harden(tmp_path, extra_vars, host_vars=None, extra_files=(), switches=None):
    """Run harden.yml with the role switches off (unless switches says otherwise), extra_vars as
    JSON extra vars and then each of extra_files as `-e @FILE` (as AWX passes a credential's
    injected vars); return the process and what the roles would read."""
    report = {
        "proxy_allowed_cidrs": "{{ proxy_allowed_cidrs | default('UNSET') }}",
        "firewall_allowed_cidrs": "{{ firewall_allowed_cidrs | default('UNSET') }}",
        "firewall_management_cidrs": "{{ firewall_management_cidrs | default('UNSET') }}",
        "basic_auth_names": "{{ proxy_basic_auth_users | default([]) | map(attribute='name') | list }}",
        "basic_auth_password_ok": (
            f"{{{{ (proxy_basic_auth_users | default([{{}}]))[0].password | default('') == '{PASSWORD}' }}}}"
        ),
        "api_key_names": "{{ proxy_api_keys | default([]) | map(attribute='name') | list }}",
        "api_key_ok": f"{{{{ (proxy_api_keys | default([{{}}]))[0].key | default('') == '{KEY}' }}}}",
        "tls_mode": "{{ proxy_tls_mode | default('UNSET') }}",
        "tls_cert_content": "{{ proxy_tls_certificate_content | default('UNSET') }}",
    }
    wrapper = [
        {"name": "Harden", "ansible.builtin.import_playbook": str(REPO / "playbooks" / "harden.yml")},
        {
            "name": "Report",
            "hosts": "localhost",
            "gather_facts": False,
            "tasks": [
                {
                    "name": "Report",
                    "ansible.builtin.copy": {
                        "content": "{{ report | to_json }}",
                        "dest": str(tmp_path / "report.json"),
                        "mode": "0600",
                    },
                    "vars": {"report": report},
                },
            ],
        },
    ]
    (tmp_path / "wrapper.yml").write_text(yaml.safe_dump(wrapper))
    # localhost in ollama_servers: harden_hosts' default (the survey's) finds it too
    inventory = {
        "all": {
            "children": {
                "ollama_servers": {
                    "hosts": {
                        "localhost": {
                            "ansible_connection": "local",
                            "ansible_python_interpreter": sys.executable,
                            **(host_vars or {}),
                        }
                    }
                }
            }
        }
    }
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory))
    layers_off = {"harden_server": "false", "harden_proxy": "No", "harden_firewall": "0", "harden_monitoring": "false"}
    survey = {
        "harden_hosts": "localhost",
        **(layers_off if switches is None else switches),
        **extra_vars,
    }
    (tmp_path / "extra.json").write_text(json.dumps(survey))
    proc = run_playbook(
        "-vvv",
        "-i",
        str(tmp_path / "inventory.yml"),
        "-e",
        "@" + str(tmp_path / "extra.json"),
        *[arg for path in extra_files for arg in ("-e", "@" + str(path))],
        str(tmp_path / "wrapper.yml"),
        cwd=tmp_path,
        env=ansible_env(),
    )
    written = tmp_path / "report.json"
    proc.flat = " ".join(proc.stdout.split())  # the default callback wraps long lines
    return proc, (json.loads(written.read_text()) if written.exists() else None)


def test_survey_strings_feed_both_roles_and_the_credentials(tmp_path):
    proc, report = run_harden(
        tmp_path,
        {
            "harden_allowed_cidrs": "10.20.0.0/16, 192.0.2.7\n2001:db8::/48,",
            "harden_basic_auth_user": "alice",
            "harden_basic_auth_password": PASSWORD,
            "harden_api_key": KEY,
            "harden_tls_certificate": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t",
            "harden_tls_private_key": "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t",
        },
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    cidrs = ["10.20.0.0/16", "192.0.2.7", "2001:db8::/48"]
    assert report["proxy_allowed_cidrs"] == cidrs
    assert report["firewall_allowed_cidrs"] == cidrs
    assert report["basic_auth_names"] == ["alice"] and report["basic_auth_password_ok"] is True
    assert report["api_key_names"] == ["awx"] and report["api_key_ok"] is True
    assert report["tls_mode"] == "files"
    assert report["tls_cert_content"] == "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"
    assert "proxy_allowed_cidrs: from harden_allowed_cidrs" in proc.flat
    assert "firewall_allowed_cidrs: from harden_allowed_cidrs" in proc.flat
    output = proc.stdout + proc.stderr
    assert PASSWORD not in output.replace(f"== '{PASSWORD}'", "")  # the report's own comparison is in its task args
    assert "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t" not in output


def test_management_cidrs_from_a_survey_string_feed_the_firewall_only(tmp_path):
    proc, report = run_harden(tmp_path, {"harden_management_cidrs": "192.0.2.0/28\n198.51.100.4"})
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    assert report["firewall_management_cidrs"] == ["192.0.2.0/28", "198.51.100.4"]
    assert report["firewall_allowed_cidrs"] == "UNSET"
    assert report["proxy_allowed_cidrs"] == "UNSET"
    assert "firewall_management_cidrs: from harden_management_cidrs" in proc.flat


def test_a_list_works_too_and_the_roles_own_variables_win(tmp_path):
    proc, report = run_harden(
        tmp_path,
        {"harden_allowed_cidrs": ["10.20.0.0/16"], "harden_api_key": KEY, "harden_api_key_name": "ci"},
        host_vars={
            "firewall_allowed_cidrs": ["198.51.100.0/24"],
            "proxy_api_keys": [{"name": "inventory-key", "key": "k" * 30}],
        },
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    assert report["proxy_allowed_cidrs"] == ["10.20.0.0/16"]
    assert report["firewall_allowed_cidrs"] == ["198.51.100.0/24"]
    assert report["api_key_names"] == ["inventory-key"]
    assert "WARNING: firewall_allowed_cidrs is set, so harden_allowed_cidrs is NOT used for it" in proc.flat
    assert "WARNING: proxy_api_keys is set, so harden_api_key is NOT used for it" in proc.flat


def test_role_variables_templated_from_hostvars_are_read(tmp_path):
    # An inventory that builds a role's variable from another host's variables (molecule/harden
    # does, from the client's facts): read through hostvars[...] it was templated without
    # hostvars and the run failed ("'hostvars' is undefined") before any role ran.
    proc, report = run_harden(
        tmp_path,
        {"harden_allowed_cidrs": "10.20.0.0/16"},
        host_vars={"lab_net": "198.51.100.0/24", "firewall_allowed_cidrs": ["{{ hostvars['localhost'].lab_net }}"]},
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    assert report["firewall_allowed_cidrs"] == ["198.51.100.0/24"]
    assert "firewall_allowed_cidrs = 198.51.100.0/24" in proc.flat
    assert "proxy_allowed_cidrs = 10.20.0.0/16" in proc.flat


def test_nothing_given_leaves_every_role_variable_alone(tmp_path):
    proc, report = run_harden(tmp_path, {"harden_allowed_cidrs": "", "harden_api_key": ""})
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    assert report["proxy_allowed_cidrs"] == "UNSET"
    assert report["firewall_allowed_cidrs"] == "UNSET"
    assert report["firewall_management_cidrs"] == "UNSET"
    assert report["api_key_names"] == []


@pytest.mark.parametrize(
    "extra,needle",
    [
        ({"harden_allowed_cidrs": "10.0.0.0/8, 10.0.0.300/32"}, "harden_allowed_cidrs[1]"),
        ({"harden_management_cidrs": "192.0.2.0/33"}, "harden_management_cidrs[0]"),
        ({"harden_basic_auth_user": "alice"}, "Give harden_basic_auth_user and harden_basic_auth_password together"),
        ({"harden_tls_certificate": "LS0t"}, "harden_tls_certificate and harden_tls_private_key together"),
    ],
)
def test_bad_survey_answers_stop_the_run_before_any_change(tmp_path, extra, needle):
    proc, report = run_harden(tmp_path, extra)
    assert proc.returncode != 0
    assert needle in proc.flat
    assert report is None
    assert "Feed harden_allowed_cidrs to the proxy" not in proc.flat

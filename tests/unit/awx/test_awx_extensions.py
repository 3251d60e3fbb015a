# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""extensions/awx/: the custom credential type and the survey specs of the two job templates.

No AWX server runs here. The files are checked against the rules AWX's API applies when they are
posted (JobTemplateSurveySpec._validate_spec_data, the credential type's input/injector schema),
and then fed to the playbooks the way AWX would: the survey's answers as extra vars (strings, a
list for a multiselect, an int for an integer), the credential's injector templates rendered in a
Jinja sandbox and passed as `-e @FILE` with every value tagged !unsafe (AWX's safe_dump).
"""

import json
from pathlib import Path

import pytest
import yaml
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment
from test_audit_runner import LOCAL, SURVEY, run_runner
from test_harden_inputs import KEY, PASSWORD, run_harden

REPO = Path(__file__).resolve().parents[3]
AWX = REPO / "extensions" / "awx"
CREDENTIAL_TYPE = AWX / "credential_type_ollama_proxy.yml"
SURVEYS = {"harden": AWX / "survey_harden.json", "audit": AWX / "survey_audit.json"}
# AWX's JobTemplateSurveySpec.ALLOWED_TYPES: question type -> Python type of its default
ALLOWED_TYPES = {
    "text": str,
    "textarea": str,
    "password": str,
    "multiplechoice": str,
    "multiselect": str,
    "integer": int,
    "float": float,
}
CERT = "-----BEGIN CERTIFICATE-----\nMIIBcredentialcert\n-----END CERTIFICATE-----\n"
PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEcredentialkey\n-----END PRIVATE KEY-----\n"


def awx_survey_errors(survey):
    """The checks AWX's API makes on a posted survey spec (awx/api/views: _validate_spec_data)."""
    errors = []
    for field, kind in (("name", str), ("description", str), ("spec", list)):
        if not isinstance(survey.get(field), kind):
            errors.append(f"{field} missing or not {kind.__name__}")
    seen = set()
    for idx, item in enumerate(survey.get("spec") or []):
        for field, kind in (("type", str), ("question_name", str), ("variable", str), ("required", bool)):
            if not isinstance(item.get(field), kind):
                errors.append(f"{idx}: {field} missing or not {kind.__name__}")
        if item.get("variable") in seen:
            errors.append(f"{idx}: variable {item['variable']} duplicated")
        seen.add(item.get("variable"))
        qtype = item.get("type")
        if qtype not in ALLOWED_TYPES:
            errors.append(f"{idx}: type {qtype} not allowed")
            continue
        if item.get("default", "") != "" and not isinstance(item["default"], ALLOWED_TYPES[qtype]):
            errors.append(f"{idx}: default {item['default']!r} is not {ALLOWED_TYPES[qtype].__name__}")
        for key in ("min", "max"):
            if key in item and item[key] is not None and not isinstance(item[key], int):
                errors.append(f"{idx}: {key} not an integer")
        if qtype in ("multiplechoice", "multiselect"):
            if "choices" not in item:
                errors.append(f"{idx}: no choices")
                continue
            defaults = item.get("default", "")
            defaults = defaults.splitlines() if isinstance(defaults, str) else defaults
            if qtype == "multiplechoice" and len(defaults) > 1:
                errors.append(f"{idx}: multiplechoice with more than one default")
            if any(d not in item["choices"] for d in defaults):
                errors.append(f"{idx}: default not among the choices")
    return errors


def survey_answers(name, **answers):
    """What AWX passes when the survey is launched with its defaults, answers replacing some:
    AWX sends every default that passes its own validation."""
    survey = json.loads(SURVEYS[name].read_text())
    out = {}
    for item in survey["spec"]:
        value = answers.pop(item["variable"], item.get("default"))
        if item["type"] == "multiselect" and isinstance(value, str):
            value = value.splitlines()  # the UI sends the selection as a list
        out[item["variable"]] = value
    assert not answers, f"not survey variables: {sorted(answers)}"
    return out


def load_credential_type():
    return yaml.safe_load(CREDENTIAL_TYPE.read_text())


class _UnsafeDumper(yaml.SafeDumper):
    """Every string tagged !unsafe, as AWX's safe_dump writes a credential's extra vars."""


_UnsafeDumper.add_representer(str, lambda dumper, value: dumper.represent_scalar("!unsafe", value))


def inject_credential(tmp_path, inputs):
    """The extra vars file AWX writes for a credential of our type (CredentialType.inject_credential):
    the namespace holds only the non-empty inputs, each injector template is rendered in a sandbox."""
    injectors = load_credential_type()["injectors"]
    env = ImmutableSandboxedEnvironment()
    namespace = {k: v for k, v in inputs.items() if len(v)}
    rendered = {var: env.from_string(tmpl).render(**namespace) for var, tmpl in injectors["extra_vars"].items()}
    path = tmp_path / "credential_extravars.yml"
    path.write_text(yaml.dump(rendered, Dumper=_UnsafeDumper))
    return path


# The files themselves


@pytest.mark.parametrize("name", sorted(SURVEYS))
def test_survey_spec_is_what_awx_accepts(name):
    survey = json.loads(SURVEYS[name].read_text())
    assert awx_survey_errors(survey) == []
    for item in survey["spec"]:
        assert item["question_description"], item["variable"]
        assert item["variable"].startswith(f"{name}_"), item["variable"]
        assert "default" in item, item["variable"]


def test_the_awx_checks_do_refuse_bad_specs():
    """The validator above is the test's only judge of shape: it must catch what AWX refuses."""
    good = json.loads(SURVEYS["harden"].read_text())
    bad = json.loads(SURVEYS["harden"].read_text())
    bad["spec"][1]["type"] = "boolean"
    bad["spec"][2]["default"] = "yes"
    bad["spec"][3]["required"] = "true"
    bad["spec"].append(dict(good["spec"][0]))
    errors = awx_survey_errors(bad)
    assert len(errors) == 4, errors


@pytest.mark.parametrize("name", sorted(SURVEYS))
def test_every_switch_is_a_true_false_choice_sent_as_a_string(name):
    survey = json.loads(SURVEYS[name].read_text())
    switches = [item for item in survey["spec"] if item.get("choices") == ["true", "false"]]
    assert switches
    for item in switches:
        assert item["type"] == "multiplechoice" and isinstance(item["default"], str)


def test_credential_type_fields_secrets_and_injectors():
    cred = load_credential_type()
    assert cred["kind"] in ("cloud", "net")  # the kinds AWX allows for custom types
    fields = {f["id"]: f for f in cred["inputs"]["fields"]}
    assert len(fields) == len(cred["inputs"]["fields"])
    assert all(f["type"] in ("string", "boolean") and f["label"] for f in fields.values())
    assert set(cred["inputs"].get("required", [])) <= set(fields)
    assert {k for k, f in fields.items() if f.get("secret")} == {"basic_auth_password", "api_key", "tls_private_key"}
    assert fields["tls_certificate"].get("multiline") and fields["tls_private_key"].get("multiline")
    assert set(cred["injectors"]) == {"extra_vars"}  # no env, no files: nothing for the EE to leak
    env = ImmutableSandboxedEnvironment()
    for var, tmpl in cred["injectors"]["extra_vars"].items():
        # AWX refuses a template naming something that is not a field
        assert meta.find_undeclared_variables(env.parse(tmpl)) <= set(fields), var


def test_every_variable_they_set_is_read_by_its_playbook():
    """A survey or credential variable nobody reads would be a silent no-op: each must be used in
    an expression of the playbook it feeds (not only named in its comments)."""
    cred_vars = set(load_credential_type()["injectors"]["extra_vars"])
    sets = {
        "harden": cred_vars | {i["variable"] for i in json.loads(SURVEYS["harden"].read_text())["spec"]},
        "audit": {i["variable"] for i in json.loads(SURVEYS["audit"].read_text())["spec"]},
    }
    for playbook, names in sets.items():
        code = "\n".join(
            line
            for line in (REPO / "playbooks" / f"{playbook}.yml").read_text().splitlines()
            if not line.lstrip().startswith("#")
        )
        for name in names:
            assert f"{name} |" in code or f"{name}}}" in code, f"{playbook}.yml does not read {name}"


# The files fed to the playbooks


def test_harden_survey_defaults_and_credential_reach_the_roles(tmp_path):
    survey = survey_answers(
        "harden",
        # the layers off, so that only harden.yml's input resolution runs here (the roles'
        # reading of "true" is tested on its own)
        harden_server="false",
        harden_proxy="false",
        harden_firewall="false",
        harden_monitoring="false",
        harden_allowed_cidrs="10.20.0.0/16,\n192.0.2.0/24",
        harden_management_cidrs="198.51.100.0/28",
    )
    cred = inject_credential(
        tmp_path,
        {
            "basic_auth_user": "alice",
            "basic_auth_password": PASSWORD,
            "api_key_name": "ci",
            "api_key": KEY,
            "tls_certificate": CERT,
            "tls_private_key": PRIVATE_KEY,
        },
    )
    assert "!unsafe" in cred.read_text()
    proc, report = run_harden(tmp_path, survey, extra_files=[cred], switches={})
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    assert report["proxy_allowed_cidrs"] == ["10.20.0.0/16", "192.0.2.0/24"]
    assert report["firewall_allowed_cidrs"] == ["10.20.0.0/16", "192.0.2.0/24"]
    assert report["firewall_management_cidrs"] == ["198.51.100.0/28"]
    assert report["basic_auth_names"] == ["alice"] and report["basic_auth_password_ok"] is True
    assert report["api_key_names"] == ["ci"] and report["api_key_ok"] is True
    assert report["tls_mode"] == "files"
    assert report["tls_cert_content"] == CERT
    output = proc.stdout + proc.stderr
    assert PASSWORD not in output.replace(f"== '{PASSWORD}'", "")
    assert "MIIEcredentialkey" not in output


def test_harden_survey_defaults_alone_leave_the_inventory_in_charge(tmp_path):
    """Empty survey text and an empty credential field inject '': not given, so the inventory's
    own role variables (or the role defaults) apply, and nothing half-given stops the run."""
    survey = survey_answers("harden", harden_server="false", harden_proxy="false", harden_firewall="false",
                            harden_monitoring="false")
    assert survey["harden_allowed_cidrs"] == "" and survey["harden_management_cidrs"] == ""
    cred = inject_credential(tmp_path, {"api_key": KEY})
    proc, report = run_harden(
        tmp_path, survey, extra_files=[cred], switches={}, host_vars={"firewall_management_cidrs": ["192.0.2.0/28"]}
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    assert report["proxy_allowed_cidrs"] == "UNSET"
    assert report["firewall_management_cidrs"] == ["192.0.2.0/28"]
    assert report["basic_auth_names"] == []
    assert report["api_key_names"] == ["awx"] and report["api_key_ok"] is True
    assert report["tls_mode"] == "UNSET"


def test_audit_survey_defaults_run_under_runner_and_hand_back_the_verdicts(tmp_path):
    survey = survey_answers("audit")
    assert survey["audit_fail_on_verdicts"] == ["exposed"] and survey["audit_timeout"] == 10
    hosts = {"localhost": {**LOCAL, "audit_target": "https://127.0.0.1:1", "audit_version_url": "http://127.0.0.1:1"}}
    proc, artifacts, stats = run_runner(tmp_path, survey, hosts=hosts, drop=tuple(SURVEY))
    assert (artifacts / "status").read_text() == "successful", proc.stdout[-3000:]
    assert stats["audit_result_verdicts"] == {"localhost": "pass"}
    assert stats["audit_result_gate"] == "passed"

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The check catalogue, remediation names and the verdict."""

from pathlib import Path

import pytest
import yaml
from ansible_collections.aisec.ollama.plugins.module_utils import audit_findings as af
from ansible_collections.aisec.ollama.plugins.module_utils import endpoints

ROLES = Path(__file__).resolve().parents[4] / 'roles'


def test_every_endpoint_class_has_an_exposure_check():
    for name in endpoints.CLASSES:
        assert f'exposure.{name}' in af.CHECKS


def test_every_check_names_the_role_and_variables_that_fix_it():
    for check_id, _check in af.CHECKS.items():
        rem = af.remediation(check_id)
        assert rem['fixes'], check_id
        for fix in rem['fixes']:
            assert fix['role'].startswith('aisec.ollama.') and fix['variables']
            short = fix['role'].split('.')[-1]
            assert all(v.startswith(short + '_') for v in fix['variables'])


def test_fix_variables_exist_in_the_roles_argument_specs_when_the_roles_are_there():
    """Names are kept in one mapping; once a role ships its specs, they must match."""
    checked = 0
    for fix in af.FIXES.values():
        specs = ROLES / fix.role.split('.')[-1] / 'meta' / 'argument_specs.yml'
        if not specs.exists():
            continue
        options = yaml.safe_load(specs.read_text())['argument_specs']['main']['options']
        for variable in fix.variables:
            assert variable in options, f'{variable} is not an option of {fix.role}'
            checked += 1
    assert checked or not ROLES.exists()


@pytest.mark.parametrize('reachable, answered, identified, hidden, severities, verdict', [
    ({}, False, False, False, [], 'unreachable'),
    ({'banner': 'blocked'}, True, False, False, [], 'not_ollama'),
    ({'banner': 'open', 'management': 'open'}, True, True, False, ['critical'], 'exposed'),
    ({'banner': 'open', 'read': 'blocked'}, True, True, False, ['medium'], 'restricted'),
    ({'banner': 'blocked'}, True, False, True, ['high'], 'restricted'),
    ({'banner': 'blocked'}, True, False, True, ['low', 'info'], 'hardened'),
    ({'banner': 'blocked'}, True, True, False, [], 'hardened'),
    # What could not be examined is never restricted or hardened; what is open still is exposed.
    ({'banner': 'blocked', 'inference': 'rate_limited'}, True, False, True, [], 'incomplete'),
    ({'banner': 'blocked', 'read': 'error'}, True, False, True, ['high'], 'incomplete'),
    ({'read': 'open', 'inference': 'rate_limited'}, True, True, False, [], 'exposed'),
])
def test_verdict(reachable, answered, identified, hidden, severities, verdict):
    findings = [{'severity': s} for s in severities]
    assert af.verdict(reachable, answered, identified, hidden, findings) == verdict


def test_recorder_refuses_unknown_checks_and_skips_unreached_ones():
    rec = af.Recorder()
    with pytest.raises(KeyError):
        rec.fail('no.such.check')
    rec.fail('exposure.read', detail='open: tags')
    checks = rec.checks()
    assert [c['id'] for c in checks] == list(af.CHECKS)
    assert next(c for c in checks if c['status'] == 'fail')['id'] == 'exposure.read'
    assert all(c['status'] == 'skip' for c in checks if c['id'] != 'exposure.read')
    findings = af.findings_of(checks)
    assert findings[0]['remediation']['fixes']

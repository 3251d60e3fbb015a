# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificate name matching (the network cases run in test_audit_checks.py)."""

import pytest
from ansible_collections.aisec.ollama.plugins.module_utils import audit_tls


def cert(*sans, cn=None):
    out = {'subjectAltName': tuple(sans)}
    if cn:
        out['subject'] = ((('commonName', cn),),)
    return out


@pytest.mark.parametrize('certificate, host, match', [
    (cert(('DNS', 'ollama.example.com')), 'ollama.example.com', True),
    (cert(('DNS', 'ollama.example.com')), 'OLLAMA.example.com.', True),
    (cert(('DNS', '*.example.com')), 'ollama.example.com', True),
    (cert(('DNS', '*.example.com')), 'a.b.example.com', False),
    (cert(('DNS', 'other.example.com')), 'ollama.example.com', False),
    (cert(('IP Address', '10.0.0.5')), '10.0.0.5', True),
    (cert(('DNS', '10.0.0.5')), '10.0.0.5', False),
    (cert(cn='legacy.example.com'), 'legacy.example.com', True),
    (cert(('DNS', 'x.example.com'), cn='legacy.example.com'), 'legacy.example.com', False),
])
def test_hostname_matches(certificate, host, match):
    assert audit_tls.hostname_matches(certificate, host) is match


def test_legacy_probe_of_a_closed_port_is_refused_not_accepted():
    result = audit_tls.legacy_protocols('127.0.0.1', 9, 1)
    assert result['TLSv1'] in (False, None) and result['TLSv1.1'] in (False, None)

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report page: every verdict and part on it, nothing from the hosts unescaped,
nothing loaded from elsewhere, nothing unseen shown as clean. (The page in a real browser:
tests/unit/report/test_fleet_report_browser.py.)"""

import html.parser
import json
import os
import re
import sys

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.aisec.ollama.plugins.filter.fleet_report_html import fleet_report_html
from ansible_collections.aisec.ollama.plugins.module_utils import fleet_html
from ansible_collections.aisec.ollama.plugins.module_utils import fleet_report as fr

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'audit'))

import fleet


def page(**kwargs):
    rows, facts, endpoints = fleet.inputs(**kwargs)
    return fleet_html.render(fr.build(rows, facts, endpoints))


def section(text, host):
    """One host's section of the page."""
    index = [fleet.EXPOSED, fleet.HARDENED, fleet.GONE].index(host) + 1
    start = text.index(f'<section class="host" id="host-{index}">')
    return text[start:text.index('</section>', start)]


class Tags(html.parser.HTMLParser):
    """Every start tag and attribute, as a parser (a browser's first step) sees them."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(text):
    parser = Tags()
    parser.feed(text)
    return parser.tags


def test_summary_names_each_host_with_its_verdict_and_endpoint_verdict():
    text = page()
    rows = re.findall(r'<tr><td><a href="#host-\d">(.*?)</a></td><td>(.*?)</td><td>(.*?)</td>', text)
    assert [(h, re.sub('<[^>]+>', '', v), re.sub('<[^>]+>', '', e)) for h, v, e in rows] == [
        (fleet.EXPOSED, 'FAIL', 'exposed'), (fleet.HARDENED, 'PASS', 'hardened'),
        (fleet.GONE, 'NOT EXAMINED', 'unreachable')]
    assert 'Gate FAILED: 2 of 3 host(s) fail it' in text


def test_hostile_strings_from_hosts_are_escaped_never_markup():
    text = page()
    assert [t for t, _a in tags_of(text) if t in ('script', 'img', 'iframe', 'object', 'embed')] == []
    assert not any(name.startswith('on') for _t, attrs in tags_of(text) for name in attrs)
    assert '&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;evil:latest' in text
    assert '&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt; Evil License' in text
    assert '&lt;img src=x onerror=alert(1)&gt;' in text  # the banner, and the evidence detail
    assert '<title>Ollama fleet audit: gate FAILED</title>' in text


def test_bidi_and_control_characters_are_shown_as_escapes():
    text = page()
    assert '\u202e' not in text and '\\u202e' in text
    assert fleet_html._e('a\x00b\x1bc') == 'a\\u0000b\\u001bc'


def test_the_page_loads_nothing_from_elsewhere_and_runs_no_script():
    text = page()
    for tag, attrs in tags_of(text):
        assert 'src' not in attrs, tag
        assert not attrs.get('href', '#').lstrip().startswith(('http', '//', 'javascript', 'data')), attrs
        assert tag not in ('script', 'link', 'img', 'iframe'), tag
    assert '@import' not in text and 'url(' not in text
    assert ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            'style-src \'unsafe-inline\'">') in text


def test_exposed_host_shows_findings_severity_evidence_and_the_fixing_variable():
    host = section(page(), fleet.EXPOSED)
    assert '<code>exposure.management</code>' in host and 'sev-critical' in host
    assert '<code>DELETE /api/delete with a nonexistent model</code> &rarr; 404' in host
    assert '<code>proxy_basic_auth_users</code>, <code>proxy_api_keys</code>' in host
    assert '<code>server_bind_host</code>' in host
    assert 'Deployment</dt><dd>native' in host


def test_version_is_shown_against_the_advisories():
    host = section(page(), fleet.EXPOSED)
    assert 'Ollama <code>0.17.0</code>' in host and 'vulnerable' in host and 'upgrade to 0.17.1' in host
    assert '<code>CVE-2026-7482</code>' in host and 'Model path traversal' in host


def test_model_inventory_lists_name_digest_size_family_parameters_quantization_license():
    host = section(page(hostile=False), fleet.EXPOSED)
    row = re.search(r'<tr><td class="mono">emu-tiny:latest</td>.*?</tr>', host).group()
    for cell in ('8ce62d11be030ca652202d81abd4b274beef82a68b96fe9953a85c1b4598eb42', '781 B', '781 bytes',
                 '<td>emu</td>', '<td>1K</td>', '<td>F32</td>', '<td>MIT License (test fixture)</td>'):
        assert cell in row, cell
    assert '4.7 GB' in host


def test_a_model_whose_details_failed_says_not_read_not_no_license():
    host = section(page(), fleet.HARDENED)
    assert '<strong>NOT READ</strong>: /api/show answered HTTP 500' in host
    assert 'none declared' not in host


def test_an_unreachable_host_says_not_examined_everywhere_and_never_clean():
    host = section(page(), fleet.GONE)
    assert 'version NOT examined: Ansible could not reach the host' in host
    assert 'endpoints NOT examined: the host name does not resolve' in host
    assert 'model inventory NOT read: host not examined' in host
    assert 'No findings' not in host and 'lists no models' not in host
    assert 'Deployment</dt><dd>unknown' in host


def test_changes_are_shown_and_an_unusable_previous_report_is_said():
    rows, facts, endpoints = fleet.inputs()
    before = fr.build(rows, facts, endpoints)
    rows, facts, endpoints = fleet.inputs(exposed_findings=[])
    text = fleet_html.render(fr.build(rows, facts, endpoints,
                                      previous={'source': 'c:/r/old.json', 'text': json.dumps(before)}))
    changes = text[text.index('<section class="changes">'):]
    assert 'Compared with c:/r/old.json' in changes
    assert re.search(r'<strong>Closed</strong>: .*exposure\.management', changes)
    assert re.search(r'<strong>Still open</strong>: .*CVE-2026-7482', changes)
    assert re.search(r'<strong>Not compared</strong>: .*not examined in this run', changes) is None
    bad = fleet_html.render(fr.build(rows, facts, endpoints, previous={'source': 's', 'error': 'no such file'}))
    assert 'NOT READ</strong>: the previous report could not be used: no such file' in bad


def test_long_text_is_cut():
    assert len(fleet_html._e('x' * 5000)) == 400
    assert fleet_html._e('x' * 5000).endswith('\u2026')


def test_the_filter_refuses_anything_but_a_record():
    with pytest.raises(AnsibleFilterError, match='fleet_report'):
        fleet_report_html({'hosts': []})
    rows, facts, endpoints = fleet.inputs()
    assert fleet_report_html(fr.build(rows, facts, endpoints)).startswith('<!DOCTYPE html>')

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report page in a real browser: headless Chromium (Debian's chromium, installed by
scripts/setup.sh) renders it to a PNG and dumps the DOM it built, and the page's text must name
each host's verdict: an exposed, a hardened and an unreachable host. Hostile model names, license
lines and banners must not have become elements. Fails, never skips, without Chromium."""

import html.parser
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from ansible_collections.aisec.ollama.plugins.module_utils import fleet_html
from ansible_collections.aisec.ollama.plugins.module_utils import fleet_report as fr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "audit"))

import fleet

# The flags that work on this kind of machine (no network but the package registries, root):
# without the background-networking ones Chromium keeps trying to reach Google's hosts.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--window-size=1280,3200"]
EXPECTED = {fleet.EXPOSED: ("FAIL", "exposed"), fleet.HARDENED: ("PASS", "hardened"),
            fleet.GONE: ("NOT EXAMINED", "unreachable")}


def chromium():
    path = shutil.which("chromium")
    if not path:
        pytest.fail("chromium is not installed: scripts/setup.sh installs it (apt-get install chromium)")
    return path


def browse(page, tmp_path, *args):
    """Chromium on the page file with ARGS and a fresh profile; its standard output."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    proc = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
                          capture_output=True, text=True, timeout=180, check=False, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


class SummaryTable(html.parser.HTMLParser):
    """The text of each row of the summary table, cell by cell, and every element's name."""

    def __init__(self):
        super().__init__()
        self.rows, self.elements, self._in_summary, self._cell = [], [], False, None

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)
        if tag == "table" and ("class", "summary") in attrs:
            self._in_summary = True
        elif self._in_summary and tag == "tr":
            self.rows.append([])
        elif self._in_summary and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_summary = False
        elif self._in_summary and tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def verdicts_in(dom):
    """host -> (verdict, endpoint verdict) as the browser's page shows them; and the element names."""
    table = SummaryTable()
    table.feed(dom)
    header, *rows = table.rows
    assert header[:3] == ["Host", "Verdict", "Endpoint"], header
    return {row[0]: (row[1], row[2]) for row in rows}, set(table.elements)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    rows, facts, endpoints = fleet.inputs(hostile=True)
    path = tmp_path_factory.mktemp("fleet-report") / "ollama-audit-fleet.html"
    path.write_text(fleet_html.render(fr.build(rows, facts, endpoints)), encoding="utf-8")
    return path


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24]), len(data)


def test_chromium_renders_the_report_to_a_png(page, tmp_path):
    shot = tmp_path / "report.png"
    browse(page, tmp_path, f"--screenshot={shot}")
    (width, height), size = png_size(shot)
    assert (width, height) == (1280, 3200)
    assert size > 50_000, f"{shot} is {size} bytes: a blank page?"
    if os.environ.get("AISEC_REPORT_PNG"):  # to look at it: AISEC_REPORT_PNG=/tmp/report.png
        shutil.copy(shot, os.environ["AISEC_REPORT_PNG"])


def test_the_browsers_page_names_every_hosts_verdict(page, tmp_path):
    verdicts, _elements = verdicts_in(browse(page, tmp_path, "--dump-dom"))
    assert verdicts == EXPECTED


def test_hostile_names_licenses_and_banners_did_not_become_elements(page, tmp_path):
    dom = browse(page, tmp_path, "--dump-dom")
    _verdicts, elements = verdicts_in(dom)
    assert not elements & {"script", "img", "iframe", "object", "embed"}, elements
    assert '<script>alert("name")</script>evil:latest' in html.unescape(dom)  # shown as text
    assert "<title>Ollama fleet audit: gate FAILED</title>" in dom  # no script retitled it


def test_the_check_fails_when_a_verdict_is_missing(page, tmp_path):
    """The check above can fail: the same page with the unreachable host's verdict left out."""
    doctored = tmp_path / "doctored.html"
    text = page.read_text(encoding="utf-8")
    verdict = '<span class="verdict v-not_examined">NOT EXAMINED</span>'
    assert text.count(verdict) == 2  # the summary and the host's section
    doctored.write_text(text.replace(verdict, "", 1), encoding="utf-8")
    verdicts, _elements = verdicts_in(browse(doctored, tmp_path, "--dump-dom"))
    assert verdicts != EXPECTED
    assert verdicts[fleet.GONE] == ("", "unreachable")

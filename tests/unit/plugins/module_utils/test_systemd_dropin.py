# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""systemd_dropin: Environment= lines as systemd reads them."""

import pytest
from ansible_collections.aisec.ollama.plugins.module_utils import systemd_dropin as d


def test_reads_the_forms_people_write():
    text = ('[Unit]\nEnvironment="NOT=service"\n[Service]\n'
            'Environment="OLLAMA_HOST=0.0.0.0"\nEnvironment=OLLAMA_ORIGINS=*\n'
            "Environment='A=1 2' B=3\n# Environment=C=4\n")
    assert d.dropin_settings(text) == {'OLLAMA_HOST': '0.0.0.0', 'OLLAMA_ORIGINS': '*', 'A': '1 2', 'B': '3'}


def test_empty_environment_resets_the_list():
    assert d.dropin_settings('[Service]\nEnvironment=A=1\nEnvironment=\nEnvironment=B=2\n') == {'B': '2'}


def test_render_then_parse_round_trips():
    values = {'X': 'with space', 'Y': 'q"uote', 'Z': '100%', 'W': 'back\\slash'}
    assert d.dropin_settings(d.render_dropin(values)) == values


def test_unbalanced_quotes_are_an_error():
    with pytest.raises(d.ParseError):
        d.dropin_settings('[Service]\nEnvironment="A=1\n')

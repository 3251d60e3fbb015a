# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ollama_config: guarded variables set insecurely in other files of the unit (issue 11 item 10)."""

import functools

import pytest
from ansible_collections.aisec.ollama.plugins.module_utils import systemd_dropin as dropin
from ansible_collections.aisec.ollama.plugins.modules import ollama_config as module

SECURE = {'OLLAMA_HOST': '127.0.0.1:11434', 'OLLAMA_NO_CLOUD': True}


@pytest.fixture
def run(module_runner, monkeypatch):
    monkeypatch.setattr(dropin, 'UNIT_DIRS', ())  # only the test's directories
    return functools.partial(module_runner, module.main)


@pytest.fixture
def unit_dir(tmp_path):
    d = tmp_path / 'ollama.service.d'
    d.mkdir()
    return d


def test_origins_wildcard_in_override_fails_naming_file_and_line(run, unit_dir):
    (unit_dir / 'override.conf').write_text('[Service]\nEnvironment="OLLAMA_ORIGINS=*"\n')
    path = unit_dir / 'aisec.conf'
    result = run(dict(path=str(path), settings=SECURE), fail=True)
    assert 'override.conf line 2 sets OLLAMA_ORIGINS=*' in result['msg']
    assert not path.exists()


def test_takeover_comments_out_the_unit_and_env_file_lines_with_backups(run, unit_dir, tmp_path):
    unit = tmp_path / 'ollama.service'
    env = tmp_path / 'ollama.env'
    env.write_text('OLLAMA_DEBUG_LOG_REQUESTS=1\nOLLAMA_KEEP_ALIVE=1h\n')
    unit.write_text(f'[Service]\nExecStart=/x serve\nEnvironment="OLLAMA_ORIGINS=*" "A=1"\nEnvironmentFile={env}\n')
    path = unit_dir / 'aisec.conf'
    result = run(dict(path=str(path), settings=SECURE, conflicts='takeover'))
    assert result['changed'] and result['restart_required'] and len(result['backups']) == 2
    assert dropin.dropin_settings(unit.read_text()) == {'A': '1'}
    assert dropin.parse_env_file(env.read_text()) == {'OLLAMA_KEEP_ALIVE': '1h'}
    again = run(dict(path=str(path), settings=SECURE, conflicts='takeover'))
    assert not again['changed'] and again['conflicts'] == []


def test_guarded_empty_checks_only_managed_variables(run, unit_dir):
    (unit_dir / 'override.conf').write_text('[Service]\nEnvironment="OLLAMA_ORIGINS=*"\n')
    result = run(dict(path=str(unit_dir / 'aisec.conf'), settings=SECURE, guarded=[]))
    assert result['conflicts'] == []

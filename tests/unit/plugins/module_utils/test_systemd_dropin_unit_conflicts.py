# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""systemd_dropin.find_unit_conflicts: insecure values anywhere in the unit, not only later drop-ins."""

import pytest
from ansible_collections.aisec.ollama.plugins.module_utils import ollama_settings as s
from ansible_collections.aisec.ollama.plugins.module_utils import systemd_dropin as d

MANAGED = {'OLLAMA_HOST': '127.0.0.1:11434', 'OLLAMA_NO_CLOUD': 'true', 'OLLAMA_DEBUG_LOG_REQUESTS': 'false',
           'OLLAMA_MODELS': '/usr/share/ollama/.ollama/models'}


@pytest.fixture
def unit(tmp_path):
    (tmp_path / 'ollama.service').write_text('[Service]\nExecStart=/usr/local/bin/ollama serve\n')
    (tmp_path / 'ollama.service.d').mkdir()
    return tmp_path


def conflicts(unit, extra_dirs=()):
    return d.find_unit_conflicts(str(unit / 'ollama.service.d' / 'aisec.conf'), MANAGED, guarded=s.GUARDED,
                                 weakens=s.weakens, search_dirs=extra_dirs)


def test_origins_wildcard_in_override_conf_is_a_conflict(unit):
    (unit / 'ollama.service.d' / 'override.conf').write_text('[Service]\nEnvironment="OLLAMA_ORIGINS=*"\n')
    found = conflicts(unit)
    assert [(c.path.rsplit('/', 1)[1], c.lineno, c.name, c.value) for c in found] == [
        ('override.conf', 2, 'OLLAMA_ORIGINS', '*')]


def test_guarded_variable_in_an_earlier_dropin_is_a_conflict(unit):
    (unit / 'ollama.service.d' / '00-debug.conf').write_text(
        '[Service]\nEnvironment=OLLAMA_DEBUG_LOG_REQUESTS=false OLLAMA_DEBUG=2 OLLAMA_REMOTES=evil.example\n')
    names = sorted(c.name for c in conflicts(unit))
    # DEBUG_LOG_REQUESTS is managed and the earlier drop-in loses: not a conflict.
    assert names == ['OLLAMA_DEBUG', 'OLLAMA_REMOTES']


def test_unit_file_environment_is_checked(unit):
    (unit / 'ollama.service').write_text('[Service]\nExecStart=/x serve\nEnvironment="OLLAMA_ORIGINS=http://*"\n')
    found = conflicts(unit)
    assert [(c.path, c.lineno, c.name) for c in found] == [(str(unit / 'ollama.service'), 3, 'OLLAMA_ORIGINS')]


def test_environment_file_overrides_managed_values_and_is_checked(unit, tmp_path):
    env = tmp_path / 'ollama.env'
    env.write_text('# comment\nOLLAMA_HOST=0.0.0.0\nOLLAMA_NO_CLOUD="true"\nOLLAMA_ORIGINS=*\n')
    (unit / 'ollama.service.d' / 'env.conf').write_text(f'[Service]\nEnvironmentFile=-{env}\n')
    found = conflicts(unit)
    assert [(c.path, c.lineno, c.name, c.kind) for c in found] == [
        (str(env), 2, 'OLLAMA_HOST', 'envfile'), (str(env), 4, 'OLLAMA_ORIGINS', 'envfile')]


def test_secure_values_elsewhere_are_not_conflicts(unit):
    (unit / 'ollama.service.d' / 'override.conf').write_text(
        '[Service]\nEnvironment=OLLAMA_NO_CLOUD=true OLLAMA_HOST=127.0.0.1:11434 OLLAMA_KEEP_ALIVE=1h\n')
    (unit / 'ollama.service.d' / '00-a.conf').write_text('[Service]\nEnvironment=OLLAMA_DEBUG=0\n')
    assert conflicts(unit) == []


def test_dropins_in_run_and_usr_lib_are_read_and_etc_hides_the_same_name(unit, tmp_path):
    usr = tmp_path / 'usr' / 'ollama.service.d'
    usr.mkdir(parents=True)
    (usr / 'vendor.conf').write_text('[Service]\nEnvironment=OLLAMA_HOST=0.0.0.0\n')
    (usr / 'override.conf').write_text('[Service]\nEnvironment=OLLAMA_ORIGINS=*\n')
    (unit / 'ollama.service.d' / 'override.conf').write_text('[Service]\nEnvironment=OLLAMA_KEEP_ALIVE=1h\n')
    found = conflicts(unit, extra_dirs=(str(tmp_path / 'usr'),))
    assert [(c.path, c.name) for c in found] == [(str(usr / 'vendor.conf'), 'OLLAMA_HOST')]


def test_takeover_of_an_environment_file_comments_the_line():
    text = 'A=1\nOLLAMA_HOST=0.0.0.0\n'
    c = d.Conflict('/etc/x.env', 2, 'OLLAMA_HOST', '0.0.0.0', 'envfile')
    out = d.takeover_env_file(text, [c], '/etc/systemd/system/ollama.service.d/aisec.conf')
    assert d.parse_env_file(out) == {'A': '1'}
    assert '# disabled by aisec.ollama' in out


@pytest.mark.parametrize('name,value,bad', [
    ('OLLAMA_HOST', '0.0.0.0', True), ('OLLAMA_HOST', '127.0.0.1:8080', False), ('OLLAMA_HOST', ':11434', True),
    ('OLLAMA_ORIGINS', '*', True), ('OLLAMA_ORIGINS', 'https://a.example', True), ('OLLAMA_ORIGINS', '', False),
    ('OLLAMA_DEBUG_LOG_REQUESTS', '1', True), ('OLLAMA_DEBUG_LOG_REQUESTS', 'false', False),
    ('OLLAMA_DEBUG', '2', True), ('OLLAMA_DEBUG', '0', False),
    ('OLLAMA_NO_CLOUD', '0', True), ('OLLAMA_NO_CLOUD', '', True), ('OLLAMA_NO_CLOUD', 'true', False),
    ('OLLAMA_REMOTES', 'x.example', True), ('OLLAMA_KEEP_ALIVE', '1h', False),
])
def test_weakens(name, value, bad):
    assert (s.weakens(name, value) is not None) is bad

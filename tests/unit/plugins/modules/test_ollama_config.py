# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""aisec.ollama.ollama_config: drop-in and env file, idempotence, check mode, conflicts, refusals."""

import functools
import json
import os
import stat

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args
from ansible_collections.aisec.ollama.plugins.module_utils import systemd_dropin as dropin
from ansible_collections.aisec.ollama.plugins.modules import ollama_config as module

SECURE = {'OLLAMA_HOST': '127.0.0.1:11434', 'OLLAMA_NO_CLOUD': True}


@pytest.fixture
def run(module_runner):
    return functools.partial(module_runner, module.main)


@pytest.fixture
def unit_dir(tmp_path):
    d = tmp_path / 'ollama.service.d'
    d.mkdir()
    return d


def test_writes_a_dropin_and_is_idempotent(run, unit_dir):
    path = unit_dir / 'aisec.conf'
    first = run(dict(path=str(path), settings=SECURE))
    assert first['changed'] and first['restart_required']
    text = path.read_text()
    assert text.startswith('# managed by aisec.ollama')
    assert 'Environment="OLLAMA_HOST=127.0.0.1:11434"' in text
    assert 'Environment="OLLAMA_NO_CLOUD=true"' in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    second = run(dict(path=str(path), settings=SECURE))
    assert not second['changed'] and not second['restart_required']
    assert second['settings'] == {'OLLAMA_HOST': '127.0.0.1:11434', 'OLLAMA_NO_CLOUD': 'true'}


def test_check_mode_changes_nothing_and_shows_the_diff(run, unit_dir):
    path = unit_dir / 'aisec.conf'
    result = run(dict(path=str(path), settings=SECURE), check=True, diff=True)
    assert result['changed'] and result['restart_required']
    assert not path.exists()
    assert 'OLLAMA_HOST=127.0.0.1:11434' in result['diff'][0]['after']
    assert result['diff'][0]['before'] == ''


def test_values_are_escaped_for_systemd_and_read_back(run, unit_dir):
    path = unit_dir / 'aisec.conf'
    value = 'a"b\\c%d'
    run(dict(path=str(path), settings={'OLLAMA_LLM_LIBRARY': value}))
    assert 'Environment="OLLAMA_LLM_LIBRARY=a\\"b\\\\c%%d"' in path.read_text()
    assert dropin.dropin_settings(path.read_text()) == {'OLLAMA_LLM_LIBRARY': value}
    assert not run(dict(path=str(path), settings={'OLLAMA_LLM_LIBRARY': value}))['changed']


def test_merge_keeps_other_keys_and_purge_removes_them(run, unit_dir):
    path = unit_dir / 'aisec.conf'
    run(dict(path=str(path), settings={'OLLAMA_KEEP_ALIVE': '10m'}))
    merged = run(dict(path=str(path), settings=SECURE))
    assert set(merged['settings']) == {'OLLAMA_HOST', 'OLLAMA_NO_CLOUD', 'OLLAMA_KEEP_ALIVE'}
    purged = run(dict(path=str(path), settings=SECURE, purge=True))
    assert purged['changed'] and set(purged['settings']) == {'OLLAMA_HOST', 'OLLAMA_NO_CLOUD'}


def test_state_absent_removes_keys_then_the_file(run, unit_dir):
    path = unit_dir / 'aisec.conf'
    run(dict(path=str(path), settings=SECURE))
    result = run(dict(path=str(path), state='absent', settings={'OLLAMA_NO_CLOUD': None}))
    assert result['changed'] and result['settings'] == {'OLLAMA_HOST': '127.0.0.1:11434'}
    gone = run(dict(path=str(path), state='absent'))
    assert gone['changed'] and not path.exists()
    assert not run(dict(path=str(path), state='absent'))['changed']


def test_env_format_for_containers(run, tmp_path):
    path = tmp_path / 'ollama.env'
    wanted = {'OLLAMA_HOST': '0.0.0.0:11434', 'OLLAMA_NO_CLOUD': 1}
    result = run(dict(path=str(path), format='env', settings=wanted))
    assert path.read_text().splitlines()[1:] == ['OLLAMA_HOST=0.0.0.0:11434', 'OLLAMA_NO_CLOUD=1']
    assert any('not a loopback' in w for w in result['insecure'])
    assert not run(dict(path=str(path), format='env', settings=wanted))['changed']


def test_container_namespace_bind_is_not_reported_but_the_rest_is(run, tmp_path):
    # Inside a container Ollama must bind 0.0.0.0; the publish (127.0.0.1:port) decides the reach.
    path = tmp_path / 'ollama.env'
    wanted = {'OLLAMA_HOST': '0.0.0.0:11434', 'OLLAMA_ORIGINS': '*'}
    result = run(dict(path=str(path), format='env', network_namespace='container', settings=wanted))
    assert not any('OLLAMA_HOST' in finding for finding in result['insecure'])
    assert any('OLLAMA_ORIGINS' in finding for finding in result['insecure'])
    assert any('OLLAMA_NO_CLOUD' in finding for finding in result['insecure'])
    assert not any('not a loopback' in w for w in result.get('warnings', []))


def test_invalid_host_fails_before_any_change(run, unit_dir):
    path = unit_dir / 'aisec.conf'
    path.write_text('[Service]\nEnvironment="OLLAMA_HOST=127.0.0.1"\n')
    result = run(dict(path=str(path), settings={'OLLAMA_HOST': '0.0.0.0:99999'}), fail=True)
    assert 'OLLAMA_HOST' in result['msg'] and 'nothing changed' in result['msg']
    assert path.read_text() == '[Service]\nEnvironment="OLLAMA_HOST=127.0.0.1"\n'


def test_removed_variable_fails(run, unit_dir):
    result = run(dict(path=str(unit_dir / 'aisec.conf'), settings={'OLLAMA_TMPDIR': '/tmp'}), fail=True)
    assert 'OLLAMA_TMPDIR' in result['msg']


def test_unknown_variable_warns_or_fails_when_strict(run, unit_dir):
    path = str(unit_dir / 'aisec.conf')
    result = run(dict(path=path, settings={'OLLAMA_FOO': 'x', **SECURE}))
    assert any('OLLAMA_FOO' in w for w in result['warnings'])
    assert 'OLLAMA_FOO' in run(dict(path=path, settings={'OLLAMA_FOO': 'x'}, strict=True), fail=True)['msg']


def test_insecure_values_are_warned(run, unit_dir):
    result = run(dict(path=str(unit_dir / 'aisec.conf'),
                      settings={'OLLAMA_HOST': '0.0.0.0', 'OLLAMA_ORIGINS': '*', 'OLLAMA_DEBUG_LOG_REQUESTS': 1}))
    assert len(result['insecure']) == 4
    assert set(result['insecure']) <= set(result['warnings'])


def test_later_override_conf_conflict_fails_by_default_and_changes_nothing(run, unit_dir):
    override = unit_dir / 'override.conf'
    override.write_text('[Service]\nEnvironment="OLLAMA_HOST=0.0.0.0"\n')
    path = unit_dir / 'aisec.conf'
    result = run(dict(path=str(path), settings=SECURE), fail=True)
    assert 'override.conf line 2 sets OLLAMA_HOST=0.0.0.0' in result['msg']
    assert not path.exists()


def test_takeover_disables_only_the_conflicting_assignment(run, unit_dir):
    override = unit_dir / 'override.conf'
    override.write_text('[Service]\nEnvironment="OLLAMA_HOST=0.0.0.0" "OLLAMA_KEEP_ALIVE=1h"\n')
    path = unit_dir / 'aisec.conf'
    result = run(dict(path=str(path), settings=SECURE, conflicts='takeover'), diff=True)
    assert result['changed'] and result['restart_required'] and len(result['backups']) == 1
    text = override.read_text()
    assert '# disabled by aisec.ollama' in text
    assert dropin.dropin_settings(text) == {'OLLAMA_KEEP_ALIVE': '1h'}
    assert os.path.exists(result['backups'][0])
    again = run(dict(path=str(path), settings=SECURE, conflicts='takeover'))
    assert not again['changed'] and again['conflicts'] == []


def test_earlier_dropins_and_equal_values_are_not_conflicts(run, unit_dir):
    (unit_dir / '00-early.conf').write_text('[Service]\nEnvironment="OLLAMA_HOST=0.0.0.0"\n')
    (unit_dir / 'override.conf').write_text('[Service]\nEnvironment=OLLAMA_HOST=127.0.0.1:11434\n')
    result = run(dict(path=str(unit_dir / 'aisec.conf'), settings=SECURE))
    assert result['conflicts'] == []


def test_proxy_credentials_are_masked_and_file_is_private(run, unit_dir):
    path = unit_dir / 'aisec.conf'
    result = run(dict(path=str(path), settings={'HTTPS_PROXY': 'http://u:s3cret@proxy:3128', **SECURE}), diff=True)
    assert 's3cret' not in str(result['settings']) and 's3cret' not in result['diff'][0]['after']
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert 's3cret' in path.read_text()


# --- secrets: proxy credentials never appear in a result, message, warning, diff or log line ----
PROXY_USER = 'alice-proxyuser'
PROXY_PASSWORD = 'Pa@ss:w/rd-S3cr3t'  # noqa: S105 - a test secret; @ : / unencoded, as users write them
PROXY_URL = f'http://{PROXY_USER}:{PROXY_PASSWORD}@proxy.example:3128'
OTHER_URL = 'http://bob:Other@Secret-42@proxy2.example:8080'
FRAGMENTS = (PROXY_USER, 'Pa@ss', 'S3cr3t', 'w/rd', 'bob:', 'Other@', 'Secret-42')


def assert_no_secret(*outputs):
    for output in outputs:
        text = output if isinstance(output, str) else json.dumps(output, default=str)
        for fragment in FRAGMENTS:
            assert fragment not in text, f'{fragment!r} shown in {text}'


def test_settings_is_no_log():
    spec = module_spec()
    assert spec['settings'].get('no_log') is True


def module_spec():
    """The module's argument_spec, read by running it with a stand-in AnsibleModule."""
    captured = {}

    class Stop(Exception):
        pass

    class Fake:
        def __init__(self, argument_spec, **kwargs):
            captured.update(argument_spec)
            raise Stop

    real = module.AnsibleModule
    module.AnsibleModule = Fake
    try:
        with pytest.raises(Stop):
            module.main()
    finally:
        module.AnsibleModule = real
    return captured


def test_password_with_at_colon_slash_is_masked_whole(run, unit_dir):
    path = unit_dir / 'aisec.conf'
    result = run(dict(path=str(path), settings={'HTTPS_PROXY': PROXY_URL, **SECURE}), diff=True)
    assert result['settings']['HTTPS_PROXY'] == 'http://********@proxy.example:3128'
    assert result['settings']['OLLAMA_NO_CLOUD'] == 'true'
    assert 'HTTPS_PROXY=http://********@proxy.example:3128' in result['diff'][0]['after']
    assert_no_secret(result)
    assert PROXY_URL in dropin.dropin_settings(path.read_text()).values()
    again = run(dict(path=str(path), settings={'HTTPS_PROXY': OTHER_URL, **SECURE}), diff=True)
    assert again['previous']['HTTPS_PROXY'] == 'http://********@proxy.example:3128'
    assert_no_secret(again)


@pytest.mark.parametrize('bad', [
    f'{PROXY_USER}:{PROXY_PASSWORD}@proxy.example:3128',        # no scheme
    f'ftp://{PROXY_USER}:{PROXY_PASSWORD}@proxy.example:3128',  # wrong scheme
    f'http://{PROXY_USER}:Pa@ss S3cr3t@proxy.example',             # a space
])
def test_rejected_proxy_url_is_not_echoed(run, unit_dir, bad):
    result = run(dict(path=str(unit_dir / 'aisec.conf'), settings={'HTTPS_PROXY': bad}), fail=True)
    assert 'HTTPS_PROXY=' in result['msg'] and 'not a proxy URL' in result['msg']
    assert '********@proxy.example' in result['msg']
    assert_no_secret(result)


@pytest.mark.parametrize('policy', ['fail', 'warn', 'takeover'])
def test_conflicting_dropin_with_credentials_is_masked(run, unit_dir, policy):
    (unit_dir / 'override.conf').write_text(
        f'[Service]\nEnvironment="HTTPS_PROXY={OTHER_URL}" "OLLAMA_KEEP_ALIVE=1h"\n'
        f'Environment=HTTP_PROXY={OTHER_URL}\n')
    args = dict(path=str(unit_dir / 'aisec.conf'), settings={'HTTPS_PROXY': PROXY_URL, **SECURE}, conflicts=policy)
    result = run(args, fail=policy == 'fail', diff=True)
    assert result['conflicts'] and result['conflicts'][0]['value'] == 'http://********@proxy2.example:8080'
    if policy == 'takeover':
        assert 'OLLAMA_KEEP_ALIVE=1h' in result['diff'][1]['before']
        assert 'HTTP_PROXY=http://********@proxy2.example:8080' in result['diff'][1]['after']
    assert_no_secret(result)


def test_secret_named_unknown_variable_is_masked(run, unit_dir):
    result = run(dict(path=str(unit_dir / 'aisec.conf'), settings={'MY_API_TOKEN': 'S3cr3t-token-value'}))
    assert result['settings']['MY_API_TOKEN'] == '********'  # noqa: S105
    assert_no_secret(result)


def run_for_real(monkeypatch, capsys, args):
    """main() with AnsibleModule's own exit path: the JSON Ansible receives, and the target's log line."""
    logged = []
    monkeypatch.setattr(basic.AnsibleModule, 'log', lambda self, msg, log_args=None: logged.append(msg))
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out), logged


def test_invocation_and_log_line_hide_credentials_but_keep_the_rest(monkeypatch, capsys, unit_dir):
    args = dict(path=str(unit_dir / 'aisec.conf'), settings={'HTTPS_PROXY': PROXY_URL, **SECURE})
    result, logged = run_for_real(monkeypatch, capsys, args)
    shown = result['invocation']['module_args']['settings']
    assert shown['HTTPS_PROXY'] == 'http://********@proxy.example:3128'
    assert shown['OLLAMA_HOST'] == '127.0.0.1:11434'
    assert result['settings']['OLLAMA_NO_CLOUD'] == 'true' and result['changed'] is True
    assert logged and 'settings=NOT_LOGGING_PARAMETER' in logged[0]
    assert_no_secret(result, *logged)


def test_rejected_url_for_real_hides_credentials(monkeypatch, capsys, unit_dir):
    bad = f'{PROXY_USER}:{PROXY_PASSWORD}@proxy.example:3128'
    args = dict(path=str(unit_dir / 'aisec.conf'), settings={'HTTPS_PROXY': bad})
    result, logged = run_for_real(monkeypatch, capsys, args)
    assert result['failed'] and 'not a proxy URL' in result['msg']
    assert_no_secret(result, *logged)

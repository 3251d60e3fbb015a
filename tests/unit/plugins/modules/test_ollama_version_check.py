# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""aisec.ollama.ollama_version_check: every source of the version, results, and bad input.

The URL and `ollama -v` tests run the Ollama emulator (tests/emulator/ollama); they fail, not
skip, when it is missing.
"""

import base64
import functools
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args
from ansible_collections.aisec.ollama.plugins.module_utils import advisories as adv
from ansible_collections.aisec.ollama.plugins.modules import ollama_version_check as module

COLLECTION_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
EMULATOR = os.path.join(COLLECTION_ROOT, 'tests', 'emulator', 'ollama')


@pytest.fixture
def run(module_runner):
    return functools.partial(module_runner, module.main)


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def wait_for(url, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                return resp.read()
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f'{url} did not answer within {timeout}s')


@pytest.fixture(scope='module')
def emulator(tmp_path_factory):
    """An emulated Ollama 0.1.33 on a free loopback port."""
    assert os.path.exists(EMULATOR), f'the Ollama emulator {EMULATOR} is missing'
    port = free_port()
    env = dict(os.environ, OLLAMA_HOST=f'127.0.0.1:{port}', OLLAMA_EMULATOR_VERSION='0.1.33',
               OLLAMA_MODELS=str(tmp_path_factory.mktemp('models')))
    proc = subprocess.Popen([sys.executable, EMULATOR, 'serve'], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f'http://127.0.0.1:{port}/api/version')
        yield f'http://127.0.0.1:{port}'
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def serve(handler_class):
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler_class)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f'http://127.0.0.1:{server.server_address[1]}'


@pytest.fixture(scope='module')
def auth_proxy(emulator):
    """A basic-auth reverse proxy (user audit / password s3cret) in front of the emulator."""
    expected = 'Basic ' + base64.b64encode(b'audit:s3cret').decode()

    class Proxy(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.headers.get('Authorization') != expected:
                self.send_response(401)
                self.send_header('WWW-Authenticate', 'Basic realm="ollama"')
                self.send_header('Content-Length', '0')
                self.end_headers()
                return
            with urllib.request.urlopen(emulator + self.path, timeout=5) as upstream:
                body = upstream.read()
                status = upstream.status
                content_type = upstream.headers.get('Content-Type', 'application/json')
            self.send_response(status)
            self.send_header('Content-Type', content_type)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server, url = serve(Proxy)
    yield url
    server.shutdown()


@pytest.fixture(scope='module')
def html_server():
    """Something that is not Ollama: answers every GET with an HTML page."""
    class Html(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = b'<html><body>Welcome to nginx!</body></html>'
            self.send_response(200)
            self.send_header('Content-Type', 'text/html')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server, url = serve(Html)
    yield url
    server.shutdown()


def fake_ollama(tmp_path, output, stream='stdout', rc=0):
    """A stand-in `ollama` printing ``output`` for `-v`."""
    script = tmp_path / 'ollama'
    target = 'sys.stdout' if stream == 'stdout' else 'sys.stderr'
    script.write_text(f'#!{sys.executable}\nimport sys\n{target}.write({output!r})\nsys.exit({rc})\n')
    script.chmod(0o755)
    return str(script)


def ids(items):
    return [i['id'] for i in items]


# --- source: string ----------------------------------------------------------------------------
def test_version_string_source(run):
    result = run({'version': '0.1.33'})
    assert result['source'] == 'string'
    assert result['changed'] is False
    assert result['vulnerable'] is True
    assert 'CVE-2024-37032' in ids(result['advisories'])
    assert result['minimum_safe_version'] == '0.17.1'
    assert result['data_date'] == '2026-11-26'
    assert result['data_file'] == adv.default_advisory_path()


def test_fixed_version_is_not_vulnerable_but_has_unfixed(run):
    result = run({'version': 'v0.32.15'})
    assert result['version'] == '0.32.15'
    assert result['vulnerable'] is False
    assert 'CVE-2025-63389' in ids(result['unfixed'])
    assert result['minimum_safe_version'] is None


def test_check_mode_gives_the_same_answer(run):
    result = run({'version': '0.1.45', '_ansible_check_mode': True})
    assert result['changed'] is False
    assert 'CVE-2024-39720' in ids(result['advisories'])


def test_malformed_version_is_a_clear_failure(run):
    result = run({'version': 'latest-and-greatest'}, fail=True)
    assert "'latest-and-greatest' is not an Ollama version" in result['msg']


def test_source_build_warns(run):
    result = run({'version': '0.0.0'})
    assert result['vulnerable'] is None
    assert any('source build' in w for w in result['warnings'])


# --- source: binary on the target ----------------------------------------------------------------
def test_binary_normal_output(run, tmp_path):
    binary = fake_ollama(tmp_path, 'ollama version is 0.1.33\n')
    result = run({'binary': binary})
    assert result['source'] == 'binary'
    assert result['version'] == '0.1.33'
    assert result['source_detail'] == {'binary': binary, 'server_version': '0.1.33', 'client_version': None}


def test_binary_client_version_output_on_stderr(run, tmp_path):
    binary = fake_ollama(tmp_path, 'Warning: could not connect to a running Ollama instance\n'
                                   'Warning: client version is 0.1.46\n', stream='stderr')
    result = run({'binary': binary})
    assert result['version'] == '0.1.46'
    assert 'CVE-2024-39720' not in ids(result['advisories'])


def test_binary_and_server_differ_judges_the_older(run, tmp_path):
    binary = fake_ollama(tmp_path, 'ollama version is 0.1.33\nWarning: client version is 0.17.1\n')
    result = run({'binary': binary})
    assert result['version'] == '0.1.33'
    assert any('judging the older' in w for w in result['warnings'])


def test_binary_found_on_path(run, tmp_path, monkeypatch):
    fake_ollama(tmp_path, 'ollama version is 0.17.1\n')
    monkeypatch.setenv('PATH', str(tmp_path) + os.pathsep + os.environ['PATH'])
    result = run({})
    assert result['source'] == 'binary'
    assert result['source_detail']['binary'] == str(tmp_path / 'ollama')


def test_binary_missing(run, tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path))
    result = run({'binary': 'ollama-not-installed'}, fail=True)
    assert "'ollama-not-installed' not found" in result['msg']


def test_binary_with_unexpected_output(run, tmp_path):
    binary = fake_ollama(tmp_path, 'Segmentation fault\n', rc=139)
    result = run({'binary': binary}, fail=True)
    assert 'rc=139' in result['msg'] and 'Segmentation fault' in result['msg']


def test_emulator_binary_with_a_running_server(run, emulator, monkeypatch):
    monkeypatch.setenv('OLLAMA_HOST', emulator.replace('http://', ''))
    monkeypatch.setenv('OLLAMA_EMULATOR_VERSION', '0.1.33')
    result = run({'binary': EMULATOR})
    assert result['source_detail']['server_version'] == '0.1.33'
    assert result['version'] == '0.1.33'


def test_emulator_binary_without_a_server(run, monkeypatch):
    monkeypatch.setenv('OLLAMA_HOST', f'127.0.0.1:{free_port()}')
    monkeypatch.setenv('OLLAMA_EMULATOR_VERSION', '0.17.1')
    result = run({'binary': EMULATOR})
    assert result['source_detail'] == {'binary': EMULATOR, 'server_version': None, 'client_version': '0.17.1'}
    assert result['vulnerable'] is False


# --- source: url ------------------------------------------------------------------------------
def test_url_against_the_emulator(run, emulator):
    result = run({'url': emulator})
    assert result['source'] == 'url'
    assert result['version'] == '0.1.33'
    assert result['source_detail']['url'] == emulator + '/api/version'
    assert 'CVE-2024-37032' in ids(result['advisories'])


def test_url_may_already_name_the_version_endpoint(run, emulator):
    assert run({'url': emulator + '/api/version'})['version'] == '0.1.33'


def test_url_behind_auth_with_credentials(run, auth_proxy):
    result = run({'url': auth_proxy, 'url_username': 'audit', 'url_password': 's3cret', 'force_basic_auth': True})
    assert result['version'] == '0.1.33'


def test_url_behind_auth_with_a_header(run, auth_proxy):
    header = 'Basic ' + base64.b64encode(b'audit:s3cret').decode()
    assert run({'url': auth_proxy, 'headers': {'Authorization': header}})['version'] == '0.1.33'


def test_url_behind_auth_without_credentials(run, auth_proxy):
    result = run({'url': auth_proxy}, fail=True)
    assert 'HTTP 401' in result['msg'] and 'url_username' in result['msg']


def test_unreachable_url(run):
    url = f'http://127.0.0.1:{free_port()}'
    result = run({'url': url, 'timeout': 3}, fail=True)
    assert result['msg'].startswith(f'cannot reach {url}/api/version')


def test_non_ollama_server(run, html_server):
    result = run({'url': html_server}, fail=True)
    assert 'did not answer like Ollama' in result['msg']
    assert 'text/html' in result['msg'] and 'Welcome to nginx' in result['msg']


def test_url_without_scheme(run):
    assert 'must start with http' in run({'url': '127.0.0.1:11434'}, fail=True)['msg']


# --- source: image ----------------------------------------------------------------------------
def test_image_tag(run):
    result = run({'image': 'docker.io/ollama/ollama:0.17.0'})
    assert result['source'] == 'image'
    assert ids([a for a in result['advisories'] if a['fixed_in']]) == ['CVE-2026-7482']


def test_image_labels(run):
    result = run({'image': 'ollama/ollama:latest', 'image_labels': {'org.opencontainers.image.version': '0.17.1'}})
    assert result['version'] == '0.17.1'
    assert result['source_detail']['from'] == 'label'


def test_image_latest_without_labels(run):
    result = run({'image': 'ollama/ollama:latest'}, fail=True)
    assert "tag 'latest'" in result['msg'] and 'image_labels' in result['msg']


def test_two_sources_are_refused(run):
    assert 'mutually exclusive' in run({'version': '0.1.33', 'url': 'http://x'}, fail=True)['msg']


# --- options ----------------------------------------------------------------------------------
def test_fail_on_severity_fails_with_the_reasons(run):
    result = run({'version': '0.17.0', 'fail_on_severity': 'critical'}, fail=True)
    assert result['msg'] == ('Ollama 0.17.0 fails fail_on_severity=critical: CVE-2026-7482 (critical, fixed in '
                             '0.17.1). Upgrade to 0.17.1 or later')
    assert result['gate_reasons'] == ['CVE-2026-7482 (critical, fixed in 0.17.1)']
    assert result['vulnerable'] is True


def test_fail_on_severity_passes_a_fixed_version(run):
    assert run({'version': '0.17.1', 'fail_on_severity': 'critical'})['gate_reasons'] == []


def test_unknown_severity_name_is_refused(run):
    result = run({'version': '0.17.1', 'fail_on_severity': 'severe'}, fail=True)
    assert 'fail_on_severity' in result['msg'] and 'critical' in result['msg']


def test_ignore_reports_accepted_risks(run):
    result = run({'version': '0.17.0', 'fail_on_severity': 'critical',
                  'ignore': [{'id': 'GO-2026-5748', 'reason': 'create closed at the proxy'}]})
    assert ids(result['accepted']) == ['CVE-2026-7482']
    assert result['accepted'][0]['reason'] == 'create closed at the proxy'
    assert result['vulnerable'] is False


def test_ignore_without_reason_is_refused(run):
    result = run({'version': '0.17.0', 'ignore': [{'id': 'CVE-2026-7482'}]}, fail=True)
    assert 'reason' in result['msg']


def test_newer_advisory_file(run, tmp_path):
    data = adv.load_advisory_file(adv.default_advisory_path())
    data['last_refreshed'] = '2027-01-01'
    data['advisories'][0]['affected'] = [{'introduced': '0', 'fixed': '0.40.0'}]
    path = tmp_path / 'newer.json'
    path.write_text(json.dumps(data))
    result = run({'version': '0.32.15', 'advisory_file': str(path)})
    assert result['data_date'] == '2027-01-01'
    assert result['minimum_safe_version'] == '0.40.0'


def test_malformed_advisory_file(run, tmp_path):
    path = tmp_path / 'broken.yml'
    path.write_text('schema_version: 1\nlast_refreshed: 2026-01-01\nadvisories:\n- id: CVE-1\n  severity: severe\n')
    result = run({'version': '0.1.33', 'advisory_file': str(path)}, fail=True)
    assert 'broken.yml is malformed' in result['msg'] and "unknown severity 'severe'" in result['msg']


def test_malformed_data_from_the_action_plugin(run):
    result = run({'version': '0.1.33', '_advisory_data': {'schema_version': 1}, '_advisory_path': '/x.yml'},
                 fail=True)
    assert result['msg'].startswith('/x.yml is malformed')


# --- through ansible-playbook (action plugin on the controller) -------------------------------
def playbook(tmp_path, task):
    book = tmp_path / 'play.yml'
    book.write_text(
        '- hosts: localhost\n  gather_facts: false\n  tasks:\n'
        f'    - name: Check\n      aisec.ollama.ollama_version_check:\n{task}'
        '      register: check\n'
        '    - name: Show\n      ansible.builtin.debug:\n        var: check\n')
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK='json', ANSIBLE_NOCOLOR='1',
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING='0')
    ansible_playbook = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    proc = subprocess.run([ansible_playbook, '-i', 'localhost,', '-c', 'local', str(book)],
                          env=env, capture_output=True, text=True, timeout=120, check=False, cwd=str(tmp_path))
    out = proc.stdout[proc.stdout.index('{'):]
    tasks = json.loads(out)['plays'][0]['tasks']
    return proc.returncode, tasks[0]['hosts']['localhost']


def test_playbook_reads_the_bundled_data_on_the_controller(tmp_path):
    rc, result = playbook(tmp_path, '        version: 0.1.33\n')
    assert rc == 0
    assert result['data_file'] == adv.default_advisory_path()
    assert 'CVE-2024-37032' in ids(result['advisories'])


def test_playbook_with_a_malformed_advisory_file(tmp_path):
    (tmp_path / 'advisories.yml').write_text('schema_version: 1\nadvisories: nope\n')
    rc, result = playbook(tmp_path, '        version: 0.1.33\n        advisory_file: advisories.yml\n')
    assert rc != 0
    assert result['failed'] and 'is malformed' in result['msg']
    assert 'advisories must be a non-empty list' in result['msg']


def test_playbook_warns_about_an_advisory_file_older_than_the_bundled_one(tmp_path):
    bundled = adv.default_advisory_path()
    with open(bundled) as handle:
        text = handle.read()
    (tmp_path / 'old.yml').write_text(re.sub(r"last_refreshed: '[^']+'", "last_refreshed: '2020-01-01'", text))
    rc, result = playbook(tmp_path, '        version: 0.1.33\n        advisory_file: old.yml\n')
    assert rc == 0
    assert result['data_file'] == str(tmp_path / 'old.yml')
    assert any('older than the data bundled' in w for w in result.get('warnings', []))


def test_playbook_refuses_internal_options_from_tasks(tmp_path):
    rc, result = playbook(tmp_path, '        version: 0.1.33\n        _advisory_path: /etc/passwd\n')
    assert rc != 0
    assert 'set by the action plugin' in result['msg']


# --- secrets: headers are no_log, and never follow a redirect to another origin ---------------
API_KEY = 'Bearer sk-VersionCheck-S3cr3t-Key'
EXTRA_KEY = 'X-Api-S3cr3t-Value-42'
BASIC = 'Basic ' + base64.b64encode(b'audit:Basic-S3cr3t').decode()
VERSION_BODY = json.dumps({'version': '0.17.1'}).encode()


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers like Ollama and records the headers of every request (``self.server.seen``)."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.seen.append((self.path, dict(self.headers)))
        route = self.server.routes.get(self.path)
        if route is not None:
            self.send_response(route[0])
            self.send_header('Location', route[1])
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        if self.server.need_key and self.headers.get('Authorization') != API_KEY:
            self.send_response(401)
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(VERSION_BODY)))
        self.end_headers()
        self.wfile.write(VERSION_BODY)


@pytest.fixture
def recorder():
    """start(routes={path: (status, location)}, need_key=False) -> (server, base url)."""
    servers = []

    def start(routes=None, need_key=False):
        server, url = serve(Recorder)
        server.seen, server.routes, server.need_key = [], dict(routes or {}), need_key
        servers.append(server)
        return server, url

    yield start
    for server in servers:
        server.shutdown()


SECRET_ARGS = {'headers': {'Authorization': API_KEY, 'X-Api-Key': EXTRA_KEY}}


def assert_no_secret(*outputs):
    for output in outputs:
        text = output if isinstance(output, str) else json.dumps(output, default=str)
        for fragment in ('S3cr3t', 'sk-VersionCheck', BASIC.split()[1]):
            assert fragment not in text, f'{fragment!r} shown in {text}'


def test_headers_is_no_log():
    assert module.argument_spec()['headers'].get('no_log') is True


@pytest.mark.parametrize('code', [301, 302, 307, 308])
def test_redirect_to_another_port_is_refused_and_gets_no_credentials(run, recorder, code):
    sink, sink_url = recorder()
    _front, front_url = recorder(routes={'/api/version': (code, sink_url + '/api/version')})
    result = run(dict(SECRET_ARGS, url=front_url, url_username='audit', url_password='Basic-S3cr3t',  # noqa: S106
                      force_basic_auth=True), fail=True)
    assert 'another origin' in result['msg'] and sink_url in result['msg']
    assert sink.seen == []
    assert_no_secret(result)


@pytest.mark.parametrize('other', ['http://localhost:{port}/api/version', 'https://127.0.0.1:{port}/api/version'])
def test_redirect_to_another_host_or_scheme_is_refused(run, recorder, other):
    front, front_url = recorder()
    port = front.server_address[1]
    front.routes['/api/version'] = (302, other.format(port=port))
    result = run(dict(SECRET_ARGS, url=front_url), fail=True)
    assert 'another origin' in result['msg']
    assert [path for path, _h in front.seen] == ['/api/version']
    assert_no_secret(result)


def test_redirect_within_the_origin_keeps_the_headers(run, recorder):
    server, url = recorder(routes={'/api/version': (301, '/v2/api/version')}, need_key=True)
    result = run(dict(SECRET_ARGS, url=url))
    assert result['version'] == '0.17.1' and result['source_detail']['url'] == url + '/v2/api/version'
    assert [h.get('Authorization') for _p, h in server.seen] == [API_KEY, API_KEY]
    assert_no_secret(result)


def test_redirect_loop_stops(run, recorder):
    _server, url = recorder(routes={'/api/version': (302, '/api/version')})
    assert 'more than 5 redirects' in run(dict(SECRET_ARGS, url=url), fail=True)['msg']


def test_credentials_in_the_url_are_not_echoed(run, recorder):
    sink, sink_url = recorder()
    _front, front_url = recorder(routes={'/api/version': (302, sink_url + '/api/version')})
    result = run({'url': front_url.replace('http://', 'http://audit:Url-S3cr3t@')}, fail=True)
    assert 'another origin' in result['msg'] and sink.seen == []
    assert_no_secret(result)


def test_invocation_masks_the_headers(monkeypatch, capsys, recorder):
    _server, url = recorder(need_key=True)
    monkeypatch.setattr(basic.AnsibleModule, 'log', lambda self, msg, log_args=None: None)
    with patch_module_args(dict(SECRET_ARGS, url=url)), pytest.raises(SystemExit):
        module.main()
    result = json.loads(capsys.readouterr().out)
    assert result['version'] == '0.17.1'
    assert set(result['invocation']['module_args']['headers']) == {'Authorization', 'X-Api-Key'}
    assert_no_secret(result)

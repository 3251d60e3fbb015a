# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""aisec.ollama.ollama_model_inventory against the Ollama emulator and against servers that are
not (or not quite) Ollama: the list, the details and license per model, and what could not be read."""

import functools
import http.server
import json
import threading

import pytest
from ansible_collections.aisec.ollama.plugins.module_utils import model_inventory as mi
from ansible_collections.aisec.ollama.plugins.modules import ollama_model_inventory as module


@pytest.fixture
def run(module_runner):
    return functools.partial(module_runner, module.main)


@pytest.fixture
def serve():
    """serve(routes) -> URL of a server answering {(method, path): (status, body)}; 404 otherwise."""
    servers = []

    def start(routes):
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self):
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else b''
                key = (self.command, self.path)
                status, payload = routes.get(key, (404, '404 page not found'))
                if callable(payload):
                    payload = payload(json.loads(body or b'{}'))
                data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                self.send_response(status)
                if status in (301, 302):
                    self.send_header('Location', 'http://127.0.0.2:1/api/tags')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = answer

        server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f'http://127.0.0.1:{server.server_address[1]}'

    yield start
    for server in servers:
        server.shutdown()


def test_lists_the_emulators_model_with_details_and_license(run, start_emulator):
    emu = start_emulator()
    result = run({'url': emu.url})
    assert result['changed'] is False and result['truncated'] == 0
    assert result['models'] == [{
        'name': 'emu-tiny:latest', 'digest': result['models'][0]['digest'], 'size': 781, 'format': 'gguf',
        'family': 'emu', 'parameter_size': '1K', 'quantization_level': 'F32',
        'license': 'MIT License (test fixture)', 'show_error': None}]
    assert len(result['models'][0]['digest']) == 64


def test_a_hostile_license_comes_back_as_data_first_line_only(run, start_emulator):
    emu = start_emulator()
    created = emu.request('POST', '/api/create', {'model': 'evil', 'from': 'emu-tiny', 'stream': False,
                                                  'license': ['<script>alert(1)</script> Evil', 'line two']})
    assert created.status == 200, created.body
    models = {m['name']: m for m in run({'url': emu.url}, check=True)['models']}
    assert models['evil:latest']['license'] == '<script>alert(1)</script> Evil'


def test_nothing_listening_fails_with_the_reason(run):
    result = run({'url': 'http://127.0.0.1:1', 'timeout': 2}, fail=True)
    assert result['msg'].startswith('model inventory not read from http://127.0.0.1:1: cannot reach')


def test_something_that_is_not_ollama_fails(run, serve):
    url = serve({('GET', '/api/tags'): (200, '<html>Welcome to nginx!</html>')})
    assert 'did not answer JSON' in run({'url': url}, fail=True)['msg']
    url = serve({('GET', '/api/tags'): (200, {'data': []})})
    assert 'not an Ollama model list' in run({'url': url}, fail=True)['msg']
    url = serve({('GET', '/api/tags'): (401, 'unauthorized')})
    assert 'answered HTTP 401' in run({'url': url}, fail=True)['msg']


def test_a_failed_show_keeps_the_model_and_says_why(run, serve):
    tags = {'models': [{'name': 'a:1', 'digest': 'd1', 'size': 10, 'details': {'family': 'llama'}},
                       {'name': 'b:1', 'digest': 'd2', 'size': 20}]}

    def show(body):
        return {'license': 'Apache-2.0\nmore', 'details': {'quantization_level': 'Q8_0'}} if body['model'] == 'a:1' \
            else {}

    url = serve({('GET', '/api/tags'): (200, tags), ('POST', '/api/show'): (200, show)})
    models = run({'url': url})['models']
    assert models[0]['license'] == 'Apache-2.0' and models[0]['family'] == 'llama'
    assert models[0]['quantization_level'] == 'Q8_0'
    assert models[1]['license'] is None and models[1]['show_error'] is None  # answered: no license declared
    url = serve({('GET', '/api/tags'): (200, tags), ('POST', '/api/show'): (500, {'error': 'boom'})})
    models = run({'url': url})['models']
    assert [m['show_error'] for m in models] == ['/api/show answered HTTP 500: {"error": "boom"}'] * 2
    assert [m['name'] for m in models] == ['a:1', 'b:1']


def test_a_long_list_is_cut_and_says_how_much(run, serve):
    tags = {'models': [{'name': f'm{i}:1'} for i in range(5)]}
    url = serve({('GET', '/api/tags'): (200, tags), ('POST', '/api/show'): (200, {})})
    result = run({'url': url, 'max_models': 2})
    assert [m['name'] for m in result['models']] == ['m0:1', 'm1:1'] and result['truncated'] == 3


def test_redirects_are_not_followed(run, serve):
    url = serve({('GET', '/api/tags'): (302, '')})
    assert 'answered HTTP 302' in run({'url': url}, fail=True)['msg']


def test_a_url_without_scheme_is_refused_and_credentials_are_masked(run):
    assert 'must start with http://' in run({'url': '127.0.0.1:11434'}, fail=True)['msg']
    msg = run({'url': 'http://user:secret@127.0.0.1:1', 'timeout': 2}, fail=True)['msg']
    assert 'secret' not in msg and '********' in msg


@pytest.mark.parametrize('text, line', [
    ('MIT License\n\nCopyright', 'MIT License'),
    ('\n\n   Llama 3 Community License  \nrest', 'Llama 3 Community License'),
    ('', None), (None, None), (['not', 'text'], None),
])
def test_license_line_is_the_first_non_empty_line(text, line):
    assert mi.license_line(text) == line


def test_license_line_is_cut():
    assert len(mi.license_line('x' * 1000)) == mi.LICENSE_LINE_CHARS


def test_tags_entries_without_a_name_or_of_the_wrong_type_are_skipped():
    entries = mi.parse_tags({'models': [{'name': 'a:1', 'size': True}, 'junk', {'digest': 'x'}, {'model': 'b:2'}]})
    assert [(e['name'], e['size']) for e in entries] == [('a:1', None), ('b:2', None)]

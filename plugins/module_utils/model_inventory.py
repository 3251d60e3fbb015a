# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The models an Ollama server serves, as the audit's bill of materials.

``/api/tags`` lists the models (name, digest, size, details); ``/api/show`` adds the license.
Both are reads. What the server answers is kept as data, never trusted as markup: the report
escapes it. Whatever could not be read is said per model (``show_error``), never left blank.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.aisec.ollama.plugins.module_utils.ollama_version import display_url

# A server listing more models than this is cut short, and the result says so (``truncated``):
# each model costs one /api/show request.
MAX_MODELS = 500
LICENSE_LINE_CHARS = 200
_DETAILS = ('format', 'family', 'parameter_size', 'quantization_level')


class InventoryError(Exception):
    """The model list could not be read (unreachable, refused, not Ollama)."""


def base_url(url):
    base = (url or '').strip()
    if not base.startswith(('http://', 'https://')):
        raise InventoryError('url %r must start with http:// or https://' % (display_url(url),))
    return base.rstrip('/')


def _text(value):
    return value if isinstance(value, str) else None


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def license_line(text):
    """The first non-empty line of a license, cut at LICENSE_LINE_CHARS; None without a license."""
    if not isinstance(text, str):
        return None
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= LICENSE_LINE_CHARS else line[:LICENSE_LINE_CHARS - 1] + '\u2026'
    return None


def _details(entry, details):
    if isinstance(details, dict):
        for key in _DETAILS:
            if _text(details.get(key)):
                entry[key] = details[key]


def parse_tags(payload):
    """``/api/tags``' answer as inventory entries (no timestamps: an unchanged store reads the same)."""
    if not isinstance(payload, dict) or not isinstance(payload.get('models'), list):
        raise InventoryError('the answer is not an Ollama model list (expected JSON {"models": [...]})')
    models = []
    for item in payload['models']:
        if not isinstance(item, dict):
            continue
        name = _text(item.get('name')) or _text(item.get('model'))
        if not name:
            continue
        entry = {'name': name, 'digest': _text(item.get('digest')), 'size': _int(item.get('size')),
                 'format': None, 'family': None, 'parameter_size': None, 'quantization_level': None,
                 'license': None, 'show_error': None}
        _details(entry, item.get('details'))
        models.append(entry)
    return models


def apply_show(entry, payload):
    """Complete one entry with ``/api/show``'s answer (its details win over the list's)."""
    if not isinstance(payload, dict):
        entry['show_error'] = 'the answer is not JSON details of a model'
        return entry
    _details(entry, payload.get('details'))
    entry['license'] = license_line(payload.get('license'))
    return entry


def inventory(request, url, max_models=MAX_MODELS):
    """Read the inventory through ``request(method, url, body) -> (status, text or None, error or None)``.

    Raises InventoryError when the list cannot be read. A model whose details cannot be read keeps
    its entry, with ``show_error`` saying why.
    """
    base = base_url(url)
    payload = _json(request('GET', base + '/api/tags', None), display_url(base) + '/api/tags')
    models = parse_tags(payload)
    truncated = max(0, len(models) - max_models)
    models = models[:max_models]
    for entry in models:
        try:
            apply_show(entry, _json(request('POST', base + '/api/show', {'model': entry['name']}), '/api/show'))
        except InventoryError as exc:
            entry['show_error'] = str(exc)
    return {'url': display_url(base), 'models': models, 'truncated': truncated}


def _json(answer, what):
    status, text, error = answer
    if status is None or status < 0:
        raise InventoryError('cannot reach %s: %s' % (what, error or 'no answer'))
    if status != 200:
        raise InventoryError('%s answered HTTP %s%s' % (what, status, (': %s' % text[:160]) if text else ''))
    try:
        return json.loads(text or '')
    except ValueError:
        raise InventoryError('%s did not answer JSON (starts %r)' % (what, (text or '')[:80])) from None

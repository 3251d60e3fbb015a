# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: proxy_locations
short_description: Turn a proxy profile (or a list of routes) into nginx location data
version_added: 0.2.0
author:
  - AISec Ollama Maintainers (@aisec)
description:
  - Reads the routes a profile opens from the collection's single endpoint table
    (C(plugins/module_utils/endpoints.py)) and returns one entry per route, ready for the
    C(aisec.ollama.proxy) role's site template.
  - Exact routes become C(location = /path); routes ending in a parameter
    (C(/api/blobs/:digest)) become a regex location matching exactly one more path segment.
  - Each entry names the rate-limit class of the route (V(embed) for the embedding routes
    C(/api/embed), C(/api/embeddings) and C(/v1/embeddings); V(read) for banner, read and the
    OpenAI model list C(/v1/models); V(inference) for the other inference and compat routes;
    V(management) for management, account and experimental), so the template can attach the
    right C(limit_req) zone.
  - Each entry says whether the route uploads model data (C(upload), true only for the blob
    upload route C(/api/blobs/:digest)), so the template can give that route alone the large
    body limit.
  - Unknown profile, route or class names fail with the list of known names.
positional: _input, routes
options:
  _input:
    description:
      - A profile name (V(inference), V(readonly), V(dev), V(admin)) or V(custom).
    type: str
    required: true
  routes:
    description:
      - With V(custom), the route names and/or endpoint class names to open (for example
        V([generate, chat, read])). Must be empty for the named profiles.
    type: list
    elements: str
    default: []
'''

EXAMPLES = r'''
- name: Locations of the default profile
  ansible.builtin.debug:
    msg: "{{ 'inference' | aisec.ollama.proxy_locations }}"

- name: A custom list of routes and classes
  ansible.builtin.debug:
    msg: "{{ 'custom' | aisec.ollama.proxy_locations(['generate', 'chat', 'read']) }}"
'''

RETURN = r'''
_value:
  description: One entry per opened route, in the endpoint table's order.
  type: list
  elements: dict
  contains:
    name:
      description: Route name from the endpoint table.
      type: str
      sample: generate
    endpoint_class:
      description: Endpoint class of the route.
      type: str
      sample: inference
    limit_class:
      description: Rate-limit class (C(inference), C(embed), C(read) or C(management)).
      type: str
      sample: inference
    modifier:
      description: The nginx location modifier (C(=) for exact paths, C(~) for regex).
      type: str
      sample: "="
    match:
      description: The nginx location argument (a path, or an anchored regex).
      type: str
      sample: /api/generate
    methods:
      description: HTTP methods the route accepts.
      type: list
      elements: str
      sample: [POST]
    methods_regex:
      description: Anchored regex of the allowed methods, for a C($request_method) check.
      type: str
      sample: ^(?:POST)$
    upload:
      description: True for a route whose request body is model data (the blob upload).
      type: bool
      sample: false
'''

from ansible.errors import AnsibleFilterError  # noqa: E402 (ansible-test wants the docs first)
from ansible_collections.aisec.ollama.plugins.module_utils import endpoints  # noqa: E402 (ansible-test wants the docs first)

CUSTOM = 'custom'

# Rate-limit classes: endpoint classes that share one budget per credential (or client address).
LIMIT_CLASSES = {
    'banner': 'read',
    'read': 'read',
    'inference': 'inference',
    'compat': 'inference',
    'management': 'management',
    'account': 'management',
    'experimental': 'management',
}

# Routes whose budget is not their endpoint class's: embeddings get their own class (a RAG upload
# sends one request per document chunk, a chat turn a few), and the OpenAI model list is a read
# (front-ends poll it like /api/tags).
ROUTE_LIMIT_CLASSES = {
    'embed': 'embed',
    'embeddings': 'embed',
    'openai_embeddings': 'embed',
    'openai_models': 'read',
    'openai_model': 'read',
}


def limit_class_for(route):
    """The rate-limit class of one endpoint table route."""
    return ROUTE_LIMIT_CLASSES.get(route.name, LIMIT_CLASSES[route.endpoint_class])


# Routes whose request body is a model layer (GBs): only these get the large body limit.
UPLOAD_ROUTES = frozenset(['blobs'])


def location_for(route):
    """The nginx location data of one endpoint table route."""
    if route.prefix:
        modifier, match = '~', '^%s[^/]+$' % route.path
    else:
        modifier, match = '=', route.path
    return {
        'name': route.name,
        'endpoint_class': route.endpoint_class,
        'limit_class': limit_class_for(route),
        'modifier': modifier,
        'match': match,
        'methods': list(route.methods),
        'methods_regex': '^(?:%s)$' % '|'.join(route.methods),
        'upload': route.name in UPLOAD_ROUTES,
    }


def proxy_locations(profile, routes=None):
    routes = list(routes or [])
    try:
        if profile == CUSTOM:
            if not routes:
                raise ValueError("proxy_profile 'custom' needs proxy_custom_routes (route or class names)")
            selected = endpoints.routes_for(routes)
        else:
            if routes:
                raise ValueError("proxy_custom_routes is only used with proxy_profile 'custom' (got profile %r)"
                                 % profile)
            selected = endpoints.profile_routes(profile)
    except ValueError as exc:
        hint = " (or 'custom' with proxy_custom_routes)" if 'unknown profile' in str(exc) else ''
        raise AnsibleFilterError('proxy_locations: %s%s' % (exc, hint)) from None
    return [location_for(route) for route in selected]


class FilterModule(object):
    def filters(self):
        return {'proxy_locations': proxy_locations}

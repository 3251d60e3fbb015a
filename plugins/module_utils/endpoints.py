# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ollama's HTTP routes and the endpoint classes they belong to: the one definition.

Read from Ollama's server/routes.go (v0.32.x). Everything that reasons about endpoints uses
this module: the advisory data (which endpoints an advisory touches), the endpoint audit
(what an outsider can reach, per class), the proxy role's policy (which routes a profile
opens) and the log analysis of the monitoring role. Add a route here and all of them see it.

Vocabulary:
- a *route* has a name (``pull``), a class (``management``), its methods and its path;
- a *class* groups routes by what they let a client do;
- a *profile* is the set of routes the proxy opens to authenticated clients.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import re

Route = collections.namedtuple('Route', 'name endpoint_class methods path prefix')
"""``prefix`` is True when the path ends in a parameter (``/api/blobs/:digest``)."""

# Class name -> what a client reaching it can do.
CLASSES = collections.OrderedDict([
    ('banner', 'the "Ollama is running" banner: tells scanners an Ollama is here'),
    ('read', 'version and model inventory (version, status, tags, ps, show)'),
    ('inference', "Ollama's own inference API (generate, chat, embed)"),
    ('compat', 'OpenAI- and Anthropic-compatible inference API (/v1/...)'),
    ('management', 'model management: pull, push, create, copy, delete, blobs'),
    ('account', "the server's ollama.com account (me, signout, keys)"),
    ('experimental', "experimental routes using the signed-in account (web search, fetch)"),
])


def _route(name, endpoint_class, methods, path):
    prefix = path != '/' and path.endswith('/')
    return Route(name, endpoint_class, tuple(methods.split(',')), path, prefix)


ROUTES = (
    _route('banner', 'banner', 'GET,HEAD', '/'),
    _route('version', 'read', 'GET,HEAD', '/api/version'),
    _route('status', 'read', 'GET', '/api/status'),
    _route('tags', 'read', 'GET,HEAD', '/api/tags'),
    _route('ps', 'read', 'GET', '/api/ps'),
    _route('show', 'read', 'POST', '/api/show'),
    _route('generate', 'inference', 'POST', '/api/generate'),
    _route('chat', 'inference', 'POST', '/api/chat'),
    _route('embed', 'inference', 'POST', '/api/embed'),
    _route('embeddings', 'inference', 'POST', '/api/embeddings'),
    _route('openai_chat', 'compat', 'POST', '/v1/chat/completions'),
    _route('openai_completions', 'compat', 'POST', '/v1/completions'),
    _route('openai_embeddings', 'compat', 'POST', '/v1/embeddings'),
    _route('openai_responses', 'compat', 'POST', '/v1/responses'),
    _route('openai_transcriptions', 'compat', 'POST', '/v1/audio/transcriptions'),
    _route('openai_models', 'compat', 'GET', '/v1/models'),
    _route('openai_model', 'compat', 'GET', '/v1/models/'),
    _route('anthropic_messages', 'compat', 'POST', '/v1/messages'),
    _route('pull', 'management', 'POST', '/api/pull'),
    _route('push', 'management', 'POST', '/api/push'),
    _route('create', 'management', 'POST', '/api/create'),
    _route('copy', 'management', 'POST', '/api/copy'),
    _route('delete', 'management', 'DELETE', '/api/delete'),
    _route('blobs', 'management', 'POST,HEAD', '/api/blobs/'),
    _route('me', 'account', 'POST', '/api/me'),
    _route('signout', 'account', 'POST', '/api/signout'),
    _route('user_keys', 'account', 'DELETE', '/api/user/keys/'),
    _route('web_search', 'experimental', 'POST', '/api/experimental/web_search'),
    _route('web_fetch', 'experimental', 'POST', '/api/experimental/web_fetch'),
    _route('model_recommendations', 'experimental', 'GET', '/api/experimental/model-recommendations'),
)

ROUTES_BY_NAME = collections.OrderedDict((r.name, r) for r in ROUTES)

# Proxy profiles: the routes each opens to authenticated clients. Everything else is denied.
PROFILES = collections.OrderedDict([
    # What applications need: inference in both API styles, the model list they pick from, and
    # the version (front-ends such as Open WebUI check a connection with GET /api/version).
    ('inference', ('version', 'generate', 'chat', 'embed', 'embeddings', 'openai_chat', 'openai_completions',
                   'openai_embeddings', 'openai_responses', 'openai_transcriptions', 'openai_models',
                   'openai_model', 'anthropic_messages', 'tags', 'ps', 'show')),
    # Dashboards and inventory: nothing that runs a model or changes one.
    ('readonly', ('version', 'status', 'tags', 'ps', 'show', 'openai_models', 'openai_model')),
    # The upstream advice for development hosts: only /api/generate.
    ('dev', ('generate',)),
    # Everything, still authenticated.
    ('admin', tuple(ROUTES_BY_NAME)),
])

_ALL = 'all'


def endpoint_names():
    """Every name an advisory or a policy may use: route names, class names and ``all``."""
    return list(collections.OrderedDict.fromkeys([_ALL, *CLASSES, *ROUTES_BY_NAME]))


def endpoint_class(name):
    """The class of a route or class name (``pull`` -> ``management``); ``all`` stays ``all``."""
    if name == _ALL or name in CLASSES:
        return name
    try:
        return ROUTES_BY_NAME[name].endpoint_class
    except KeyError:
        raise ValueError('unknown endpoint %r (known: %s)' % (name, ', '.join(endpoint_names()))) from None


def routes_for(names):
    """Routes named by route names, class names or ``all``, in table order, without repeats."""
    wanted = set()
    for name in names:
        if name == _ALL:
            return list(ROUTES)
        if name in CLASSES:
            wanted.update(r.name for r in ROUTES if r.endpoint_class == name)
        elif name in ROUTES_BY_NAME:
            wanted.add(name)
        else:
            raise ValueError('unknown endpoint %r (known: %s)' % (name, ', '.join(endpoint_names())))
    return [r for r in ROUTES if r.name in wanted]


def profile_routes(profile):
    """The routes a proxy profile opens."""
    try:
        return routes_for(PROFILES[profile])
    except KeyError:
        raise ValueError('unknown profile %r (known: %s)' % (profile, ', '.join(PROFILES))) from None


_SEGMENT = re.compile(r'^[^/]+$')


def classify(method, path):
    """The route a request goes to, or None for a path Ollama does not serve.

    ``method`` is ignored for matching (a wrong method still targets the route: Ollama
    answers 405), so callers can tell "wrong method" from "unknown path".
    """
    del method  # matching is by path; see the docstring
    path = path.split('?', 1)[0]
    for route in ROUTES:
        if route.prefix:
            rest = path[len(route.path):] if path.startswith(route.path) else None
            if rest is not None and _SEGMENT.match(rest):
                return route
        elif path == route.path:
            return route
    return None

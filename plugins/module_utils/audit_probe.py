# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP probing for the endpoint audit: targets, single requests, and the per-route probes.

Stdlib only (http.client, ssl, socket) with explicit timeouts and a per-target deadline, so a
target that never answers costs at most its timeout. Every probe is chosen so it cannot change
state on the server (the "Non-destructive probes" of the collection's Ollama reference): a model
name that does not exist (derived from the target, never ending in ``cloud``), EMPTY bodies for
pull/push/create/copy (Ollama answers 400 ``missing request body`` before doing anything), a
blob digest of zeros. Routes without such a probe are never sent (NOT_PROBED says why).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import email.utils
import errno
import hashlib
import http.client
import ipaddress
import json
import re
import socket
import ssl
import time
from urllib.parse import urlsplit

from ansible_collections.aisec.ollama.plugins.module_utils import endpoints

MAX_BODY = 16384  # bytes kept of any answer: memory stays flat whatever a server sends
DEFAULT_PORT = 11434

Target = collections.namedtuple('Target', 'raw scheme host port base_path')


class TargetError(ValueError):
    """A target string that is not a URL or host[:port]."""


_LABEL = r'[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?'
_HOSTNAME = re.compile(r'^(?=.{1,253}$)%s(\.%s)*\.?$' % (_LABEL, _LABEL))


def parse_target(raw):
    """``http(s)://host[:port][/prefix]`` or ``host[:port]`` -> Target; TargetError otherwise.

    Without a scheme, port 443 means https and anything else http; without a port, 11434.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise TargetError('empty target')
    text = raw.strip()
    if '://' in text:
        parts = urlsplit(text)
        if parts.scheme.lower() not in ('http', 'https'):
            raise TargetError('%r: scheme must be http or https' % raw)
        if parts.username or parts.password:
            raise TargetError('%r: put credentials in url_username/url_password or bearer_token, not in the URL' % raw)
        if parts.query or parts.fragment:
            raise TargetError('%r: a target takes no query or fragment' % raw)
        scheme, path = parts.scheme.lower(), parts.path.rstrip('/')
    else:
        if '/' in text:
            raise TargetError('%r: give a URL with a scheme, or host[:port]' % raw)
        parts = urlsplit('//' + text)
        scheme, path = None, ''
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise TargetError('%r: the port is not a number between 0 and 65535' % raw) from None
    if not host:
        raise TargetError('%r: no host name' % raw)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not _HOSTNAME.match(host):
            raise TargetError('%r: %r is not a valid host name' % (raw, host)) from None
    if port == 0:
        raise TargetError('%r: port 0 is not a port' % raw)
    if scheme is None:
        port = port or DEFAULT_PORT
        scheme = 'https' if port == 443 else 'http'
    elif port is None:
        port = 443 if scheme == 'https' else 80
    return Target(raw, scheme, host, port, path)


def target_url(target):
    host = '[%s]' % target.host if ':' in target.host else target.host
    return '%s://%s:%d%s' % (target.scheme, host, target.port, target.base_path)


def absent_model(target):
    """A model name that does not exist on the target, stable per target (reports stay comparable)."""
    digest = hashlib.sha256(target_url(target).encode('utf-8')).hexdigest()[:12]
    return 'aisec-audit-absent-%s' % digest  # hex digits: never ends in "cloud"


# The clock and the sleep of the audit (tests replace both with a virtual clock).
_clock = time.monotonic
_sleep = time.sleep


class Deadline:
    """Time budget of one target; each request gets min(timeout, what is left)."""

    def __init__(self, seconds):
        self.end = _clock() + seconds

    def remaining(self):
        return self.end - _clock()


# Waits after a 429 without Retry-After: the first, the longest, and the growth per further 429.
RATE_WAIT_FIRST = 1.0
RATE_WAIT_MAX = 30.0
RATE_WAIT_GROWTH = 2.0
RETRY_AFTER_MAX = 120.0  # a Retry-After longer than this is not waited for

# Error kinds that mean nothing was examined (never "closed"), and what they mean.
UNEXAMINED = collections.OrderedDict([
    ('dns', 'the host name does not resolve'),
    ('no_route', 'no route to the host (network or host unreachable)'),
    ('timeout', 'no answer within the timeout (dropped or down)'),
    ('tls', 'the TLS handshake failed'),
    ('deadline', 'the per-target deadline ran out'),
    ('rate_limited', 'rate limited (429) after pacing within the deadline'),
    ('protocol', 'an answer that is not HTTP'),
    ('network', 'a network error'),
    ('internal', 'an internal error of the audit'),
])
# What an outsider may call closed: the port refuses connections. (A connection accepted and then
# closed without any answer, nginx's 444, is the proxy refusing the request: "blocked".)
CLOSED_KINDS = ('refused',)


class Exchange:
    """One request and what came back (status None when nothing did, with ``error`` saying why)."""

    __slots__ = ('authenticated', 'body', 'error', 'error_kind', 'headers', 'method', 'note', 'path',
                 'rate_limited', 'status', 'waited')

    def __init__(self, method, path, authenticated=False, note=None):
        self.method, self.path, self.authenticated, self.note = method, path, authenticated, note
        self.status, self.headers, self.body, self.error, self.error_kind = None, {}, b'', None, None
        self.rate_limited = 0  # 429s met (and waited out) before this answer
        self.waited = 0.0  # seconds waited for the rate limit

    def header(self, name):
        return self.headers.get(name.lower())

    def text(self):
        return self.body.decode('utf-8', 'replace')

    def json(self):
        try:
            return json.loads(self.text())
        except ValueError:
            return ValueError  # a sentinel: ``null`` is valid JSON and means None

    def is_json(self):
        return (self.header('content-type') or '').startswith('application/json')

    def evidence(self, detail=None):
        item = {'request': '%s %s' % (self.method, self.path), 'authenticated': self.authenticated,
                'status': self.status}
        if self.note:
            item['request'] += ' ' + self.note
        if self.error:
            item['error'] = self.error
        if self.rate_limited:
            item['rate_limited'] = '%d x 429, waited %.0f s' % (self.rate_limited, self.waited)
        if detail:
            item['detail'] = detail
        return item


_NO_ROUTE = (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ENETDOWN, errno.EHOSTDOWN)


def _classify_error(exc):
    """(kind, text) of a failed request. Only ``refused`` means the port is closed; ``closed`` is a
    connection accepted and then closed without an answer (a proxy refusing the request, nginx 444)."""
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return 'timeout', 'timed out'
    if isinstance(exc, socket.gaierror):
        return 'dns', 'host name does not resolve: %s' % exc
    if isinstance(exc, ConnectionRefusedError):
        return 'refused', 'connection refused'
    if isinstance(exc, OSError) and getattr(exc, 'errno', None) in _NO_ROUTE:
        # An ICMP "administratively prohibited" arrives as EHOSTUNREACH too: it cannot be told
        # from a host that is down, so it is never called closed.
        return 'no_route', 'no route to host: %s' % (exc.strerror or exc)
    if isinstance(exc, ssl.SSLError):
        return 'tls', 'TLS failure: %s' % (getattr(exc, 'reason', None) or exc)
    if isinstance(exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)):
        return 'closed', 'connection closed without an answer'
    if isinstance(exc, http.client.HTTPException):
        return 'protocol', 'not an HTTP answer: %s' % (exc.__class__.__name__)
    return 'network', '%s: %s' % (exc.__class__.__name__, exc)


def unverified_context():
    """What an outsider uses: any certificate is fine. Only anonymous probes go through it."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def verified_context(ca_path=None):
    ctx = ssl.create_default_context(cafile=ca_path or None)
    return ctx


class Client:
    """Requests to one target within its deadline.

    Credentials (``auth_headers``) are only sent with ``authenticated=True``, and over HTTPS only
    through ``secure_context`` (certificate verified, unless the user turned verification off).
    """

    def __init__(self, target, timeout, deadline, auth_headers=None, extra_headers=None,
                 secure_context=None):
        self.target = target
        self.timeout = timeout
        self.deadline = deadline
        self.auth_headers = dict(auth_headers or {})
        self.extra_headers = dict(extra_headers or {})
        self.insecure_context = unverified_context()
        self.secure_context = secure_context
        self.sent = 0
        self.rate_limited = 0  # 429s met
        self.rate_wait = RATE_WAIT_FIRST  # first wait after a 429 without Retry-After (learned)
        # One kept-alive connection per (scheme, port, context): the probes of a target reuse it
        # instead of paying a TCP (and TLS) handshake each.
        self._connections = {}

    def close(self):
        """Close the kept-alive connections (the client can still be used: they reopen)."""
        for conn in self._connections.values():
            conn.close()
        self._connections.clear()

    def _connection(self, scheme, port, context, timeout):
        """(connection, whether it was used before) for scheme/port/context, its timeout set."""
        key = (scheme, port, id(context) if context is not None else None)
        conn = self._connections.get(key)
        if conn is not None and conn.sock is not None:
            conn.timeout = timeout
            conn.sock.settimeout(timeout)
            return conn, True
        if scheme == 'https':
            conn = http.client.HTTPSConnection(self.target.host, port, timeout=timeout, context=context)
        else:
            conn = http.client.HTTPConnection(self.target.host, port, timeout=timeout)
        self._connections[key] = conn
        return conn, False

    def request(self, method, path, body=None, headers=None, authenticated=False, host_header=None,
                scheme=None, port=None, note=None, pace=True):
        """One probe. A 429 is waited out (Retry-After when given, else growing waits) and the
        request sent again, within the deadline; ``pace=False`` returns the first answer as it is.
        A probe still answered 429 has ``error_kind`` ``rate_limited``: never "closed"."""
        ex = self._once(method, path, body, headers, authenticated, host_header, scheme, port, note)
        count, waits, waited, wait = 0, 0, 0.0, 0.0
        while pace and ex.status == 429:
            count += 1
            given = _retry_after(ex.header('retry-after'))
            if given is not None:
                wait = given
            else:
                wait = self.rate_wait if count == 1 else min(RATE_WAIT_MAX, wait * RATE_WAIT_GROWTH)
            if wait > RETRY_AFTER_MAX or wait >= self.deadline.remaining() - min(self.timeout, 1.0):
                break
            _sleep(wait)
            waits, waited = waits + 1, waited + wait
            ex = self._once(method, path, body, headers, authenticated, host_header, scheme, port, note)
            if ex.status != 429 and given is None:
                # Where the next 429 starts: the wait that worked, a little shorter when it was the
                # first (so the pace follows the server's refill interval instead of only growing).
                self.rate_wait = max(RATE_WAIT_FIRST, wait * (0.75 if count == 1 else 1.0))
        ex.rate_limited, ex.waited = count, waited
        self.rate_limited += count
        if ex.status == 429:
            ex.error_kind = 'rate_limited'
            if pace:
                ex.error = '429 Too Many Requests after %d wait(s), %.0f s in all (%s)' % (
                    waits, waited,
                    'Retry-After: %s' % ex.header('retry-after') if ex.header('retry-after') else 'no Retry-After')
            else:
                ex.error = '429 Too Many Requests'
        return ex

    def _once(self, method, path, body, headers, authenticated, host_header, scheme, port, note):
        full_path = self.target.base_path + path if scheme is None else path
        ex = Exchange(method, full_path, authenticated, note)
        remaining = self.deadline.remaining()
        if remaining <= 0:
            ex.error_kind, ex.error = 'deadline', 'per-target deadline exceeded before sending'
            return ex
        scheme = scheme or self.target.scheme
        port = port or self.target.port
        timeout = max(0.05, min(self.timeout, remaining))
        context = None
        if scheme == 'https':
            context = self.secure_context if authenticated and self.secure_context else self.insecure_context
        sent_headers = dict(self.extra_headers)
        sent_headers.update(headers or {})
        if authenticated:
            sent_headers.update(self.auth_headers)
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode('utf-8')
            sent_headers.setdefault('Content-Type', 'application/json')
        if body is None and method in ('POST', 'DELETE'):
            body = b''  # Content-Length: 0, the "empty body" probes
        conn, reused = self._connection(scheme, port, context, timeout)
        try:
            self._exchange(conn, ex, method, full_path, body, sent_headers, host_header)
        except Exception as exc:  # every network failure becomes data, never a traceback
            conn.close()
            if not (reused and isinstance(exc, _STALE)):
                self._record_error(ex, exc)
                return ex
            # The server closed the kept-alive connection between two probes: that says nothing
            # about this request, so it is sent once more, on a new connection.
            ex.status, ex.headers, ex.body = None, {}, b''
            conn, _reused = self._connection(scheme, port, context, timeout)
            try:
                self._exchange(conn, ex, method, full_path, body, sent_headers, host_header)
            except Exception as retry_exc:  # as above: data, never a traceback
                conn.close()
                self._record_error(ex, retry_exc)
        return ex

    def _record_error(self, ex, exc):
        ex.error_kind, ex.error = _classify_error(exc)
        if ex.error_kind == 'timeout' and self.deadline.remaining() <= 0:
            ex.error_kind, ex.error = 'deadline', 'per-target deadline exceeded'

    def _exchange(self, conn, ex, method, path, body, headers, host_header):
        self.sent += 1
        conn.putrequest(method, path, skip_host=host_header is not None, skip_accept_encoding=True)
        if host_header is not None:
            conn.putheader('Host', host_header)
        for name, value in headers.items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader('Content-Length', str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        ex.status = resp.status
        ex.headers = dict((k.lower(), v) for k, v in resp.getheaders())
        ex.body = resp.read(MAX_BODY) if method != 'HEAD' else b''
        if not resp.isclosed():
            conn.close()  # an answer longer than MAX_BODY: the rest is not read, nor the socket reused


# A kept-alive connection the server has closed meanwhile fails the next request this way.
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


def _retry_after(value):
    """Seconds of a Retry-After header (delay-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


Probe = collections.namedtuple('Probe', 'method suffix body expect')

_ONE_MESSAGE = [{'role': 'user', 'content': 'x'}]
_ZERO_DIGEST = 'sha256:' + '0' * 64

# Route name -> the probe that tells "Ollama answered" from "blocked", without side effects.
# ``{model}`` in a body or suffix is replaced by absent_model(target).
PROBES = collections.OrderedDict([
    ('banner', Probe('GET', '', None, 'banner')),
    ('version', Probe('GET', '', None, 'json:version')),
    ('status', Probe('GET', '', None, 'json:')),
    ('tags', Probe('GET', '', None, 'json:models')),
    ('ps', Probe('GET', '', None, 'json:models')),
    ('show', Probe('POST', '', {'model': '{model}'}, 'not_found')),
    ('generate', Probe('POST', '', {'model': '{model}'}, 'not_found')),
    ('chat', Probe('POST', '', {'model': '{model}'}, 'not_found')),
    ('embed', Probe('POST', '', {'model': '{model}', 'input': 'x'}, 'not_found')),
    ('embeddings', Probe('POST', '', {'model': '{model}', 'prompt': 'x'}, 'not_found')),
    ('openai_chat', Probe('POST', '', {'model': '{model}', 'messages': _ONE_MESSAGE}, 'not_found')),
    ('openai_completions', Probe('POST', '', {'model': '{model}', 'prompt': 'x'}, 'not_found')),
    ('openai_embeddings', Probe('POST', '', {'model': '{model}', 'input': 'x'}, 'not_found')),
    ('openai_responses', Probe('POST', '', {'model': '{model}', 'input': 'x'}, 'not_found')),
    ('openai_models', Probe('GET', '', None, 'json:data')),
    ('openai_model', Probe('GET', '{model}', None, 'not_found')),
    ('anthropic_messages', Probe('POST', '', {'model': '{model}', 'max_tokens': 1, 'messages': _ONE_MESSAGE},
                                 'not_found')),
    ('pull', Probe('POST', '', None, 'missing_body')),
    ('push', Probe('POST', '', None, 'missing_body')),
    ('create', Probe('POST', '', None, 'missing_body')),
    ('copy', Probe('POST', '', None, 'missing_body')),
    ('delete', Probe('DELETE', '', {'model': '{model}'}, 'not_found')),
    ('blobs', Probe('HEAD', _ZERO_DIGEST, None, 'head_not_found')),
    # A read: "who is signed in"; 200 (null or the account) or Ollama's own 401 with a signin_url.
    ('me', Probe('POST', '', None, 'account')),
    # A read of recommendations; the only experimental route that neither searches nor fetches.
    ('model_recommendations', Probe('GET', '', None, 'json:')),
])

NOT_PROBED = collections.OrderedDict([
    ('openai_transcriptions', 'needs a multipart audio upload; the other /v1 routes stand for the class'),
    ('signout', 'would sign the server out of ollama.com: never sent'),
    ('user_keys', 'would delete a key of the ollama.com account: never sent'),
    ('web_search', "would run a search on ollama.com with the server owner's account: never sent"),
    ('web_fetch', "would make the server fetch a URL with the owner's account: never sent"),
])


def probe_request(route, target):
    """(method, path, body) of a route's probe for a target."""
    probe = PROBES[route.name]
    model = absent_model(target)
    path = route.path + probe.suffix.replace('{model}', model)
    body = probe.body
    if body is not None:
        body = json.loads(json.dumps(body).replace('{model}', model))
    return probe.method, path, body


def _ollama_error_text(ex):
    data = ex.json()
    if isinstance(data, dict):
        err = data.get('error')
        if isinstance(err, dict):  # OpenAI / Anthropic shapes
            err = err.get('message')
        if isinstance(err, str):
            return err
    return None


def judge(expect, ex):
    """``open`` (Ollama's own answer), ``blocked`` (anything else answered, or the connection was
    accepted and closed without an answer), ``absent`` (Ollama without that route: Go's plain 404),
    ``rate_limited`` (still 429 after pacing: not examined) or ``error`` (no answer: not examined)."""
    if ex.status is None:
        return 'blocked' if ex.error_kind == 'closed' else 'error'
    status = ex.status
    if status == 429:
        return 'rate_limited'
    if expect == 'banner':
        return 'open' if status == 200 and ex.text().strip() == 'Ollama is running' else 'blocked'
    if expect.startswith('json:') and status == 200 and ex.is_json():
        data = ex.json()
        key = expect[5:]
        if data is not ValueError and (not key or (isinstance(data, dict) and key in data)):
            return 'open'
    if expect == 'not_found' and status == 404 and ex.is_json():
        text = _ollama_error_text(ex) or ''
        if 'not found' in text:
            return 'open'
    if expect == 'missing_body' and status == 400 and 'missing request body' in (_ollama_error_text(ex) or ''):
        return 'open'
    if expect == 'head_not_found' and status == 404 and ex.is_json():
        return 'open'
    if expect == 'account' and ex.is_json():
        data = ex.json()
        if status == 200 and (data is None or isinstance(data, dict)):
            return 'open'
        if status == 401 and isinstance(data, dict) and 'signin_url' in data:
            return 'open'
    if status == 404 and ex.text().strip() == '404 page not found':
        return 'absent'
    return 'blocked'


def looks_like_ollama(exchanges):
    """Why the answers identify Ollama (list of reasons; empty when they do not)."""
    reasons = []
    for ex in exchanges:
        if ex.status != 200:
            continue
        if ex.text().strip() == 'Ollama is running':
            reasons.append('banner "Ollama is running" at %s' % ex.path)
        data = ex.json() if ex.is_json() else None
        if isinstance(data, dict) and isinstance(data.get('version'), str) and ex.path.endswith('/api/version'):
            reasons.append('/api/version answered %s' % data['version'])
        if isinstance(data, dict) and isinstance(data.get('models'), list) and ex.path.endswith('/api/tags'):
            reasons.append('/api/tags lists %d model(s)' % len(data['models']))
    return list(collections.OrderedDict.fromkeys(reasons))


def probed_routes(names=('all',)):
    """The routes of endpoints.ROUTES (or of the given names/classes) that have a probe."""
    return [r for r in endpoints.routes_for(names) if r.name in PROBES]


# A route added to endpoints.ROUTES must get a probe or a reason not to send one.
_UNDECIDED = set(endpoints.ROUTES_BY_NAME) ^ (set(PROBES) | set(NOT_PROBED))
if _UNDECIDED:
    raise AssertionError('routes without a probe decision: %s' % ', '.join(sorted(_UNDECIDED)))

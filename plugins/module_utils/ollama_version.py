# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ollama version strings: parsing, ordering, and where to read them from.

The parsing half is plain Python, so the module, the action plugin, the maintainer tool and the
unit tests all use the same rules; ``find_version(module, params)`` at the end reads the version
from the module's chosen source (string, binary, url, image).

Accepted forms (a leading ``v`` is ignored)::

    0.1.34            a release
    0.33.0-rc2        a pre-release; ``-rc.2`` is the same version as ``-rc2``
    0.1.34-5-gabc1234 ``git describe`` of a build 5 commits after tag v0.1.34 (``-dirty`` allowed)
    0.0.0             what a source build without version information reports

Ordering follows semantic versioning: a pre-release sorts before its release
(``0.17.1-rc2 < 0.17.1``); pre-release identifiers compare piecewise with numbers numerically
(``rc2 < rc10``); a ``git describe`` build sorts after its tag and before the next version.
Anything else (``latest``, ``0.1``, ``1.2.3.4``, ``01.2.3``) is rejected with VersionError.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
from urllib.parse import urljoin, urlsplit

from ansible.module_utils.urls import fetch_url

_CORE_RE = re.compile(
    r'^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)'
    r'(?:-([0-9A-Za-z]+(?:[.-][0-9A-Za-z]+)*))?'
    r'(?:\+([0-9A-Za-z]+(?:[.-][0-9A-Za-z]+)*))?$'
)
_DESCRIBE_RE = re.compile(r'^(.+)-([0-9]+)-g([0-9a-f]{7,40})$')
_RUN_RE = re.compile(r'[0-9]+|[A-Za-z]+')

# Image tags of the official image carry a variant suffix that is not a pre-release.
IMAGE_TAG_VARIANTS = ('rocm', 'cuda', 'jetpack5', 'jetpack6', 'vulkan', 'cpu')
OCI_VERSION_LABEL = 'org.opencontainers.image.version'

_SERVER_LINE_RE = re.compile(r'ollama version is\s+(\S+)', re.IGNORECASE)
_CLIENT_LINE_RE = re.compile(r'client version is\s+(\S+)', re.IGNORECASE)


class VersionError(ValueError):
    """A version string (or the text around it) could not be understood."""


def _quote(text, limit=80):
    text = '' if text is None else str(text)
    if len(text) > limit:
        text = text[:limit] + '...'
    return repr(text)


def _prerelease_key(prerelease):
    """Sort key of a pre-release string: a tuple of (kind, number, text) pieces."""
    pieces = []
    for part in _RUN_RE.findall(prerelease):
        if part.isdigit():
            pieces.append((0, int(part), ''))
        else:
            pieces.append((1, 0, part.lower()))
    return tuple(pieces)


class OllamaVersion:
    """One parsed Ollama version; instances compare and hash by their ordering key."""

    __slots__ = ('_key', 'commit', 'commits', 'dirty', 'major', 'minor', 'patch', 'prerelease', 'raw')

    def __init__(self, major, minor, patch, prerelease=None, commits=0, commit=None, dirty=False, raw=None):
        self.major = int(major)
        self.minor = int(minor)
        self.patch = int(patch)
        self.prerelease = prerelease or None
        self.commits = int(commits or 0)
        self.commit = commit
        self.dirty = bool(dirty)
        self.raw = raw if raw is not None else str(self)
        pre_key = (0, *_prerelease_key(self.prerelease)) if self.prerelease else (1,)
        self._key = (self.major, self.minor, self.patch, pre_key, self.commits)

    @classmethod
    def parse(cls, text):
        """Parse a version string; raise VersionError quoting the input when it is not one."""
        if not isinstance(text, str):
            raise VersionError('version must be a string, got %s %s' % (type(text).__name__, _quote(text)))
        value = text.strip()
        if value[:1] in ('v', 'V'):
            value = value[1:]
        dirty = False
        if value.endswith('-dirty'):
            value = value[:-len('-dirty')]
            dirty = True
        commits, commit = 0, None
        describe = _DESCRIBE_RE.match(value)
        if describe and _CORE_RE.match(describe.group(1)):
            value, commits, commit = describe.group(1), int(describe.group(2)), describe.group(3)
        match = _CORE_RE.match(value)
        if not match:
            raise VersionError(
                '%s is not an Ollama version (expected X.Y.Z, optionally with a leading v and a '
                'pre-release such as -rc2)' % _quote(text))
        major, minor, patch, prerelease, _build = match.groups()
        return cls(major, minor, patch, prerelease, commits, commit, dirty, raw=text)

    @property
    def key(self):
        return self._key

    @property
    def is_prerelease(self):
        return self.prerelease is not None

    @property
    def is_source_build(self):
        """0.0.0 is what Ollama reports when built from source without a version."""
        return (self.major, self.minor, self.patch) == (0, 0, 0)

    @property
    def release(self):
        """The X.Y.Z part as a string."""
        return '%d.%d.%d' % (self.major, self.minor, self.patch)

    def __str__(self):
        text = self.release
        if self.prerelease:
            text += '-' + self.prerelease
        if self.commit:
            text += '-%d-g%s' % (self.commits, self.commit)
        if self.dirty:
            text += '-dirty'
        return text

    def __repr__(self):
        return 'OllamaVersion(%r)' % str(self)

    def __hash__(self):
        return hash(self._key)

    def _other_key(self, other):
        if isinstance(other, OllamaVersion):
            return other._key
        if isinstance(other, str):
            return OllamaVersion.parse(other)._key
        return None

    def __eq__(self, other):
        key = self._other_key(other)
        return NotImplemented if key is None else self._key == key

    def __ne__(self, other):
        key = self._other_key(other)
        return NotImplemented if key is None else self._key != key

    def __lt__(self, other):
        key = self._other_key(other)
        return NotImplemented if key is None else self._key < key

    def __le__(self, other):
        key = self._other_key(other)
        return NotImplemented if key is None else self._key <= key

    def __gt__(self, other):
        key = self._other_key(other)
        return NotImplemented if key is None else self._key > key

    def __ge__(self, other):
        key = self._other_key(other)
        return NotImplemented if key is None else self._key >= key


def parse_version(text):
    """Shortcut for OllamaVersion.parse."""
    return OllamaVersion.parse(text)


def parse_cli_output(output):
    """Read ``ollama -v`` output.

    Returns ``(server_version, client_version)`` as strings (either may be None). A reachable
    server prints ``ollama version is X``; without one the CLI prints
    ``Warning: could not connect to a running Ollama instance`` and
    ``Warning: client version is X``; when both differ it prints both lines.
    Raises VersionError when neither line is present.
    """
    text = output or ''
    server = _SERVER_LINE_RE.search(text)
    client = _CLIENT_LINE_RE.search(text)
    if not server and not client:
        raise VersionError('no "ollama version is X" or "client version is X" line in the output: %s'
                           % _quote(text.strip(), 200))
    return (server.group(1) if server else None, client.group(1) if client else None)


def split_image_reference(image):
    """Return ``(name, tag, digest)`` of an image reference such as ``ollama/ollama:0.32.15``."""
    ref = (image or '').strip()
    if not ref:
        raise VersionError('image reference is empty')
    digest = None
    if '@' in ref:
        ref, digest = ref.split('@', 1)
    tag = None
    last = ref.rsplit('/', 1)[-1]
    if ':' in last:
        ref, tag = ref.rsplit(':', 1)
    return ref, tag, digest


def version_from_image_tag(tag):
    """Version named by an image tag; strips a variant suffix such as ``-rocm`` first."""
    for variant in IMAGE_TAG_VARIANTS:
        suffix = '-' + variant
        if tag.lower().endswith(suffix) and len(tag) > len(suffix):
            return OllamaVersion.parse(tag[:-len(suffix)])
    return OllamaVersion.parse(tag)


def version_from_image(image=None, labels=None):
    """Find the version of a container image.

    The ``org.opencontainers.image.version`` label wins when ``labels`` has it; otherwise the
    tag of ``image`` is used. Returns ``(OllamaVersion, detail_dict)``.
    """
    labels = labels or {}
    label = labels.get(OCI_VERSION_LABEL)
    if label not in (None, ''):
        try:
            return OllamaVersion.parse(str(label)), {'image': image, 'from': 'label', 'label': OCI_VERSION_LABEL}
        except VersionError as exc:
            raise VersionError('image label %s: %s' % (OCI_VERSION_LABEL, exc)) from exc
    if not image:
        raise VersionError('image_labels has no %s label and no image reference was given' % OCI_VERSION_LABEL)
    _name, tag, digest = split_image_reference(image)
    if not tag:
        raise VersionError(
            'image %s has no tag%s, so its version is unknown; pass image_labels (for example from '
            '`podman image inspect`) or version' % (_quote(image), ' (pinned by digest)' if digest else ''))
    try:
        version = version_from_image_tag(tag)
    except VersionError:
        raise VersionError(
            'image tag %s of %s does not name a version; pass image_labels (for example the Labels of '
            '`podman image inspect %s`) or version' % (_quote(tag), _quote(image), image)) from None
    return version, {'image': image, 'from': 'tag', 'tag': tag}


# --- Sources ------------------------------------------------------------------------------------
class SourceError(Exception):
    """The version could not be read from the chosen source."""


BINARY_DIRS = ['/usr/local/bin', '/usr/bin', '/bin']


def version_from_binary(module, binary):
    """Run ``<binary> -v`` on the target and read both output forms.

    Returns ``(OllamaVersion, detail, warnings)``. When a server answers with a different version
    than the binary's own, the older one is judged (the conservative choice) and a warning says so.
    """
    path = binary
    if '/' not in binary:
        path = module.get_bin_path(binary, required=False, opt_dirs=BINARY_DIRS)
        if not path:
            raise SourceError('%s not found on PATH or in %s; install Ollama, set binary to its path, '
                              'or use version/url/image' % (_quote(binary), ', '.join(BINARY_DIRS)))
    rc, out, err = module.run_command([path, '-v'], check_rc=False)
    text = '\n'.join(t for t in (out, err) if t)
    try:
        server, client = parse_cli_output(text)
    except VersionError as exc:
        raise SourceError('`%s -v` (rc=%s): %s' % (path, rc, exc)) from exc
    detail = {'binary': path, 'server_version': server, 'client_version': client}
    versions = [OllamaVersion.parse(v) for v in (server, client) if v]
    judged = min(versions)
    warnings = []
    if len(versions) == 2 and versions[0] != versions[1]:
        warnings.append('the running server reports %s but the binary %s is %s; judging the older, %s'
                        % (server, path, client, judged))
    return judged, detail, warnings


def version_url(url):
    base = (url or '').strip()
    if not base.startswith(('http://', 'https://')):
        raise SourceError('url %s must start with http:// or https://' % _quote(display_url(url)))
    if base.rstrip('/').endswith('/api/version'):
        return base
    return base.rstrip('/') + '/api/version'


MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)


def display_url(url):
    """A URL for messages: any user:password@ masked (up to the rightmost @)."""
    text = str(url or '')
    sep = text.find('://')
    at = text.rfind('@')
    if at > sep >= 0:
        return text[:sep + 3] + '********' + text[at:]
    return text


def origin(url):
    """(scheme, host, port) as browsers compare origins; the default port filled in."""
    parts = urlsplit(url)
    scheme = (parts.scheme or '').lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or '').lower(), port or {'http': 80, 'https': 443}.get(scheme)


class _NoRedirects(object):
    """The module as fetch_url sees it, with follow_redirects=none.

    fetch_url takes follow_redirects from module.params. Left to urllib, a redirect is followed
    with every request header, Authorization and the caller's API-key headers included, to
    whatever host the Location names. With 'none' each 3xx comes back here and
    version_from_url decides.
    """

    def __init__(self, module):
        self._module = module
        self.params = dict(module.params, follow_redirects='none')

    def __getattr__(self, name):
        return getattr(self._module, name)


def _fetch(module, target, kwargs):
    """fetch_url that follows redirects only within the origin of ``target``."""
    view = _NoRedirects(module)
    current = target
    for _hop in range(MAX_REDIRECTS + 1):
        resp, info = fetch_url(view, current, **kwargs)
        status = info.get('status', -1)
        if status not in REDIRECTS:
            return current, resp, info
        location = info.get('location')
        if not location:
            raise SourceError('%s answered HTTP %s without a Location header' % (display_url(current), status))
        following = urljoin(current, location)
        if origin(following) != origin(target):
            raise SourceError(
                '%s redirects (HTTP %s) to %s, another origin (scheme, host or port): not followed, so '
                'that headers and credentials meant for %s are not sent there. If that server is the one '
                'to ask, set url to it.' % (display_url(current), status, display_url(following),
                                            '%s://%s:%s' % origin(target)))
        current = following
    raise SourceError('%s: more than %d redirects' % (display_url(target), MAX_REDIRECTS))


def version_from_url(module, url, headers=None, timeout=10, ca_path=None):
    """GET <url>/api/version; fail clearly when unreachable, refused, or not Ollama.

    Redirects are followed only to the same scheme, host and port (with the same headers);
    a redirect elsewhere fails, so credentials never travel to another server.
    """
    requested = version_url(url)
    kwargs = dict(headers=headers or None, method='GET', timeout=timeout)
    if ca_path:
        kwargs['ca_path'] = ca_path
    final, resp, info = _fetch(module, requested, kwargs)
    target = display_url(final)
    status = info.get('status', -1)
    if status is None or status < 0:
        raise SourceError('cannot reach %s: %s' % (target, info.get('msg', 'no answer')))
    if status >= 400 or resp is None:
        body = info.get('body') or b''
    else:
        body = resp.read()
    if isinstance(body, str):
        body = body.encode('utf-8', 'replace')
    snippet = body[:120].decode('utf-8', 'replace')
    if status in (401, 403):
        raise SourceError('%s answered HTTP %s: authentication is required or was refused; set '
                          'url_username/url_password (force_basic_auth) or headers' % (target, status))
    if status != 200:
        raise SourceError('%s answered HTTP %s (%s), not an Ollama version; body starts %s'
                          % (target, status, info.get('msg', ''), _quote(snippet)))
    content_type = info.get('content-type') or info.get('Content-Type') or 'unknown'
    try:
        payload = json.loads(body.decode('utf-8', 'replace'))
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or not isinstance(payload.get('version'), str):
        raise SourceError('%s did not answer like Ollama (expected JSON {"version": "X.Y.Z"}): HTTP %s, '
                          'Content-Type %s, body starts %s' % (target, status, content_type, _quote(snippet)))
    try:
        version = OllamaVersion.parse(payload['version'])
    except VersionError as exc:
        raise SourceError('%s reported an unusable version: %s' % (target, exc)) from exc
    return version, {'url': target, 'status': status}


def find_version(module, params):
    """Read the version from the source the parameters choose.

    Returns ``(OllamaVersion, source, detail, warnings)`` with source one of
    ``string``, ``binary``, ``url``, ``image``.
    """
    if params.get('version') is not None:
        return OllamaVersion.parse(params['version']), 'string', {'version': params['version']}, []
    if params.get('url'):
        version, detail = version_from_url(module, params['url'], headers=params.get('headers'),
                                           timeout=params.get('timeout') or 10, ca_path=params.get('ca_path'))
        return version, 'url', detail, []
    if params.get('image') or params.get('image_labels'):
        version, detail = version_from_image(params.get('image'), params.get('image_labels'))
        return version, 'image', detail, []
    version, detail, warnings = version_from_binary(module, params.get('binary') or 'ollama')
    return version, 'binary', detail, warnings

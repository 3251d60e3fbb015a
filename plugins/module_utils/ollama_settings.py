# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ollama's server environment variables: catalogue, validation and OLLAMA_HOST parsing.

Follows envconfig/config.go of Ollama v0.32.x. Ollama itself never refuses a value: a bad port
silently becomes the default, a bad boolean counts as true, a bad integer is ignored. That is
exactly what makes a typo dangerous, so ``validate_settings`` rejects every value Ollama would
not take literally and explains how Ollama would have read it.

Plain Python (no Ansible imports) so the unit tests drive it directly.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import ipaddress
import re
from typing import Dict, List, NamedTuple, Optional, Tuple

# Variable -> kind. Kinds are checked by _CHECKS below.
CATALOGUE: Dict[str, str] = {
    'OLLAMA_HOST': 'host',
    'OLLAMA_ORIGINS': 'origins',
    'OLLAMA_MODELS': 'abspath',
    'OLLAMA_KEEP_ALIVE': 'duration',
    'OLLAMA_LOAD_TIMEOUT': 'duration',
    'OLLAMA_CONTEXT_LENGTH': 'uint',
    'OLLAMA_NUM_PARALLEL': 'uint',
    'OLLAMA_MAX_LOADED_MODELS': 'uint',
    'OLLAMA_MAX_QUEUE': 'posint',
    'OLLAMA_MAX_TRANSFER_STREAMS': 'posint',
    'OLLAMA_GPU_OVERHEAD': 'uint',
    'OLLAMA_DEBUG': 'debug',
    'OLLAMA_DEBUG_LOG_REQUESTS': 'bool',
    'OLLAMA_NOPRUNE': 'bool',
    'OLLAMA_NOHISTORY': 'bool',
    'OLLAMA_NO_CLOUD': 'bool',
    'OLLAMA_AUTH': 'bool',
    'OLLAMA_FLASH_ATTENTION': 'bool',
    'OLLAMA_SCHED_SPREAD': 'bool',
    'OLLAMA_VULKAN': 'bool',
    'OLLAMA_KV_CACHE_TYPE': 'kv_cache_type',
    'OLLAMA_REMOTES': 'hostlist',
    'OLLAMA_LLM_LIBRARY': 'string',
    'CUDA_VISIBLE_DEVICES': 'string',
    'HIP_VISIBLE_DEVICES': 'string',
    'ROCR_VISIBLE_DEVICES': 'string',
    'GPU_DEVICE_ORDINAL': 'string',
    'GGML_VK_VISIBLE_DEVICES': 'string',
    'HSA_OVERRIDE_GFX_VERSION': 'string',
    'HTTP_PROXY': 'proxy',
    'HTTPS_PROXY': 'proxy',
    'NO_PROXY': 'string',
    'http_proxy': 'proxy',
    'https_proxy': 'proxy',
    'no_proxy': 'string',
}

# Read by older releases only; setting them now is a sign of a stale guide.
REMOVED: Dict[str, str] = {
    'OLLAMA_TMPDIR': 'removed upstream: Ollama uses the system temporary directory (TMPDIR)',
    'OLLAMA_MULTIUSER_CACHE': 'removed upstream: the prompt cache is no longer shared per user',
    'OLLAMA_NEW_ENGINE': 'removed upstream: the new engine is chosen per model automatically',
}

KV_CACHE_TYPES = ('f16', 'q8_0', 'q4_0')
NAME_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
_INT_RE = re.compile(r'^[+-]?[0-9]+$')
_DURATION_RE = re.compile(r'([0-9]*\.?[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)')
_ORIGIN_SCHEMAS = ('http://', 'https://', 'chrome-extension://', 'safari-extension://',
                   'moz-extension://', 'ms-browser-extension://')
_HOSTNAME_RE = re.compile(r'^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_-]{1,63})*\.?$')


class SettingError(ValueError):
    """A value Ollama would not read as written."""


class OllamaHost(NamedTuple):
    scheme: str
    host: str
    port: str
    path: str
    port_was_valid: bool

    @property
    def hostport(self) -> str:
        return join_host_port(self.host, self.port)

    def url(self) -> str:
        return '%s://%s%s' % (self.scheme, self.hostport, '/' + self.path if self.path else '')


def clean(value: str) -> str:
    """envconfig.Var: trim spaces, then quotes (strings.Trim(..., "\\"' "))."""
    return value.strip().strip('"\'').strip()


def split_host_port(hostport: str) -> Tuple[str, str]:
    """net.SplitHostPort; raises ValueError where Go returns an error."""
    i = hostport.rfind(':')
    if i < 0:
        raise ValueError('missing port in address')
    if hostport.startswith('['):
        end = hostport.find(']')
        if end < 0:
            raise ValueError("missing ']' in address")
        if end + 1 == len(hostport):
            raise ValueError('missing port in address')
        if end + 1 != i:
            raise ValueError('too many colons in address' if hostport[end + 1] == ':' else 'missing port in address')
        host, j, k = hostport[1:end], 1, end + 1
    else:
        host, j, k = hostport[:i], 0, 0
        if ':' in host:
            raise ValueError('too many colons in address')
    if '[' in hostport[j:]:
        raise ValueError("unexpected '[' in address")
    if ']' in hostport[k:]:
        raise ValueError("unexpected ']' in address")
    return host, hostport[i + 1:]


def join_host_port(host: str, port: str) -> str:
    return '[%s]:%s' % (host, port) if ':' in host else '%s:%s' % (host, port)


def parse_ip(text: str):
    """net.ParseIP (no zone); None when not an IP literal."""
    if not text or '%' in text or text.strip() != text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _go_port_ok(port: str) -> bool:
    """strconv.ParseInt(port, 10, 32) within 0..65535."""
    return bool(_INT_RE.match(port or '')) and 0 <= int(port) <= 65535


def parse_ollama_host(raw: str) -> OllamaHost:
    """envconfig.Host(): exactly how the server reads OLLAMA_HOST (never fails)."""
    default_port = '11434'
    s = clean(raw)
    scheme, sep, hostport = s.partition('://')
    if not sep:
        scheme, hostport = 'http', s
        if s == 'ollama.com':
            scheme, hostport = 'https', 'ollama.com:443'
    elif scheme == 'http':
        default_port = '80'
    elif scheme == 'https':
        default_port = '443'
    hostport, _slash, path = hostport.partition('/')
    try:
        host, port = split_host_port(hostport)
    except ValueError:
        host, port = '127.0.0.1', default_port
        ip = parse_ip(hostport.strip('[]'))
        if ip is not None:
            host = str(ip.ipv4_mapped) if ip.version == 6 and ip.ipv4_mapped else str(ip)
        elif hostport != '':
            host = hostport
    valid = _go_port_ok(port)
    if not valid:
        port = default_port
    return OllamaHost(scheme, host, port, path, valid)


def bind_address(host: OllamaHost) -> str:
    """What the listener binds: an empty host means every interface (Go's net.Listen)."""
    return host.host or '0.0.0.0'  # noqa: S104 - describing Go's behaviour, not binding


def is_loopback_bind(host: OllamaHost) -> bool:
    h = bind_address(host)
    if h == 'localhost':
        return True
    ip = parse_ip(h)
    if ip is None:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def check_host(value: str) -> List[str]:
    """Reject what Ollama would silently reinterpret; return notes for what it accepts."""
    raw = clean(value)
    parsed = parse_ollama_host(raw)
    scheme, sep, rest = raw.partition('://')
    if sep and scheme not in ('http', 'https'):
        raise SettingError("scheme %r is not http or https" % scheme)
    hostport = (rest if sep else raw).partition('/')[0]
    if not parsed.port_was_valid:
        raise SettingError('port is not a number from 0 to 65535: Ollama would silently listen on %s instead'
                           % parsed.hostport)
    host = parsed.host
    if host and parse_ip(host) is None and not _HOSTNAME_RE.match(host):
        raise SettingError('%r is neither an IP address nor a host name' % host)
    if hostport.count(':') > 1 and not hostport.startswith('['):
        # SplitHostPort failed and the whole text became the host: an IPv6 address without port.
        if parse_ip(hostport) is None:
            raise SettingError('%r: put IPv6 addresses in brackets, e.g. [::1]:11434' % hostport)
    notes = []
    if parsed.path:
        notes.append('OLLAMA_HOST path /%s is ignored by the server (clients use it)' % parsed.path)
    if parsed.port == '0':
        notes.append('port 0 makes the server listen on a random port')
    return notes


def parse_go_duration(s: str) -> Optional[float]:
    """time.ParseDuration in seconds; None if invalid."""
    if s in ('0', '+0', '-0'):
        return 0.0
    sign = 1.0
    if s[:1] in ('+', '-'):
        sign = -1.0 if s[0] == '-' else 1.0
        s = s[1:]
    if not s:
        return None
    pos, total = 0, 0.0
    units = {'ns': 1e-9, 'us': 1e-6, '\u00b5s': 1e-6, '\u03bcs': 1e-6, 'ms': 1e-3, 's': 1.0, 'm': 60.0, 'h': 3600.0}
    while pos < len(s):
        m = _DURATION_RE.match(s, pos)
        if not m:
            return None
        total += float(m.group(1)) * units[m.group(2)]
        pos = m.end()
    return sign * total


def check_duration(value: str) -> List[str]:
    """loadKeepAlive/LoadTimeout: an integer is seconds, else time.ParseDuration; negative = forever."""
    if _INT_RE.match(value):
        seconds = float(int(value))
    else:
        seconds = parse_go_duration(value)
        if seconds is None:
            raise SettingError('not a duration: use seconds (300) or Go units (5m, 1h30m, -1 for forever)')
    return ['negative duration means forever'] if seconds < 0 else []


def parse_go_bool(value: str) -> Optional[bool]:
    """strconv.ParseBool; None if Go would fail (and envconfig.Bool would then say true)."""
    if value in ('1', 't', 'T', 'TRUE', 'true', 'True'):
        return True
    if value in ('0', 'f', 'F', 'FALSE', 'false', 'False'):
        return False
    return None


def check_bool(value: str) -> List[str]:
    if parse_go_bool(value) is None:
        raise SettingError('not a boolean Go accepts (1, t, true, TRUE, True, 0, f, false, FALSE, False): '
                           'Ollama would read it as true')
    return []


def check_debug(value: str) -> List[str]:
    """envconfig.LogLevel: a boolean, or a verbosity number (1 debug, 2 trace)."""
    if parse_go_bool(value) is not None:
        return []
    if _INT_RE.match(value):
        return []
    raise SettingError('use a boolean or a level number (0, 1 = debug, 2 = trace)')


def _check_int(value: str, minimum: int) -> List[str]:
    if not _INT_RE.match(value) or int(value) < minimum:
        raise SettingError('not an integer >= %d: Ollama would ignore it and use its default' % minimum)
    return []


def check_origins(value: str) -> List[str]:
    """gin-contrib/cors as Ollama configures it (wildcards and browser extensions allowed)."""
    for origin in value.split(','):
        if origin == '':
            raise SettingError('empty entry (stray comma) in the list')
        if origin != origin.strip():
            raise SettingError('entry %r has spaces: Ollama splits on commas only' % origin)
        if '*' not in origin and not origin.startswith(_ORIGIN_SCHEMAS):
            raise SettingError("entry %r must start with http:// or https:// (or be '*'); "
                               'Ollama would refuse to start' % origin)
        if origin.count('*') > 1:
            raise SettingError("entry %r has more than one '*'; Ollama would refuse to start" % origin)
    return []


def check_hostlist(value: str) -> List[str]:
    for entry in value.split(','):
        if not entry or not _HOSTNAME_RE.match(entry.partition(':')[0]):
            raise SettingError('entry %r is not a host name' % entry)
    return []


def check_proxy(value: str) -> List[str]:
    # The message never quotes the value: validate_settings shows it redacted.
    if not re.match(r'^(https?|socks5h?)://[^\s]+$', value):
        raise SettingError('not a proxy URL: use http://, https://, socks5:// or socks5h:// then '
                           '[user:password@]host[:port] without spaces (percent-encode @ : / in a password)')
    return []


def check_abspath(value: str) -> List[str]:
    if not value.startswith('/'):
        raise SettingError('must be an absolute path')
    return []


def check_kv_cache_type(value: str) -> List[str]:
    if value not in KV_CACHE_TYPES:
        raise SettingError('must be one of %s' % ', '.join(KV_CACHE_TYPES))
    return []


_CHECKS = {
    'host': check_host,
    'origins': check_origins,
    'abspath': check_abspath,
    'duration': check_duration,
    'uint': lambda v: _check_int(v, 0),
    'posint': lambda v: _check_int(v, 1),
    'debug': check_debug,
    'bool': check_bool,
    'kv_cache_type': check_kv_cache_type,
    'hostlist': check_hostlist,
    'proxy': check_proxy,
    'string': lambda v: [],
}


def to_text(value) -> str:
    """Render a YAML value the way it should land in the environment."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if value is None:
        return ''
    return str(value)


class Validated(NamedTuple):
    settings: Dict[str, str]
    errors: List[str]
    unknown: List[str]
    notes: List[str]


def validate_settings(settings: Dict[str, object], strict: bool = False) -> Validated:
    """Check every name and value; values come back as Ollama reads them (cleaned)."""
    out: Dict[str, str] = {}
    errors: List[str] = []
    unknown: List[str] = []
    notes: List[str] = []
    for name in sorted(settings):
        raw = to_text(settings[name])
        if not NAME_RE.match(name):
            errors.append('%r is not an environment variable name' % name)
            continue
        if name in REMOVED:
            errors.append('%s: %s; remove it from the settings' % (name, REMOVED[name]))
            continue
        if '\n' in raw or '\r' in raw or '\x00' in raw:
            errors.append('%s: line breaks and NUL are not allowed in a value' % name)
            continue
        value = clean(raw)
        kind = CATALOGUE.get(name)
        if kind is None:
            unknown.append(name)
            if strict:
                errors.append('%s is not an Ollama server variable (strict: true)' % name)
                continue
        elif value != '':
            try:
                notes += ['%s: %s' % (name, n) for n in _CHECKS[kind](value)]
            except SettingError as exc:
                errors.append('%s=%r: %s' % (name, redact(name, raw), exc))
                continue
        out[name] = value
    return Validated(out, errors, unknown, notes)


MASK = '********'
# Variables outside the catalogue whose whole value is treated as a secret.
SECRET_NAME_RE = re.compile(r'(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|CREDENTIAL)', re.IGNORECASE)


def is_proxy_name(name: str) -> bool:
    return CATALOGUE.get(name) == 'proxy' or name.lower().endswith('_proxy')


def _userinfo(value: str) -> Tuple[int, int]:
    """Span of the user:password part of a URL, or (0, 0).

    It runs from after ``scheme://`` (or the start, without a scheme) to the RIGHTMOST ``@``:
    a password may contain ``@``, ``:`` or ``/`` (unencoded) and must not be cut at the first
    one. Without ``@`` there is no userinfo.
    """
    at = value.rfind('@')
    if at < 0:
        return 0, 0
    sep = value.find('://', 0, at)
    start = sep + 3 if sep >= 0 else 0
    return start, at


def secret_values(name: str, value) -> List[str]:
    """The parts of one setting that must never be shown (for AnsibleModule.no_log_values)."""
    text = to_text(value) if not isinstance(value, str) else value
    if not text:
        return []
    if is_proxy_name(name):
        start, end = _userinfo(text)
        return [text[start:end]] if end > start else []
    if name not in CATALOGUE and SECRET_NAME_RE.search(name):
        return [text]
    return []


def redact(name: str, value: str) -> str:
    """Hide secrets in output: the user:password@ of proxy URLs, the value of secret-named variables."""
    if is_proxy_name(name):
        start, end = _userinfo(value)
        return value[:start] + MASK + value[end:] if end > start else value
    if name not in CATALOGUE and SECRET_NAME_RE.search(name) and value:
        return MASK
    return value


def redact_text(text: str) -> str:
    """Mask URL credentials anywhere in free text (a foreign drop-in shown in a diff)."""
    return re.sub(r'(?i)\b([a-z][a-z0-9+.-]*://)\S*@', r'\1' + MASK + '@', text)


def has_secret(settings: Dict[str, str]) -> bool:
    return any(redact(k, v) != v for k, v in settings.items())


def insecure_findings(settings: Dict[str, str], own_network_namespace: bool = False) -> List[str]:
    """What an outsider could use: open bind, open CORS, request logging, cloud access.

    With own_network_namespace (a container's settings), OLLAMA_HOST binds inside the container's
    namespace and the published ports decide who reaches it, so its bind is not a finding here.
    """
    found = []
    host = settings.get('OLLAMA_HOST')
    if host is not None and not own_network_namespace:
        parsed = parse_ollama_host(host)
        if not is_loopback_bind(parsed):
            found.append('OLLAMA_HOST=%s binds %s, not a loopback address: the API (no authentication) '
                         'is reachable from the network' % (host, bind_address(parsed)))
    for origin in settings.get('OLLAMA_ORIGINS', '').split(','):
        if origin == '*' or re.match(r'^[a-z-]+://\*$', origin):
            found.append('OLLAMA_ORIGINS contains %r: any web page a user visits can call the API' % origin)
    if parse_go_bool(settings.get('OLLAMA_DEBUG_LOG_REQUESTS', '') or 'false') is not False:
        found.append('OLLAMA_DEBUG_LOG_REQUESTS is on: request bodies (prompts) are written to disk')
    if parse_go_bool(settings.get('OLLAMA_NO_CLOUD', '') or 'false') is False:
        found.append('OLLAMA_NO_CLOUD is not set to true: a signed-in server lends its ollama.com account')
    return found


def merge_settings(current: Dict[str, str], given: Dict[str, str], state: str, purge: bool) -> Dict[str, str]:
    """The settings the file should hold after this run."""
    if state == 'absent':
        return {k: v for k, v in current.items() if k not in given}
    merged = {} if purge else dict(current)
    merged.update(given)
    return merged


# Variables whose value decides who can reach the server, what it writes to disk or where it
# fetches from. Checked wherever the unit can receive them (unit file, every drop-in,
# EnvironmentFile=), not only in the file a caller manages.
GUARDED: Tuple[str, ...] = (
    'OLLAMA_HOST', 'OLLAMA_ORIGINS', 'OLLAMA_DEBUG_LOG_REQUESTS', 'OLLAMA_DEBUG', 'OLLAMA_NO_CLOUD',
    'OLLAMA_REMOTES', 'OLLAMA_MODELS',
)


def weakens(name: str, value: str) -> Optional[str]:
    """Why setting ``name`` to ``value`` (where the caller does not manage it) lowers security.

    None when the value is harmless: a loopback OLLAMA_HOST, OLLAMA_DEBUG(_LOG_REQUESTS) off,
    OLLAMA_NO_CLOUD on. Every OLLAMA_ORIGINS, OLLAMA_REMOTES or OLLAMA_MODELS value counts: it
    adds web origins, model sources or a store the caller did not choose.
    """
    v = clean(value)
    if name == 'OLLAMA_HOST':
        parsed = parse_ollama_host(v)
        return None if is_loopback_bind(parsed) else 'binds %s, not a loopback address' % bind_address(parsed)
    if name == 'OLLAMA_ORIGINS':
        return 'adds browser origins allowed to call the API' if v else None
    if name == 'OLLAMA_DEBUG_LOG_REQUESTS':
        return 'writes request bodies (prompts) to disk' if v and parse_go_bool(v) is not False else None
    if name == 'OLLAMA_DEBUG':
        return 'debug logging writes prompts to the journal' if v and parse_go_bool(v) is not False else None
    if name == 'OLLAMA_NO_CLOUD':
        return 'turns cloud access back on' if parse_go_bool(v or 'false') is False else None
    if name == 'OLLAMA_REMOTES':
        return 'changes the registries models come from' if v else None
    if name == 'OLLAMA_MODELS':
        return 'points the server at another model store' if v else None
    return None

# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find Ollama servers in address ranges: the engine of the ollama_discovery inventory plugin.

Two passes, so a large range costs little where nothing listens:

1. ``sweep``: TCP connects to every (address, port), in ONE thread with asyncio, at most
   ``concurrency`` at a time; addresses are generated lazily and only open ports are kept, so
   memory stays flat whatever the range. An address that never answers costs its timeout.
2. ``identify``: each open port gets the endpoint auditor's requests (audit_probe.Client and
   judge: GET /api/version, then GET / or GET /api/tags as needed), all of them reads that
   change nothing on the server, through a bounded thread pool.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import asyncio
import concurrent.futures
import ipaddress
import re
import socket

from ansible_collections.aisec.ollama.plugins.module_utils import audit_probe as ap

# Verdicts of one endpoint. Only the first three make a host; the others are counted.
EXPOSED = 'exposed'  # Ollama answers without credentials
PROTECTED = 'protected'  # Ollama, identified without credentials, behind a refusal
UNIDENTIFIED = 'unidentified'  # an authentication challenge or refusal; what is behind cannot be known
NOT_OLLAMA = 'not_ollama'  # an HTTP server that is not Ollama
NO_ANSWER = 'no_answer'  # the port accepted the connection, then nothing usable came back
HOST_VERDICTS = (EXPOSED, PROTECTED, UNIDENTIFIED)

_REALM = re.compile(r'realm\s*=\s*"?([^",]*)', re.IGNORECASE)
# What nginx and Go servers answer to plain HTTP on a TLS port.
_PLAIN_ON_TLS = ('The plain HTTP request was sent to HTTPS port', 'Client sent an HTTP request to an HTTPS server')


class DiscoveryError(ValueError):
    """Input the scan cannot use (a bad network, a range too large)."""


def _networks(entries, what):
    nets = []
    for entry in entries:
        try:
            nets.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            raise DiscoveryError('%s: %r is not an address or CIDR (e.g. 10.20.0.0/16, 192.168.7.12, fd00::/120)'
                                 % (what, entry)) from None
    return nets


def plan(networks, exclude=(), ports=(ap.DEFAULT_PORT,), max_addresses=262144):
    """(count, iterator of (address, port)) for the ranges minus the exclusions.

    Checked before anything is sent: every entry parses, every port is 1-65535, and the number of
    addresses stays under ``max_addresses`` (a mistyped /8 or an IPv6 /64 fails here, not after
    hours). Network and broadcast addresses of IPv4 ranges larger than /31 are skipped.
    """
    nets = _networks(networks, 'networks')
    excluded = _networks(exclude, 'exclude')
    if not nets:
        raise DiscoveryError('networks: give at least one address or CIDR')
    bad_ports = [p for p in ports if not isinstance(p, int) or not 0 < p < 65536]
    if bad_ports or not ports:
        raise DiscoveryError('ports: %r - give port numbers between 1 and 65535' % (bad_ports or list(ports)))
    total = sum(net.num_addresses for net in nets)
    if total > max_addresses:
        raise DiscoveryError('networks hold %d addresses, more than max_addresses (%d): narrow them, or raise '
                             'max_addresses if you mean it' % (total, max_addresses))

    def members(net):
        return net.hosts() if net.version == 4 and net.prefixlen < 31 else iter(net)

    def generated_by(net, address):
        """Whether members(net) yields address (without building the list)."""
        if address.version != net.version or address not in net:
            return False
        return not (net.version == 4 and net.prefixlen < 31
                    and address in (net.network_address, net.broadcast_address))

    def addresses():
        for index, net in enumerate(nets):
            for address in members(net):
                if any(address in ex for ex in excluded if ex.version == address.version):
                    continue
                # Overlapping entries: an address already given by an earlier one is skipped,
                # without a set of every address seen (memory stays flat).
                if any(generated_by(earlier, address) for earlier in nets[:index]):
                    continue
                yield str(address)

    def pairs():
        for address in addresses():
            for port in ports:
                yield address, port

    return total * len(ports), pairs()


async def _connect(address, port, timeout):
    # A bare non-blocking socket: no transport or stream objects per attempt (the sweep is mostly
    # refused connections, so their set-up would be most of its cost).
    family = socket.AF_INET6 if ':' in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        async with asyncio.timeout(timeout):
            await asyncio.get_running_loop().sock_connect(sock, (address, port))
    except (OSError, TimeoutError):
        return False
    finally:
        sock.close()
    return True


async def _sweep(pairs, concurrency, timeout):
    """``concurrency`` workers draw from one shared iterator (one thread: no two draw at once)."""
    found = []

    async def worker():
        for address, port in pairs:
            if await _connect(address, port, timeout):
                found.append((address, port))

    await asyncio.gather(*(worker() for _worker in range(concurrency)))
    return found


def sweep(pairs, concurrency=256, timeout=1.0):
    """The (address, port) pairs that accept a TCP connection, in no particular order."""
    return asyncio.run(_sweep(pairs, concurrency, timeout))


def _realm(ex):
    match = _REALM.search(ex.header('www-authenticate') or '')
    return match.group(1).strip() if match else None


def _is_refusal(ex):
    """A refusal in front of a route: 401/403, or a connection closed without an answer (nginx 444)."""
    return ex.status in (401, 403) or (ex.status is None and ex.error_kind == 'closed')


def _speaks_tls(ex):
    """A plain HTTP request answered the way a TLS port answers it."""
    return ex.error_kind in ('closed', 'protocol') or (
        ex.status == 400 and any(text in ex.text() for text in _PLAIN_ON_TLS))


def identify(address, port, timeout=1.0):
    """What answers on address:port, judged from reads only: a dict with ``port``, ``scheme``,
    ``verdict`` (one of the constants above), ``version``, ``models_visible`` (a count, or None
    when not visible) and ``identified_by`` (why it is Ollama, or why not)."""
    raw = '[%s]:%d' % (address, port) if ':' in address else '%s:%d' % (address, port)
    target = ap.parse_target(raw)
    client = ap.Client(target, timeout, ap.Deadline(timeout * 4))
    try:
        return _identify(client, target.scheme, int(port))
    finally:
        client.close()  # its kept-alive connections


def _identify(client, scheme, port):
    def get(path):
        return client.request('GET', path, scheme=scheme, pace=False)

    version_ex = get('/api/version')
    if scheme == 'http' and _speaks_tls(version_ex):
        scheme = 'https'  # a TLS port that is not 443
        version_ex = get('/api/version')
    result = {'port': port, 'scheme': scheme, 'verdict': NO_ANSWER, 'version': None,
              'models_visible': None, 'identified_by': None}
    if version_ex.status is None and version_ex.error_kind != 'closed':
        result['identified_by'] = version_ex.error
        return result

    reasons = []
    if ap.judge('json:version', version_ex) == 'open':
        version = version_ex.json().get('version')
        if isinstance(version, str):
            result['version'] = version
            reasons.append('/api/version answered %s' % version)
    if not reasons:
        banner_ex = get('/')
        if ap.judge('banner', banner_ex) == 'open':
            reasons.append('banner "Ollama is running"')
    if reasons:
        tags_ex = get('/api/tags')
        if _is_refusal(tags_ex):
            result['verdict'] = PROTECTED
            reasons.append('/api/tags refused (%s)' % (tags_ex.status or 'closed without an answer'))
        else:
            result['verdict'] = EXPOSED
            if ap.judge('json:models', tags_ex) == 'open':
                models = tags_ex.json().get('models')
                result['models_visible'] = len(models) if isinstance(models, list) else None
        result['identified_by'] = '; '.join(reasons)
        return result

    if _is_refusal(version_ex):
        realm = _realm(version_ex)
        if realm and 'ollama' in realm.lower():
            # The realm is what the server CLAIMS to protect: a hint, named as such in the record.
            result['verdict'] = PROTECTED
            result['identified_by'] = 'authentication challenge with realm "%s" (a claim, not proven)' % realm
        else:
            result['verdict'] = UNIDENTIFIED
            result['identified_by'] = '/api/version refused (%s)%s' % (
                version_ex.status or 'closed without an answer',
                ', realm "%s"' % realm if realm is not None else '')
        return result
    result['verdict'] = NOT_OLLAMA
    result['identified_by'] = 'HTTP %s on /api/version and no Ollama banner' % version_ex.status
    return result


def scan(networks, ports=(ap.DEFAULT_PORT,), exclude=(), timeout=1.0, concurrency=256,
         max_addresses=262144):
    """(hosts, counts): hosts maps each address with at least one endpoint in HOST_VERDICTS to its
    endpoint records (ports ascending); counts says how many (address, port) pairs were tried
    (``planned``: exclusions, duplicates and IPv4 network/broadcast addresses left out), how many
    were open, and how many got each verdict, so a run can report what it did not add."""
    _in_ranges, pairs = plan(networks, exclude, ports, max_addresses)
    sent = [0]

    def counted():
        for pair in pairs:
            sent[0] += 1
            yield pair

    open_pairs = sweep(counted(), concurrency, timeout)
    counts = {'planned': sent[0], 'open': len(open_pairs)}
    hosts = {}
    workers = max(1, min(concurrency, 64, len(open_pairs)))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(lambda pair: (pair[0], identify(pair[0], pair[1], timeout)), open_pairs)
        for address, record in results:
            counts[record['verdict']] = counts.get(record['verdict'], 0) + 1
            hosts.setdefault(address, []).append(record)
    kept = {}
    for address, records in hosts.items():
        if any(r['verdict'] in HOST_VERDICTS for r in records):
            kept[address] = sorted(records, key=lambda r: r['port'])
    return kept, counts

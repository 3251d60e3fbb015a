# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS measurements of one HTTPS endpoint: certificate trust, expiry, name, legacy protocols.

Stdlib ``ssl`` only. The certificate is read twice: once without verification (what any client
gets) and once verified against the CA bundle (system store or ``ca_path``) to learn whether it
is trusted. TLS 1.0 and 1.1 are tried explicitly; OpenSSL 3 refuses them at its default security
level, so those handshakes use the cipher string ``DEFAULT:@SECLEVEL=0`` (client side only) and
the result says when the local OpenSSL cannot even offer them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import ipaddress
import os
import socket
import ssl
import tempfile
import warnings

LEGACY_VERSIONS = (('TLSv1', 'TLSv1'), ('TLSv1_1', 'TLSv1.1'))


def _connect(host, port, ctx, timeout, server_hostname):
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        return ctx.wrap_socket(sock, server_hostname=server_hostname)
    except Exception:
        sock.close()
        raise


def _sni(host):
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        return host


def _decode_der(der):
    """The certificate as ``getpeercert()`` shows it, for a certificate that did not verify."""
    pem = ssl.DER_cert_to_PEM_cert(der)
    handle, path = tempfile.mkstemp(suffix='.pem')
    try:
        with os.fdopen(handle, 'w') as out:
            out.write(pem)
        # CPython's own decoder (used by its test suite); there is no public one for untrusted certs.
        return ssl._ssl._test_decode_cert(path)  # pylint: disable=protected-access
    except Exception:  # an interpreter without it: the untrusted certificate's details stay unknown
        return None
    finally:
        os.unlink(path)


def hostname_matches(cert, host):
    """True when the certificate's subjectAltName (or CN without SANs) covers ``host``."""
    host = host.rstrip('.').lower()
    try:
        wanted_ip = ipaddress.ip_address(host)
    except ValueError:
        wanted_ip = None
    sans = cert.get('subjectAltName') or ()
    names = []
    for kind, value in sans:
        if kind == 'IP Address' and wanted_ip is not None:
            try:
                if ipaddress.ip_address(value.strip()) == wanted_ip:
                    return True
            except ValueError:
                continue
        elif kind == 'DNS':
            names.append(value.lower())
    if not sans:
        for rdn in cert.get('subject') or ():
            for key, value in rdn:
                if key == 'commonName':
                    names.append(value.lower())
    if wanted_ip is not None:
        return False
    for name in names:
        if name == host:
            return True
        if name.startswith('*.') and '.' in host and host.split('.', 1)[1] == name[2:]:
            return True
    return False


def _name(rdns):
    return ', '.join('%s=%s' % (k, v) for rdn in rdns or () for k, v in rdn)


def certificate(host, port, timeout, ca_path=None, now=None):
    """What the endpoint's certificate is. Raises OSError/ssl.SSLError when no handshake works."""
    loose = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    loose.check_hostname = False
    loose.verify_mode = ssl.CERT_NONE
    with _connect(host, port, loose, timeout, _sni(host)) as tls:
        der = tls.getpeercert(binary_form=True)
        protocol = tls.version()
    info = {'protocol': protocol, 'trusted': False, 'verify_error': None}
    strict = ssl.create_default_context(cafile=ca_path or None)
    strict.check_hostname = False  # the name is judged separately, so both findings can show
    decoded = None
    try:
        with _connect(host, port, strict, timeout, _sni(host)) as tls:
            decoded = tls.getpeercert()
            info['trusted'] = True
    except ssl.SSLCertVerificationError as exc:
        info['verify_error'] = exc.verify_message or str(exc)
    if decoded is None and der:
        decoded = _decode_der(der)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if decoded:
        not_after = datetime.datetime.fromtimestamp(ssl.cert_time_to_seconds(decoded['notAfter']),
                                                    datetime.timezone.utc)
        not_before = datetime.datetime.fromtimestamp(ssl.cert_time_to_seconds(decoded['notBefore']),
                                                     datetime.timezone.utc)
        info.update({
            'subject': _name(decoded.get('subject')),
            'issuer': _name(decoded.get('issuer')),
            'subject_alt_names': ['%s:%s' % pair for pair in decoded.get('subjectAltName') or ()],
            'not_before': not_before.date().isoformat(),
            'not_after': not_after.date().isoformat(),
            'days_left': (not_after - now).days,
            'not_yet_valid': not_before > now,
            'hostname_match': hostname_matches(decoded, host),
        })
    return info


def legacy_protocols(host, port, timeout):
    """{'TLSv1': bool|None, 'TLSv1.1': bool|None, 'note': str|None}; None = could not be tried here."""
    result = {'note': None}
    for attr, label in LEGACY_VERSIONS:
        try:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            version = getattr(ssl.TLSVersion, attr)
            with warnings.catch_warnings():  # deprecated on purpose: we ask whether the server still takes it
                warnings.simplefilter('ignore', DeprecationWarning)
                ctx.minimum_version = version
                ctx.maximum_version = version
            ctx.set_ciphers('DEFAULT:@SECLEVEL=0')  # OpenSSL 3 refuses TLS < 1.2 at higher levels
        except (ValueError, ssl.SSLError, AttributeError) as exc:
            result[label] = None
            result['note'] = 'the local OpenSSL cannot offer %s: %s' % (label, exc)
            continue
        try:
            with _connect(host, port, ctx, timeout, _sni(host)) as tls:
                result[label] = tls.version() == label
        except ssl.SSLError as exc:
            text = str(exc)
            if 'NO_PROTOCOLS_AVAILABLE' in text or 'no protocols available' in text:
                result[label] = None
                result['note'] = 'the local OpenSSL cannot offer %s (%s)' % (label, text)
            else:
                result[label] = False
        except OSError:
            result[label] = False
    return result

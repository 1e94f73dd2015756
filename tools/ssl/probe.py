"""One TLS probe: the certificate a server presents, its names, and whether its chain is trusted."""

from __future__ import annotations

import ipaddress
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from core.fqdn import name_covers

# OpenSSL's X509_V_FLAG_NO_CHECK_TIME, which Python's VerifyFlags does not name: a probe told not
# to check time judges trust alone, and expiry is read from the certificate itself.
NO_CHECK_TIME = 0x200000


@dataclass(frozen=True)
class PeerCertificate:
    """A certificate as presented: its DER bytes, its parsed form and its names."""

    der: bytes
    cert: x509.Certificate
    # Subject alternative names: DNS names in lower case, then IP addresses. Clients ignore the
    # subject CN when there is no SAN; so do we.
    names: list[str]

    @classmethod
    def from_der(cls, der: bytes) -> PeerCertificate:
        """Parse a DER certificate and read its names."""
        cert = x509.load_der_x509_certificate(der)
        return cls(der, cert, san_names(cert))

    def covers(self, server_name: str) -> bool:
        """Whether this certificate is valid for `server_name` (see `name_matches`)."""
        return name_matches(self.names, server_name)


@dataclass(frozen=True)
class ProbeResult:
    """What a probe learnt: the certificate (None when no handshake completed) and its trust."""

    peer: PeerCertificate | None
    tls_version: str | None = None
    chain_verified: bool = False
    verify_error: str | None = None  # why the chain is not trusted
    reason: str | None = None  # why no certificate could be read


def san_names(cert: x509.Certificate) -> list[str]:
    """The DNS names (lower case) then the IP addresses a certificate is issued for."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    dns_names = [n.lower() for n in san.get_values_for_type(x509.DNSName)]
    return dns_names + [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]


def name_matches(names: list[str], server_name: str) -> bool:
    """Whether a certificate for `names` (its SANs) is valid for `server_name`.

    An IP address matches an equal IP address only; a name matches by `core.fqdn.name_covers`,
    where a wildcard stands for exactly one leftmost label and never for the apex.
    """
    wanted_ip = _ip(server_name)
    if wanted_ip is not None:
        return any(n == wanted_ip for n in names)
    return any(name_covers(n, server_name) for n in names)


def probe(
    host: str,
    port: int,
    server_name: str | None = None,
    *,
    ca_bundle: str | Path | None = None,
    timeout: float = 5.0,
    check_time: bool = True,
) -> ProbeResult:
    """Connect to `host:port`, read the certificate presented for `server_name`, judge its chain.

    The chain is verified against `ca_bundle` (default: the system store), with dates unless
    `check_time` is False; names are not part of that verdict (see `name_matches`). When the
    chain is refused, a second handshake trusting nothing still reads the certificate.
    `timeout` bounds each step (connect, handshake). Blocking: from an event loop, run it in a
    thread.
    """
    name = server_name or host
    verify_error: str | None = None
    try:
        verifying: ssl.SSLContext | None = _verifying_context(ca_bundle, check_time)
    except (OSError, ValueError) as exc:
        verifying, verify_error = None, f"cannot load the trusted CAs: {exc}"
    if verifying is not None:
        try:
            der, version = _handshake(host, port, name, verifying, timeout)
        except ssl.SSLCertVerificationError as exc:
            verify_error = str(exc.verify_message or exc.reason or exc)
        except Exception as exc:
            return ProbeResult(None, reason=failure_reason(exc, timeout))
        else:
            return ProbeResult(PeerCertificate.from_der(der), version, chain_verified=True)
    try:
        der, version = _handshake(host, port, name, _reading_context(), timeout)
    except Exception as exc:
        return ProbeResult(None, verify_error=verify_error, reason=failure_reason(exc, timeout))
    return ProbeResult(PeerCertificate.from_der(der), version, verify_error=verify_error)


def failure_reason(exc: BaseException, timeout: float) -> str:
    """Why a connection or handshake failed, in a sentence."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"timed out after {timeout:g} s (no TLS handshake; is this a TLS port?)"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve the host: {exc.strerror or exc}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS handshake failed: {exc.reason or exc}"
    if isinstance(exc, ConnectionResetError):
        return "connection reset during the TLS handshake (not a TLS service?)"
    if isinstance(exc, OSError):
        return f"cannot connect: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


def _handshake(
    host: str, port: int, server_name: str, context: ssl.SSLContext, timeout: float
) -> tuple[bytes, str | None]:
    sni = None if _ip(server_name) is not None else server_name
    with socket.create_connection((host, port), timeout=timeout) as raw:
        raw.settimeout(timeout)
        with context.wrap_socket(raw, server_hostname=sni) as tls:
            der = tls.getpeercert(binary_form=True)
            if der is None:
                raise ssl.SSLError("the server sent no certificate")
            return der, tls.version()


def _ip(name: str) -> str | None:
    try:
        return str(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        return None


def _verifying_context(ca_bundle: str | Path | None, check_time: bool) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False  # names are checked separately
    context.verify_mode = ssl.CERT_REQUIRED
    if not check_time:
        context.verify_flags |= NO_CHECK_TIME
    if ca_bundle is None:
        context.load_default_certs()
    else:
        context.load_verify_locations(cafile=str(ca_bundle))
    return context


def _reading_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context

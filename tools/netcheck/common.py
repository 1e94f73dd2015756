"""Pieces shared by the netcheck modules: address parsing and one DNS query."""

from __future__ import annotations

import ipaddress
from typing import Literal

import dns.asyncquery
import dns.exception
import dns.message
import dns.rcode
import dns.rdatatype

from core.errors import BadInput, NotFound, Unreachable

Family = Literal["ipv4", "ipv6"]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def family_of(address: IPAddress) -> Family:
    """The family name of an address."""
    return "ipv4" if address.version == 4 else "ipv6"


def parse_hostport(value: str, default_port: int = 53) -> tuple[str, int]:
    """Split "ip", "ip:port" or "[ipv6]:port" into a validated address and port."""
    text = value.strip()
    port = default_port
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise BadInput(f"not an address: {value!r}")
        if rest:
            port = _port(rest[1:], value)
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = _port(port_text, value)
    else:
        # No colon (IPv4) or several (a bare IPv6 address without a port).
        host = text
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise BadInput(f"not an IP address: {value!r}") from None
    return str(address), port


def _port(text: str, whole: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise BadInput(f"bad port in {whole!r}")
    return int(text)


async def query_records(
    name: str, rdtype: str, server: str, port: int, seconds: float
) -> list[str]:
    """Ask one nameserver for `name`'s records of `rdtype`; texts of the answers, CNAMEs followed.

    Raises NotFound for NXDOMAIN and Unreachable when the server does not answer or fails.
    """
    query = dns.message.make_query(name, rdtype)
    try:
        # Falls back to TCP when the UDP answer is truncated.
        response, _ = await dns.asyncquery.udp_with_fallback(
            query, server, timeout=seconds, port=port
        )
    except dns.exception.Timeout:
        raise Unreachable(f"nameserver {server}:{port} did not answer in {seconds:g}s") from None
    except (OSError, dns.exception.DNSException) as exc:
        raise Unreachable(f"nameserver {server}:{port} failed: {exc}") from None
    rcode = response.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        raise NotFound(f"{name} does not exist (NXDOMAIN from {server}:{port})")
    if rcode != dns.rcode.NOERROR:
        raise Unreachable(f"nameserver {server}:{port} answered {dns.rcode.to_text(rcode)}")
    wanted = dns.rdatatype.from_text(rdtype)
    texts: list[str] = []
    for rrset in response.answer:
        if rrset.rdtype != wanted:
            continue
        for rdata in rrset:
            if wanted == dns.rdatatype.TXT:
                texts.append(b"".join(rdata.strings).decode("ascii", "replace"))
            else:
                texts.append(rdata.to_text())
    return texts

"""DNS reads with dnspython's asyncio resolver against chosen nameservers."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import dns.asyncresolver
import dns.exception
import dns.nameserver
import dns.rdatatype
import dns.resolver
from dns.rdata import Rdata

from core.errors import BadInput, Unreachable
from core.fqdn import normalise_fqdn
from tools.dns.base import normalise_type


def parse_nameserver(spec: str) -> tuple[str, int]:
    """`ip`, `ip:port` or `[ipv6]:port` as (ip, port); BadInput otherwise."""
    text = spec.strip()
    host, port = text, 53
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            port = _port(rest.removeprefix(":"), spec)
    elif text.count(":") == 1:
        host, _, raw = text.partition(":")
        port = _port(raw, spec)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise BadInput(
            f"nameserver {spec!r} must be an IP address, optionally with :port"
        ) from None
    return host, port


def _port(raw: str, spec: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise BadInput(f"nameserver {spec!r} has no valid port")
    return int(raw)


def rdata_text(rdata: Rdata) -> str:
    """One record value as Jarvis writes it (TXT unquoted and joined, names without the dot)."""
    rtype = rdata.rdtype
    if rtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
        return str(rdata.address)  # type: ignore[attr-defined]
    if rtype == dns.rdatatype.TXT:
        strings: Sequence[bytes] = rdata.strings  # type: ignore[attr-defined]
        return b"".join(strings).decode("utf-8", "replace")
    if rtype in (dns.rdatatype.CNAME, dns.rdatatype.NS):
        return str(rdata.to_text()).lower().removesuffix(".")
    return str(rdata.to_text())


def make_resolver(nameservers: Sequence[str], timeout: float) -> dns.asyncresolver.Resolver:
    """A resolver asking only `nameservers` (no system config, no cache)."""
    if not nameservers:
        raise BadInput("at least one nameserver is needed for DNS reads")
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [
        dns.nameserver.Do53Nameserver(host, port)
        for host, port in (parse_nameserver(spec) for spec in nameservers)
    ]
    resolver.timeout = timeout
    resolver.lifetime = timeout
    resolver.cache = None
    return resolver


async def query_records(
    fqdn: str, rtype: str, nameservers: Sequence[str], *, lifetime: float = 3.0
) -> list[str]:
    """The values of one name and type, sorted; empty for NXDOMAIN or no such record."""
    name = normalise_fqdn(fqdn)
    kind = normalise_type(rtype)
    resolver = make_resolver(nameservers, lifetime)
    where = ", ".join(nameservers)
    try:
        answer = await resolver.resolve(name, kind, search=False, raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        return []
    except dns.resolver.LifetimeTimeout:
        raise Unreachable(
            f"no DNS answer for {name} {kind} from {where} within {lifetime:g} s"
        ) from None
    except dns.resolver.NoNameservers:
        raise Unreachable(
            f"the nameservers {where} refused or failed to answer {name} {kind}"
        ) from None
    except dns.exception.DNSException as exc:
        raise Unreachable(f"DNS query for {name} {kind} to {where} failed: {exc}") from None
    if answer.rrset is None:
        return []
    wanted = dns.rdatatype.from_text(kind)
    return sorted({rdata_text(r) for r in answer.rrset if r.rdtype == wanted})

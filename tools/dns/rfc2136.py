"""RFC 2136 dynamic updates, signed with TSIG, against an authoritative server (Knot, BIND ...).

Reads ask the same server directly (UDP, TCP when truncated), so they never lag behind the
writes. Every write carries a prerequisite that the record set is still what was just read:
a concurrent change makes the server refuse it (Conflict) instead of being overwritten.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.rrset
import dns.tsig
import dns.update
from pydantic import SecretStr

from core.errors import AuthFailed, BadInput, ChangeFailed, Conflict, NotFound, Unreachable
from core.fqdn import normalise_fqdn
from tools.dns.base import (
    RECORD_TYPES,
    Capabilities,
    ChangeResult,
    DnsProvider,
    check_values,
    normalise_type,
    zone_for,
)
from tools.dns.query import rdata_text

ALGORITHMS: dict[str, dns.name.Name] = {
    "hmac-sha256": dns.tsig.HMAC_SHA256,
    "hmac-sha384": dns.tsig.HMAC_SHA384,
    "hmac-sha512": dns.tsig.HMAC_SHA512,
    "hmac-sha224": dns.tsig.HMAC_SHA224,
    "hmac-sha1": dns.tsig.HMAC_SHA1,
}
TXT_CHUNK = 255  # one character-string holds at most 255 bytes
TXT_MAX = 4000  # bytes per TXT value: beyond this, answers stop fitting comfortably
MULTI_VALUE = frozenset({"A", "AAAA", "TXT", "MX", "CAA", "NS", "SRV"})
TSIG_ERRORS = (dns.tsig.PeerError, dns.tsig.BadSignature, dns.tsig.BadTime, dns.tsig.BadKey)


class Rfc2136Provider(DnsProvider):
    """Records in zones served by one authoritative server that accepts TSIG-signed updates."""

    name = "rfc2136"

    def __init__(
        self,
        server: str,
        port: int = 53,
        zones: str | Sequence[str] = (),
        key_name: str = "",
        key_secret: SecretStr | None = None,
        algorithm: str = "hmac-sha256",
        *,
        timeout: float = 5.0,
    ) -> None:
        self.server = server
        self.port = port
        self.zones = [normalise_fqdn(z) for z in ([zones] if isinstance(zones, str) else zones)]
        if not self.zones:
            raise BadInput("an RFC 2136 provider needs at least one zone")
        if algorithm.lower() not in ALGORITHMS:
            raise BadInput(f"TSIG algorithm {algorithm!r} is not one of {sorted(ALGORITHMS)}")
        if not key_name or key_secret is None:
            raise BadInput("an RFC 2136 provider needs a TSIG key name and secret")
        try:
            base64.b64decode(key_secret.get_secret_value(), validate=True)
        except (binascii.Error, ValueError):
            raise BadInput("the TSIG secret is not valid base64") from None
        self.key_name = dns.name.from_text(key_name)
        self._secret = key_secret
        self.algorithm = ALGORITHMS[algorithm.lower()]
        self.timeout = timeout

    @property
    def capabilities(self) -> Capabilities:
        """Every supported type, reads straight from the server, no rate limit."""
        return Capabilities(record_types=RECORD_TYPES, api_reads=True, multi_value=MULTI_VALUE)

    @property
    def where(self) -> str:
        """`server:port`, for messages."""
        return f"{self.server}:{self.port}"

    def _keyring(self) -> dict[dns.name.Name, dns.tsig.Key]:
        key = dns.tsig.Key(self.key_name, self._secret.get_secret_value(), self.algorithm)
        return {self.key_name: key}

    async def _query(self, qname: str, rtype: str) -> dns.message.Message:
        query = dns.message.make_query(qname, rtype)
        query.flags &= ~dns.flags.RD  # an authoritative server: no recursion wanted
        try:
            reply, _tcp = await dns.asyncquery.udp_with_fallback(
                query, self.server, timeout=self.timeout, port=self.port
            )
        except dns.exception.Timeout:
            raise Unreachable(
                f"DNS server {self.where} did not answer within {self.timeout:g} s"
            ) from None
        except OSError as exc:
            raise Unreachable(f"DNS server {self.where} is unreachable: {exc}") from None
        except dns.exception.DNSException as exc:
            raise Unreachable(f"DNS server {self.where} sent a bad answer: {exc}") from None
        return reply

    async def _read(self, fqdn: str, rtype: str) -> tuple[str, str, dns.rrset.RRset | None]:
        name = normalise_fqdn(fqdn)
        kind = normalise_type(rtype)
        zone = zone_for(name, self.zones)
        reply = await self._query(name + ".", kind)
        rcode = reply.rcode()
        if rcode in (dns.rcode.REFUSED, dns.rcode.NOTAUTH) or (
            rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN) and not reply.flags & dns.flags.AA
        ):
            raise NotFound(f"zone {zone} is not served by {self.where}")
        if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise Unreachable(
                f"DNS server {self.where} answered {dns.rcode.to_text(rcode)} for {name} {kind}"
            )
        wanted = dns.name.from_text(name)
        kind_code = dns.rdatatype.from_text(kind)
        for rrset in reply.answer:
            if rrset.name == wanted and rrset.rdtype == kind_code:
                return zone, name, rrset
        return zone, name, None

    async def get_records(self, fqdn: str, rtype: str) -> list[str]:
        """The values the server holds now, sorted (empty when there are none)."""
        _zone, _name, rrset = await self._read(fqdn, rtype)
        return sorted({rdata_text(r) for r in rrset or ()})

    async def ensure_record(
        self, fqdn: str, rtype: str, values: list[str], ttl: int = 300
    ) -> ChangeResult:
        """Replace the record set with exactly `values` (and `ttl`); no update if equal."""
        kind = normalise_type(rtype)
        rdatas = to_rdatas(kind, values)
        if not rdatas:
            raise BadInput("ensure_record needs at least one value (use delete_record)")
        if not 0 <= ttl <= 2**31 - 1:
            raise BadInput(f"TTL {ttl} is out of range")
        zone, name, current = await self._read(fqdn, kind)
        previous = sorted({rdata_text(r) for r in current or ()})
        wanted = dns.rdataset.from_rdata_list(ttl, rdatas)
        if current is not None and current.ttl == ttl and set(current) == set(wanted):
            return ChangeResult(changed=False, previous=previous)
        update = self._update(zone)
        self._still(update, name, kind, current)
        update.replace(name + ".", wanted)
        await self._send(update, zone, f"{name} {kind}")
        return ChangeResult(changed=True, previous=previous)

    async def delete_record(self, fqdn: str, rtype: str, value: str | None = None) -> ChangeResult:
        """Remove the whole record set, or only `value` from it; no update if absent."""
        kind = normalise_type(rtype)
        zone, name, current = await self._read(fqdn, kind)
        previous = sorted({rdata_text(r) for r in current or ()})
        if current is None:
            return ChangeResult(changed=False, previous=previous)
        update = self._update(zone)
        self._still(update, name, kind, current)
        if value is None:
            update.delete(name + ".", current.rdtype)
        else:
            (rdata,) = to_rdatas(kind, [value])
            if rdata not in current:
                return ChangeResult(changed=False, previous=previous)
            update.delete(name + ".", rdata)
        await self._send(update, zone, f"{name} {kind}")
        return ChangeResult(changed=True, previous=previous)

    def _update(self, zone: str) -> dns.update.UpdateMessage:
        return dns.update.UpdateMessage(
            zone + ".",
            keyring=self._keyring(),
            keyname=self.key_name,
            keyalgorithm=self.algorithm,
        )

    @staticmethod
    def _still(
        update: dns.update.UpdateMessage, name: str, kind: str, current: dns.rrset.RRset | None
    ) -> None:
        # Prerequisite: the record set is exactly what we read, so a change made meanwhile
        # by someone else is refused rather than silently overwritten.
        if current is None:
            update.absent(name + ".", kind)
        else:
            update.present(name + ".", dns.rdataset.from_rdata_list(0, list(current)))

    async def _send(self, update: dns.update.UpdateMessage, zone: str, what: str) -> None:
        try:
            reply = await dns.asyncquery.tcp(
                update, self.server, timeout=self.timeout, port=self.port
            )
        except TSIG_ERRORS as exc:
            raise AuthFailed(
                f"DNS server {self.where} refused the TSIG key {self.key_name} for zone {zone}:"
                f" {exc}"
            ) from None
        except dns.exception.FormError as exc:
            # Knot (and BIND) answer an update they will not take without signing the
            # answer; dnspython reports that as a malformed reply.
            raise AuthFailed(
                f"DNS server {self.where} refused the update of {what} in zone {zone}"
                " (key not accepted for this zone)"
            ) from exc
        except dns.exception.Timeout:
            raise Unreachable(
                f"DNS server {self.where} did not answer the update within {self.timeout:g} s"
            ) from None
        except OSError as exc:
            raise Unreachable(f"DNS server {self.where} is unreachable: {exc}") from None
        except dns.exception.DNSException as exc:
            raise ChangeFailed(f"update of {what} at {self.where} failed: {exc}") from None
        rcode = reply.rcode()
        if rcode == dns.rcode.NOERROR:
            return
        text = dns.rcode.to_text(rcode)
        if rcode in (dns.rcode.NOTAUTH, dns.rcode.REFUSED):
            raise AuthFailed(f"DNS server {self.where} refused the update of {what} ({text})")
        if rcode == dns.rcode.NOTZONE:
            raise NotFound(f"{what} is not inside zone {zone} at {self.where}")
        if rcode in (dns.rcode.NXRRSET, dns.rcode.YXRRSET, dns.rcode.YXDOMAIN):
            raise Conflict(f"{what} changed at {self.where} while updating it; read it again")
        raise ChangeFailed(f"DNS server {self.where} answered {text} to the update of {what}")


def to_rdatas(rtype: str, values: Sequence[str]) -> list[dns.rdata.Rdata]:
    """Values as rdata, checked for the type (BadInput when one is not valid)."""
    kind = normalise_type(rtype)
    checked = check_values(kind, values)
    if kind == "CNAME" and len(checked) > 1:
        raise BadInput("a CNAME holds exactly one name")
    out: list[dns.rdata.Rdata] = []
    for value in checked:
        rdata = _rdata(kind, value)
        if rdata not in out:
            out.append(rdata)
    return out


def _rdata(kind: str, value: str) -> dns.rdata.Rdata:
    if kind == "TXT":
        raw = value.encode()
        if len(raw) > TXT_MAX:
            raise BadInput(f"a TXT value may hold at most {TXT_MAX} bytes, not {len(raw)}")
        chunks = [raw[i : i + TXT_CHUNK] for i in range(0, len(raw), TXT_CHUNK)] or [b""]
        return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, chunks)
    if kind in {"CNAME", "NS"}:
        target = normalise_fqdn(value)
        if target.rsplit(".", 1)[-1].isdigit():
            raise BadInput(f"a {kind} value must be a host name, not an address: {value!r}")
        return dns.rdata.from_text(dns.rdataclass.IN, kind, target + ".")
    try:
        # Relative names inside MX/SRV/CAA values are taken as absolute.
        return dns.rdata.from_text(dns.rdataclass.IN, kind, value, origin=dns.name.root)
    except (dns.exception.DNSException, ValueError) as exc:
        raise BadInput(f"{value!r} is not a valid {kind} value: {exc}") from None

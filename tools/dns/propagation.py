"""DNS propagation: which servers already answer a record with the expected values.

`find_authoritative` finds a zone's name servers through a resolver; `check_once` asks every
server once; `wait_for` asks again, with capped exponential backoff and jitter, until every
server matches or the deadline passes. Public resolvers are simply more servers in the list.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
from pydantic import BaseModel, ConfigDict

from core.errors import NotFound, Unreachable
from tools.dns.query import parse_nameserver, rdata_text

DEFAULT_TIMEOUT = 2.0


class NameServer(BaseModel):
    """A server to ask: its name (for people), address and port."""

    model_config = ConfigDict(frozen=True)

    name: str
    ip: str
    port: int = 53

    @property
    def label(self) -> str:
        """`name (ip:port)`, for messages."""
        host = f"[{self.ip}]" if ":" in self.ip else self.ip
        return f"{self.name} ({host}:{self.port})"


class ServerAnswer(BaseModel):
    """What one server answered (or why it did not)."""

    model_config = ConfigDict(frozen=True)

    server: NameServer
    values: tuple[str, ...] = ()
    matches: bool = False
    error: str | None = None  # "timeout", "refused", an rcode name ...


class PropagationReport(BaseModel):
    """Every server's answer for one record, and whether all of them match."""

    model_config = ConfigDict(frozen=True)

    fqdn: str
    rtype: str
    expected: tuple[str, ...]
    answers: tuple[ServerAnswer, ...]
    attempts: int = 1
    elapsed_seconds: float = 0.0
    deadline_reached: bool = False

    @property
    def done(self) -> bool:
        """True when there was at least one server and every one matches."""
        return bool(self.answers) and all(a.matches for a in self.answers)

    @property
    def lagging(self) -> list[ServerAnswer]:
        """The servers that do not (yet) answer the expected values."""
        return [a for a in self.answers if not a.matches]

    def summary(self) -> str:
        """One sentence for a person."""
        total = len(self.answers)
        ok = total - len(self.lagging)
        head = f"{self.fqdn} {self.rtype}: {ok}/{total} servers answer the expected values"
        if self.done:
            return head + "."
        behind = "; ".join(
            f"{a.server.label}: {a.error or ', '.join(a.values) or 'no record'}"
            for a in self.lagging
        )
        return f"{head}; lagging: {behind}."


def normalize(rtype: str, value: str) -> str:
    """The comparable form of one value (addresses canonical, names lower case, no dot)."""
    kind = rtype.upper()
    text = value.strip()
    if kind in {"A", "AAAA"}:
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            return text
    if kind in {"CNAME", "NS", "PTR", "DNAME"}:
        return text.lower().removesuffix(".")
    if kind == "MX":
        pref, _, host = text.partition(" ")
        return f"{pref} {host.strip().lower().removesuffix('.')}"
    return text


async def _ask(
    qname: str, rtype: str, ip: str, port: int, query_timeout: float
) -> dns.message.Message:
    query = dns.message.make_query(qname, rtype)
    reply, _tcp = await dns.asyncquery.udp_with_fallback(
        query, ip, timeout=query_timeout, port=port
    )
    return reply


def _rrset(reply: dns.message.Message, qname: str, rtype: str) -> dns.rrset.RRset | None:
    name = dns.name.from_text(qname)
    kind = dns.rdatatype.from_text(rtype)
    for section in (reply.answer, reply.additional):
        for rrset in section:
            if rrset.name == name and rrset.rdtype == kind and rrset.rdclass == dns.rdataclass.IN:
                return rrset
    return None


async def find_authoritative(
    zone: str,
    resolver: str,
    *,
    port: int | None = None,
    query_timeout: float = DEFAULT_TIMEOUT,
) -> list[NameServer]:
    """The zone's name servers with their addresses, looked up through `resolver` (ip[:port]).

    `port` overrides the port of every server found (authoritative servers on a test bed
    listen elsewhere than 53).
    """
    rip, rport = parse_nameserver(resolver)
    apex = zone.rstrip(".") + "."
    try:
        reply = await _ask(apex, "NS", rip, rport, query_timeout)
    except dns.exception.Timeout as exc:
        raise Unreachable(f"resolver {resolver} did not answer within {query_timeout:g} s") from exc
    except OSError as exc:
        raise Unreachable(f"resolver {resolver} is unreachable: {exc}") from exc
    ns_set = _rrset(reply, apex, "NS")
    if reply.rcode() != dns.rcode.NOERROR or ns_set is None:
        raise NotFound(
            f"no NS records for {zone} at {resolver} ({dns.rcode.to_text(reply.rcode())})"
        )
    found: list[NameServer] = []
    for ns in sorted(str(r.target) for r in ns_set):
        for kind in ("A", "AAAA"):
            rrset = _rrset(reply, ns, kind)  # glue, when the server sent it
            if rrset is None:
                try:
                    rrset = _rrset(await _ask(ns, kind, rip, rport, query_timeout), ns, kind)
                except (dns.exception.DNSException, OSError):
                    rrset = None
            for rdata in rrset or ():
                found.append(NameServer(name=ns.rstrip("."), ip=str(rdata), port=port or 53))
    if not found:
        raise NotFound(f"the name servers of {zone} have no addresses at {resolver}")
    return found


async def _check_server(
    fqdn: str, rtype: str, wanted: frozenset[str], server: NameServer, query_timeout: float
) -> ServerAnswer:
    qname = fqdn.rstrip(".") + "."
    try:
        reply = await _ask(qname, rtype, server.ip, server.port, query_timeout)
    except dns.exception.Timeout:
        return ServerAnswer(server=server, error="timeout")
    except ConnectionRefusedError:
        return ServerAnswer(server=server, error="refused")
    except (dns.exception.DNSException, OSError) as exc:
        return ServerAnswer(server=server, error=f"{type(exc).__name__}: {exc}")
    rcode = reply.rcode()
    if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        return ServerAnswer(server=server, error=dns.rcode.to_text(rcode))
    rrset = _rrset(reply, qname, rtype)
    values = tuple(sorted(rdata_text(r) for r in rrset or ()))
    got = frozenset(normalize(rtype, v) for v in values)
    return ServerAnswer(server=server, values=values, matches=got == wanted)


async def check_once(
    fqdn: str,
    rtype: str,
    expected: Iterable[str],
    servers: Sequence[NameServer],
    *,
    query_timeout: float = DEFAULT_TIMEOUT,
) -> PropagationReport:
    """Ask every server once, in parallel; an empty `expected` means "the record is gone"."""
    kind = rtype.upper()
    wanted_values = tuple(expected)
    wanted = frozenset(normalize(kind, v) for v in wanted_values)
    answers = await asyncio.gather(
        *(_check_server(fqdn, kind, wanted, s, query_timeout) for s in servers)
    )
    return PropagationReport(
        fqdn=fqdn.rstrip("."), rtype=kind, expected=wanted_values, answers=tuple(answers)
    )


async def wait_for(
    fqdn: str,
    rtype: str,
    expected: Iterable[str],
    servers: Sequence[NameServer],
    deadline_seconds: float,
    *,
    query_timeout: float = DEFAULT_TIMEOUT,
    first_delay: float = 1.0,
    max_delay: float = 30.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    rng: random.Random | None = None,
) -> PropagationReport:
    """Ask until every server matches or `deadline_seconds` pass; the last report either way."""
    wanted = tuple(expected)
    jitter = rng or random.Random()  # jitter only, not a secret
    start = clock()
    attempt = 0
    while True:
        attempt += 1
        report = await check_once(fqdn, rtype, wanted, servers, query_timeout=query_timeout)
        elapsed = clock() - start
        remaining = deadline_seconds - elapsed
        if report.done or remaining <= 0:
            return report.model_copy(
                update={
                    "attempts": attempt,
                    "elapsed_seconds": elapsed,
                    "deadline_reached": not report.done,
                }
            )
        # Full backoff doubles each round up to the cap; jitter in [50 %, 100 %] keeps many
        # waiters from asking the same servers in lock-step.
        backoff = min(max_delay, first_delay * 2 ** (attempt - 1))
        delay = backoff * (0.5 + jitter.random() / 2)
        await sleep(min(delay, remaining))

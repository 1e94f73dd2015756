"""Public IP detection: several HTTP and DNS sources asked at once, answer decided by quorum."""

from __future__ import annotations

import asyncio
import ipaddress
from collections import Counter
from collections.abc import Coroutine
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.errors import BadInput, JarvisError
from tools.netcheck.common import Family, IPAddress, family_of, parse_hostport, query_records

FAMILIES: tuple[Family, ...] = ("ipv4", "ipv6")

# A plain-text answer is an address and a newline; anything longer is not an answer.
MAX_BODY_BYTES = 256


class HttpSource(BaseModel):
    """A "what is my IP" endpoint that answers with the caller's address as plain text."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(pattern=r"^https?://", description="Endpoint returning the address as text")
    name: str = Field("", description="Label in results; defaults to the URL")
    families: list[Family] = Field(
        default_factory=lambda: list(FAMILIES), description="Families it can report"
    )

    @property
    def label(self) -> str:
        """The name shown in results."""
        return self.name or self.url


class DnsSource(BaseModel):
    """A nameserver that answers a special name with the address the query came from."""

    model_config = ConfigDict(extra="forbid")

    server: str = Field(description="Nameserver as ip, ip:port or [ipv6]:port")
    qname: str = "myip.opendns.com"
    record: Literal["address", "TXT"] = Field(
        "address", description="address: A/AAAA by family; TXT: the address as text"
    )
    name: str = Field("", description="Label in results; defaults to qname@server")
    family: Family | None = Field(
        None, description="Family it reports; defaults to the server address's family"
    )

    @field_validator("server")
    @classmethod
    def _server(cls, value: str) -> str:
        try:
            parse_hostport(value)
        except BadInput as exc:
            raise ValueError(exc.message) from None
        return value

    @property
    def label(self) -> str:
        """The name shown in results."""
        return self.name or f"{self.qname}@{self.server}"

    @property
    def reports(self) -> Family:
        """The family this source reports."""
        if self.family is not None:
            return self.family
        host, _ = parse_hostport(self.server)
        return family_of(ipaddress.ip_address(host))


def _default_http() -> list[HttpSource]:
    return [
        HttpSource(url="https://api.ipify.org", families=["ipv4"]),
        HttpSource(url="https://api6.ipify.org", families=["ipv6"]),
        HttpSource(url="https://ifconfig.co/ip"),
        HttpSource(url="https://icanhazip.com"),
    ]


def _default_dns() -> list[DnsSource]:
    return [
        DnsSource(server="208.67.222.222", name="opendns"),
        DnsSource(server="2620:119:35::35", name="opendns6"),
        DnsSource(server="216.239.32.10", qname="o-o.myaddr.l.google.com", record="TXT",
                  name="google"),
        DnsSource(server="2001:4860:4802:32::a", qname="o-o.myaddr.l.google.com", record="TXT",
                  name="google6"),
    ]  # fmt: skip


class PublicIpConfig(BaseModel):
    """Where to ask and how many must agree."""

    model_config = ConfigDict(extra="forbid")

    http_sources: list[HttpSource] = Field(default_factory=_default_http)
    dns_sources: list[DnsSource] = Field(default_factory=_default_dns)
    quorum: int = Field(2, ge=1, description="Sources that must report the same address")
    source_timeout: float = Field(3.0, gt=0, description="Seconds each source gets")
    deadline: float = Field(
        4.0, gt=0, description="Seconds for the whole detection; later answers are dropped"
    )
    pin_family: bool = Field(
        True,
        description="Bind HTTP requests to the family's wildcard address so an endpoint "
        "reachable over both families sees (and reports) the one asked for",
    )
    allow_non_public: bool = Field(
        False, description="Accept private, loopback and other non-global answers"
    )


class SourceAnswer(BaseModel):
    source: str
    address: str


class SourceFailure(BaseModel):
    source: str
    reason: str


class PublicIpResult(BaseModel):
    """The address a quorum agreed on, and what every other source said."""

    address: str
    family: Family
    quorum: int
    agreeing: list[str]
    dissenting: list[SourceAnswer]
    failed: list[SourceFailure]


class QuorumNotMet(JarvisError):
    """Too few sources answered, or they disagreed; the message says who said what."""

    kind = "quorum_not_met"


class _Failed(Exception):
    """A source gave no usable answer; the message is the reason."""


async def detect_public_ip(
    family: Family = "ipv4", config: PublicIpConfig | None = None
) -> PublicIpResult:
    """Ask every source for our `family` address at once and return the quorum's answer."""
    config = config or PublicIpConfig()
    http = [s for s in config.http_sources if family in s.families]
    dns = [s for s in config.dns_sources if s.reports == family]
    if len(http) + len(dns) < config.quorum:
        raise QuorumNotMet(
            f"only {len(http) + len(dns)} {family} sources configured, "
            f"fewer than the quorum of {config.quorum}"
        )
    # Our own address is the point: a proxy from the environment would report its address.
    local = ("0.0.0.0" if family == "ipv4" else "::") if config.pin_family else None  # noqa: S104
    transport = httpx.AsyncHTTPTransport(local_address=local, retries=0)
    async with httpx.AsyncClient(
        transport=transport, trust_env=False, headers={"User-Agent": "jarvis-netcheck"}
    ) as client:
        jobs: dict[str, asyncio.Task[IPAddress]] = {}
        for h in http:
            jobs[_unique(h.label, jobs)] = asyncio.create_task(
                _bounded(_ask_http(client, h.url, config.source_timeout), config.source_timeout)
            )
        for d in dns:
            jobs[_unique(d.label, jobs)] = asyncio.create_task(
                _bounded(_ask_dns(d, family, config.source_timeout), config.source_timeout)
            )
        try:
            await asyncio.wait(jobs.values(), timeout=config.deadline)
        finally:
            # Past the deadline (or when we are cancelled) nothing more is waited for.
            for task in jobs.values():
                task.cancel()
            await asyncio.gather(*jobs.values(), return_exceptions=True)
    answers: dict[str, IPAddress] = {}
    failed: list[SourceFailure] = []
    for label, task in jobs.items():
        if task.cancelled():
            failed.append(SourceFailure(source=label, reason="no answer before the deadline"))
            continue
        exc = task.exception()
        if exc is not None:
            reason = str(exc) if isinstance(exc, _Failed) else f"{type(exc).__name__}: {exc}"
            failed.append(SourceFailure(source=label, reason=reason))
            continue
        unfit = _unfit(task.result(), family, config.allow_non_public)
        if unfit:
            failed.append(SourceFailure(source=label, reason=unfit))
        else:
            answers[label] = task.result()
    return _decide(answers, failed, family, config.quorum)


def _unique(label: str, taken: dict[str, asyncio.Task[IPAddress]]) -> str:
    n, candidate = 1, label
    while candidate in taken:
        n += 1
        candidate = f"{label}#{n}"
    return candidate


async def _bounded(job: Coroutine[Any, Any, IPAddress], seconds: float) -> IPAddress:
    try:
        async with asyncio.timeout(seconds):
            return await job
    except TimeoutError:
        raise _Failed(f"timed out after {seconds:g}s") from None


async def _ask_http(client: httpx.AsyncClient, url: str, seconds: float) -> IPAddress:
    try:
        async with client.stream("GET", url, timeout=seconds) as response:
            if response.status_code != 200:
                raise _Failed(f"HTTP {response.status_code}")
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    raise _Failed(f"answer longer than {MAX_BODY_BYTES} bytes")
    except httpx.TimeoutException:
        raise _Failed(f"timed out after {seconds:g}s") from None
    except httpx.HTTPError as exc:
        raise _Failed(_http_reason(exc)) from None
    return _parse(body.decode("utf-8", "replace"))


def _http_reason(exc: httpx.HTTPError) -> str:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        cause = cause.__cause__ or cause.__context__
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


async def _ask_dns(source: DnsSource, family: Family, seconds: float) -> IPAddress:
    server, port = parse_hostport(source.server)
    rdtype = "TXT" if source.record == "TXT" else ("A" if family == "ipv4" else "AAAA")
    try:
        texts = await query_records(source.qname, rdtype, server, port, seconds)
    except JarvisError as exc:
        raise _Failed(exc.message) from None
    if not texts:
        raise _Failed(f"no {rdtype} record in the answer")
    return _parse(texts[0])


def _parse(text: str) -> IPAddress:
    cleaned = text.strip()
    try:
        return ipaddress.ip_address(cleaned)
    except ValueError:
        shown = cleaned[:40] + ("..." if len(cleaned) > 40 else "")
        raise _Failed(f"not an IP address: {shown!r}") from None


def _unfit(address: IPAddress, family: Family, allow_non_public: bool) -> str | None:
    if family_of(address) != family:
        return f"answered {address}, not an {family} address"
    if not allow_non_public and not address.is_global:
        return f"answered {address}, not a public address"
    return None


def _decide(
    answers: dict[str, IPAddress], failed: list[SourceFailure], family: Family, quorum: int
) -> PublicIpResult:
    counts = Counter(answers.values())
    ranked = counts.most_common()
    said = "; ".join(
        [f"{label} said {addr}" for label, addr in answers.items()]
        + [f"{f.source} failed ({f.reason})" for f in failed]
    )
    if not ranked:
        raise QuorumNotMet(f"no {family} source answered: {said}", _details(answers, failed))
    best, votes = ranked[0]
    if votes < quorum:
        raise QuorumNotMet(
            f"no {family} address has the quorum of {quorum}: {said}", _details(answers, failed)
        )
    if len(ranked) > 1 and ranked[1][1] == votes:
        raise QuorumNotMet(f"{family} sources are split evenly: {said}", _details(answers, failed))
    return PublicIpResult(
        address=str(best),
        family=family,
        quorum=quorum,
        agreeing=[label for label, addr in answers.items() if addr == best],
        dissenting=[
            SourceAnswer(source=label, address=str(addr))
            for label, addr in answers.items()
            if addr != best
        ],
        failed=failed,
    )


def _details(answers: dict[str, IPAddress], failed: list[SourceFailure]) -> dict[str, object]:
    return {
        "answers": {label: str(addr) for label, addr in answers.items()},
        "failed": {f.source: f.reason for f in failed},
    }

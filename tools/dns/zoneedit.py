"""ZoneEdit through its dynamic-DNS endpoints; reads go to DNS because ZoneEdit has no read API."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

import httpx
from pydantic import SecretStr

from core.errors import (
    AuthFailed,
    BadInput,
    ChangeFailed,
    NotFound,
    RateLimited,
    Unreachable,
)
from core.fqdn import normalise_fqdn
from memory.db import Database
from memory.dns_marks import claim_mark, get_mark, put_mark
from memory.models import utcnow
from tools.dns.base import (
    Capabilities,
    ChangeResult,
    DnsProvider,
    check_values,
    normalise_type,
)
from tools.dns.query import query_records

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://dynamic.zoneedit.com"
# ZoneEdit's documented rule: at most one update per host every 600 seconds.
MIN_INTERVAL_SECONDS = 600.0
PROVIDER_NAME = "zoneedit"

Clock = Callable[[], datetime]
ClientFactory = Callable[[], httpx.AsyncClient]

_TAG = re.compile(r"<\s*(SUCCESS|ERROR)\b([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r"([A-Za-z_]+)\s*=\s*\"([^\"]*)\"")
_SECONDS = re.compile(r"(\d+)\s*sec", re.IGNORECASE)


class UpdateMarks(Protocol):
    """Where the time of each host's last accepted update is kept."""

    async def get(self, provider: str, host: str) -> datetime | None:
        """When `host` was last updated through `provider`, or None."""
        ...

    async def claim(self, provider: str, host: str, now: datetime, interval: float) -> float:
        """Take the host's update slot: 0 when taken, else the seconds until it frees."""
        ...

    async def put(self, provider: str, host: str, at: datetime | None) -> None:
        """Set (or with None, forget) the host's last update time."""
        ...


def _left(last: datetime | None, now: datetime, interval: float) -> float:
    if last is None:
        return 0.0
    return max(0.0, interval - (now - last).total_seconds())


class MemoryUpdateMarks:
    """Update marks kept in this process only (tests, one-off runs)."""

    def __init__(self) -> None:
        self._marks: dict[tuple[str, str], datetime] = {}

    async def get(self, provider: str, host: str) -> datetime | None:
        """When `host` was last updated through `provider`, or None."""
        return self._marks.get((provider, host))

    async def claim(self, provider: str, host: str, now: datetime, interval: float) -> float:
        """Take the host's update slot: 0 when taken, else the seconds until it frees."""
        # No await between the check and the write: atomic within the event loop.
        left = _left(self._marks.get((provider, host)), now, interval)
        if left == 0:
            self._marks[(provider, host)] = now
        return left

    async def put(self, provider: str, host: str, at: datetime | None) -> None:
        """Set (or with None, forget) the host's last update time."""
        if at is None:
            self._marks.pop((provider, host), None)
        else:
            self._marks[(provider, host)] = at


class DbUpdateMarks:
    """Update marks in the `dns_update_marks` table, so the limit survives restarts."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, provider: str, host: str) -> datetime | None:
        """When `host` was last updated through `provider`, or None."""
        return await get_mark(self._db, provider, host)

    async def claim(self, provider: str, host: str, now: datetime, interval: float) -> float:
        """Take the host's update slot: 0 when taken, else the seconds until it frees."""
        cutoff = now - timedelta(seconds=interval)
        claim = await claim_mark(self._db, provider, host, now, cutoff)
        if claim.taken:
            return 0.0
        return max(_left(claim.last, now, interval), 0.001)

    async def put(self, provider: str, host: str, at: datetime | None) -> None:
        """Set (or with None, forget) the host's last update time."""
        await put_mark(self._db, provider, host, at)


class Reply:
    """One parsed ZoneEdit reply tag: SUCCESS or ERROR, its code and attributes."""

    def __init__(self, status: str, attrs: dict[str, str]) -> None:
        self.status = status.upper()
        self.attrs = attrs
        self.code = attrs.get("CODE", "")
        self.text = attrs.get("TEXT", "")


def parse_reply(body: str) -> Reply | None:
    """The first `<SUCCESS ...>` or `<ERROR ...>` tag of a reply, or None when there is none."""
    match = _TAG.search(body)
    if match is None:
        return None
    attrs = {key.upper(): value for key, value in _ATTR.findall(match.group(2))}
    return Reply(match.group(1), attrs)


def rate_limit_wait(reply: Reply, default: float = MIN_INTERVAL_SECONDS) -> float:
    """Seconds ZoneEdit asks us to wait: PARAM if numeric, else a number in TEXT, else 600."""
    param = reply.attrs.get("PARAM", "").strip()
    if param.isdigit() and int(param) > 0:
        return float(param)
    found = _SECONDS.search(reply.text)
    return float(found.group(1)) if found else default


class ZoneEditProvider(DnsProvider):
    """ZoneEdit: A/AAAA via dynamic.html, TXT via txt-create/txt-delete; reads via DNS."""

    name = PROVIDER_NAME

    def __init__(
        self,
        user: str,
        token: SecretStr,
        *,
        nameservers: Sequence[str],
        base_url: str = DEFAULT_BASE_URL,
        zones: Sequence[str] = (),
        marks: UpdateMarks | None = None,
        clock: Clock = utcnow,
        client_factory: ClientFactory | None = None,
        http_timeout: float = 20.0,
        dns_timeout: float = 3.0,
        min_interval: float = MIN_INTERVAL_SECONDS,
    ) -> None:
        if not user or not token.get_secret_value():
            raise BadInput("ZoneEdit needs the account user name and a dynamic token")
        if not nameservers:
            raise BadInput(
                "ZoneEdit has no API to read records: give the zone's nameservers for DNS reads"
            )
        self._user = user
        self._token = token
        self._base = base_url.rstrip("/")
        self._nameservers = list(nameservers)
        self._zones = [normalise_fqdn(zone) for zone in zones]
        self._marks: UpdateMarks = marks if marks is not None else MemoryUpdateMarks()
        self._clock = clock
        self._http_timeout = http_timeout
        self._dns_timeout = dns_timeout
        self._min_interval = min_interval
        self._client_factory = client_factory or self._default_client

    def _default_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self._http_timeout, follow_redirects=False)

    @property
    def capabilities(self) -> Capabilities:
        """A/AAAA (one address each) and TXT; no API reads; one update per host per 600 s."""
        return Capabilities(
            record_types=frozenset({"A", "AAAA", "TXT"}),
            api_reads=False,
            min_update_interval=self._min_interval,
            multi_value=frozenset({"TXT"}),
            sets_ttl=False,
        )

    async def get_records(self, fqdn: str, rtype: str) -> list[str]:
        """The current values, read from the zone's nameservers over DNS."""
        return await query_records(fqdn, rtype, self._nameservers, lifetime=self._dns_timeout)

    async def ensure_record(
        self, fqdn: str, rtype: str, values: list[str], ttl: int = 300
    ) -> ChangeResult:
        """Make the name hold `values` (the TTL is ZoneEdit's; its dynamic API cannot set it)."""
        host, kind = self._check(fqdn, rtype)
        wanted = check_values(kind, values)
        if not wanted:
            raise BadInput("give at least one value; use delete_record to remove a record")
        if kind in {"A", "AAAA"} and len(wanted) > 1:
            raise BadInput(
                f"ZoneEdit's dynamic update sets one address per host; {len(wanted)} {kind} "
                "values were given"
            )
        previous = await self.get_records(host, kind)
        if kind in {"A", "AAAA"}:
            if previous == wanted:
                return ChangeResult(changed=False, previous=previous)
            reply = await self._call("/auth/dynamic.html", host, {"dnsto": wanted[0]})
            return ChangeResult(changed=reply.code == "200", previous=previous)
        changed = False
        # TXT: add what is missing first, then drop what is not wanted, so the name never
        # goes without a wanted value. Each call takes the host's update slot.
        for value in wanted:
            if value not in previous:
                reply = await self._call("/txt-create.php", host, {"rdata": value})
                changed = changed or reply.code == "200"
        for value in previous:
            if value not in wanted:
                reply = await self._call("/txt-delete.php", host, {"rdata": value})
                changed = changed or reply.code == "200"
        return ChangeResult(changed=changed, previous=previous)

    async def delete_record(self, fqdn: str, rtype: str, value: str | None = None) -> ChangeResult:
        """Remove TXT values; address records cannot be deleted through ZoneEdit's dynamic API."""
        host, kind = self._check(fqdn, rtype)
        if kind != "TXT":
            raise BadInput(
                f"ZoneEdit's dynamic API cannot delete {kind} records: remove {host} in the "
                "ZoneEdit control panel"
            )
        previous = await self.get_records(host, kind)
        doomed = previous if value is None else [v for v in previous if v == value]
        changed = False
        for item in doomed:
            reply = await self._call("/txt-delete.php", host, {"rdata": item})
            changed = changed or reply.code == "200"
        return ChangeResult(changed=changed, previous=previous)

    def _check(self, fqdn: str, rtype: str) -> tuple[str, str]:
        host = normalise_fqdn(fqdn)
        kind = normalise_type(rtype)
        if kind not in self.capabilities.record_types:
            raise BadInput(
                f"ZoneEdit's dynamic API cannot write {kind} records (only A, AAAA, TXT)"
            )
        return host, kind

    def _host_param(self, host: str) -> str:
        # ZoneEdit's TXT endpoints name the zone apex "@.<zone>".
        return f"@.{host}" if host in self._zones else host

    def _scrub(self, text: str) -> str:
        secret = self._token.get_secret_value()
        return text.replace(secret, "***") if secret else text

    async def _call(self, path: str, host: str, params: dict[str, str]) -> Reply:
        previous_mark = await self._marks.get(PROVIDER_NAME, host)
        now = self._clock()
        left = await self._marks.claim(PROVIDER_NAME, host, now, self._min_interval)
        if left > 0:
            raise RateLimited(
                f"ZoneEdit allows one update of {host} every {self._min_interval:g} s: "
                f"try again in {left:.0f} s",
                retry_after=left,
            )
        try:
            reply = await self._send(path, host, params)
        except RateLimited as exc:
            # Remember ZoneEdit's own wait so that we do not ask again before it ends.
            wait = exc.retry_after or self._min_interval
            await self._marks.put(
                PROVIDER_NAME, host, now - timedelta(seconds=self._min_interval - wait)
            )
            raise
        except (AuthFailed, NotFound, BadInput, ChangeFailed):
            # ZoneEdit refused the request outright: nothing changed, the slot is still free.
            await self._marks.put(PROVIDER_NAME, host, previous_mark)
            raise
        except Unreachable as exc:
            # Only when the request never left us is the slot surely unused.
            if exc.details and exc.details.get("sent") is False:
                await self._marks.put(PROVIDER_NAME, host, previous_mark)
            raise
        return reply

    async def _send(self, path: str, host: str, params: dict[str, str]) -> Reply:
        query = {"host": self._host_param(host) if path != "/auth/dynamic.html" else host}
        query.update(params)
        what = f"ZoneEdit {path.rsplit('/', 1)[-1]} for {host}"
        auth = httpx.BasicAuth(self._user, self._token.get_secret_value())
        try:
            async with self._client_factory() as client:
                response = await client.get(self._base + path, params=query, auth=auth)
        except httpx.ConnectError as exc:
            raise Unreachable(
                f"{what}: could not connect to {self._base} ({self._scrub(str(exc)) or 'refused'})",
                {"sent": False},
            ) from None
        except httpx.TimeoutException:
            raise Unreachable(
                f"{what}: no answer from {self._base} within {self._http_timeout:g} s",
                {"sent": True},
            ) from None
        except httpx.HTTPError as exc:
            raise Unreachable(
                f"{what}: the request failed ({type(exc).__name__})", {"sent": True}
            ) from None
        return self._interpret(what, host, response)

    def _interpret(self, what: str, host: str, response: httpx.Response) -> Reply:
        status = response.status_code
        if status in (401, 403):
            raise AuthFailed(
                f"{what}: ZoneEdit refused the user name or dynamic token (HTTP {status})"
            )
        if status == 429:
            raise RateLimited(
                f"{what}: ZoneEdit asks to slow down (HTTP 429)", MIN_INTERVAL_SECONDS
            )
        if status != 200:
            raise Unreachable(f"{what}: ZoneEdit answered HTTP {status}", {"sent": True})
        reply = parse_reply(response.text)
        if reply is None:
            raise Unreachable(
                f"{what}: ZoneEdit's answer is not in its reply format", {"sent": True}
            )
        detail = self._scrub(reply.text)
        log.info("zoneedit %s host=%s code=%s", what, host, reply.code)
        if reply.status == "SUCCESS" and reply.code in {"200", "201"}:
            return reply
        if reply.status == "ERROR" and reply.code == "707":
            # 707: a duplicate of an update ZoneEdit already has: the state is as asked.
            return reply
        if reply.code == "702":
            wait = rate_limit_wait(reply)
            raise RateLimited(
                f"{what}: ZoneEdit allows one update per host every 600 s; try again in "
                f"{wait:.0f} s",
                retry_after=wait,
            )
        if reply.code == "708":
            raise AuthFailed(f"{what}: ZoneEdit login failed (check the user and dynamic token)")
        if reply.code == "701":
            raise NotFound(f"{what}: the zone of {host} is not in this ZoneEdit account")
        raise ChangeFailed(
            f"{what}: ZoneEdit answered {reply.status} {reply.code or '(no code)'}"
            + (f": {detail}" if detail else "")
        )

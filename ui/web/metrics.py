"""`GET /metrics` in Prometheus text format: open to loopback scrapers, else an API key."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, Depends, Response, Security
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector
from redis.asyncio import Redis

from core import metrics as core_metrics
from core.logging import get_logger
from core.settings import Settings
from memory import stats
from memory.models import utcnow
from ui.web.api import api_key, bearer, header_key
from ui.web.state import CLIENT_ADDRESS, get_state

log = get_logger("web.metrics")
# A scrape answers quickly or without the database's and the queue's numbers.
SCRAPE_TIMEOUT_SECONDS = 5.0


def is_loopback(address: str | None) -> bool:
    """Whether a client address is this host (127.0.0.0/8, ::1, or ::ffff:127.x)."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


async def scrape_allowed(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    header: Annotated[str | None, Security(header_key)],
) -> None:
    """Loopback clients scrape freely; anyone else needs an API key (401 as for /api/v1)."""
    # The address is the connection's, or X-Forwarded-For when a proxy on loopback sent it
    # (uvicorn trusts that header from loopback only), so a proxied client is not local.
    if is_loopback(CLIENT_ADDRESS.get()):
        return
    await api_key(credentials, header)


class _Snapshot(Collector):
    """Families computed before the scrape (the database is async, collectors are not)."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        """The precomputed families."""
        return self.families


async def queue_depth(settings: Settings) -> int | None:
    """Jobs waiting in the arq queue (a Redis sorted set); None without Redis."""
    if not settings.redis_url:
        return None
    client = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    async with client:
        return int(await client.zcard(settings.background.queue_name))


async def database_families() -> list[Metric]:
    """Pending approvals, runs by kind and status, open findings by check."""
    db = get_state().runtime.db
    pending = GaugeMetricFamily(
        "jarvis_approvals_pending", "Approvals waiting for an answer (not yet expired)."
    )
    pending.add_metric([], await stats.pending_approvals(db, utcnow()))
    # A gauge despite the name: statuses move on and maintenance trims old runs.
    runs = GaugeMetricFamily(
        "jarvis_runs_total",
        "Background runs kept in the database, by kind and status.",
        labels=["kind", "status"],
    )
    for kind, status, count in await stats.runs_by_kind_and_status(db):
        runs.add_metric([kind, status], count)
    findings = GaugeMetricFamily(
        "jarvis_findings_open", "Open findings, by check.", labels=["check"]
    )
    for check, count in sorted((await stats.open_findings_by_check(db)).items()):
        findings.add_metric([check], count)
    return [pending, runs, findings]


async def _families(settings: Settings) -> list[Metric]:
    out: list[Metric] = []
    try:
        async with asyncio.timeout(SCRAPE_TIMEOUT_SECONDS):
            out += await database_families()
    except Exception as exc:
        log.warning("metrics_database_failed", error=type(exc).__name__)
    try:
        async with asyncio.timeout(SCRAPE_TIMEOUT_SECONDS):
            depth = await queue_depth(settings)
    except Exception as exc:
        log.warning("metrics_queue_failed", error=type(exc).__name__)
        depth = None
    if depth is not None:
        queue = GaugeMetricFamily("jarvis_queue_depth", "Runs waiting in the Redis queue.")
        queue.add_metric([], depth)
        out.append(queue)
    return out


router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    dependencies=[Depends(scrape_allowed)],
    summary="Prometheus metrics (loopback, or with an API key)",
    response_class=Response,
)
async def metrics_endpoint() -> Response:
    """Jarvis's counters and histogram, and counts read from the database and queue now."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(await _families(get_state().settings)))
    body = generate_latest(core_metrics.REGISTRY) + generate_latest(registry)
    # The classic text format: every Prometheus version reads it.
    return Response(body, media_type=CONTENT_TYPE_PLAIN_0_0_4)

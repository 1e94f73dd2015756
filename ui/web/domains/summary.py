"""The domains summary over REST: counts by status, unhealthy domains, certificates expiring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from memory.domain_models import DomainStatus
from memory.domains import Domain, list_domains
from ui.web.api import Caller, _errors
from ui.web.domains.common import PREFIX, db

EXPIRY_WINDOW_DAYS = 21
HEALTHY = frozenset({"healthy", "degraded"})

router = APIRouter(prefix=PREFIX)


class ExpiringCertificate(BaseModel):
    """A certificate that runs out within the summary's window."""

    fqdn: str
    not_after: datetime
    days_left: int


class SummaryOut(BaseModel):
    """Counts over every domain: by status, unhealthy ones, certificates expiring soon."""

    total: int
    by_status: dict[DomainStatus, int]
    unhealthy: int = Field(description="Domains whose last health check was not healthy")
    expiring_within_days: int
    expiring_certificates: list[ExpiringCertificate]


@router.get("/summary", summary="Counts by status, unhealthy domains, certificates expiring soon")
async def summary(_caller: Caller) -> SummaryOut:
    """Counts by status, unhealthy domains, and certificates expiring within 21 days."""
    async with _errors():
        domains = await list_domains(db())
    now = datetime.now(UTC)
    by_status = dict.fromkeys(DomainStatus, 0)
    expiring: list[ExpiringCertificate] = []
    unhealthy = 0
    for domain in domains:
        by_status[domain.status] += 1
        if _is_unhealthy(domain.health):
            unhealthy += 1
        not_after = _not_after(domain)
        if not_after is not None and not_after - now <= timedelta(days=EXPIRY_WINDOW_DAYS):
            expiring.append(
                ExpiringCertificate(
                    fqdn=domain.fqdn,
                    not_after=not_after,
                    days_left=(not_after - now).days,
                )
            )
    expiring.sort(key=lambda cert: (cert.not_after, cert.fqdn))
    return SummaryOut(
        total=len(domains),
        by_status=by_status,
        unhealthy=unhealthy,
        expiring_within_days=EXPIRY_WINDOW_DAYS,
        expiring_certificates=expiring,
    )


def _is_unhealthy(health: dict[str, Any] | None) -> bool:
    if not health:
        return False
    if health.get("ok") is False or health.get("healthy") is False:
        return True
    for key in ("classification", "status"):
        value = health.get(key)
        if isinstance(value, str):
            return value not in HEALTHY and value != "ok"
    return False


def _not_after(domain: Domain) -> datetime | None:
    for source in (domain.cert, (domain.health or {}).get("certificate")):
        value = source.get("not_after") if isinstance(source, dict) else None
        if isinstance(value, str):
            try:
                when = datetime.fromisoformat(value)
            except ValueError:
                continue
            return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return None

"""Health checks against 200 local HTTPS endpoints with known faults, each classified exactly."""

from __future__ import annotations

import socket
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.errors import BadInput
from tests.testbed.tls_endpoints import DEFAULT_MIX, WRONG_ADDRESS, Endpoint, TlsTestbed
from tools.netcheck.health import HealthReport, check_health, sweep


@pytest.fixture(scope="module")
def bed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsTestbed]:
    with TlsTestbed(tmp_path_factory.mktemp("tls")) as testbed:
        yield testbed


@pytest.fixture(scope="module")
async def swept(bed: TlsTestbed) -> tuple[list[HealthReport], float]:
    started = time.perf_counter()
    reports = await sweep(bed.targets(), concurrency=50)
    return reports, time.perf_counter() - started


def first(bed: TlsTestbed, kind: str) -> Endpoint:
    return next(e for e in bed.endpoints if e.kind == kind)


async def test_sweep_classifies_all_200_endpoints(
    bed: TlsTestbed, swept: tuple[list[HealthReport], float]
) -> None:
    reports, elapsed = swept
    assert len(bed.endpoints) == len(reports) == 200
    assert len({e.domain for e in bed.endpoints}) == 200
    wrong = [
        f"{e.domain}: expected {e.expected}, got {r.classification} {r.reasons}"
        for e, r in zip(bed.endpoints, reports, strict=True)
        if r.classification != e.expected or r.domain != e.domain
    ]
    assert wrong == []
    counts = Counter(r.classification for r in reports)
    assert counts == {
        "healthy": 100, "degraded": 20, "down": 30, "cert_invalid": 40, "dns_mismatch": 10,
    }  # fmt: skip
    # The stalled endpoints each cost a full timeout; run one after another, the 200 checks
    # would take over a minute. Bounded concurrency keeps the sweep near the slowest check.
    slowest = max(r.duration_ms for r in reports) / 1000
    assert slowest >= bed.timing.timeout
    assert elapsed < 2 * slowest + 2


async def test_report_details_per_fault(
    bed: TlsTestbed, swept: tuple[list[HealthReport], float]
) -> None:
    by_domain = {r.domain: r for r in swept[0]}

    def report(kind: str) -> HealthReport:
        return by_domain[first(bed, kind).domain]

    healthy = report("healthy")
    assert healthy.reasons == []
    assert healthy.https.status_code == 200
    assert healthy.dns is not None and healthy.dns.answers == ["127.0.0.1"]
    cert = healthy.certificate
    assert cert is not None
    assert cert.chain_verified and cert.name_matches
    assert cert.issuer == "CN=Jarvis Test Bed CA"
    assert cert.names == [healthy.domain]
    assert cert.days_left is not None and 59 < cert.days_left <= 60

    expiring = report("expiring").certificate
    assert expiring is not None and expiring.classification == "degraded"
    assert expiring.days_left is not None and 4 < expiring.days_left <= 5
    assert "expires in" in expiring.detail

    slow = report("slow")
    assert slow.https.classification == "degraded"
    assert slow.https.latency_ms is not None
    assert slow.https.latency_ms > bed.timing.slow_delay * 1000
    assert slow.reasons[0].startswith("HTTPS: slow")

    stalled = report("stalled")
    assert stalled.https.detail == f"HTTPS: no answer within {bed.timing.timeout:g}s"
    # The handshake finished before the server stalled, so the certificate is still known.
    assert stalled.certificate is not None and stalled.certificate.classification == "healthy"

    refused = report("refused")
    assert refused.reasons == ["HTTPS: connection refused"]
    assert refused.certificate is None

    failing = report("error503")
    assert failing.https.status_code == 503
    assert failing.reasons == ["HTTPS: status 503"]

    expired = report("expired")
    assert expired.https.classification is None  # not requested over an invalid certificate
    assert expired.certificate is not None
    assert expired.certificate.days_left is not None and expired.certificate.days_left < -1
    assert expired.certificate.chain_verified is True  # trusted issuer, only the dates are bad
    assert expired.certificate.name_matches is True
    assert "expired 2.0 days ago" in expired.reasons[0]

    wrong = report("wrong_name")
    assert wrong.certificate is not None
    assert wrong.certificate.name_matches is False
    assert wrong.certificate.chain_verified is True
    assert wrong.certificate.names == [f"other-{wrong.domain}"]
    assert f"not valid for {wrong.domain}" in wrong.reasons[0]

    untrusted = report("untrusted")
    assert untrusted.certificate is not None
    assert untrusted.certificate.chain_verified is False
    assert untrusted.certificate.name_matches is True
    assert untrusted.certificate.issuer == "CN=Someone Else's CA"
    assert "not trusted" in untrusted.reasons[0]

    mismatch = report("dns_mismatch")
    assert mismatch.dns is not None
    assert mismatch.dns.answers == [WRONG_ADDRESS]
    assert mismatch.https.classification == "healthy"
    assert mismatch.reasons == [f"DNS: {mismatch.domain} A is {WRONG_ADDRESS}, expected 127.0.0.1"]


async def test_no_dns_check_without_expected_address(bed: TlsTestbed) -> None:
    target = first(bed, "healthy").target.model_copy(update={"expected_address": None})
    report = await check_health(target)
    assert report.dns is None
    assert report.classification == "healthy"


async def test_unknown_name_is_a_dns_mismatch(bed: TlsTestbed) -> None:
    target = first(bed, "healthy").target.model_copy(update={"domain": "nowhere.bed.test"})
    report = await check_health(target)
    assert report.classification == "dns_mismatch"
    assert report.reasons[0] == "DNS: nowhere.bed.test does not exist"
    # The servers' fallback certificate is for no test domain.
    assert report.certificate is not None and report.certificate.name_matches is False


async def test_silent_nameserver_degrades_but_is_not_a_mismatch(bed: TlsTestbed) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))  # receives queries, never answers
    try:
        target = first(bed, "healthy").target.model_copy(
            update={"nameserver": f"127.0.0.1:{sock.getsockname()[1]}", "timeout": 0.5}
        )
        report = await check_health(target)
    finally:
        sock.close()
    assert report.classification == "degraded"
    assert report.dns is not None and "did not answer in 0.5s" in report.dns.detail
    assert report.https.classification == "healthy"


async def test_system_store_does_not_trust_the_test_ca(bed: TlsTestbed) -> None:
    target = first(bed, "healthy").target.model_copy(update={"ca_bundle": None})
    report = await check_health(target)
    assert report.classification == "cert_invalid"
    assert report.certificate is not None and report.certificate.chain_verified is False


async def test_sweep_rejects_bad_concurrency_and_missing_bundle(
    bed: TlsTestbed, tmp_path: Path
) -> None:
    with pytest.raises(BadInput):
        await sweep([], concurrency=0)
    assert await sweep([]) == []
    target = first(bed, "healthy").target.model_copy(update={"ca_bundle": tmp_path / "none.pem"})
    with pytest.raises(BadInput, match="does not exist"):
        await check_health(target)


async def test_small_sweep_in_order_with_concurrency_one(bed: TlsTestbed) -> None:
    picked = [first(bed, k) for k in ("error503", "healthy", "refused", "expired")]
    reports = await sweep([e.target for e in picked], concurrency=1)
    assert [r.domain for r in reports] == [e.domain for e in picked]
    assert [r.classification for r in reports] == [e.expected for e in picked]


def test_mix_is_200_domains() -> None:
    assert sum(DEFAULT_MIX.values()) == 200

"""The certificate part of a health check against a real wildcard certificate on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.testbed.tls_server import HttpsServer, Issued, issue
from tools.netcheck.health import HealthTarget, check_health


@pytest.fixture(scope="module")
def wildcard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Issued, int]]:
    issued = issue(tmp_path_factory.mktemp("wildcard"), ["*.probe.test"])
    with HttpsServer(issued.chain) as server:
        yield issued, server.port


def target(wildcard: tuple[Issued, int], domain: str) -> HealthTarget:
    issued, port = wildcard
    return HealthTarget(
        domain=domain, port=port, connect_address="127.0.0.1", ca_bundle=issued.ca_bundle
    )


async def test_a_wildcard_certificate_covers_one_label(wildcard: tuple[Issued, int]) -> None:
    report = await check_health(target(wildcard, "app.probe.test"))
    assert report.classification == "healthy", report.reasons
    assert report.https.status_code == 200
    cert = report.certificate
    assert cert is not None and cert.classification == "healthy"
    assert cert.names == ["*.probe.test"]
    assert cert.name_matches and cert.chain_verified


@pytest.mark.parametrize("domain", ["probe.test", "a.b.probe.test"])
async def test_a_wildcard_certificate_does_not_cover_the_apex_or_two_labels(
    wildcard: tuple[Issued, int], domain: str
) -> None:
    report = await check_health(target(wildcard, domain))
    assert report.classification == "cert_invalid"
    assert report.https.classification is None  # not requested over a refused certificate
    cert = report.certificate
    assert cert is not None
    assert cert.name_matches is False and cert.chain_verified is True
    assert cert.detail == f"certificate: not valid for {domain} (names: *.probe.test)"


async def test_an_expired_certificate_is_refetched_and_judged_on_trust_alone(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    issued = issue(tmp_path_factory.mktemp("expired"), ["old.probe.test"], valid=(-90, -2))
    with HttpsServer(issued.chain) as server:
        report = await check_health(
            HealthTarget(
                domain="old.probe.test",
                port=server.port,
                connect_address="127.0.0.1",
                ca_bundle=issued.ca_bundle,
            )
        )
    cert = report.certificate
    assert report.classification == "cert_invalid" and cert is not None
    assert cert.chain_verified is True and cert.name_matches is True
    assert cert.days_left is not None and cert.days_left < -1
    assert "expired 2.0 days ago" in cert.detail

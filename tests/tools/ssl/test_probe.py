"""The one TLS probe against real loopback servers: trust, dates, wildcards, failures."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.testbed.caddy_pebble import free_port
from tests.testbed.tls_server import HttpsServer, Issued, issue
from tools.ssl.check import check_certificate
from tools.ssl.probe import PeerCertificate, name_matches, probe


@pytest.fixture(scope="module")
def wildcard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Issued, int]]:
    issued = issue(tmp_path_factory.mktemp("wildcard"), ["*.probe.test"])
    with HttpsServer(issued.chain) as server:
        yield issued, server.port


def test_a_trusted_wildcard_certificate(wildcard: tuple[Issued, int]) -> None:
    issued, port = wildcard
    result = probe("127.0.0.1", port, "app.probe.test", ca_bundle=issued.ca_bundle, timeout=3)
    assert result.peer is not None and result.reason is None
    assert result.chain_verified and result.verify_error is None
    assert result.tls_version is not None and result.tls_version.startswith("TLS")
    assert result.peer.names == ["*.probe.test"]
    assert result.peer == PeerCertificate.from_der(result.peer.der)
    assert result.peer.covers("app.probe.test")
    assert not result.peer.covers("probe.test")  # the apex
    assert not result.peer.covers("a.b.probe.test")  # two labels


def test_a_wildcard_certificate_does_not_match_the_apex(wildcard: tuple[Issued, int]) -> None:
    issued, port = wildcard
    apex = check_certificate("127.0.0.1", port, "probe.test", ca_bundle=str(issued.ca_bundle))
    assert apex.error is None and apex.chain_verified
    assert apex.names == ["*.probe.test"]
    assert not apex.name_matches and apex.status == "invalid"
    app = check_certificate("127.0.0.1", port, "app.probe.test", ca_bundle=str(issued.ca_bundle))
    assert app.name_matches and app.status == "ok"


def test_an_untrusted_chain_is_still_read(wildcard: tuple[Issued, int]) -> None:
    _, port = wildcard
    result = probe("127.0.0.1", port, "app.probe.test", timeout=3)  # the system store
    assert result.peer is not None and result.reason is None
    assert not result.chain_verified
    assert result.verify_error is not None and "issuer" in result.verify_error


def test_dates_are_judged_only_when_asked(tmp_path: Path) -> None:
    issued = issue(tmp_path, ["old.probe.test"], valid=(-90, -2))
    with HttpsServer(issued.chain) as server:
        dated = probe("127.0.0.1", server.port, "old.probe.test", ca_bundle=issued.ca_bundle)
        undated = probe(
            "127.0.0.1",
            server.port,
            "old.probe.test",
            ca_bundle=issued.ca_bundle,
            check_time=False,
        )
    assert dated.peer is not None and not dated.chain_verified
    assert dated.verify_error is not None and "expired" in dated.verify_error
    assert undated.peer is not None and undated.chain_verified
    assert undated.peer.der == dated.peer.der


def test_an_unreadable_ca_bundle_still_reads_the_certificate(
    wildcard: tuple[Issued, int], tmp_path: Path
) -> None:
    _, port = wildcard
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    result = probe("127.0.0.1", port, "app.probe.test", ca_bundle=junk, timeout=3)
    assert result.peer is not None and not result.chain_verified
    assert result.verify_error is not None and "cannot load the trusted CAs" in result.verify_error


def test_no_handshake_gives_a_reason_and_no_certificate() -> None:
    refused = probe("127.0.0.1", free_port(), timeout=2)
    assert refused.peer is None and refused.reason == "connection refused"
    assert not refused.chain_verified and refused.verify_error is None
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never answers the handshake
    try:
        stalled = probe("127.0.0.1", silent.getsockname()[1], timeout=0.3)
    finally:
        silent.close()
    assert stalled.peer is None
    assert stalled.reason is not None and "timed out after 0.3 s" in stalled.reason


def test_name_matching() -> None:
    assert name_matches(["plex.evindrake.net"], "plex.evindrake.net")
    assert name_matches(["Plex.EvinDrake.net."], "plex.evindrake.net")
    assert name_matches(["*.evindrake.net"], "plex.evindrake.net")
    assert not name_matches(["*.evindrake.net"], "evindrake.net")
    assert not name_matches(["*.evindrake.net"], "a.plex.evindrake.net")
    assert not name_matches(["*.net"], "evindrake.net")
    assert not name_matches(["p*.evindrake.net"], "plex.evindrake.net")
    assert not name_matches(["other.evindrake.net"], "plex.evindrake.net")
    assert name_matches(["*.example.test"], "app.example.test")
    assert not name_matches(["*.example.test"], "a.b.example.test")
    assert not name_matches(["*.example.test"], "example.test")
    assert name_matches(["other.example.test", "*.example.test"], "app.example.test")
    assert not name_matches([], "app.example.test")


def test_ip_addresses_match_exactly() -> None:
    assert name_matches(["127.0.0.1"], "127.0.0.1")
    assert not name_matches(["localhost"], "127.0.0.1")
    assert not name_matches(["127.0.0.2"], "127.0.0.1")
    assert name_matches(["2001:db8::1"], "[2001:db8:0::1]")
    assert not name_matches(["*.0.0.1"], "127.0.0.1")

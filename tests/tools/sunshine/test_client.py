"""The Sunshine client over TLS to the local stand-in: the pinned certificate, auth, errors."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.errors import AuthFailed, BadInput, BadReply, NotAllowed, NotReady, Unreachable
from memory.integrations import IntegrationView
from tests.testbed.fake_service import serve
from tests.testbed.fake_sunshine import PASSWORD, USER, Certificate, FakeSunshine, self_signed
from tests.testbed.integration_gate import FAST
from tools.integrations.kinds import Connection
from tools.sunshine.client import Sunshine, normal_fingerprint
from tools.sunshine.kind import KIND, enrol


def conn(url: str, pin: str | None, password: str = PASSWORD) -> Connection:
    view = IntegrationView(
        name="sunshine", kind="sunshine", url=url, credentials=["password"],
        options={"user": USER, **({"fingerprint": pin} if pin else {})},
        created_at=datetime.now(UTC),
    )  # fmt: skip
    return Connection(view, {"password": password}, FAST)


def client(url: str, pin: str | None, password: str = PASSWORD) -> Sunshine:
    return KIND.connect(conn(url, pin, password))


async def test_with_the_pinned_certificate_it_reads_and_pairs(
    fake_sunshine: FakeSunshine, sunshine_cert: Certificate
) -> None:
    async with client(fake_sunshine.base_url, sunshine_cert.sha256) as sunshine:
        assert await sunshine.probe() == "Sunshine 0.23.1 (windows)"
        assert [a.name for a in await sunshine.apps()] == ["Desktop", "Steam Big Picture"]
        assert await sunshine.clients() == []
        # Nobody waiting to pair: Sunshine says false.
        assert await sunshine.pair("1234", "Steam Deck") is False
        fake_sunshine.waiting_pin = "4321"
        assert await sunshine.pair("4321", "Steam Deck") is True
        assert [c.name for c in await sunshine.clients()] == ["Steam Deck"]


async def test_enrolment_pins_what_the_host_presents(
    fake_sunshine: FakeSunshine, sunshine_cert: Certificate
) -> None:
    assert await enrol(conn(fake_sunshine.base_url, None)) == {"fingerprint": sunshine_cert.sha256}
    spaced = ":".join(sunshine_cert.sha256[i : i + 2].upper() for i in range(0, 64, 2))
    assert await enrol(conn(fake_sunshine.base_url, spaced)) == {
        "fingerprint": sunshine_cert.sha256
    }
    with pytest.raises(BadInput, match="64 hex digits"):
        normal_fingerprint("abcd")


async def test_another_certificate_is_refused_before_the_password_is_sent(
    tmp_path: Path, sunshine_cert: Certificate
) -> None:
    impostor = self_signed(tmp_path / "impostor")
    with serve(FakeSunshine(), tls=impostor.context()) as fake:
        async with client(fake.base_url, sunshine_cert.sha256) as sunshine:
            with pytest.raises(NotAllowed, match="different certificate") as caught:
                await sunshine.apps()
    assert "nothing was sent" in caught.value.message
    assert fake.requests == []


async def test_without_a_pin_nothing_is_sent(fake_sunshine: FakeSunshine) -> None:
    async with client(fake_sunshine.base_url, None) as sunshine:
        with pytest.raises(NotReady, match="no pinned certificate"):
            await sunshine.apps()
    assert fake_sunshine.requests == []


async def test_http_is_refused(fake_sunshine: FakeSunshine, sunshine_cert: Certificate) -> None:
    url = fake_sunshine.base_url.replace("https://", "http://")
    async with client(url, sunshine_cert.sha256) as sunshine:
        with pytest.raises(BadInput, match="HTTPS only"):
            await sunshine.apps()


async def test_a_wrong_password_bad_bodies_and_errors(
    fake_sunshine: FakeSunshine, sunshine_cert: Certificate
) -> None:
    async with client(fake_sunshine.base_url, sunshine_cert.sha256, "guess") as sunshine:
        with pytest.raises(AuthFailed, match="user name or password was refused") as caught:
            await sunshine.clients()
    assert "guess" not in caught.value.message
    fake_sunshine.fail_next(200, b'{"status": "false"}')
    async with client(fake_sunshine.base_url, sunshine_cert.sha256) as sunshine:
        with pytest.raises(BadReply, match="did not list"):
            await sunshine.clients()
        fake_sunshine.fail_next(200, b"not json", content_type="text/html")
        with pytest.raises(BadReply, match="not JSON"):
            await sunshine.apps()
        fake_sunshine.fail_next(503, times=3)
        with pytest.raises(Unreachable, match="HTTP 503"):
            await sunshine.apps()
        fake_sunshine.fail_next(429, headers={"Retry-After": "0"})
        assert len(await sunshine.apps()) == 2
        with pytest.raises(BadInput, match="refused the PIN"):
            # Sunshine's own 400 for a body it cannot read comes back as bad input.
            fake_sunshine.fail_next(400, b'{"status":"false","error":"No such node (pin)"}')
            await sunshine.pair("1234", "x")


async def test_nothing_listening_is_unreachable(sunshine_cert: Certificate) -> None:
    async with client("https://127.0.0.1:9", sunshine_cert.sha256) as sunshine:
        with pytest.raises(Unreachable, match="cannot be reached"):
            await sunshine.apps()


async def test_an_echoed_password_is_never_repeated(
    fake_sunshine: FakeSunshine, sunshine_cert: Certificate
) -> None:
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    # A proxy that echoes the request headers (and a form that echoes the password).
    echo = f'{{"error": "bad request: Authorization: Basic {basic}, password={PASSWORD}"}}'
    fake_sunshine.fail_next(400, echo.encode())
    async with client(fake_sunshine.base_url, sunshine_cert.sha256) as sunshine:
        with pytest.raises(BadInput) as caught:
            await sunshine.apps()
    assert basic not in caught.value.message and PASSWORD not in caught.value.message
    assert "Basic [redacted], password=[redacted]" in caught.value.message

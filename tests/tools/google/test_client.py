"""The Google client's real code paths against the stand-in: sign-in, errors, retries, uploads."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from core.errors import AuthFailed, BadInput, NotFound, RateLimited, Unreachable
from memory import integrations
from tests.testbed.fake_google import CLIENT_SECRET, FOLDER, REFRESH_TOKEN, FakeGoogle
from tests.testbed.integration_gate import IntegrationsGate
from tests.tools.google.conftest import fields
from tools.google.kind import KIND


async def test_a_bad_refresh_token_is_refused_clearly_and_stores_nothing(
    integrations_gate: IntegrationsGate, fake_google: FakeGoogle
) -> None:
    bad = fields(fake_google, refresh_token="1//0revoked-token")
    with pytest.raises(AuthFailed) as caught:
        await integrations_gate.add("google", fake_google.url, bad)
    message = caught.value.message
    assert "token endpoint refused" in message and "invalid_grant" in message
    assert "revoked-token" not in message
    assert await integrations.list_all(integrations_gate.db) == []
    assert fake_google.paths() == ["/token"]


async def test_incomplete_credentials_are_bad_input(
    integrations_gate: IntegrationsGate, fake_google: FakeGoogle
) -> None:
    partial = {k: v for k, v in fields(fake_google).items() if k != "client_secret"}
    with pytest.raises(BadInput, match="missing: client_secret"):
        await integrations_gate.add("google", fake_google.url, partial)
    assert fake_google.requests == []


async def test_a_root_that_is_not_google_is_a_bad_reply(
    integrations_gate: IntegrationsGate, fake_google: FakeGoogle
) -> None:
    with pytest.raises(BadInput, match="does not serve Google's calendar API"):
        await integrations_gate.add("google", fake_google.url + "/elsewhere", fields(fake_google))


async def test_api_errors_are_typed_and_rate_limits_retried(
    google: IntegrationsGate, fake_google: FakeGoogle
) -> None:
    window = ("primary", "2026-12-07T00:00:00Z", "2026-12-08T00:00:00Z", 10)
    async with google.access.open(KIND) as client:
        fake_google.fail_api(403, "Rate Limit Exceeded", "rateLimitExceeded")
        fake_google.fail_api(500, "Backend Error", "backendError")
        assert await client.events(*window) == []
        assert len(fake_google.api_calls("GET")) == 3

        fake_google.fail_api(403, "Rate Limit Exceeded", "rateLimitExceeded", times=3)
        with pytest.raises(RateLimited, match="slow down"):
            await client.events(*window)
        fake_google.fail_api(403, "The caller does not have permission", "forbidden")
        with pytest.raises(AuthFailed, match="does not have permission"):
            await client.events(*window)
        # A 401 first gets a fresh access token (expired tokens are normal); one that stays
        # refused is an error.
        fake_google.fail_api(401, "Invalid Credentials", "authError")
        assert await client.events(*window) == []
        fake_google.fail_api(401, "Invalid Credentials", "authError", times=5)
        with pytest.raises(AuthFailed, match="HTTP 401"):
            await client.events(*window)
        fake_google.api_failures.clear()
        with pytest.raises(NotFound):
            await client.events("nobody@example.net", *window[1:])

        # A send that failed with 500 may have been sent: it is reported, not repeated.
        fake_google.requests.clear()
        fake_google.fail_api(500, "Backend Error", "backendError")
        with pytest.raises(Unreachable, match="HTTP 500"):
            await client.send(b"To: a@example.net\r\nSubject: x\r\n\r\nhi\r\n")
        assert fake_google.api_calls("POST") == ["/gmail/v1/users/me/messages/send"]
        assert fake_google.sent == []
        # So may one a proxy answered 502 or 504 (its reply lost or late).
        for status in (502, 504):
            fake_google.requests.clear()
            fake_google.fail_api(status, "Bad Gateway", "backendError")
            with pytest.raises(Unreachable, match=f"HTTP {status}"):
                await client.send(b"To: a@example.net\r\nSubject: x\r\n\r\nhi\r\n")
            assert fake_google.api_calls("POST") == ["/gmail/v1/users/me/messages/send"]
        # Delivered, but the answer lost with the connection: reported, never sent twice (the
        # HTTP library's own resend included).
        fake_google.requests.clear()
        fake_google.sent.clear()
        fake_google.hang_up_after_send = 1
        with pytest.raises(Unreachable):
            await client.send(b"To: a@example.net\r\nSubject: x\r\n\r\nhi\r\n")
        assert len(fake_google.sent) == 1
        assert fake_google.api_calls("POST") == ["/gmail/v1/users/me/messages/send"]
        # A read over a dropped connection is asked again.
        fake_google.requests.clear()
        assert await client.events(*window) == []


async def test_a_large_file_goes_up_in_resumable_chunks(
    google: IntegrationsGate, fake_google: FakeGoogle, tmp_path: Path
) -> None:
    content = os.urandom(600_000)
    path = tmp_path / "big.dump"
    path.write_bytes(content)
    async with google.access.open(KIND) as client:
        made = await client.upload(path, "big.dump", FOLDER, chunk=256 * 1024)
        assert made["md5Checksum"] == hashlib.md5(content, usedforsecurity=False).hexdigest()
        assert int(made["size"]) == len(content)
        with pytest.raises(NotFound, match="File not found: nofolder"):
            await client.upload(path, "big.dump", "nofolder")
    puts = [r for r in fake_google.requests if r.method == "PUT"]
    assert len(puts) == 3  # 256 KiB, 256 KiB, the rest
    assert fake_google.files[made["id"]].content == content


async def test_a_service_account_signs_in_with_its_key(
    integrations_gate: IntegrationsGate, fake_google: FakeGoogle
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    email = "jarvis@homelab-1.iam.gserviceaccount.com"
    info = {
        "type": "service_account",
        "client_email": email,
        "private_key": pem,
        "private_key_id": "k1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    given = {"service_account": json.dumps(info), "token_uri": fake_google.token_uri}
    # Not yet known to the token endpoint: refused, nothing stored.
    with pytest.raises(AuthFailed, match="invalid_grant"):
        await integrations_gate.add("google", fake_google.url, given)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    fake_google.service_account_keys[email] = public.decode()
    view = await integrations_gate.add("google", fake_google.url, given)
    assert view.credentials == ["service_account"] and view.test_result == "ok"
    with pytest.raises(BadInput, match="not JSON"):
        await integrations_gate.add("google", fake_google.url, {"service_account": "{nope"})


async def test_no_credential_or_access_token_reaches_the_logs(
    integrations_gate: IntegrationsGate, fake_google: FakeGoogle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await integrations_gate.add("google", fake_google.url, fields(fake_google))
    async with integrations_gate.access.open(KIND) as client:
        await client.send(b"To: a@example.net\r\nSubject: x\r\n\r\nhi\r\n")
    logged = caplog.text
    assert fake_google.tokens  # an access token was issued and used
    for secret in (REFRESH_TOKEN, CLIENT_SECRET, *fake_google.tokens):
        assert secret not in logged
    # googleapiclient's own request lines (calendar ids, addresses) are not kept either.
    assert "URL being requested" not in logged and "/gmail/v1/" not in logged

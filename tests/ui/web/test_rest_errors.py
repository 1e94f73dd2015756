"""Malformed input gets a clear 4xx from the REST API and changes nothing, never a 500."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Iterator

import httpx
import pytest

from agent.runtime import build_runtime
from tests.ui.web.conftest import Server
from ui.web.apikeys import ApiKeyStore

DOMAINS = "/api/v1/domains"


@pytest.fixture
def http(server: Server) -> Iterator[httpx.Client]:
    async def make() -> str:
        runtime = build_runtime(server.settings())
        try:
            name = f"rest-errors-{uuid.uuid4().hex[:8]}"
            _view, key = await ApiKeyStore(runtime.db).create(name, "user:evin")
            return key
        finally:
            await runtime.close()

    key = asyncio.run(make())
    with httpx.Client(
        base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {key}"}
    ) as client:
        yield client


def test_a_huge_numeric_id_is_not_found(http: httpx.Client) -> None:
    for ref in ("1" * 40, "9" * 20, "0" * 300, "\u00b2", "\u0661\u0662"):
        answer = http.get(f"{DOMAINS}/{ref[:254]}")
        assert answer.status_code == 404, (ref, answer.status_code, answer.text[:200])
        assert answer.json()["detail"]


def test_deeply_nested_json_is_refused(http: httpx.Client) -> None:
    deep = "[" * 200_000 + "]" * 200_000
    answer = http.post(
        f"{DOMAINS}/import", content=deep, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code in (400, 422), answer.text[:300]
    deep_create = '{"fqdn": ' + "[" * 100_000 + "]" * 100_000 + "}"
    answer = http.post(DOMAINS, content=deep_create, headers={"Content-Type": "application/json"})
    assert answer.status_code in (400, 422), answer.text[:300]


def test_a_lone_surrogate_is_a_validation_error(http: httpx.Client) -> None:
    body = '{"fqdn": "\\ud800.example.com", "target": "plex:32400"}'
    answer = http.post(DOMAINS, content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text[:300]
    assert "\\ud800" not in answer.text or answer.json()


def raw_post(server: Server, key: str, head: str, body: bytes) -> str:
    """Send a request by hand and read what comes back within 20 s (never the whole file)."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        request = (
            f"POST {DOMAINS}/import HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n{head}\r\n"
        )
        sock.sendall(request.encode() + body)
        return sock.recv(4096).decode(errors="replace")


def test_an_oversized_import_is_refused_before_it_is_read_whole(
    http: httpx.Client, server: Server
) -> None:
    key = http.headers["Authorization"].removeprefix("Bearer ")
    # Declared too large: refused at once, though only 1 KiB of the 64 MiB ever arrives.
    declared = raw_post(server, key, f"Content-Length: {64 * 1024 * 1024}\r\n", b" " * 1024)
    assert declared.startswith("HTTP/1.1 413"), declared[:200]
    # Streamed without a length: refused as soon as it passes 5 MiB, before the body ends.
    chunk = b" " * (1024 * 1024)
    chunked = b"".join(b"100000\r\n" + chunk + b"\r\n" for _ in range(6))
    streamed = raw_post(server, key, "Transfer-Encoding: chunked\r\n", chunked)
    assert streamed.startswith("HTTP/1.1 413"), streamed[:200]
    assert http.get(DOMAINS).status_code == 200

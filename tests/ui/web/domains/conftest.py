"""Helpers for the domains REST API tests: an API key client, names no other test uses."""

from __future__ import annotations

import uuid

import httpx

from agent.runtime import Runtime
from tests.ui.web.conftest import Server
from ui.web.apikeys import ApiKeyStore

BASE = "/api/v1/domains"


async def client(server: Server, runtime: Runtime) -> httpx.Client:
    """A client of the server holding a fresh API key."""
    _view, key = await ApiKeyStore(runtime.db).create(f"k{uuid.uuid4().hex[:8]}", "user:evin")
    http = server.client()
    http.headers["X-API-Key"] = key
    return http


def name(label: str) -> str:
    """A name no other test (or backend run) on this server uses."""
    return f"{label}-{uuid.uuid4().hex[:8]}.example.com"

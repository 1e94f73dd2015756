"""GET /page/status: the chat page learns whether a model is configured, once signed in."""

from __future__ import annotations

import uuid

import httpx

from agent.runtime import Runtime
from tests.ui.web.conftest import Server
from tests.ui.web.test_sessions import account, sign_in


async def test_page_status_answers_a_signed_in_session_only(
    server: Server, runtime: Runtime
) -> None:
    name = f"page-{uuid.uuid4().hex[:8]}"
    await account(runtime, name)
    token = sign_in(server, name)
    with httpx.Client(base_url=server.url, timeout=30, cookies={"access_token": token}) as http:
        answer = http.get("/page/status")
        assert answer.status_code == 200
        # The test server sets no JARVIS_LLM_* variable.
        assert answer.json() == {"model_configured": False}
        assert http.post("/logout", headers={"Origin": server.url}).status_code == 200
    with httpx.Client(base_url=server.url, timeout=30) as http:
        assert http.get("/page/status").status_code == 401
        assert http.get("/page/status", cookies={"access_token": "not.a.token"}).status_code == 401
    # A token revoked by the logout opens nothing either.
    with httpx.Client(base_url=server.url, timeout=30, cookies={"access_token": token}) as http:
        assert http.get("/page/status").status_code == 401

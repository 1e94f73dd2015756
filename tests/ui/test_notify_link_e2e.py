"""The owner's phone, end to end: `jarvis worker --once` asks about a crashed container, the
notification reaches a json:// receiver with a signed link, the link's page acts once, and a
running `jarvis serve` exports metrics."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.testbed.docker_fixtures import has_exited, wait_for
from tests.testbed.jarvis_server import JarvisServer, free_port
from tests.testbed.receiver import Receiver

pytestmark = pytest.mark.docker


def test_a_worker_approval_reaches_the_phone_and_is_answered_once_by_link(
    tmp_path: Path, docker_host: str, receiver: Receiver, make_container: Any
) -> None:
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    server = JarvisServer(
        tmp_path,
        f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}",
        docker_host,
        port=port,
        extra_env={
            "JARVIS_NOTIFY_URLS": receiver.url,
            "JARVIS_NOTIFY_BURST_SECONDS": "0.5",
            "JARVIS_PUBLIC_URL": public,
        },
    )
    # Crashes with code 3 once; started again it stays up (its filesystem remembers).
    crashed = make_container(["sh", "-c", "if [ -f /ran ]; then sleep 600; fi; touch /ran; exit 3"])
    assert wait_for(lambda: has_exited(crashed))
    server.start()
    try:
        done = server.jarvis("worker", "--once", "--json")
        assert done.returncode == 0, done.stderr
        text = "\n".join(m["title"] + "\n" + m["message"] for m in receiver.messages)
        assert f"docker.start_container on container:{crashed.name}" in text
        match = re.search(rf"{re.escape(public)}/approve/\S+", text)
        assert match, text
        link = match.group(0)
        token = parse_qs(urlsplit(link).query)["token"][0]
        page = httpx.get(link, timeout=30)
        assert page.status_code == 200 and crashed.name in page.text
        assert has_exited(crashed)  # looking is not acting

        url = link.split("?")[0]
        origin = {"Origin": public}
        forged = {"token": token[:-1] + ("A" if token[-1] != "A" else "B"), "decision": "approve"}
        assert httpx.post(url, data=forged, headers=origin, timeout=30).status_code == 403
        assert has_exited(crashed)
        answer = {"token": token, "decision": "approve"}
        assert httpx.post(url, data=answer, headers=origin, timeout=60).status_code == 200
        assert wait_for(lambda: not has_exited(crashed))
        again = httpx.post(url, data=answer, headers=origin, timeout=30)
        assert again.status_code == 409

        metrics = httpx.get(f"{server.url}/metrics", timeout=30)
        assert metrics.status_code == 200
        assert "jarvis_runs_total" in metrics.text and "jarvis_gate_seconds" in metrics.text
    finally:
        server.stop()

"""What the terminal does with each answer of the server it found: an answer given before the
call ran sends it back in-process, one after it may have run is an error, never a retry."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.testbed.jarvis_server import free_port
from ui.cli.local_client import ServerFailed, call_through_server, running_server
from ui.web.local_access import CALL_PATH, TOKEN_HEADER, LocalAccess, new_access, publish

OUTCOME = {
    "status": "ok",
    "invocation": {
        "tool": "docker.list_containers",
        "args": {},
        "actor": "user:a",
        "resource": "r",
    },
    "data": {"containers": []},
}


class Scripted(BaseHTTPRequestHandler):
    """Answers every POST with the next scripted (status, body); None drops the connection."""

    answers: ClassVar[list[tuple[int, Any] | None]] = []
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.seen.append(
            {
                "path": self.path,
                "token": self.headers[TOKEN_HEADER],
                "body": json.loads(self.rfile.read(length)),
            }
        )
        answer = self.answers.pop(0)
        if answer is None:
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        status, body = answer
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *_args: Any) -> None:
        """Quiet."""


@pytest.fixture
def listening() -> Iterator[str]:
    Scripted.answers, Scripted.seen = [], []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def call(data: Path) -> dict[str, Any] | None:
    return call_through_server(data, "docker.list_containers", {"all": True}, "user:a")


def test_the_outcome_comes_back_and_the_request_carries_the_token(
    tmp_path: Path, listening: str
) -> None:
    access = new_access(listening)
    publish(tmp_path, access)
    Scripted.answers.append((200, OUTCOME))
    assert call(tmp_path) == OUTCOME
    assert Scripted.seen == [
        {
            "path": CALL_PATH,
            "token": access.token,
            "body": {"tool": "docker.list_containers", "args": {"all": True}, "actor": "user:a"},
        }
    ]


@pytest.mark.parametrize("status", [401, 403, 404, 405, 422])
def test_an_answer_given_before_the_call_ran_means_in_process(
    tmp_path: Path, listening: str, status: int
) -> None:
    publish(tmp_path, new_access(listening))
    Scripted.answers.append((status, {"detail": "no"}))
    assert call(tmp_path) is None


@pytest.mark.parametrize(("status", "code"), [(400, 2), (409, 1), (503, 1)])
def test_a_typed_error_is_the_terminals_error(
    tmp_path: Path, listening: str, status: int, code: int
) -> None:
    publish(tmp_path, new_access(listening))
    Scripted.answers.append((status, {"detail": "unknown tool 'x'"}))
    with pytest.raises(ServerFailed) as failed:
        call(tmp_path)
    assert (failed.value.message, failed.value.code) == ("unknown tool 'x'", code)


@pytest.mark.parametrize(
    "answer",
    [(500, {"detail": "Internal Server Error"}), (200, b"<html>"), (200, {"status": 1}), None],
)
def test_an_answer_after_the_call_may_have_run_is_an_error_not_a_retry(
    tmp_path: Path, listening: str, answer: tuple[int, Any] | None
) -> None:
    access = new_access(listening)
    publish(tmp_path, access)
    Scripted.answers.append(answer)
    with pytest.raises(ServerFailed) as failed:
        call(tmp_path)
    assert failed.value.code == 1
    assert f"(pid {access.pid})" in failed.value.message and "may have run" in failed.value.message
    assert len(Scripted.seen) == 1


def test_no_file_or_nothing_listening_means_in_process(tmp_path: Path) -> None:
    assert call(tmp_path) is None
    publish(tmp_path, new_access(f"http://127.0.0.1:{free_port()}"))
    assert call(tmp_path) is None


@pytest.mark.parametrize(
    "url", ["http://192.0.2.1:8000", "https://127.0.0.1:8000", "http://localhost:8000", "junk"]
)
def test_the_token_is_sent_to_a_loopback_address_only(tmp_path: Path, url: str) -> None:
    publish(tmp_path, LocalAccess(url, new_access(url).pid, "t"))
    assert running_server(tmp_path) is None

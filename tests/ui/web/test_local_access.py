"""The access file a running server leaves for the terminal: private, atomic, its own."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ui.web.local_access import (
    LocalAccess,
    access_file,
    alive,
    loopback_url,
    new_access,
    publish,
    read,
    same_token,
    withdraw,
)


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000"),
        ("127.0.0.2", "http://127.0.0.2:8000"),
        ("localhost", "http://127.0.0.1:8000"),
        ("0.0.0.0", "http://127.0.0.1:8000"),
        ("::", "http://[::1]:8000"),
        ("::1", "http://[::1]:8000"),
        ("[::1]", "http://[::1]:8000"),
        ("192.168.1.5", None),
        ("10.0.0.1", None),
        ("jarvis.lan", None),
    ],
)
def test_only_a_server_that_listens_on_loopback_is_named(host: str, url: str | None) -> None:
    assert loopback_url(host, 8000) == url


def test_the_file_is_private_and_written_whole(tmp_path: Path) -> None:
    data = tmp_path / "data"
    access = new_access("http://127.0.0.1:8000")
    assert access.pid == os.getpid() and len(access.token) >= 43
    path = publish(data, access)
    assert path == access_file(data) == data / "run" / "cli.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert read(path) == access
    # A second server replaces it in one step; no temporary file is left behind.
    second = new_access("http://127.0.0.1:8001")
    publish(data, second)
    assert read(path) == second and os.listdir(path.parent) == ["cli.json"]
    assert new_access("http://127.0.0.1:8000").token != access.token


def test_a_server_removes_only_its_own_file(tmp_path: Path) -> None:
    first, second = new_access("http://127.0.0.1:8000"), new_access("http://127.0.0.1:8001")
    publish(tmp_path, first)
    publish(tmp_path, second)
    assert withdraw(tmp_path, first) is False
    assert read(access_file(tmp_path)) == second
    assert withdraw(tmp_path, second) is True
    assert not access_file(tmp_path).exists()
    assert withdraw(tmp_path, second) is False  # already gone: nothing to do


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"url": "http://127.0.0.1:1", "pid": "12", "token": "t"}',
        '{"url": "http://127.0.0.1:1", "pid": 12, "token": ""}',
        '{"url": 5, "pid": 12, "token": "t"}',
    ],
)
def test_a_malformed_file_is_no_server(tmp_path: Path, content: str) -> None:
    path = access_file(tmp_path)
    publish(tmp_path, LocalAccess("http://127.0.0.1:1", 12, "t"))
    path.write_text(content)
    assert read(path) is None


def test_a_file_others_could_write_is_not_trusted(tmp_path: Path) -> None:
    path = publish(tmp_path, new_access("http://127.0.0.1:8000"))
    path.chmod(0o640)
    assert read(path) is None
    path.chmod(0o600)
    assert read(path) is not None
    assert read(tmp_path / "nothing.json") is None
    assert json.loads(path.read_text())["pid"] == os.getpid()


def test_alive_tells_a_running_process_from_a_finished_one() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert alive(os.getpid()) and alive(1)
    assert not alive(int(done.stdout)) and not alive(0) and not alive(-1)


def test_tokens_compare_whole() -> None:
    assert same_token("abc", "abc")
    assert not same_token("abc", "abd") and not same_token("ab", "abc") and not same_token("", "a")

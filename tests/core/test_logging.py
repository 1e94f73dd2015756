"""Logs are JSON lines on stderr and never carry a secret."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from core.logging import configure_logging, get_logger


def test_json_logs_with_secrets_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    structlog.reset_defaults()
    configure_logging("INFO")
    log = get_logger("test")
    log.info(
        "connected",
        dsn="postgresql://jarvis:pg-pass-123456@db:5432/app",
        env={"API_TOKEN": "tok-abcdefghijklmnop", "TZ": "UTC"},
        note="PASSWORD=hunter2hunter2 in output",
    )
    log.debug("not shown")
    lines = capsys.readouterr().err.strip().splitlines()
    structlog.reset_defaults()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["event"] == "connected" and record["level"] == "info"
    assert record["component"] == "test" and "timestamp" in record
    text = lines[0]
    for secret in ("pg-pass-123456", "tok-abcdefghijklmnop", "hunter2hunter2"):
        assert secret not in text
    assert record["env"]["TZ"] == "UTC"


def test_library_records_are_json_and_redacted_too(capsys: pytest.CaptureFixture[str]) -> None:
    structlog.reset_defaults()
    configure_logging("INFO")
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 4242)
    try:
        raise RuntimeError("token=tok-abcdefghijklmnop")
    except RuntimeError:
        logging.getLogger("some.library").exception("it broke")
    lines = capsys.readouterr().err.strip().splitlines()
    structlog.reset_defaults()
    started, broke = (json.loads(line) for line in lines)
    assert started["event"] == "Started server process [4242]"
    assert started["logger"] == "uvicorn.error" and started["level"] == "info"
    assert "timestamp" in started
    assert broke["level"] == "error" and "RuntimeError" in broke["exception"]
    assert "tok-abcdefghijklmnop" not in "\n".join(lines)

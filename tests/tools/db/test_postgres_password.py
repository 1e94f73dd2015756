"""The SCRAM verifier Jarvis sends instead of a password is the one PostgreSQL itself makes."""

from __future__ import annotations

import base64

import psycopg
import pytest

from tests.testbed.services import missing_service
from tests.tools.db.engines import PG_URL
from tools.db.postgres import scram


def test_scram_verifier_matches_postgresql() -> None:
    try:
        conn = psycopg.connect(PG_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        missing_service("PostgreSQL on 127.0.0.1:5432", str(exc))
        pytest.fail("unreachable")
    with conn:
        conn.execute("SET password_encryption = 'scram-sha-256'")
        conn.execute("DROP ROLE IF EXISTS jarvis_scram_probe")
        conn.execute("CREATE ROLE jarvis_scram_probe PASSWORD 'n0t-A-real_pw'")
        try:
            row = conn.execute(
                "SELECT rolpassword FROM pg_authid WHERE rolname = 'jarvis_scram_probe'"
            ).fetchone()
        finally:
            conn.execute("DROP ROLE jarvis_scram_probe")
    assert row is not None
    made = str(row[0])
    iterations, rest = made.removeprefix("SCRAM-SHA-256$").split(":", 1)
    salt = base64.b64decode(rest.split("$", 1)[0])
    assert scram("n0t-A-real_pw", int(iterations), salt) == made
    assert scram("n0t-A-real_pw") != scram("n0t-A-real_pw")  # a fresh salt each time

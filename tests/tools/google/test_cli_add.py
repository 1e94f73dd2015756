"""`jarvis integrations add google` as a process: no credential shown, a bad one refused."""

from __future__ import annotations

import os
from pathlib import Path

from tests.testbed.cli import Cli
from tests.testbed.fake_google import CLIENT_ID, CLIENT_SECRET, FOLDER, REFRESH_TOKEN, FakeGoogle


def test_add_google_never_prints_a_secret_and_a_revoked_token_fails(
    tmp_path: Path, fake_google: FakeGoogle
) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JARVIS_", "CHAINLIT_"))}
    env.update(JARVIS_DATA_DIR=str(data), HOME=str(tmp_path))
    cli = Cli(env)
    secret_file = tmp_path / "secret"
    secret_file.write_text(CLIENT_SECRET + "\n")
    token_file = tmp_path / "refresh"
    token_file.write_text("1//0revoked\n")
    argv = [
        "integrations",
        "add",
        "google",
        "--url",
        fake_google.url,
        "--option",
        f"client_id={CLIENT_ID}",
        "--option",
        f"token_uri={fake_google.token_uri}",
        "--option",
        f"drive_folder={FOLDER}",
        "--secret-file",
        f"client_secret={secret_file}",
        "--secret-file",
        f"refresh_token={token_file}",
    ]
    refused = cli(*argv, code=1)
    assert "invalid_grant" in refused.stderr and "1//0revoked" not in refused.stderr
    assert cli.json("integrations", "list") == []

    token_file.write_text(REFRESH_TOKEN + "\n")
    added = cli(*argv)
    shown = added.stdout + added.stderr + cli("integrations", "list").stdout
    [row] = cli.json("integrations", "list")
    assert row["kind"] == "google" and row["test_result"] == "ok"
    assert row["credentials"] == {
        "client_id": "in the vault",
        "client_secret": "in the vault",
        "refresh_token": "in the vault",
    }
    assert row["options"] == {"token_uri": fake_google.token_uri, "drive_folder": FOLDER}
    assert cli.json("integrations", "test", "google")["ok"] is True
    written = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    for secret in (CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN):
        assert secret not in shown
        assert secret.encode() not in written

"""`jarvis integrations` for Plex, n8n and Sunshine as real processes against the stand-ins."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.testbed.cli import Cli
from tests.testbed.fake_n8n import API_KEY, FakeN8n
from tests.testbed.fake_plex import TOKEN, FakePlex
from tests.testbed.fake_service import serve
from tests.testbed.fake_sunshine import PASSWORD, USER, FakeSunshine, self_signed


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JARVIS_", "CHAINLIT_"))}
    env.update(
        JARVIS_DATA_DIR=str(tmp_path / "data"),
        HOME=str(tmp_path),
        JARVIS_INTEGRATIONS__BACKOFF_SECONDS="0.01",
    )
    return Cli(env)


def test_plex_and_n8n_a_wrong_token_is_refused_and_a_rotated_one_fails_the_test(
    cli: Cli, fake_plex: FakePlex, fake_n8n: FakeN8n
) -> None:
    refused = cli("integrations", "add", "plex", "--url", fake_plex.base_url, "--token",
                  "wrong-plex-777", code=1)  # fmt: skip
    assert "the token was refused" in refused.stderr and "wrong-plex-777" not in refused.stderr
    added = cli("integrations", "add", "plex", "--url", fake_plex.base_url, "--token", TOKEN)
    assert "plexbox (Plex 1.41.3.9314)" in added.stdout and TOKEN not in added.stdout
    cli("integrations", "add", "n8n", "--url", fake_n8n.base_url, "--token", API_KEY)
    assert cli.json("integrations", "test", "n8n")["ok"] is True
    fake_n8n.api_key = "rotated-in-n8n"
    failed = cli("integrations", "test", "n8n", code=1)
    assert "API key was refused" in failed.stderr and API_KEY not in failed.stderr
    listed = cli("integrations", "list")
    assert TOKEN not in listed.stdout and API_KEY not in listed.stdout


def test_sunshine_pins_its_certificate_and_refuses_another(cli: Cli, tmp_path: Path) -> None:
    first = self_signed(tmp_path / "first")
    with serve(FakeSunshine(), tls=first.context()) as running:
        added = cli.json("integrations", "add", "sunshine", "--url", running.base_url,
                         "--user", USER, "--password", PASSWORD)  # fmt: skip
        assert added["options"] == {"user": USER, "fingerprint": first.sha256}
        assert added["credentials"] == {"password": "in the vault"}
        assert cli.json("integrations", "test", "sunshine")["detail"] == (
            "Sunshine 0.23.1 (windows)"
        )
        port = int(running.base_url.rsplit(":", 1)[1])
    impostor = FakeSunshine()
    with serve(impostor, tls=self_signed(tmp_path / "second").context(), port=port):
        failed = cli("integrations", "test", "sunshine", code=1)
    assert "different certificate" in failed.stderr and impostor.requests == []
    assert PASSWORD not in failed.stderr

"""Settings: environment and jarvis.toml, read once, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from core.settings import Settings, load_settings


def test_env_and_toml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "jarvis.toml").write_text('approval_ttl_seconds = 120\nlog_level = "debug"\n')
    monkeypatch.setenv("JARVIS_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("JARVIS_CONFIG_EDIT_ROOTS", '["/srv/contain"]')
    settings = load_settings()
    assert settings.data_dir == tmp_path / "d" and settings.data_dir.is_dir()
    assert settings.approval_ttl_seconds == 120 and settings.log_level == "DEBUG"
    assert settings.config_edit_roots == [Path("/srv/contain")]
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'd' / 'jarvis.db'}"


def test_env_wins_over_toml_and_typos_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "jarvis.toml").write_text("approval_ttl_seconds = 120\n")
    monkeypatch.setenv("JARVIS_APPROVAL_TTL_SECONDS", "60")
    assert Settings().approval_ttl_seconds == 60
    (tmp_path / "jarvis.toml").write_text("aproval_ttl_seconds = 120\n")
    with pytest.raises(ValidationError, match="aproval_ttl_seconds"):
        Settings()
    monkeypatch.setenv("JARVIS_APPROVAL_TTL_SECONDS", "-1")
    (tmp_path / "jarvis.toml").unlink()
    with pytest.raises(ValidationError, match="approval_ttl_seconds"):
        Settings()

"""deploy/*.service checked by `systemd-analyze verify`, and deploy/Caddyfile by Caddy."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.testbed.services import missing_service

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
INSTALLED = "/opt/jarvis/.venv/bin/jarvis"
UNITS = {"jarvis.service": "serve", "jarvis-worker.service": "worker"}


def unit(name: str) -> configparser.ConfigParser:
    """A unit file's sections (systemd allows repeated keys; these units do not repeat any)."""
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / name)
    return parser


@pytest.mark.parametrize(("name", "command"), UNITS.items())
def test_unit_runs_jarvis_as_jarvis_with_the_settings_file(name: str, command: str) -> None:
    service = unit(name)["Service"]
    assert service["ExecStart"] == f"{INSTALLED} {command}"
    assert service["User"] == "jarvis"
    assert service["EnvironmentFile"] == "/etc/jarvis/jarvis.env"
    assert service["SupplementaryGroups"] == "docker"  # the socket, and so the trust boundary
    assert service["ProtectSystem"] == "strict" and service["NoNewPrivileges"] == "yes"
    # /var/lib is read-only under ProtectSystem=strict: checkpoints go to the logs directory.
    assert service["Environment"].split() == [
        "JARVIS_DATA_DIR=/var/lib/jarvis",
        "JARVIS_AUDIT_CHECKPOINT_FILE=/var/log/jarvis/audit-checkpoints.jsonl",
    ]
    assert service["LogsDirectory"] == "jarvis" and service["StateDirectory"] == "jarvis"
    assert "AF_UNIX" in service["RestrictAddressFamilies"]
    assert unit(name)["Install"]["WantedBy"] == "multi-user.target"


def _verify(folder: Path, *names: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["systemd-analyze", "verify", *(str(folder / n) for n in names)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "SYSTEMD_LOG_COLOR": "0"},
    )


def _installed_here(tmp_path: Path) -> Path:
    """The units with ExecStart at this checkout's jarvis (verify wants the binary to exist)."""
    here = str(Path(sys.executable).with_name("jarvis"))
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        assert INSTALLED in text
        (tmp_path / name).write_text(text.replace(INSTALLED, here))
    return tmp_path


def test_systemd_analyze_verify_accepts_the_units(tmp_path: Path) -> None:
    if not shutil.which("systemd-analyze"):
        missing_service("systemd-analyze", "install systemd (Debian and Ubuntu ship it)")
    folder = _installed_here(tmp_path)
    done = _verify(folder, *UNITS)
    ours = [line for line in done.stderr.splitlines() if ".service" in line]
    assert done.returncode == 0 and ours == [], done.stderr
    # ... and it would say so: a misspelt option in a copy is reported.
    broken = folder / "jarvis.service"
    broken.write_text(broken.read_text().replace("ProtectSystem=", "ProtectSystm="))
    done = _verify(folder, "jarvis.service")
    assert "ProtectSystm" in done.stderr


def test_caddy_accepts_the_site(tmp_path: Path) -> None:
    caddy = shutil.which("caddy")
    if caddy is None:
        missing_service("caddy", "install caddy (scripts/setup --test does)")
        return
    done = subprocess.run(
        [caddy, "validate", "--adapter", "caddyfile", "--config", str(DEPLOY / "Caddyfile")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    text = (DEPLOY / "Caddyfile").read_text()
    assert "host.evindrake.net {" in text and "reverse_proxy 127.0.0.1:8000" in text

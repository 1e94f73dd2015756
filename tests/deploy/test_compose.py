"""deploy/compose.yaml validated by the compose CLI the test bed has, then its rendered form
checked: commands, where the Docker socket goes, ports, health checks, images, settings."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from core.settings import Settings
from tests.testbed.services import missing_service

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
SOCKET = "/var/run/docker.sock"


def compose_cli() -> list[str]:
    """`docker compose` (v2) where it exists, else docker-compose 1.29 (Debian 12's)."""
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    if legacy:
        return [legacy]
    missing_service("the compose CLI", "install docker-compose (scripts/setup --test does)")
    raise AssertionError("unreachable")


def run_config(folder: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`compose -f folder/compose.yaml config` with only PATH, HOME and `env` set."""
    environ = {"PATH": os.environ["PATH"], "HOME": str(folder), **env}
    return subprocess.run(
        [*compose_cli(), "-f", str(folder / "compose.yaml"), "config"],
        cwd=folder,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def deploy_copy(tmp_path: Path) -> Path:
    """deploy/ as an owner prepares it: jarvis.env copied from the example."""
    folder = tmp_path / "deploy"
    shutil.copytree(DEPLOY, folder)
    shutil.copy(folder / "jarvis.env.example", folder / "jarvis.env")
    return folder


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The compose file as the CLI renders it, after validating it (once: it takes seconds)."""
    done = run_config(deploy_copy(tmp_path_factory.mktemp("compose")), DOCKER_GID="998")
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr, done.stderr  # e.g. a variable with no default
    config = yaml.safe_load(done.stdout)
    assert isinstance(config, dict)
    return config


def test_the_validator_rejects_a_broken_file(tmp_path: Path) -> None:
    folder = deploy_copy(tmp_path)
    text = (folder / "compose.yaml").read_text()
    (folder / "compose.yaml").write_text(text.replace("restart: unless-stopped", "restartt: no", 1))
    done = run_config(folder)
    assert done.returncode != 0 and "restartt" in done.stderr


def test_services_and_their_commands(rendered: dict[str, Any]) -> None:
    services = rendered["services"]
    assert set(services) == {"web", "worker", "docker-proxy", "postgres", "redis"}
    assert services["web"]["command"] == ["jarvis", "serve"]
    assert services["worker"]["command"] == ["jarvis", "worker"]
    assert services["web"]["image"] == services["worker"]["image"]  # one image, two commands
    assert services["web"]["build"]["args"]["DOCKER_GID"] == "998"
    for name, service in services.items():
        assert service["restart"] == "unless-stopped", name
        assert service.get("privileged") is not True, name
    for name in ("web", "worker", "docker-proxy"):
        assert services[name]["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in services[name]["security_opt"], name


def _socket_mounts(service: dict[str, Any]) -> list[dict[str, Any]]:
    mounts = []
    for entry in service.get("volumes", []):
        volume = entry
        if isinstance(entry, str):  # compose 1.29 renders the short form
            parts = entry.split(":")
            volume = {"source": parts[0], "target": parts[1], "read_only": parts[2:] == ["ro"]}
        if volume.get("source") == SOCKET:
            mounts.append(volume)
    return mounts


def test_docker_socket_read_write_only_in_the_worker(rendered: dict[str, Any]) -> None:
    services = rendered["services"]
    (worker,) = _socket_mounts(services["worker"])
    assert not worker.get("read_only")
    assert services["worker"].get("ports") is None  # nothing reaches it from outside
    assert _socket_mounts(services["web"]) == []
    assert services["web"]["environment"]["JARVIS_DOCKER_HOST"] == "tcp://docker-proxy:2375"
    # The proxy reads it through a filter, on a network only the web app shares with it.
    (proxied,) = _socket_mounts(services["docker-proxy"])
    assert proxied["read_only"] and services["docker-proxy"].get("ports") is None
    assert rendered["networks"]["dockerapi"]["internal"] is True
    members = {n for n, s in services.items() if "dockerapi" in (s.get("networks") or {})}
    assert members == {"web", "docker-proxy"}
    for name in ("postgres", "redis"):
        assert _socket_mounts(services[name]) == []
    text = (DEPLOY / "compose.yaml").read_text()
    assert "trust boundary" in text.lower() and "controls the host" in text


def test_web_is_published_on_loopback_only(rendered: dict[str, Any]) -> None:
    services = rendered["services"]
    (port,) = services["web"]["ports"]
    published = port if isinstance(port, str) else f"{port['host_ip']}:{port['published']}"
    assert published.startswith("127.0.0.1:"), port
    for name in ("worker", "docker-proxy", "postgres", "redis"):
        assert not services[name].get("ports"), name


def test_health_checks(rendered: dict[str, Any]) -> None:
    services = rendered["services"]
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert "ping" in services["redis"]["healthcheck"]["test"]
    # The web app's is the image's own (/healthz); the worker has no endpoint to ask.
    assert "healthcheck" not in services["web"]
    worker = services["worker"]["healthcheck"]
    assert worker.get("disable") is True or worker.get("test") == ["NONE"], worker
    assert services["worker"]["depends_on"]["web"]["condition"] == "service_healthy"
    for dependency in ("postgres", "redis"):
        assert services["web"]["depends_on"][dependency]["condition"] == "service_healthy"


def test_images_are_tagged_and_never_latest(rendered: dict[str, Any]) -> None:
    for name, service in rendered["services"].items():
        image = service["image"]
        _, _, tag = image.rpartition(":")
        assert tag and "/" not in tag and tag != "latest", f"{name}: {image}"
    # The image's pg_dump is Debian 12's (15), and pg_dump refuses a newer server: Jarvis
    # could not back up its own database on PostgreSQL 16.
    assert rendered["services"]["postgres"]["image"] == "postgres:15-alpine"
    assert "bookworm" in (DEPLOY / "Dockerfile").read_text().split("\nFROM ", 1)[1].split()[0]
    assert rendered["services"]["redis"]["image"] == "redis:7-alpine"


def test_named_volumes_for_the_data_dir_and_the_databases(rendered: dict[str, Any]) -> None:
    assert {"jarvis-data", "postgres-data", "redis-data"} <= set(rendered["volumes"])
    for name in ("web", "worker"):
        assert "jarvis-data:/var/lib/jarvis" in str(rendered["services"][name]["volumes"])


def _is_setting(variable: str) -> bool:
    """Whether JARVIS_<NAME> (nested with __) is a field of the settings."""
    model: type[BaseModel] = Settings
    parts = variable.removeprefix("JARVIS_").lower().split("__")
    for i, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            return False
        if i < len(parts) - 1:
            inner = field.annotation
            if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
                return False
            model = inner
    return True


def test_every_variable_given_to_jarvis_is_a_real_setting(rendered: dict[str, Any]) -> None:
    names: set[str] = set()
    for name in ("web", "worker"):
        names |= set(rendered["services"][name]["environment"])
    example = (DEPLOY / "jarvis.env.example").read_text().splitlines()
    names |= {
        line.lstrip("# ").split("=", 1)[0]
        for line in example
        if line.lstrip("# ").startswith("JARVIS_") and "=" in line
    }
    assert "JARVIS_DATABASE_URL_FILE" in names and "JARVIS_REDIS_URL" in names
    for name in sorted(names):
        assert _is_setting(name) or _is_setting(name.removesuffix("_FILE")), name
    assert _is_setting("JARVIS_BACKGROUND__QUEUE_NAME") and not _is_setting("JARVIS_NOPE")


def test_the_example_settings_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every line of jarvis.env.example, commented or not, is a value Jarvis accepts."""
    monkeypatch.chdir(tmp_path)
    for line in (DEPLOY / "jarvis.env.example").read_text().splitlines():
        text = line.lstrip("# ")
        if text.startswith("JARVIS_") and "=" in text:
            key, value = text.split("=", 1)
            monkeypatch.setenv(key, value)
    settings = Settings()
    assert str(settings.public_url) == "https://host.evindrake.net/"
    assert settings.database_url == "postgresql://jarvis:PASSWORD@127.0.0.1:5432/jarvis"
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.resolved_audit_checkpoint_file == Path(
        "/var/log/jarvis/audit-checkpoints.jsonl"
    )


def _proxy_rules(rendered: dict[str, Any]) -> dict[str, str]:
    """The proxy's allow lists, by method (it anchors each pattern with ^ and $)."""
    rules = {}
    for flag in rendered["services"]["docker-proxy"]["command"]:
        name, _, pattern = flag.partition("=")
        if name.startswith("-allow") and name[6:].isupper():
            rules[name[6:]] = pattern
    return rules


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/version", True),
        ("GET", "/v1.47/containers/json", True),
        ("GET", "/v1.47/containers/plex/logs", True),
        ("GET", "/v1.47/events", True),
        ("GET", "/v1.47/system/df", True),
        ("HEAD", "/_ping", True),
        ("POST", "/v1.47/containers/plex/restart", True),
        ("POST", "/v1.47/containers/plex/start", True),
        ("POST", "/v1.47/containers/create", False),
        ("POST", "/v1.47/containers/plex/exec", False),
        ("POST", "/v1.47/containers/plex/restart/../../create", False),
        ("POST", "/v1.47/build", False),
        ("POST", "/v1.47/images/prune", False),
        ("DELETE", "/v1.47/containers/plex", False),
        ("GET", "/v1.47/containers/plex/json", True),
        ("GET", "/v1.47/images/json", True),
        ("GET", "/v1.47/images/postgres:16-alpine/json", True),
        ("GET", "/v1.47/networks", True),
        ("GET", "/v1.47/secrets", False),
        ("GET", "/v1.47/containers/plex/archive", False),
        ("GET", "/v1.47/containers/plex/export", False),
        ("GET", "/v1.47/images/postgres/get", False),
    ],
)
def test_the_web_apps_docker_proxy_lets_through_reads_and_start_stop_restart_only(
    rendered: dict[str, Any], method: str, path: str, allowed: bool
) -> None:
    pattern = _proxy_rules(rendered).get(method)
    assert (pattern is not None and re.fullmatch(pattern, path) is not None) is allowed

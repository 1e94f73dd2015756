"""deploy/Dockerfile, read with a maintained parser (the image is not built here: that needs a
pull of the base image); its health check and entrypoint are run for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser  # type: ignore[import-untyped]

from tests.testbed.jarvis_server import JarvisServer, free_port

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def instructions(name: str) -> list[str]:
    """The values of every instruction called `name` (FROM, RUN, USER ...), in order."""
    parser = DockerfileParser(str(DEPLOY / "Dockerfile"))
    return [i["value"] for i in parser.structure if i["instruction"] == name]


def exec_form(value: str) -> list[str]:
    """An instruction's argv in JSON exec form (no shell in between)."""
    argv = json.loads(value)
    assert isinstance(argv, list) and all(isinstance(a, str) for a in argv), value
    return argv


def healthcheck_argv() -> list[str]:
    """The HEALTHCHECK's command, without its options."""
    (value,) = instructions("HEALTHCHECK")
    _options, found, command = value.partition("CMD")
    assert found, f"HEALTHCHECK without CMD: {value}"
    return exec_form(command.strip())


def test_base_image_is_slim_python_311_with_a_pinned_tag() -> None:
    (base,) = instructions("FROM")
    name, _, tag = base.partition(":")
    assert name == "python"
    assert tag.startswith("3.11") and "slim" in tag, base
    assert tag != "latest"


def test_runs_as_the_non_root_jarvis_user_with_the_docker_gid_as_a_build_arg() -> None:
    users = instructions("USER")
    assert users and users[-1] == "jarvis"
    assert any(a.startswith("DOCKER_GID=") for a in instructions("ARG"))
    setup = "\n".join(instructions("RUN"))
    assert 'getent group "${DOCKER_GID}"' in setup and "usermod --append --groups" in setup


def test_installs_the_locked_environment_without_the_dev_group_and_precompiles() -> None:
    runs = instructions("RUN")
    syncs = [r for r in runs if "uv sync" in r]
    assert syncs and all("--frozen" in r and "--no-dev" in r for r in syncs)
    env = " ".join(instructions("ENV"))
    assert "UV_COMPILE_BYTECODE=1" in env
    assert any("compileall" in r for r in runs), "Jarvis's own modules are precompiled"


def test_copies_every_package_the_wheel_ships() -> None:
    """A new top-level package that the image does not copy would fail at import in production."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    copied = {c.split()[0] for c in instructions("COPY")}
    assert set(packages) <= copied
    for source in copied:
        assert (REPO / source).exists(), f"COPY {source}: not in the checkout"
    assert "pyproject.toml" in instructions("COPY")[0] and "uv.lock" in instructions("COPY")[0]


def test_installs_the_system_tools_jarvis_runs_from_debian() -> None:
    install = next(r for r in instructions("RUN") if "apt-get install" in r).split()
    for package in (
        "docker.io",
        "docker-compose",
        "git",
        "openssh-client",
        "postgresql-client",
        "mariadb-client",
    ):
        assert package in install, package


def test_entrypoint_and_cmd_run_jarvis_serve() -> None:
    (entrypoint,) = instructions("ENTRYPOINT")
    (cmd,) = instructions("CMD")
    assert exec_form(entrypoint) == ["tini", "--", "jarvis-entrypoint"]
    assert exec_form(cmd) == ["jarvis", "serve"]


def test_data_dir_is_a_volume_and_the_setting_points_at_it() -> None:
    (volume,) = instructions("VOLUME")
    assert "/var/lib/jarvis" in exec_form(volume)
    assert "JARVIS_DATA_DIR=/var/lib/jarvis" in " ".join(instructions("ENV"))


def test_healthcheck_asks_healthz_with_the_standard_library() -> None:
    argv = healthcheck_argv()
    assert argv[0] == "python" and "/healthz" in argv[-1]
    assert "curl" not in argv and "wget" not in argv


@pytest.fixture
def served(tmp_path: Path) -> Iterator[JarvisServer]:
    """`jarvis serve` on SQLite with no background agent (only /healthz is asked)."""
    server = JarvisServer(tmp_path, f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}", "unix:///nil")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _healthcheck(port: int) -> subprocess.CompletedProcess[str]:
    """The image's HEALTHCHECK command, as Docker would run it, with this Python."""
    argv = healthcheck_argv()
    env = {**os.environ, "JARVIS_PORT": str(port)}
    return subprocess.run(
        [sys.executable, *argv[1:]],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_healthcheck_command_passes_on_a_serving_jarvis_and_fails_without(
    served: JarvisServer,
) -> None:
    assert _healthcheck(served.port).returncode == 0
    closed = _healthcheck(free_port())
    assert closed.returncode != 0 and "Connection refused" in closed.stderr


def test_the_build_context_filter_lets_through_everything_copied() -> None:
    """deploy/Dockerfile.dockerignore drops everything but what COPY takes (BuildKit reads it)."""
    lines = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    rules = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert rules[0] == "*"
    kept = {rule[1:] for rule in rules if rule.startswith("!")}
    sources = {s for copy in instructions("COPY") for s in copy.split()[:-1]}
    assert sources == kept

"""What a deployed database server container looks like, per engine.

The settings name the image (the official `postgres`, `mariadb` and `redis` images by
default); everything else here follows those images' conventions, so any image that keeps
them works: the superuser password is read from a file (`POSTGRES_PASSWORD_FILE`,
`MARIADB_ROOT_PASSWORD_FILE`, or `requirepass` in a Redis config file) that Jarvis copies into
the container before it starts, so `docker inspect` shows no password.
"""

from __future__ import annotations

import io
import tarfile
import time
from dataclasses import dataclass
from typing import Any

from core.db_settings import DatabasesSettings
from memory.databases import EngineName

# Where the secret files go inside the container (copied in before the first start).
SECRET_DIR = "jarvis"  # noqa: S105 (a folder name)
PASSWORD_FILE = f"/{SECRET_DIR}/password"
REDIS_CONF = f"/{SECRET_DIR}/redis.conf"
MANAGED_LABEL = "jarvis.managed"
ENGINE_LABEL = "jarvis.db.engine"
SERVER_LABEL = "jarvis.db.server"
# Docker counts health check intervals in nanoseconds.
SECOND_NS = 1_000_000_000


@dataclass(frozen=True)
class EngineSpec:
    """One engine's container: port, data folder, superuser, health check, secret files."""

    engine: EngineName
    port: int
    data_dir: str
    superuser: str | None
    health: tuple[str, ...]

    def image(self, settings: DatabasesSettings) -> str:
        """The image the settings name for this engine."""
        images = {
            "postgresql": settings.postgresql_image,
            "mariadb": settings.mariadb_image,
            "redis": settings.redis_image,
        }
        return images[self.engine]

    def environment(self) -> dict[str, str]:
        """The container's environment: where to read the password, never the password."""
        if self.engine == "postgresql":
            return {"POSTGRES_PASSWORD_FILE": PASSWORD_FILE}
        if self.engine == "mariadb":
            return {"MARIADB_ROOT_PASSWORD_FILE": PASSWORD_FILE}
        return {}

    def command(self) -> list[str] | None:
        """The command, when the image's default is not enough (Redis reads its config)."""
        return ["redis-server", REDIS_CONF] if self.engine == "redis" else None

    def files(self, password: str) -> dict[str, str]:
        """The secret files, by name inside SECRET_DIR."""
        if self.engine == "redis":
            # Append-only file on, so what is written survives a restart.
            return {"redis.conf": f"requirepass {password}\nappendonly yes\ndir /data\n"}
        return {"password": password}

    def healthcheck(self, interval_seconds: int) -> dict[str, Any]:
        """The Docker health check (the SDK's form, durations in nanoseconds)."""
        return {
            "test": list(self.health),
            "interval": interval_seconds * SECOND_NS,
            "timeout": 5 * SECOND_NS,
            "retries": 5,
            "start_period": 60 * SECOND_NS,
        }


SPECS: dict[str, EngineSpec] = {
    "postgresql": EngineSpec(
        engine="postgresql",
        port=5432,
        data_dir="/var/lib/postgresql/data",
        superuser="postgres",
        # Over TCP: during first start the image's temporary server listens on the socket only.
        health=("CMD", "pg_isready", "-h", "127.0.0.1", "-U", "postgres"),
    ),
    "mariadb": EngineSpec(
        engine="mariadb",
        port=3306,
        data_dir="/var/lib/mysql",
        superuser="root",
        # Over TCP as well; ping answers "alive" whatever the credentials.
        health=("CMD", "mariadb-admin", "ping", "-h", "127.0.0.1"),
    ),
    "redis": EngineSpec(
        engine="redis",
        port=6379,
        data_dir="/data",
        superuser=None,
        health=(
            "CMD-SHELL",
            f"REDISCLI_AUTH=\"$(sed -n 's/^requirepass //p' {REDIS_CONF})\" "
            "redis-cli ping | grep -q PONG",
        ),
    ),
}


def secrets_tar(files: dict[str, str]) -> bytes:
    """The secret files as a tar for `put_archive` at `/`: readable inside the container only.

    Mode 0444: the official images read them after dropping to their own server user.
    """
    buf = io.BytesIO()
    now = time.time()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        folder = tarfile.TarInfo(SECRET_DIR)
        folder.type, folder.mode, folder.mtime = tarfile.DIRTYPE, 0o755, now
        tar.addfile(folder)
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{SECRET_DIR}/{name}")
            info.size, info.mode, info.mtime = len(data), 0o444, now
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def container_name(server: str) -> str:
    """The container of a deployed server."""
    return f"jarvis-db-{server}"


def volume_name(server: str) -> str:
    """The named volume holding a deployed server's data."""
    return f"jarvis-db-{server}-data"

"""Database server images built from the host's own binaries (never pulled).

Each image copies the server binaries, every shared library `ldd` names, the data files and
a busybox for /bin/sh into a root filesystem, with a small entrypoint that behaves like the
official image's on the points Jarvis relies on: the superuser password comes from
`POSTGRES_PASSWORD[_FILE]` / `MARIADB_ROOT_PASSWORD[_FILE]`, the data dir is initialised on
first start, the server runs as its own user. Redis, like the official image, reads its
settings from the command line or a config file. Built once and reused while the tag exists.

- `pg_image`: `jarvis-test/postgres:<major>` (the host's PostgreSQL, 15 on Debian 12).
- `redis_image`: `jarvis-test/redis:7` (the host's redis-server).
- `mariadb_image`: `jarvis-test/mariadb:10.11` (the host's MariaDB server).
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from collections.abc import Iterable
from pathlib import Path

import docker
import pytest

from tests.testbed.db_entrypoints import MARIADB_ENTRYPOINT, PG_ENTRYPOINT, REDIS_ENTRYPOINT
from tests.testbed.services import missing_service


def _pg_version() -> str:
    """The newest PostgreSQL major version installed here (Debian's layout), or "15"."""
    found = sorted(
        (p.parent.parent.name for p in Path("/usr/lib/postgresql").glob("*/bin/postgres")),
        key=lambda v: int(v) if v.isdigit() else 0,
    )
    return found[-1] if found else "15"


PG_VERSION = _pg_version()
PG_IMAGE = f"jarvis-test/postgres:{PG_VERSION}"
REDIS_IMAGE = "jarvis-test/redis:7"
MARIADB_IMAGE = "jarvis-test/mariadb:10.11"
BUSYBOX = Path("/bin/busybox")
PG_BIN = Path(f"/usr/lib/postgresql/{PG_VERSION}/bin")
PG_LIB = Path(f"/usr/lib/postgresql/{PG_VERSION}/lib")
PG_SHARE = Path(f"/usr/share/postgresql/{PG_VERSION}")
HOW = "apt-get install postgresql redis-server mariadb-server busybox-static"


class Rootfs:
    """Files for an image: host files at their own paths, plus written text files."""

    def __init__(self) -> None:
        self.files: dict[str, Path] = {}
        self.texts: dict[str, tuple[bytes, int]] = {}
        self.dirs: dict[str, int] = {}
        self.links: dict[str, str] = {}

    def add(self, path: Path, arcname: str | None = None) -> None:
        """A host file (symlinks followed), at its own path unless told otherwise."""
        self.files[(arcname or str(path)).lstrip("/")] = path

    def add_tree(self, root: Path, skip: Iterable[str] = ()) -> None:
        """Every file under a host folder, at the same paths."""
        for path in sorted(root.rglob("*")):
            if path.is_file() and not any(part in skip for part in path.parts):
                self.add(path)

    def add_binaries(self, binaries: Iterable[Path]) -> None:
        """Programs (or libraries) plus every shared library they load."""
        for binary in binaries:
            self.add(binary)
            for lib in _libraries(binary):
                self.add(lib)

    def text(self, arcname: str, text: str, mode: int = 0o644) -> None:
        """A file with the given content."""
        self.texts[arcname.lstrip("/")] = (text.encode(), mode)

    def tar(self) -> bytes:
        """The root filesystem as an uncompressed tar."""
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            parents = _parents([*self.files, *self.texts, *self.links, *self.dirs])
            for name in sorted(parents - set(self.dirs)):
                _dir(tar, name, 0o755)
            for name, mode in sorted(self.dirs.items()):
                _dir(tar, name, mode)
            for name, path in sorted(self.files.items()):
                tar.add(str(path.resolve()), arcname=name, recursive=False)
            for name, (data, mode) in sorted(self.texts.items()):
                info = tarfile.TarInfo(name)
                info.size, info.mode = len(data), mode
                tar.addfile(info, io.BytesIO(data))
            for name, target in sorted(self.links.items()):
                info = tarfile.TarInfo(name)
                info.type, info.linkname = tarfile.SYMTYPE, target
                tar.addfile(info)
        return buf.getvalue()


def _dir(tar: tarfile.TarFile, name: str, mode: int) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.mode = tarfile.DIRTYPE, mode
    tar.addfile(info)


def _parents(names: list[str]) -> set[str]:
    out: set[str] = set()
    for name in names:
        parts = name.split("/")[:-1]
        out.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return out


def _libraries(binary: Path) -> list[Path]:
    """The shared libraries `ldd` resolves for a program (the loader included)."""
    # Not checked: ldd fails on a static file, which simply needs no libraries.
    out = subprocess.run(
        ["ldd", str(binary)], check=False, capture_output=True, text=True, timeout=30
    )
    libs = []
    for line in out.stdout.splitlines():
        words = line.split()
        path = words[2] if "=>" in words and len(words) > 2 else words[0] if words else ""
        if path.startswith("/"):
            libs.append(Path(path))
    return libs


def _base(users: str, groups: str) -> Rootfs:
    """Busybox as /bin/sh and its applets, users, /tmp."""
    fs = Rootfs()
    fs.add(BUSYBOX, "bin/busybox")
    applets = subprocess.run(
        [str(BUSYBOX), "--list"], capture_output=True, text=True, check=True, timeout=10
    ).stdout.split()
    for applet in applets:
        if "/" not in applet and applet != "busybox":
            fs.links[f"bin/{applet}"] = "busybox"
    fs.text("etc/passwd", f"root:x:0:0:root:/root:/bin/sh\n{users}")
    fs.text("etc/group", f"root:x:0:\n{groups}")
    fs.text("etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n")
    fs.text("etc/hosts", "127.0.0.1 localhost\n")
    fs.dirs.update({"tmp": 0o1777, "root": 0o700, "proc": 0o755, "dev": 0o755, "sys": 0o755})
    fs.dirs["run"] = 0o755
    fs.links["var/run"] = "/run"
    return fs


def postgres_rootfs() -> bytes:
    """PostgreSQL from the host: server, client tools, extensions' libraries, data files."""
    fs = _base("postgres:x:70:70::/var/lib/postgresql:/bin/sh\n", "postgres:x:70:\n")
    tools = ("postgres", "initdb", "pg_ctl", "pg_isready", "psql", "pg_dump", "pg_restore")
    fs.add_binaries(PG_BIN / name for name in tools)
    fs.add_binaries(p for p in sorted(PG_LIB.glob("*.so")) if not p.name.startswith("llvmjit"))
    fs.add_tree(PG_SHARE, skip=("man",))
    fs.add_tree(Path("/usr/share/zoneinfo"))
    fs.text("usr/local/bin/docker-entrypoint.sh", PG_ENTRYPOINT, 0o755)
    fs.dirs.update({"var/lib/postgresql/data": 0o700, "run/postgresql": 0o775})
    return fs.tar()


def redis_rootfs() -> bytes:
    """The host's redis-server and redis-cli."""
    fs = _base("redis:x:999:999::/data:/bin/sh\n", "redis:x:999:\n")
    fs.add_binaries([Path("/usr/bin/redis-server"), Path("/usr/bin/redis-cli")])
    fs.add(Path("/usr/bin/redis-server"), "usr/local/bin/redis-server")
    fs.add(Path("/usr/bin/redis-cli"), "usr/local/bin/redis-cli")
    fs.text("usr/local/bin/docker-entrypoint.sh", REDIS_ENTRYPOINT, 0o755)
    fs.dirs["data"] = 0o755
    return fs.tar()


def mariadb_rootfs() -> bytes:
    """The host's MariaDB server, its admin client and the system tables' SQL."""
    fs = _base("mysql:x:999:999::/var/lib/mysql:/bin/sh\n", "mysql:x:999:\n")
    fs.add_binaries([Path("/usr/sbin/mariadbd"), Path("/usr/bin/mariadb-admin")])
    fs.add_tree(Path("/usr/share/mysql"))
    fs.add_tree(Path("/usr/share/zoneinfo"))
    fs.text("usr/local/bin/docker-entrypoint.sh", MARIADB_ENTRYPOINT, 0o755)
    fs.dirs.update({"var/lib/mysql": 0o755, "run/mysqld": 0o755})
    return fs.tar()


PATH = f"/usr/local/bin:{PG_BIN}:/usr/bin:/bin"
RECIPES = {
    PG_IMAGE: (
        postgres_rootfs,
        [
            'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',
            'CMD ["postgres"]',
            f"ENV PATH={PATH} PGDATA=/var/lib/postgresql/data",
            "EXPOSE 5432",
            'VOLUME ["/var/lib/postgresql/data"]',
        ],
        [PG_BIN / "postgres", PG_SHARE],
    ),
    REDIS_IMAGE: (
        redis_rootfs,
        [
            'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',
            'CMD ["redis-server"]',
            f"ENV PATH={PATH}",
            "WORKDIR /data",
            "EXPOSE 6379",
            'VOLUME ["/data"]',
        ],
        [Path("/usr/bin/redis-server")],
    ),
    MARIADB_IMAGE: (
        mariadb_rootfs,
        [
            'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',
            'CMD ["mariadbd", "--user=mysql"]',
            f"ENV PATH={PATH}:/usr/sbin",
            "EXPOSE 3306",
            'VOLUME ["/var/lib/mysql"]',
        ],
        [Path("/usr/sbin/mariadbd"), Path("/usr/share/mysql")],
    ),
}


def ensure_db_image(client: docker.DockerClient, image: str) -> str:
    """The image's name; imported from the host's binaries when the engine lacks it."""
    try:
        client.images.get(image)
        return image
    except docker.errors.ImageNotFound:
        pass
    build, changes, needs = RECIPES[image]
    for path in [BUSYBOX, *needs]:
        if not path.exists():
            missing_service(f"{path} (to build {image})", HOW)
    repo, _, tag = image.partition(":")
    client.api.import_image_from_data(build(), repository=repo, tag=tag, changes=changes)
    client.images.get(image)
    return image


@pytest.fixture(scope="session")
def pg_image(docker_client: docker.DockerClient) -> str:
    """`jarvis-test/postgres:<major>`, built from the host's PostgreSQL (reused when present)."""
    return ensure_db_image(docker_client, PG_IMAGE)


@pytest.fixture(scope="session")
def redis_image(docker_client: docker.DockerClient) -> str:
    """`jarvis-test/redis:7`, built from the host's redis-server (reused when present)."""
    return ensure_db_image(docker_client, REDIS_IMAGE)


@pytest.fixture(scope="session")
def mariadb_image(docker_client: docker.DockerClient) -> str:
    """`jarvis-test/mariadb:10.11`, built from the host's MariaDB (reused when present)."""
    return ensure_db_image(docker_client, MARIADB_IMAGE)

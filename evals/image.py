"""The image eval containers run: a local busybox image, imported from the host, never pulled."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import docker

IMAGE = "jarvis-test/busybox:1"
BUSYBOX = Path("/bin/busybox")


class ImageMissing(RuntimeError):
    """The eval image is not on the engine and cannot be made from the host's busybox."""


def _add_dir(tar: tarfile.TarFile, name: str, mode: int = 0o755) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = mode
    tar.addfile(info)


def rootfs_tar(busybox: Path = BUSYBOX) -> bytes:
    """A minimal root filesystem: a static busybox, its applet links, users, a web page."""
    applets = subprocess.run(
        [str(busybox), "--list"], capture_output=True, text=True, check=True, timeout=10
    ).stdout.split()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for folder in ("bin", "etc", "proc", "sys", "dev", "www", "var", "root"):
            _add_dir(tar, folder)
        _add_dir(tar, "tmp", 0o1777)
        tar.add(str(busybox), arcname="bin/busybox")
        for applet in applets:
            if "/" in applet or applet == "busybox":
                continue
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type = tarfile.SYMTYPE
            link.linkname = "busybox"
            tar.addfile(link)
        files = {
            "etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n",
            "etc/group": "root:x:0:\nnogroup:x:65534:\n",
            "www/index.html": "jarvis test page\n",  # what `httpd -h /www` serves
        }
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def ensure_image(client: Any, image: str = IMAGE, busybox: Path = BUSYBOX) -> str:
    """The image's name; imported from the host's static busybox when the engine lacks it."""
    try:
        client.images.get(image)
        return image
    except docker.errors.ImageNotFound:
        pass
    if not busybox.exists():
        raise ImageMissing(
            f"image {image} is not on the Docker Engine and {busybox} is missing to build it "
            "(install busybox-static); images are never pulled"
        )
    repo, _, tag = image.partition(":")
    client.api.import_image_from_data(
        rootfs_tar(busybox),
        repository=repo,
        tag=tag or "latest",
        changes=['CMD ["sh"]', "ENV PATH=/bin"],
    )
    client.images.get(image)
    return image

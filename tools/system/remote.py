"""The system tools on another host: fixed commands over SSH, parsed into the local models.

The commands are constants (`df -P -B1 -T`, `cat /proc/meminfo`, `ps -eo ...`); nothing from
a request ever becomes part of one. Figures are computed as psutil computes them locally, so
a remote answer reads like a local one.
"""

from __future__ import annotations

import asyncio

from core.errors import JarvisError
from core.redaction import redact_text
from tools.deps import ToolDeps
from tools.system.base import CMDLINE_MAX, PSEUDO_FS, Memory, Mount, ProcessInfo, Swap

# -a: bind mounts of one device too (df hides repeats), as psutil lists them; filtered here.
DF_SPACE = ("df", "-a", "-P", "-B1", "-T")
DF_INODES = ("df", "-a", "-P", "-i", "-T")
MOUNTS = ("cat", "/proc/mounts")
MEMINFO = ("cat", "/proc/meminfo")
VMSTAT = ("cat", "/proc/vmstat")
# Fixed widths: the command name (which may hold spaces) sits between user and the arguments.
PS = ("ps", "-eo", "pid=,rss=,pmem=,stat=,user:32=,comm:32=,args=", "--sort=-rss")
PAGE = 4096  # pswpin/pswpout count pages
# ps's state letters in psutil's words.
_STATES = {
    "R": "running", "S": "sleeping", "D": "disk-sleep", "Z": "zombie", "T": "stopped",
    "t": "tracing-stop", "X": "dead", "I": "idle", "W": "paging",
}  # fmt: skip


def _unescape(path: str) -> str:
    """/proc/mounts writes space, tab, newline and backslash as octal escapes."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        path = path.replace(code, char)
    return path


def _read_only(mounts_text: str) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for line in mounts_text.splitlines():
        parts = line.split()
        if len(parts) >= 4:  # a mount point listed twice: the later (top-most) one wins
            out[_unescape(parts[1])] = "ro" in parts[3].split(",")
    return out


def _df_rows(text: str) -> dict[str, list[str]]:
    """df -P -T rows by mount point: [device, type, a, b, c] (the header is skipped)."""
    rows: dict[str, list[str]] = {}
    for line in text.splitlines()[1:]:
        parts = line.split(None, 6)
        if len(parts) == 7 and parts[2].isdigit():
            rows[parts[6]] = parts[:5]
    return rows


def _percent(used: int, free: int) -> float:
    return round(100.0 * used / (used + free), 1) if used + free else 0.0


def parse_mounts(space: str, inodes: str, mounts: str, all_fs: bool) -> list[Mount]:
    """Mounts from df's space and inode tables and /proc/mounts (as system.disks shows them)."""
    ro = _read_only(mounts)
    inode_rows = _df_rows(inodes)
    out = []
    for path, (device, fstype, total, used, free) in _df_rows(space).items():
        if not all_fs and path != "/" and fstype in PSEUDO_FS:
            continue
        if not all_fs and int(total) == 0 and path != "/":
            continue
        irow = inode_rows.get(path)
        itotal, iused, ifree = (int(x) for x in irow[2:5]) if irow else (0, 0, 0)
        mount = Mount(
            path=path, device=device, fstype=fstype, read_only=ro.get(path, False),
            total=int(total), used=int(used), free=int(free),
            percent=_percent(int(used), int(free)), inodes_total=itotal,
            inodes_used=iused, inodes_free=ifree,
            inodes_percent=round(100 * iused / itotal, 1) if itotal else None,
        )  # fmt: skip
        out.append(mount)
    return sorted(out, key=lambda m: m.path)


async def remote_mounts(deps: ToolDeps, host: str, all_fs: bool) -> tuple[list[Mount], list[str]]:
    """The host's mounts, and the complaints df printed (a mount it could not read)."""
    space, inodes, mounts = await asyncio.gather(
        deps.hosts.run(host, DF_SPACE, check=False),
        deps.hosts.run(host, DF_INODES, check=False),
        deps.hosts.run(host, MOUNTS),
    )
    if not space.stdout.strip():
        raise JarvisError(f"df on host {host} printed nothing: {space.stderr.strip()[:300]}")
    warnings = [f"{host}: {line.strip()}" for line in space.stderr.splitlines() if line.strip()]
    return parse_mounts(space.stdout, inodes.stdout, mounts.stdout, all_fs), warnings


def _kib(fields: dict[str, int], key: str) -> int:
    return fields.get(key, 0) * 1024


def parse_memory(meminfo: str, vmstat: str) -> tuple[Memory, Swap]:
    """RAM and swap from /proc/meminfo and /proc/vmstat, computed the way psutil does."""
    fields: dict[str, int] = {}
    for line in meminfo.splitlines():
        key, _, rest = line.partition(":")
        if rest.split():
            fields[key] = int(rest.split()[0])
    pairs = (line.split() for line in vmstat.splitlines())
    counters = {p[0]: int(p[1]) for p in pairs if len(p) == 2 and p[1].isdigit()}
    total, free = _kib(fields, "MemTotal"), _kib(fields, "MemFree")
    buffers = _kib(fields, "Buffers")
    cached = _kib(fields, "Cached") + _kib(fields, "SReclaimable")
    available = _kib(fields, "MemAvailable") if "MemAvailable" in fields else free + cached
    used = total - free - cached - buffers
    memory = Memory(
        total=total, available=available, used=used if used >= 0 else total - free, free=free,
        percent=round(100.0 * (total - available) / total, 1) if total else 0.0,
        buffers=buffers, cached=cached, shared=_kib(fields, "Shmem"),
    )  # fmt: skip
    stotal, sfree = _kib(fields, "SwapTotal"), _kib(fields, "SwapFree")
    swap = Swap(
        total=stotal, used=stotal - sfree, free=sfree,
        percent=round(100.0 * (stotal - sfree) / stotal, 1) if stotal else 0.0,
        sin=counters.get("pswpin", 0) * PAGE, sout=counters.get("pswpout", 0) * PAGE,
    )  # fmt: skip
    return memory, swap


def parse_ps(text: str, top: int) -> list[ProcessInfo]:
    """The `top` processes of `ps -eo pid=,rss=,pmem=,stat=,user:32=,comm:32=,args=`."""
    out = []
    for line in text.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 6 or not parts[0].isdigit():
            continue
        rest = parts[5]
        name, argv = rest[:32].strip(), rest[33:].strip()
        cmdline = redact_text(argv) if argv else None
        if cmdline and len(cmdline) > CMDLINE_MAX:
            cmdline = cmdline[: CMDLINE_MAX - 3] + "..."
        info = ProcessInfo(
            pid=int(parts[0]), name=name or "?", user=parts[4], cpu_percent=None,
            rss=int(parts[1]) * 1024, memory_percent=float(parts[2]),
            status=_STATES.get(parts[3][:1], parts[3]), cmdline=cmdline,
        )  # fmt: skip
        out.append(info)
    out.sort(key=lambda p: p.rss or 0, reverse=True)
    return out[:top]


async def remote_memory(
    deps: ToolDeps, host: str, top: int
) -> tuple[Memory, Swap, list[ProcessInfo]]:
    """RAM, swap and the largest processes of another host."""
    meminfo, vmstat = await asyncio.gather(
        deps.hosts.run(host, MEMINFO), deps.hosts.run(host, VMSTAT)
    )
    memory, swap = parse_memory(meminfo.stdout, vmstat.stdout)
    procs = parse_ps((await deps.hosts.run(host, PS)).stdout, top) if top else []
    return memory, swap, procs

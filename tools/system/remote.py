"""The system tools on another host: fixed commands over SSH, parsed into the local models.

The commands are constants (`df ...`, `cat /proc/meminfo /proc/vmstat`, `ps -eo ...`); nothing
from a request ever becomes part of one. Figures are computed as psutil computes them locally,
so a remote answer reads like a local one. Each command costs the host a new session (a process
tree), so a tool runs as few as it can, at the same time on the one connection.
"""

from __future__ import annotations

import asyncio

from core.errors import JarvisError
from core.redaction import redact_text
from tools.deps import ToolDeps
from tools.system.base import CMDLINE_MAX, PSEUDO_FS, Memory, Mount, ProcessInfo, Swap

# -a: bind mounts of one device too (df hides repeats), as psutil lists them; filtered here.
# GNU df gives space and inodes at once; others (busybox) need the two POSIX tables.
DF_COLUMNS = (
    "df",
    "-a",
    "-B1",
    "--output=source,fstype,size,used,avail,itotal,iused,iavail,target",
)
DF_SPACE = ("df", "-a", "-P", "-B1", "-T")
DF_INODES = ("df", "-a", "-P", "-i", "-T")
MOUNTS = ("cat", "/proc/mounts")
MEMORY = ("cat", "/proc/meminfo", "/proc/vmstat")
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


# device, fstype, total, used, free, inodes total, used, free
DfRow = tuple[str, str, int, int, int, int, int, int]


def _int(text: str) -> int:
    return int(text) if text.isdigit() else 0  # "-": no such figure (no inode limit)


def _df_table(text: str) -> dict[str, list[str]]:
    """df -P -T rows by mount point: [device, type, a, b, c] (the header is skipped)."""
    rows: dict[str, list[str]] = {}
    for line in text.splitlines()[1:]:
        parts = line.split(None, 6)
        if len(parts) == 7 and parts[2].isdigit():
            rows[parts[6]] = parts[:5]  # a mount point listed twice: the later (top-most)
    return rows


def parse_df_pair(space: str, inodes: str) -> dict[str, DfRow]:
    """Rows from the POSIX space table and inode table."""
    inode_rows = _df_table(inodes)
    out: dict[str, DfRow] = {}
    for path, (device, fstype, total, used, free) in _df_table(space).items():
        i = inode_rows.get(path) or ["", "", "0", "0", "0"]
        out[path] = (
            device, fstype, _int(total), _int(used), _int(free), _int(i[2]), _int(i[3]), _int(i[4])
        )  # fmt: skip
    return out


def parse_df_columns(text: str) -> dict[str, DfRow]:
    """Rows of `df --output=source,fstype,size,used,avail,itotal,iused,iavail,target`."""
    out: dict[str, DfRow] = {}
    for line in text.splitlines()[1:]:
        p = line.split(None, 8)
        if len(p) == 9 and p[2].isdigit():
            out[p[8]] = (
                p[0], p[1], int(p[2]), _int(p[3]), _int(p[4]), _int(p[5]), _int(p[6]), _int(p[7])
            )  # fmt: skip
    return out


def _percent(used: int, free: int) -> float:
    return round(100.0 * used / (used + free), 1) if used + free else 0.0


def parse_mounts(rows: dict[str, DfRow], mounts: str, all_fs: bool) -> list[Mount]:
    """Mounts from df's rows and /proc/mounts, chosen as system.disks chooses local ones."""
    ro = _read_only(mounts)
    out = []
    for path, (device, fstype, total, used, free, itotal, iused, ifree) in rows.items():
        if not all_fs and path != "/" and (fstype in PSEUDO_FS or total == 0):
            continue
        mount = Mount(
            path=path, device=device, fstype=fstype, read_only=ro.get(path, False),
            total=total, used=used, free=free, percent=_percent(used, free),
            inodes_total=itotal, inodes_used=iused, inodes_free=ifree,
            inodes_percent=round(100 * iused / itotal, 1) if itotal else None,
        )  # fmt: skip
        out.append(mount)
    return sorted(out, key=lambda m: m.path)


async def remote_mounts(deps: ToolDeps, host: str, all_fs: bool) -> tuple[list[Mount], list[str]]:
    """The host's mounts, and the complaints df printed (a mount it could not read)."""
    table, mounts = await asyncio.gather(
        deps.hosts.run(host, DF_COLUMNS, check=False), deps.hosts.run(host, MOUNTS)
    )
    rows = parse_df_columns(table.stdout)
    if not rows:  # not GNU df: the two POSIX tables
        table, inodes = await asyncio.gather(
            deps.hosts.run(host, DF_SPACE, check=False),
            deps.hosts.run(host, DF_INODES, check=False),
        )
        rows = parse_df_pair(table.stdout, inodes.stdout)
    if not rows:
        raise JarvisError(f"df on host {host} printed nothing: {table.stderr.strip()[:300]}")
    warnings = [f"{host}: {line.strip()}" for line in table.stderr.splitlines() if line.strip()]
    return parse_mounts(rows, mounts.stdout, all_fs), warnings


def _kib(fields: dict[str, int], key: str) -> int:
    return fields.get(key, 0) * 1024


def parse_memory(text: str) -> tuple[Memory, Swap]:
    """RAM and swap from /proc/meminfo (`Key: n kB`) followed by /proc/vmstat (`key n`),
    computed the way psutil does."""
    fields: dict[str, int] = {}
    counters: dict[str, int] = {}
    for line in text.splitlines():
        key, colon, rest = line.partition(":")
        words = rest.split() if colon else line.split()
        if colon and words and words[0].isdigit():
            fields[key] = int(words[0])
        elif not colon and len(words) == 2 and words[1].isdigit():
            counters[words[0]] = int(words[1])
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
    figures = deps.hosts.run(host, MEMORY)
    if not top:
        return (*parse_memory((await figures).stdout), [])
    text, ps = await asyncio.gather(figures, deps.hosts.run(host, PS))
    return (*parse_memory(text.stdout), parse_ps(ps.stdout, top))

"""Parsing the remote commands' output, checked on this machine's own df, /proc and ps."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psutil

from tools.system.remote import (
    DF_COLUMNS,
    DF_INODES,
    DF_SPACE,
    PS,
    parse_df_columns,
    parse_df_pair,
    parse_memory,
    parse_mounts,
    parse_ps,
)


def _run(argv: tuple[str, ...]) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=30).stdout


def test_gnu_and_posix_df_tables_agree() -> None:
    columns = parse_df_columns(_run(DF_COLUMNS))
    pair = parse_df_pair(_run(DF_SPACE), _run(DF_INODES))
    assert columns and set(columns) == set(pair)
    for path, row in columns.items():
        # device, type, size and inode total; used/free may move between the two runs
        assert (row[0], row[1], row[2], row[5]) == (
            pair[path][0],
            pair[path][1],
            pair[path][2],
            pair[path][5],
        )
    mounts = parse_mounts(columns, Path("/proc/mounts").read_text(), all_fs=False)
    root = next(m for m in mounts if m.path == "/")
    assert root.total == psutil.disk_usage("/").total and root.inodes_total > 0
    assert all(m.fstype not in ("proc", "sysfs", "tmpfs") for m in mounts)
    everything = parse_mounts(columns, Path("/proc/mounts").read_text(), all_fs=True)
    assert "/proc" in {m.path for m in everything}


def test_memory_and_processes_read_like_psutil() -> None:
    text = Path("/proc/meminfo").read_text() + Path("/proc/vmstat").read_text()
    memory, swap = parse_memory(text)
    local = psutil.virtual_memory()
    assert memory.total == local.total and swap.total == psutil.swap_memory().total
    assert 0 < memory.available <= memory.total and 0 <= memory.percent <= 100
    procs = parse_ps(_run(PS), 5)
    assert len(procs) == 5 and procs == sorted(procs, key=lambda p: p.rss or 0, reverse=True)
    assert all(p.pid > 0 and p.user and p.status for p in procs)
    mine = parse_ps(_run(PS), 10_000)
    me = next(p for p in mine if p.pid == psutil.Process().pid)
    assert me.cmdline and "pytest" in me.cmdline

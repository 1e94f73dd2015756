"""The system tools against the real machine: values must agree with psutil and the kernel."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from pydantic import ValidationError

from core.settings import Settings
from tools.deps import ToolDeps
from tools.registry import Registry, ToolSpec
from tools.system import PSEUDO_FS, family

SPECS = {s.name: s for s in family.specs}
MB = 1_000_000


@pytest.fixture
def deps(settings: Settings) -> ToolDeps:
    return ToolDeps(settings)


async def call(name: str, deps: ToolDeps, **args: Any) -> Any:
    spec: ToolSpec = SPECS[name]
    return await spec._impl(spec.args_model(**args), deps)


@pytest.fixture
def spawn() -> Iterator[Any]:
    """Start python children that print 'ready' once set up; killed after the test."""
    children: list[subprocess.Popen[str]] = []

    def start(code: str) -> subprocess.Popen[str]:
        script = f"{code}\nprint('ready', flush=True)\nimport time\ntime.sleep(30)"
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        children.append(proc)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        return proc

    yield start
    for proc in children:
        proc.kill()
        proc.wait(timeout=10)


def test_family_registers_five_read_only_tools() -> None:
    registry = Registry([family])
    assert [s.name for s in registry.specs()] == [
        "system.disks",
        "system.memory",
        "system.network",
        "system.overview",
        "system.top_processes",
    ]
    for spec in registry.specs():
        assert spec.risk == "read"
        assert spec.resource.startswith("system:")
        assert spec.resource_for(spec.args_model()) == spec.resource
        assert len(spec.description) > 100
        assert spec.info()["args_schema"]["type"] == "object"
    assert SPECS["system.top_processes"].untrusted_output
    assert not SPECS["system.disks"].untrusted_output


@pytest.mark.parametrize("name", sorted(SPECS))
def test_unknown_argument_is_refused(name: str) -> None:
    with pytest.raises(ValidationError):
        SPECS[name].args_model.model_validate({"bogus": 1})


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("system.overview", {"interval": 99}),
        ("system.overview", {"interval": -1}),
        ("system.disks", {"threshold_percent": 101}),
        ("system.memory", {"top": 101}),
        ("system.network", {"interval": 99}),
        ("system.top_processes", {"interval": 99}),
        ("system.top_processes", {"limit": 0}),
        ("system.top_processes", {"limit": 101}),
        ("system.top_processes", {"sort": "disk"}),
    ],
)
def test_out_of_range_arguments_are_refused(name: str, args: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        SPECS[name].args_model(**args)


async def test_overview_matches_the_machine(deps: ToolDeps) -> None:
    result = await call("system.overview", deps)
    assert result.memory.total == psutil.virtual_memory().total
    assert result.swap.total == psutil.swap_memory().total
    assert result.hostname == socket.gethostname()
    assert result.kernel == os.uname().release
    assert result.cpu_count_logical == psutil.cpu_count()
    assert 0 <= result.cpu_percent <= 100
    assert result.per_cpu_percent is None
    assert result.uptime_seconds > 0
    assert abs(result.boot_time.timestamp() - psutil.boot_time()) < 1
    assert len(result.load_average) == 3
    assert result.root_disk.total == psutil.disk_usage("/").total
    assert result.process_count > 1
    assert result.model_dump_json()


async def test_overview_per_cpu(deps: ToolDeps) -> None:
    result = await call("system.overview", deps, interval=0.1, per_cpu=True)
    assert result.per_cpu_percent is not None
    assert len(result.per_cpu_percent) == psutil.cpu_count()
    assert all(0 <= p <= 100 for p in result.per_cpu_percent)


def _mount_of(path: Path) -> Any:
    parts = {p.mountpoint: p for p in psutil.disk_partitions(all=True)}
    here = path.resolve()
    for candidate in [here, *here.parents]:
        if str(candidate) in parts:
            return parts[str(candidate)]
    raise AssertionError(f"no mount holds {path}")


async def test_disks_include_the_mount_of_a_tmp_dir(deps: ToolDeps, tmp_path: Path) -> None:
    part = _mount_of(tmp_path)
    pseudo = part.fstype in PSEUDO_FS and part.mountpoint != "/"
    result = await call("system.disks", deps, all=pseudo)
    mounts = {m.path: m for m in result.mounts}
    assert part.mountpoint in mounts
    mount = mounts[part.mountpoint]
    st = os.statvfs(tmp_path)
    assert mount.total == psutil.disk_usage(str(tmp_path)).total
    assert mount.fstype == part.fstype
    assert mount.inodes_total == st.f_files
    assert mount.inodes_used + mount.inodes_free == mount.inodes_total
    assert 0 <= mount.percent <= 100


async def test_disks_skip_pseudo_filesystems_by_default(deps: ToolDeps) -> None:
    default = await call("system.disks", deps)
    everything = await call("system.disks", deps, all=True)
    assert default.mounts, "at least the root filesystem"
    assert all(m.fstype not in PSEUDO_FS or m.path == "/" for m in default.mounts)
    assert {m.path for m in default.mounts} <= {m.path for m in everything.mounts}
    if any(p.fstype == "proc" for p in psutil.disk_partitions(all=True)):
        assert "/proc" in {m.path for m in everything.mounts}


async def test_disks_warn_over_the_threshold(deps: ToolDeps) -> None:
    result = await call("system.disks", deps, threshold_percent=0)
    assert result.threshold_percent == 0
    for mount in result.mounts:
        assert any(w.startswith(f"{mount.path} ") for w in result.warnings), mount.path
    default = await call("system.disks", deps)
    for mount in default.mounts:
        warned = any(w.startswith(f"{mount.path} (") for w in default.warnings)
        assert warned == (mount.percent >= 90), mount.path


async def test_memory_lists_a_200mb_process(deps: ToolDeps, spawn: Any) -> None:
    child = spawn("x = b'x' * 200_000_000")
    result = await call("system.memory", deps, top=100)
    assert result.memory.total == psutil.virtual_memory().total
    assert result.swap.total == psutil.swap_memory().total
    rss = [p.rss or 0 for p in result.top_processes]
    assert rss == sorted(rss, reverse=True)
    ours = {p.pid: p for p in result.top_processes}
    assert child.pid in ours
    assert (ours[child.pid].rss or 0) > 190 * MB
    assert (await call("system.memory", deps, top=0)).top_processes == []


async def test_top_processes_by_memory_finds_the_big_child(deps: ToolDeps, spawn: Any) -> None:
    child = spawn("x = b'x' * 200_000_000")
    result = await call("system.top_processes", deps, sort="memory", limit=100, interval=0.1)
    assert 0 < len(result.processes) <= 100
    assert result.process_count >= len(result.processes)
    rss = [p.rss or 0 for p in result.processes]
    assert rss == sorted(rss, reverse=True)
    found = next(p for p in result.processes if p.pid == child.pid)
    assert (found.rss or 0) > 190 * MB
    assert found.memory_percent is not None
    assert found.memory_percent > 0
    assert found.user is not None
    assert found.cmdline is not None
    assert found.cmdline.startswith(sys.executable)
    assert len(found.cmdline) <= 200


async def test_top_processes_by_cpu_finds_a_busy_child(deps: ToolDeps) -> None:
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        await asyncio.sleep(0.2)
        result = await call("system.top_processes", deps, sort="cpu", limit=100, interval=0.5)
    finally:
        busy.kill()
        busy.wait(timeout=10)
    cpu = [p.cpu_percent or 0.0 for p in result.processes]
    assert cpu == sorted(cpu, reverse=True)
    found = next(p for p in result.processes if p.pid == busy.pid)
    assert (found.cpu_percent or 0) > 20
    assert found.status in {"running", "sleeping"}


async def test_top_processes_survives_processes_that_exit(deps: ToolDeps) -> None:
    """Children that exit and are reaped during the CPU sample are dropped, not raised."""
    short = [subprocess.Popen(["sleep", "0.3"]) for _ in range(5)]
    task = asyncio.create_task(call("system.top_processes", deps, limit=100, interval=1.0))
    await asyncio.sleep(0.6)  # the task primed while they lived; now they are gone
    for proc in short:
        proc.wait(timeout=10)
    result = await task
    assert result.processes
    assert not {p.pid for p in short} & {p.pid for p in result.processes}


async def test_top_processes_truncates_and_redacts_cmdlines(deps: ToolDeps, spawn: Any) -> None:
    secret = "hunter2hunter2"
    pad = "a" * 300
    child = spawn(f"x = b'x' * 200_000_000  # PASSWORD={secret} {pad}")
    result = await call("system.top_processes", deps, sort="memory", limit=100, interval=0.1)
    found = next(p for p in result.processes if p.pid == child.pid)
    assert found.cmdline is not None
    assert len(found.cmdline) == 200
    assert found.cmdline.endswith("...")
    assert secret not in found.cmdline
    assert "[[secret:" in found.cmdline


async def test_network_totals_include_loopback(deps: ToolDeps) -> None:
    result = await call("system.network", deps)
    names = {i.name: i for i in result.interfaces}
    assert "lo" in names
    lo = names["lo"]
    before = psutil.net_io_counters(pernic=True)["lo"]
    assert 0 < lo.bytes_sent <= before.bytes_sent
    assert lo.bytes_sent_per_s is None
    assert lo.is_up is True
    assert "127.0.0.1" in lo.addresses


async def test_network_rates_see_loopback_traffic(deps: ToolDeps) -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    task = asyncio.create_task(call("system.network", deps, interval=0.5))
    try:
        for _ in range(40):
            sender.sendto(b"x" * 1000, receiver.getsockname())
            receiver.recv(2000)
            await asyncio.sleep(0.005)
        result = await task
    finally:
        sender.close()
        receiver.close()
    lo = next(i for i in result.interfaces if i.name == "lo")
    assert result.interval == 0.5
    assert lo.bytes_recv_per_s is not None
    assert lo.bytes_recv_per_s > 1000  # at least ~40 kB over ~0.5 s
    assert lo.packets_sent_per_s is not None
    assert lo.packets_sent_per_s > 10

"""Summaries of the host tools' results: overview, disks, memory, processes, network."""

from __future__ import annotations

from typing import Any

from agent.router.format import clean, code_block, percent, token
from core.units import duration, size

Data = dict[str, Any]
HOT_PERCENT = 90.0


def overview(args: Data, data: Data) -> str:
    """system.overview: host, uptime, CPU and load, memory, swap, root disk."""
    mem: Data = data.get("memory") or {}
    swap: Data = data.get("swap") or {}
    root: Data = data.get("root_disk") or {}
    load = "/".join(f"{x:.2f}" for x in data.get("load_average") or [])
    text = (
        f"Host {token(data.get('hostname'))} ({clean(data.get('os'), 80)}), up "
        f"{duration(data.get('uptime_seconds'))}: CPU {percent(data.get('cpu_percent'))} on "
        f"{data.get('cpu_count_logical', '?')} cores, load {load or '?'}; memory "
        f"{percent(mem.get('percent'))} used ({size(mem.get('used'))} of "
        f"{size(mem.get('total'))}, {size(mem.get('available'))} available)"
    )
    if swap.get("total"):
        text += f"; swap {percent(swap.get('percent'))}"
    text += (
        f"; root disk {percent(root.get('percent'))} used ({size(root.get('free'))} free); "
        f"{data.get('process_count', '?')} processes."
    )
    return text


def full_mounts(data: Data) -> list[str]:
    """Mounts at or over the threshold (space or inodes), and mounts that did not answer."""
    limit = float(data.get("threshold_percent") or HOT_PERCENT)
    out = []
    for m in data.get("mounts") or []:
        if float(m.get("percent") or 0) >= limit:
            out.append(
                f"{token(m.get('path'))} is {percent(m.get('percent'))} full "
                f"({size(m.get('free'))} free)"
            )
        inodes = m.get("inodes_percent")
        if inodes is not None and float(inodes) >= limit:
            out.append(f"{token(m.get('path'))} uses {percent(inodes)} of its inodes")
    paths = {str(m.get("path")) for m in data.get("mounts") or []}
    for warning in data.get("warnings") or []:
        text = str(warning)
        if text.split(" ", 1)[0].rstrip(":") not in paths:
            out.append(f"`{clean(text, 160)}`")
    return out


def disks(args: Data, data: Data) -> str:
    """system.disks: every mount's use, full ones first."""
    mounts: list[Data] = sorted(
        data.get("mounts") or [], key=lambda m: -float(m.get("percent") or 0)
    )
    rows = [
        f"- {token(m.get('path'))}: {percent(m.get('percent'))} used, {size(m.get('free'))} free "
        f"of {size(m.get('total'))}"
        for m in mounts[:10]
    ]
    more = f"\n- and {len(mounts) - 10} more" if len(mounts) > 10 else ""
    where = f" on {token(args['host'])}" if args.get("host") else ""
    text = f"Disks{where}:\n" + "\n".join(rows) + more
    hot = full_mounts(data)
    if hot:
        text += "\nWarning: " + "; ".join(hot) + "."
    return text


def _process_rows(procs: list[Data], cpu: bool) -> list[str]:
    rows = [
        f"{'PID':>7} {'CPU%':>6} {'MEMORY':>10}  NAME"
        if cpu
        else f"{'PID':>7} {'MEMORY':>10}  NAME"
    ]
    for p in procs:
        name = clean(p.get("name") or "?", 60)
        mem = size(p.get("rss"))
        if cpu:
            rows.append(
                f"{p.get('pid', '?'):>7} {float(p.get('cpu_percent') or 0):>6.1f} {mem:>10}  {name}"
            )
        else:
            rows.append(f"{p.get('pid', '?'):>7} {mem:>10}  {name}")
    return rows


def memory(args: Data, data: Data) -> str:
    """system.memory: RAM and swap, and the processes holding the most."""
    mem: Data = data.get("memory") or {}
    swap: Data = data.get("swap") or {}
    where = f" on {token(args['host'])}" if args.get("host") else ""
    text = (
        f"Memory{where} {percent(mem.get('percent'))} used ({size(mem.get('used'))} of "
        f"{size(mem.get('total'))}, {size(mem.get('available'))} available)"
    )
    if swap.get("total"):
        text += (
            f"; swap {percent(swap.get('percent'))} ({size(swap.get('used'))} of "
            f"{size(swap.get('total'))})"
        )
    else:
        text += "; no swap"
    procs: list[Data] = (data.get("top_processes") or [])[:8]
    if procs:
        text += ". Largest processes (names are the host's data):\n" + code_block(
            _process_rows(procs, cpu=False)
        )
    else:
        text += "."
    return text


def top_processes(args: Data, data: Data) -> str:
    """system.top_processes: a small table, as data."""
    procs: list[Data] = data.get("processes") or []
    by = "CPU" if data.get("sort", "cpu") == "cpu" else "memory"
    head = f"Top {len(procs)} processes by {by} (of {data.get('process_count', '?')})"
    return f"{head}; 100% CPU is one full core:\n" + code_block(_process_rows(procs, cpu=True))


def network(args: Data, data: Data) -> str:
    """system.network: each real interface's state, addresses and traffic."""
    items: list[Data] = data.get("interfaces") or []
    hidden = [i for i in items if str(i.get("name", "")).startswith("veth")]
    rows = []
    for i in items:
        if i in hidden:
            continue
        state = "up" if i.get("is_up") else "down" if i.get("is_up") is False else "?"
        speed = f", {i['speed_mbps']} Mb/s" if i.get("speed_mbps") else ""
        addrs = (
            f", {', '.join(token(a) for a in (i.get('addresses') or [])[:3])}"
            if i.get("addresses")
            else ""
        )
        traffic = f"; received {size(i.get('bytes_recv'))}, sent {size(i.get('bytes_sent'))}"
        if i.get("bytes_recv_per_s") is not None:
            traffic += (
                f" (now {size(i.get('bytes_recv_per_s'))}/s in, "
                f"{size(i.get('bytes_sent_per_s'))}/s out)"
            )
        errors = int(i.get("errors_in") or 0) + int(i.get("errors_out") or 0)
        drops = int(i.get("drops_in") or 0) + int(i.get("drops_out") or 0)
        trouble = f"; {errors} errors, {drops} drops" if errors or drops else ""
        rows.append(f"- {token(i.get('name'))}: {state}{speed}{addrs}{traffic}{trouble}")
    more = f"\n- and {len(hidden)} container (veth) interfaces" if hidden else ""
    return "Network interfaces:\n" + "\n".join(rows) + more


def problems(data: Data) -> list[str]:
    """What looks wrong in an overview: memory, swap, load."""
    out = []
    mem: Data = data.get("memory") or {}
    swap: Data = data.get("swap") or {}
    if float(mem.get("percent") or 0) >= HOT_PERCENT:
        out.append(
            f"Memory is {percent(mem.get('percent'))} used ({size(mem.get('available'))} available)"
        )
    if swap.get("total") and float(swap.get("percent") or 0) >= 80:
        out.append(f"Swap is {percent(swap.get('percent'))} used")
    cores = int(data.get("cpu_count_logical") or 0)
    load = (data.get("load_average") or [0.0])[0]
    if cores and float(load) > 2 * cores:
        out.append(f"The load is high ({float(load):.1f} on {cores} cores)")
    return out

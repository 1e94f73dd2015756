"""Benchmark how fast the `jarvis` command answers, each run a fresh process.

Run: .venv/bin/python scripts/bench_cli.py [--runs 5] [--bytecode both|installed|cached]
Times `jarvis --help`, `jarvis ask "restart plex" --plan --json` (the offline router: no model
is configured) and `jarvis tools call docker.list_containers`, with `docker ps -a` beside the
last, against a temporary data dir and SQLite database. One unmeasured run of each comes first
(it creates the database). Two bytecode conditions are measured, since start-up is mostly
importing: "installed" runs Python as this environment does (PYTHONDONTWRITEBYTECODE set, so
only the .pyc files `scripts/setup` compiled for the venv and Jarvis's packages are used; a
module edited since is compiled again on every start); "cached" gives Python a private
bytecode cache first, which is what a machine whose Python may write `__pycache__` runs every
time after the first. Prints median and minimum wall seconds and the median CPU seconds
(user + system: on a busy machine the steadier figure) against the goals; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

JARVIS = str(Path(sys.executable).parent / "jarvis")
GOAL_HELP, GOAL_ASK, GOAL_OVER_DOCKER = 0.3, 1.0, 0.5
COMMANDS = {
    "help": [JARVIS, "--help"],
    "ask": [JARVIS, "ask", "restart plex", "--plan", "--json"],
    "call": [JARVIS, "tools", "call", "docker.list_containers"],
    "docker": ["docker", "ps", "-a"],
}
LABELS = {
    "help": "jarvis --help",
    "ask": 'jarvis ask "restart plex" --plan --json',
    "call": "jarvis tools call docker.list_containers",
    "docker": "docker ps -a",
}


def environment(work: Path, cached: bool) -> dict[str, str]:
    """A clean Jarvis environment in `work`: its own data dir, no model, no Redis."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JARVIS_", "OPENAI_", "PYTHONPYCACHEPREFIX"))
    }
    env.update(JARVIS_DATA_DIR=str(work / "data"), HOME=str(work), COLUMNS="100")
    if cached:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def seconds(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run; a failing run stops the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return took, cpu


Samples = dict[str, list[tuple[float, float]]]


def measure(runs: int, cached: bool) -> Samples:
    """Every command `runs` times, interleaved so a busy moment spreads over all of them."""
    with tempfile.TemporaryDirectory(prefix="jarvis-bench-cli-") as tmp:
        env = environment(Path(tmp), cached)
        for argv in COMMANDS.values():
            seconds(argv, env)
        samples: Samples = {name: [] for name in COMMANDS}
        for _ in range(runs):
            for name, argv in COMMANDS.items():
                samples[name].append(seconds(argv, env))
        return samples


def report(title: str, runs: Samples) -> None:
    """One table: median and minimum wall time and median CPU time of each, then the goals."""
    print(f"\n{title}")
    print(f"  {'command':<44} {'median':>8} {'min':>8} {'CPU':>8}")
    samples = {name: [wall for wall, _ in values] for name, values in runs.items()}
    for name, values in samples.items():
        cpu = statistics.median(c for _, c in runs[name])
        print(
            f"  {LABELS[name]:<44} {statistics.median(values):>7.2f}s {min(values):>7.2f}s "
            f"{cpu:>7.2f}s"
        )
    help_s = statistics.median(samples["help"])
    ask_s = statistics.median(samples["ask"])
    over = statistics.median(samples["call"]) - statistics.median(samples["docker"])
    goals = [
        (f"jarvis --help <= {GOAL_HELP} s", help_s, help_s <= GOAL_HELP),
        (f"ask --plan <= {GOAL_ASK} s", ask_s, ask_s <= GOAL_ASK),
        (f"tools call - docker ps <= {GOAL_OVER_DOCKER} s", over, over <= GOAL_OVER_DOCKER),
    ]
    for goal, value, met in goals:
        print(f"  goal {goal:<38} {value:>7.2f}s  {'met' if met else 'NOT met'}")


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bytecode", choices=["both", "installed", "cached"], default="both")
    args = parser.parse_args()
    if shutil.which("docker") is None:
        raise SystemExit("the docker command is needed for the comparison")
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"jarvis start-up: {args.runs} runs each, {os.cpu_count()} CPUs, load {load}")
    modes = {"installed": [False], "cached": [True], "both": [False, True]}[args.bytecode]
    for cached in modes:
        samples = measure(args.runs, cached)
        title = (
            "with a bytecode cache (every start after the first on a normal install)"
            if cached
            else "bytecode as this environment runs Python"
            + (
                " (PYTHONDONTWRITEBYTECODE set)"
                if os.environ.get("PYTHONDONTWRITEBYTECODE")
                else ""
            )
        )
        report(title, samples)
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload at the end {load}")


if __name__ == "__main__":
    main()

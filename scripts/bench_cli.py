"""Benchmark how fast the `jarvis` command answers, each run a fresh process.

Run: .venv/bin/python scripts/bench_cli.py [--runs 5] [--bytecode both|installed|cached]
Times `jarvis --help`, `jarvis ask "restart plex" --plan --json` (the offline router: no model
is configured) and `jarvis tools call docker.list_containers`, with `docker ps -a` beside the
last, against a temporary data dir and SQLite database. One unmeasured run of each comes first
(it creates the database). The tool call is then timed again with `jarvis serve` running on the
same data dir (a free loopback port, background patrols off), which takes the call: the terminal
only reads the server's access file and posts one request. Two bytecode conditions are
measured, since start-up is mostly importing: "installed" runs Python as this environment does
(PYTHONDONTWRITEBYTECODE set, so only the .pyc files `scripts/setup` compiled for the venv and
Jarvis's packages are used; a module edited since is compiled again on every start); "cached"
gives Python a private bytecode cache first, which is what a machine whose Python may write
`__pycache__` runs every time after the first. Prints median and minimum wall seconds and the
median CPU seconds (user + system: on a busy machine the steadier figure) against the goals;
asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

JARVIS = str(Path(sys.executable).parent / "jarvis")
REPO = Path(__file__).resolve().parents[1]
SERVE_START_SECONDS = 120
CALL_PATH = "/api/v1/local/tools/call"
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
    "served": "  the same, with `jarvis serve` running",
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
    """Every command `runs` times, interleaved so a busy moment spreads over all of them; then
    the tool call (beside `docker ps -a` again) with `jarvis serve` running."""
    with tempfile.TemporaryDirectory(prefix="jarvis-bench-cli-") as tmp:
        env = environment(Path(tmp), cached)
        for argv in COMMANDS.values():
            seconds(argv, env)
        samples: Samples = {name: [] for name in [*COMMANDS, "served"]}
        for _ in range(runs):
            for name, argv in COMMANDS.items():
                samples[name].append(seconds(argv, env))
        with serving(Path(tmp), env) as log:
            seconds(COMMANDS["call"], env)
            for _ in range(runs):
                samples["served"].append(seconds(COMMANDS["call"], env))
                samples["docker"].append(seconds(COMMANDS["docker"], env))
            answered = log.read_text(errors="replace").count(f"POST {CALL_PATH} HTTP/1.1")
        if answered < runs + 1:
            raise SystemExit(f"only {answered} of {runs + 1} calls reached jarvis serve")
        return samples


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(work: Path, env: dict[str, str]) -> Iterator[Path]:
    """`jarvis serve` on this data dir until the block ends; yields its log file."""
    # A private Chainlit app root: Chainlit deletes APP_ROOT/.files when it stops.
    root = work / "approot"
    shutil.copytree(REPO / ".chainlit", root / ".chainlit")
    shutil.copytree(REPO / "public", root / "public")
    shutil.copy(REPO / "chainlit.md", root / "chainlit.md")
    served = {
        **env,
        "JARVIS_HOST": "127.0.0.1",
        "JARVIS_PORT": str(free_port()),
        "JARVIS_BACKGROUND__ENABLED": "false",  # no patrols touching the engine meanwhile
        "JARVIS_ADMIN_PASSWORD": secrets.token_urlsafe(24),
        "CHAINLIT_APP_ROOT": str(root),
    }
    log = work / "serve.log"
    access = Path(env["JARVIS_DATA_DIR"]) / "run" / "cli.json"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [JARVIS, "serve"], env=served, stdout=out, stderr=out, start_new_session=True
        )
    try:
        deadline = time.monotonic() + SERVE_START_SECONDS
        # The server writes its access file once it listens.
        while not access.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"jarvis serve did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield log
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def report(title: str, runs: Samples) -> None:
    """One table: median and minimum wall time and median CPU time of each, then the goals."""
    print(f"\n{title}")
    print(f"  {'command':<44} {'median':>8} {'min':>8} {'CPU':>8}")
    samples = {name: [wall for wall, _ in values] for name, values in runs.items()}
    for name, values in samples.items():
        cpu = statistics.median(c for _, c in runs[name])
        median = statistics.median(values)
        print(f"  {LABELS[name]:<44} {median:>7.2f}s {min(values):>7.2f}s {cpu:>7.2f}s")
    help_s = statistics.median(samples["help"])
    ask_s = statistics.median(samples["ask"])
    docker_s = statistics.median(samples["docker"])
    alone = statistics.median(samples["call"]) - docker_s
    served = statistics.median(samples["served"]) - docker_s
    goals = [
        (f"jarvis --help <= {GOAL_HELP} s", help_s, help_s <= GOAL_HELP),
        (f"ask --plan <= {GOAL_ASK} s", ask_s, ask_s <= GOAL_ASK),
        (f"tools call - docker ps <= {GOAL_OVER_DOCKER} s", alone, alone <= GOAL_OVER_DOCKER),
        (f"  with jarvis serve <= {GOAL_OVER_DOCKER} s", served, served <= GOAL_OVER_DOCKER),
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

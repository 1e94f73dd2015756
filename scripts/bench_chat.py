"""Benchmark the conversation: router latency per message, graph overhead per turn with a
zero-latency scripted model, time from message sent to first token in the browser, and the
server's resident memory after start-up and after 100 turns.

Run: .venv/bin/python scripts/bench_chat.py [--turns 100] [--skip-browser]
Needs a Docker Engine (DOCKER_HOST or the default socket; started here if none answers) and,
for the browser part, Debian's /usr/bin/chromium. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langchain_core.messages import AIMessage

from agent.router import Inventory, route
from agent.runtime import build_runtime
from agent.scripted import ScriptedChatModel
from agent.service import Agent
from core.settings import Settings
from scripts.bench_support import browser_numbers, docker_engine, pct

PHRASES = [
    "show my containers",
    "restart plex and n8n",
    "what's wrong",
    "show logs for n8n",
    "how much memory is plex using",
    "what's using the disk",
    "restart plx",
    "could you please stop the stream bot?",
    "top processes",
    "tell me a joke about routers",
]
NAMES = ["plex", "plex-db", "n8n", "homeassistant", "stream-bot", "discord-bot", "caddy", "vnc"]


def bench_router(rounds: int = 200) -> None:
    """Time route() over everyday phrasings against an 8-container inventory."""
    inventory = Inventory(containers=NAMES)
    samples = []
    for _ in range(rounds):
        for text in PHRASES:
            start = time.perf_counter()
            route(text, inventory)
            samples.append((time.perf_counter() - start) * 1000)
    print(
        f"router latency per message: p50 {statistics.median(samples):.3f} ms, "
        f"p99 {pct(samples, 0.99):.3f} ms over {len(samples)} messages"
    )


async def bench_graph(turns: int, docker_host: str) -> None:
    """Graph overhead per turn (SQLite checkpoints) with a model that answers instantly."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), docker_host=docker_host)
        runtime = build_runtime(settings)
        text_only = ScriptedChatModel(responses=[AIMessage("ok")] * (turns + 5))
        samples = []
        async with Agent.open(runtime, text_only) as agent:
            for i in range(turns):
                start = time.perf_counter()
                await agent.turn(f"hello {i}", thread_id="bench")
                samples.append((time.perf_counter() - start) * 1000)
        await runtime.close()
    print(
        f"graph overhead per turn (scripted, no tools): p50 {statistics.median(samples):.2f} ms, "
        f"p99 {pct(samples, 0.99):.2f} ms over {turns} turns (target p50 < 30 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--skip-browser", action="store_true")
    opts = parser.parse_args()
    bench_router()
    with docker_engine() as host:
        asyncio.run(bench_graph(opts.turns, host))
        if not opts.skip_browser:
            browser_numbers(host, opts.turns)


if __name__ == "__main__":
    main()

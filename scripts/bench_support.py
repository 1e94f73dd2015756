"""Shared pieces of the benchmark scripts: percentiles, a Docker Engine, the test image."""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import time
from collections.abc import Iterator

import docker

from evals.image import ensure_image

__all__ = ["docker_engine", "engine", "ensure_image", "pct"]


def pct(samples: list[float], q: float) -> float:
    """The q-quantile of the samples (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def engine(host: str) -> subprocess.Popen[bytes] | None:
    """Use the engine at `host`, or start `dockerd --storage-driver=vfs` there for the run."""
    try:
        docker.DockerClient(base_url=host, version="auto", timeout=3).ping()
        return None
    except Exception:
        pass
    proc = subprocess.Popen(
        ["dockerd", "--storage-driver=vfs", "-H", host],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(150):
        time.sleep(0.2)
        try:
            docker.DockerClient(base_url=host, version="auto", timeout=3).ping()
            return proc
        except Exception:
            continue
    proc.terminate()
    raise SystemExit(f"no Docker Engine at {host} and dockerd did not start")


@contextlib.contextmanager
def docker_engine() -> Iterator[str]:
    """The address of a Docker Engine for the run (started and stopped here if none)."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    started = engine(host)
    try:
        yield host
    finally:
        if started is not None:
            started.terminate()
            started.wait(timeout=30)


FIRST_TOKEN_JS = """
async ([text, timeoutMs]) => {
  const before = document.querySelectorAll('[data-step-type="assistant_message"]').length;
  const input = document.querySelector('#chat-input');
  const started = performance.now();
  return await new Promise((resolve) => {
    const check = () => {
      const steps = document.querySelectorAll('[data-step-type="assistant_message"]');
      if (steps.length > before && steps[steps.length - 1].innerText.trim().length > 0) {
        observer.disconnect();
        resolve(performance.now() - started);
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, {subtree: true, childList: true, characterData: true});
    setTimeout(() => { observer.disconnect(); resolve(-1); }, timeoutMs);
    window.__jarvisSend(text);
  });
}
"""


def browser_numbers(docker_host: str, turns: int) -> None:
    """Time to first token in Chromium and the server's memory after start-up and turns."""
    import asyncio
    import tempfile
    from pathlib import Path

    import psutil

    from tests.testbed.jarvis_server import ADMIN_PASSWORD, JarvisServer

    async def run(server: JarvisServer) -> None:
        from playwright.async_api import async_playwright

        assert server.proc is not None
        proc = psutil.Process(server.proc.pid)

        def rss() -> float:
            return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 2**20

        print(f"server resident memory after start-up: {rss():.0f} MiB")
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = await browser.new_page()
            await page.goto(server.url)
            await page.fill("#email", "admin")
            await page.fill("#password", ADMIN_PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_selector("#chat-input", timeout=30_000)

            async def send(text: str) -> None:
                await page.fill("#chat-input", text)
                await page.keyboard.press("Enter")

            await page.expose_function("__jarvisSend", send)
            samples: dict[str, list[float]] = {"show my containers": [], "hello there": []}
            for i in range(turns):
                text = list(samples)[i % 2]
                ms = await page.evaluate(FIRST_TOKEN_JS, [text, 30_000])
                if ms >= 0:
                    samples[text].append(ms)
                # Let the reply finish before the next message.
                await page.wait_for_function(
                    "() => !document.querySelector('#stop-button')", timeout=30_000
                )
            await browser.close()
        for text, values in samples.items():
            if values:
                print(
                    f"message sent -> first token in the browser ({text!r}): "
                    f"p50 {statistics.median(values):.0f} ms, p90 {pct(values, 0.9):.0f} ms "
                    f"over {len(values)} turns"
                )
        print(f"server resident memory after {turns} turns: {rss():.0f} MiB")

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        server = JarvisServer(base, f"sqlite:///{base / 'data' / 'jarvis.db'}", docker_host)
        started = time.perf_counter()
        server.start()
        print(f"jarvis serve: healthy {time.perf_counter() - started:.1f} s after start")
        try:
            asyncio.run(run(server))
        finally:
            server.stop()

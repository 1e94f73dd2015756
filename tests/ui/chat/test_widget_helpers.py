"""The helpers the widgets share: one script (public/jarvis-widgets.js) served by the app and
loaded on every page through Chainlit's `custom_js`, no copy of them left in the widgets."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import httpx
import pytest

from tests.testbed.jarvis_server import JarvisServer

ROOT = Path(__file__).resolve().parents[3]
ELEMENTS = ROOT / "public" / "elements"
JSX = sorted(ELEMENTS.glob("*.jsx"))
HELPERS = ROOT / "public" / "jarvis-widgets.js"
URL_PATH = "/public/jarvis-widgets.js"
HOOKS = r"\{ useCallback, useEffect, useRef, useState \}"
BIND = re.compile(
    r"^const \{ ([\w:, ]+) \} = window\.JarvisWidgets\n"
    rf"  \? window\.JarvisWidgets\.bind\({HOOKS}, callAction\)\n"
    r"  : ",
    flags=re.M,
)
# What the helpers hold; none of it may stand in a widget again.
COPIED = [
    "window.__jarvisWidgetState",
    "function usePersisted",
    "function call(",
    "callAction({",
    "HUB.listeners",
]


def test_config_loads_the_helpers_from_public() -> None:
    ui = tomllib.loads((ROOT / ".chainlit" / "config.toml").read_text())["UI"]
    assert ui["custom_js"] == URL_PATH
    # Chainlit's default attribute is "defer": the script runs before its module bundle.
    assert "custom_js_attributes" not in ui
    assert (ROOT / URL_PATH.lstrip("/")).is_file()


def test_helpers_are_plain_script_that_defines_the_global() -> None:
    source = HELPERS.read_text()
    assert "window.JarvisWidgets = Object.freeze({ hub, bind })" in source
    assert "window.__jarvisWidgetState = window.__jarvisWidgetState ||" in source
    for name in (
        "function usePersisted(scope, key, initial)",
        "async function call(name, payload)",
    ):
        assert source.count(name) == 1, name
    assert not re.search(r"^\s*(import|export)\b", source, flags=re.M), "a plain script"
    assert not re.search(r"https?://", source), "widgets must work offline"


@pytest.mark.parametrize("path", JSX, ids=lambda p: p.name)
def test_widgets_hold_no_copy_of_the_helpers(path: Path) -> None:
    source = path.read_text()
    for copied in COPIED:
        assert copied not in source, f"{path.name} repeats {copied!r}"
    uses = [n for n in ("usePersisted", "call", "HUB") if re.search(rf"\b{n}\(|\b{n}\.", source)]
    bound = BIND.findall(source)
    if not uses:
        assert not bound
        return
    assert len(bound) == 1, f"{path.name} uses {uses} but does not take them from JarvisWidgets"
    taken = {part.split(":")[-1].strip() for part in bound[0].split(",")}
    assert set(uses) <= taken, (path.name, uses, taken)
    # The fallback (no helpers loaded) still draws the widget and says why its calls fail.
    assert "call: async () => ({ error: 'widget helpers not loaded' })" in source


def _node_check(script: str) -> dict[str, object]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    done = subprocess.run(
        [node, "-e", script],
        input=HELPERS.read_text(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


# Runs the helper script in node with a stand-in `window` and minimal hooks (state cells and
# effects run at once), then prints what the helpers did as JSON.
NODE_HARNESS = r"""
const source = require('fs').readFileSync(0, 'utf8');
global.window = {};
new Function(source)();
const cells = [];
const hooks = {
  useRef: (v) => ({ current: v }),
  useState: (init) => {
    const cell = { value: typeof init === 'function' ? init() : init };
    cell.set = (v) => { cell.value = v; };
    cells.push(cell);
    return [cell.value, cell.set];
  },
  useEffect: (fn) => { fn(); },
  useCallback: (fn) => fn
};
const replies = {
  wrapped: async () => ({ success: true, response: { text: 'restarted' } }),
  empty: async () => ({ success: true, response: null }),
  bare: async () => ({ text: 'plain' }),
  nothing: async () => undefined,
  boom: async () => { throw new Error('socket closed'); }
};
const seen = [];
const callAction = (arg) => { seen.push(arg); return replies[arg.name](); };
(async () => {
  const W = window.JarvisWidgets;
  const a = W.bind(hooks, callAction);
  const b = W.bind(hooks, callAction);
  const out = { frozen: Object.isFrozen(W), sameHub: a.hub === window.__jarvisWidgetState };
  for (const name of Object.keys(replies)) out[name] = await a.call(name, { x: 1 });
  out.seen = seen[0];
  const [first, setFirst] = a.usePersisted('T:1', 'filter', 'x');
  b.usePersisted('T:1', 'filter', 'ignored');
  setFirst((prev) => prev + 'y');
  const [again] = b.usePersisted('T:1', 'filter', 'z');
  const stored = W.hub.values['T:1|filter'];
  out.persisted = { first, stored, again, cells: cells.map((c) => c.value) };
  console.log(JSON.stringify(out));
})();
"""


def test_helpers_call_and_persist_in_node() -> None:
    out = _node_check(NODE_HARNESS)
    assert out["frozen"] and out["sameHub"]
    assert out["wrapped"] == {"text": "restarted"}
    assert out["empty"] == {}
    assert out["bare"] == {"text": "plain"}
    assert out["nothing"] == {"error": "not connected"}
    assert out["boom"] == {"error": "socket closed"}
    assert out["seen"] == {"name": "wrapped", "payload": {"x": 1}}
    persisted = out["persisted"]
    assert isinstance(persisted, dict)
    assert persisted["first"] == "x" and persisted["stored"] == "xy" and persisted["again"] == "xy"
    # Both mounted copies got the update through their listeners.
    assert persisted["cells"] == ["xy", "xy", "xy"]


@pytest.mark.docker
def test_the_app_serves_the_helpers_and_loads_them_before_its_bundle(
    tmp_path: Path, docker_host: str
) -> None:
    server = JarvisServer(tmp_path, f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}", docker_host)
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            script = client.get(URL_PATH)
            page = client.get("/")
            element = client.get("/public/elements/ContainerTable.jsx")
    finally:
        server.stop()
    assert script.status_code == 200, script.text
    assert "javascript" in script.headers["content-type"]
    assert script.text == HELPERS.read_text()
    assert element.status_code == 200 and "window.JarvisWidgets.bind(" in element.text
    assert page.status_code == 200
    tag = page.text.find(f'<script src="{URL_PATH}" defer></script>')
    bundle = page.text.find('<script type="module"')
    assert 0 <= tag < bundle, page.text

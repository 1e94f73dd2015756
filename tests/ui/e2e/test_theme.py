"""The cosmic theme in Debian's Chromium, on a wide screen and on a phone.

Signed in, with the container panel and an approval card on the page, the rendered page must
pass WCAG AA contrast: axe-core's `color-contrast` rule finds no violation, and every text is
also measured on the pixels the browser drew behind it, because axe reads CSS colours and does
not see the starfield, the nebula or what the glass lets through. axe's WCAG 2.1 A/AA rules
find nothing in the container panel and the approval card. The starfield moves unless the
browser asks for reduced motion;
the container panel is a sortable table on a wide screen and cards on a phone, where every
control is at least 44 px; the "LLMs can make mistakes" footer shows only with a model set.

Screenshots land in test-artifacts/theme/ (the README shows copies from docs/screenshots/).
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.testbed.jarvis_server import ADMIN_PASSWORD, REPO, JarvisServer
from tests.ui.e2e.pages import say

SHOTS = REPO / "test-artifacts" / "theme"
AA_TEXT = 4.5
AA_LARGE_TEXT = 3.0
TOUCH_PX = 44
# Share of the pixels behind a piece of text that must give it AA contrast: the rest may be
# stars (1-2 px dots) that pass behind a glyph.
PIXEL_SHARE = 0.95


@dataclass(frozen=True)
class Screen:
    """A browser window size; a phone has touch and a phone's user agent."""

    name: str
    width: int
    height: int
    phone: bool


WIDE = Screen("1400", 1400, 900, phone=False)
PHONE = Screen("390", 390, 844, phone=True)


@pytest.fixture
def server(tmp_path: Path, docker_host: str) -> JarvisServer:
    return JarvisServer(tmp_path, f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}", docker_host)


async def open_context(browser: Browser, screen: Screen, **extra: Any) -> BrowserContext:
    """A context at `screen`'s size; one CSS pixel is one screenshot pixel."""
    return await browser.new_context(
        viewport={"width": screen.width, "height": screen.height},
        device_scale_factor=1,
        is_mobile=screen.phone,
        has_touch=screen.phone,
        **extra,
    )


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def themed_login_page(page: Page, server: JarvisServer) -> None:
    """The login page, once Chainlit has applied public/theme.json and its fonts."""
    await page.goto(server.url)
    await expect(page.locator("#email")).to_be_visible(timeout=20_000)
    await page.wait_for_function(
        "getComputedStyle(document.documentElement).getPropertyValue('--background').trim()"
        " === '234 48% 5%'"
    )
    await page.evaluate("document.fonts.ready.then(() => true)")
    await settled(page)


async def settled(page: Page) -> None:
    """Transitions and finite animations done (colours fading in, new messages appearing);
    the endless starfield drift is left running."""
    await page.evaluate(
        "Promise.all(document.getAnimations()"
        ".filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity)"
        ".map(a => a.finished.catch(() => null))).then(() => true)"
    )


async def sign_in(page: Page) -> None:
    await page.fill("#email", "admin")
    await page.fill("#password", ADMIN_PASSWORD)
    await page.click("button[type=submit]")
    await expect(page.locator("#chat-input")).to_be_visible(timeout=20_000)


# -- contrast ------------------------------------------------------------------------------

# Every visible piece of text in the viewport (not covered, not disabled): its colour, size
# and box. Disabled controls are exempt from WCAG 1.4.3, as in axe.
TEXT_BOXES_JS = """
() => {
  const out = [];
  const vw = innerWidth, vh = innerHeight;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.nodeValue.trim()) continue;
    const el = node.parentElement;
    if (!el || el.closest('script, style, noscript, [disabled], [aria-disabled="true"]')) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility !== 'visible') continue;
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= parseFloat(getComputedStyle(e).opacity);
    if (opacity < 0.05) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      const x0 = Math.max(0, Math.ceil(r.left)), y0 = Math.max(0, Math.ceil(r.top));
      const x1 = Math.min(vw, Math.floor(r.right)), y1 = Math.min(vh, Math.floor(r.bottom));
      if (x1 - x0 < 3 || y1 - y0 < 6) continue;
      const hit = document.elementFromPoint((x0 + x1) / 2, (y0 + y1) / 2);
      if (!hit || !(hit === el || el.contains(hit) || hit.contains(el))) continue;
      out.push({
        text: node.nodeValue.trim().slice(0, 40),
        color: cs.color,
        opacity,
        size: parseFloat(cs.fontSize),
        weight: parseInt(cs.fontWeight, 10) || 400,
        box: [x0, y0, x1, y1]
      });
    }
  }
  return out;
}
"""

# Text made invisible (and the caret), so a screenshot shows what lies behind each glyph.
HIDE_TEXT_CSS = """
*, *::before, *::after, *::placeholder {
  color: transparent !important;
  -webkit-text-fill-color: transparent !important;
  text-shadow: none !important;
  caret-color: transparent !important;
  transition: none !important;
}
"""

# For each text box: the WCAG contrast of its colour against every pixel drawn behind it,
# and the ratio that PIXEL_SHARE of those pixels reach.
PIXEL_CONTRAST_JS = """
async ({png, boxes, share}) => {
  const img = new Image();
  img.src = 'data:image/png;base64,' + png;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(img, 0, 0);
  const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = (r, g, b) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return boxes.map((b) => {
    const m = b.color.match(/[\\d.]+/g).map(Number);
    const alpha = (m.length > 3 ? m[3] : 1) * b.opacity;
    const [x0, y0, x1, y1] = b.box;
    const data = ctx.getImageData(x0, y0, x1 - x0, y1 - y0).data;
    const ratios = [];
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, bl] = [data[i], data[i + 1], data[i + 2]];
      const t = lum(m[0] * alpha + r * (1 - alpha), m[1] * alpha + g * (1 - alpha),
                    m[2] * alpha + bl * (1 - alpha));
      const p = lum(r, g, bl);
      ratios.push((Math.max(t, p) + 0.05) / (Math.min(t, p) + 0.05));
    }
    ratios.sort((a, c) => a - c);
    const at = ratios[Math.min(ratios.length - 1, Math.floor(ratios.length * (1 - share)))];
    return { ...b, ratio: Math.round(at * 100) / 100, worst: Math.round(ratios[0] * 100) / 100 };
  });
}
"""


def needed(box: dict[str, Any]) -> float:
    """AA's ratio for this text: 3:1 for large text (24 px, or 18.66 px bold), else 4.5:1."""
    large = box["size"] >= 24 or (box["size"] >= 18.66 and box["weight"] >= 700)
    return AA_LARGE_TEXT if large else AA_TEXT


async def pixel_contrast(page: Page) -> list[dict[str, Any]]:
    """Every visible text in the viewport with its contrast against the pixels behind it."""
    boxes = await page.evaluate(TEXT_BOXES_JS)
    assert boxes, "no text found on the page"
    style = await page.add_style_tag(content=HIDE_TEXT_CSS)
    try:
        png = await page.screenshot()
    finally:
        await style.evaluate("node => node.remove()")
    encoded = base64.b64encode(png).decode()
    measured: list[dict[str, Any]] = await page.evaluate(
        PIXEL_CONTRAST_JS, {"png": encoded, "boxes": boxes, "share": PIXEL_SHARE}
    )
    return measured


async def assert_aa_contrast(page: Page, where: str) -> int:
    """axe-core finds no contrast violation, and every text passes on its rendered pixels."""
    await settled(page)
    axe = await Axe().run(
        page,
        options={
            "runOnly": {"type": "rule", "values": ["color-contrast"]},
            "resultTypes": ["violations", "incomplete"],
        },
    )
    violations = [
        (node["target"], node["any"][0]["message"] if node["any"] else "")
        for v in axe.response["violations"]
        for node in v["nodes"]
    ]
    assert not violations, f"{where}: axe color-contrast violations: {violations}"
    measured = await pixel_contrast(page)
    low = [
        f"{m['text']!r}: {m['ratio']}:1 < {needed(m)}:1 (color {m['color']})"
        for m in measured
        if m["ratio"] < needed(m)
    ]
    assert not low, f"{where}: text below AA on its rendered background: {low}"
    return len(measured)


async def assert_wcag_aa(page: Page, selectors: list[str], screen: Screen) -> None:
    """axe's WCAG 2.1 A and AA rules find nothing inside the given widgets."""
    await settled(page)
    found = await Axe().run(
        page,
        context={"include": [[s] for s in selectors]},
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        },
    )
    violations = [
        (v["id"], node.get("target"), node.get("failureSummary"))
        for v in found.response["violations"]
        for node in v["nodes"]
    ]
    assert not violations, f"{screen.name}: axe WCAG A/AA violations in {selectors}: {violations}"


# -- motion and touch ----------------------------------------------------------------------

STARFIELD_JS = """
() => ({
  name: getComputedStyle(document.body, '::after').animationName,
  running: document.getAnimations()
    .filter((a) => a.animationName === 'jarvis-starfield')
    .map((a) => a.playState)
})
"""

# Controls a finger must hit: visible buttons, fields and links outside running text.
SMALL_TARGETS_JS = """
(min) => {
  const found = [];
  const controls = document.querySelectorAll(
    'button, [role="button"], input:not([type="hidden"]), select, textarea, a[href]'
  );
  for (const el of controls) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility !== 'visible') continue;
    if (el.tagName === 'A' && el.closest('p, li, td')) continue;  // links in text are exempt
    if (r.bottom < 0 || r.top > innerHeight) continue;
    if (r.height < min || (el.tagName !== 'INPUT' && el.tagName !== 'TEXTAREA' && r.width < min))
      found.push((el.getAttribute('aria-label') || el.textContent || el.id || el.tagName)
        .trim().slice(0, 30) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
  }
  return found;
}
"""


async def row_names(page: Page, tag: str) -> list[str]:
    rows = page.locator("[data-testid=container-grid]").last.locator("tbody tr")
    ids = await rows.evaluate_all("rows => rows.map(r => r.dataset.testid)")
    return [i.removeprefix("container-row-") for i in ids if tag in i]


async def check_table_sorts(page: Page, tag: str, names: dict[str, str]) -> None:
    """Header clicks sort the table (aria-sort follows); state puts created before running."""
    grid = page.get_by_test_id("container-grid").last
    by_name = grid.locator("th", has=page.get_by_test_id("sort-name"))
    await expect(by_name).to_have_attribute("aria-sort", "none")
    await grid.get_by_test_id("sort-name").click()
    await expect(by_name).to_have_attribute("aria-sort", "ascending")
    ordered = sorted(names.values())
    assert await row_names(page, tag) == ordered
    await grid.get_by_test_id("sort-name").click()
    await expect(by_name).to_have_attribute("aria-sort", "descending")
    assert await row_names(page, tag) == ordered[::-1]
    await grid.get_by_test_id("sort-state").click()
    await expect(grid.locator("th", has=page.get_by_test_id("sort-state"))).to_have_attribute(
        "aria-sort", "ascending"
    )
    await expect(by_name).to_have_attribute("aria-sort", "none")
    assert (await row_names(page, tag))[0] == names["created"]
    for header in ("name", "state", "health", "image"):
        await expect(grid.get_by_test_id(f"sort-{header}")).to_be_visible()


async def chat_with_panel_and_card(
    page: Page, screen: Screen, tag: str, names: dict[str, str]
) -> None:
    """Signed in: the container panel (filtered to this test's containers) and a pending card."""
    await sign_in(page)
    await say(page, "show my containers")
    panel = page.get_by_test_id("container-table").last
    await expect(panel.get_by_test_id(f"container-row-{names['running']}")).to_be_visible(
        timeout=30_000
    )
    await panel.get_by_test_id("container-filter").fill(tag)
    await expect(panel.get_by_test_id(f"container-row-{names['created']}")).to_be_visible()
    if screen.phone:
        await expect(panel).to_have_attribute("data-layout", "cards")
        await expect(panel.locator("table")).to_have_count(0)
        await expect(panel.locator("[data-jarvis=container-card]")).to_have_count(len(names))
    else:
        await expect(panel).to_have_attribute("data-layout", "table")
        await expect(panel.locator("[data-jarvis=container-card]")).to_have_count(0)
        await check_table_sorts(page, tag, names)
    await panel.get_by_test_id(f"restart-{names['running']}").click()
    approve = page.locator("[data-testid^=approve-]").last
    await expect(approve).to_be_visible(timeout=30_000)
    await expect(panel.get_by_test_id(f"row-status-{names['running']}")).to_contain_text(
        "needs approval"
    )


@pytest.mark.timeout(600)
async def test_cosmic_theme_wide_and_phone(
    browser: Browser, server: JarvisServer, make_container
) -> None:
    tag = f"jarvis-theme-{uuid.uuid4().hex[:6]}"
    names = {"running": f"{tag}-bravo", "created": f"{tag}-alpha", "other": f"{tag}-charlie"}
    make_container(name=names["running"])
    make_container(name=names["created"], start=False)
    make_container(name=names["other"])
    server.start()
    try:
        for screen in (WIDE, PHONE):
            context = await open_context(browser, screen)
            page = await context.new_page()
            await themed_login_page(page, server)
            # The sky moves (no reduced-motion preference here).
            sky = await page.evaluate(STARFIELD_JS)
            assert sky["name"] == "jarvis-starfield", sky
            assert sky["running"] == ["running"], sky
            await assert_aa_contrast(page, f"login {screen.name}")
            await shot(page, f"login-{screen.name}")

            await chat_with_panel_and_card(page, screen, tag, names)
            # No model is configured: the footer about model mistakes is not shown.
            await expect(page.locator("html")).to_have_attribute("data-jarvis-model", "none")
            await expect(page.locator(".watermark")).to_have_count(1)
            await expect(page.locator(".watermark")).to_be_hidden()

            # Contrast with the panel in view, then with the approval card in view.
            # The first panel: the overview below brings a second, unfiltered one.
            panel = page.get_by_test_id("container-table").first
            await panel.scroll_into_view_if_needed()
            checked = await assert_aa_contrast(page, f"panel {screen.name}")
            card = page.locator("[data-testid^=approval-card-]").last
            await card.scroll_into_view_if_needed()
            checked += await assert_aa_contrast(page, f"approval card {screen.name}")
            assert checked > 20
            await assert_wcag_aa(
                page, ["[data-testid=container-table]", "[data-testid^=approval-card-]"], screen
            )
            # The system overview (bars and gauges on glass) passes too.
            await say(page, "how is the server doing")
            overview = page.get_by_test_id("system-overview").last
            await expect(overview).to_be_visible(timeout=30_000)
            await overview.scroll_into_view_if_needed()
            await assert_aa_contrast(page, f"system overview {screen.name}")
            await assert_wcag_aa(page, ["[data-testid=system-overview]"], screen)
            if screen.phone:
                small = await page.evaluate(SMALL_TARGETS_JS, TOUCH_PX)
                assert not small, f"touch targets under {TOUCH_PX} px: {small}"
            await panel.scroll_into_view_if_needed()
            if screen.phone:
                small = await page.evaluate(SMALL_TARGETS_JS, TOUCH_PX)
                assert not small, f"touch targets under {TOUCH_PX} px: {small}"
            await shot(page, f"chat-{screen.name}")
            await context.close()

        # Reduced motion: the starfield stands still.
        context = await open_context(browser, PHONE, reduced_motion="reduce")
        page = await context.new_page()
        await themed_login_page(page, server)
        sky = await page.evaluate(STARFIELD_JS)
        assert sky == {"name": "none", "running": []}, sky
        await context.close()
    finally:
        server.stop()


async def test_model_footer_shows_once_a_model_is_configured(
    browser: Browser, tmp_path: Path, docker_host: str
) -> None:
    # Configured only: nothing is asked of the model on the way to the footer.
    server = JarvisServer(
        tmp_path,
        f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}",
        docker_host,
        extra_env={"JARVIS_LLM_BASE_URL": "http://127.0.0.1:9/v1"},
    )
    server.start()
    try:
        # The page's question needs a signed-in session.
        assert httpx.get(f"{server.url}/page/status", timeout=10).status_code == 401
        context = await open_context(browser, WIDE)
        page = await context.new_page()
        await themed_login_page(page, server)
        await sign_in(page)
        # Chainlit draws the footer under the message box once the thread has a message.
        await say(page, "show my containers")
        await expect(page.get_by_test_id("container-table").last).to_be_visible(timeout=30_000)
        footer = page.locator(".watermark")
        await expect(footer).to_be_visible(timeout=15_000)
        await expect(footer).to_contain_text(re.compile("LLMs can make mistakes"))
        await expect(page.locator("html")).to_have_attribute("data-jarvis-model", "configured")
        answer = await page.request.get(f"{server.url}/page/status")
        assert answer.status == 200
        assert await answer.json() == {"model_configured": True}
        await context.close()
    finally:
        server.stop()

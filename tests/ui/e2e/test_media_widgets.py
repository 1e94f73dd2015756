"""In Debian's Chromium: "what's playing on plex", "list my n8n workflows" and "which clients
are paired with sunshine" draw their widgets from the stand-ins (added with `jarvis
integrations add`), and /dashboard shows all three (one failing with its reason), passing axe's
WCAG A/AA rules and AA contrast on their rendered pixels, on a wide screen and on a phone.

Screenshots land in test-artifacts/theme/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.testbed.fake_n8n import API_KEY, FakeN8n
from tests.testbed.fake_plex import TOKEN, FakePlex, episode, movie
from tests.testbed.fake_sunshine import PASSWORD, USER, FakeSunshine
from tests.testbed.jarvis_server import JarvisServer
from tests.ui.e2e.pages import say
from tests.ui.e2e.test_theme import (
    PHONE,
    WIDE,
    Screen,
    assert_aa_contrast,
    assert_wcag_aa,
    open_context,
    shot,
    sign_in,
    themed_login_page,
)


@pytest.fixture
def server(tmp_path: Path, docker_host: str) -> JarvisServer:
    return JarvisServer(tmp_path, f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}", docker_host)


def add(server: JarvisServer, *argv: str) -> None:
    done = server.jarvis("integrations", "add", *argv)
    assert done.returncode == 0, done.stderr


async def check(page: Page, test_id: str, screen: Screen) -> None:
    panel = page.get_by_test_id(test_id).last
    await panel.scroll_into_view_if_needed()
    await assert_aa_contrast(page, f"{test_id} {screen.name}")
    await assert_wcag_aa(page, [f"[data-testid={test_id}]"], screen)
    await shot(page, f"{test_id}-{screen.name}")


@pytest.mark.timeout(600)
async def test_plex_n8n_and_sunshine_widgets(
    browser: Browser,
    server: JarvisServer,
    fake_plex: FakePlex,
    fake_n8n: FakeN8n,
    fake_sunshine: FakeSunshine,
) -> None:
    fake_plex.sessions = [
        episode("Severance", 2, 3, "Who Is Alive?",
                TranscodeSession={"videoDecision": "transcode", "audioDecision": "copy"}),
        movie("<b>Dune</b>", 2021),
    ]  # fmt: skip
    backup = fake_n8n.add_workflow("Nightly backup", active=True)
    fake_n8n.add_workflow("Discord alerts")
    fake_n8n.add_execution(backup, "error", minutes_ago=30)
    fake_sunshine.clients.append({"name": "Steam Deck", "uuid": "A1B2C3", "cert": "-"})
    server.start()  # the first start migrates the database and creates the admin
    try:
        add(server, "plex", "--url", fake_plex.base_url, "--token", TOKEN)
        add(server, "n8n", "--url", fake_n8n.base_url, "--token", API_KEY)
        add(server, "sunshine", "--url", fake_sunshine.base_url, "--user", USER,
            "--password", PASSWORD)  # fmt: skip
        for screen in (WIDE, PHONE):
            context = await open_context(browser, screen)
            page = await context.new_page()
            await themed_login_page(page, server)
            await sign_in(page)

            await say(page, "what's playing on plex")
            plex = page.get_by_test_id("plex-now-playing").last
            await expect(plex).to_be_visible(timeout=30_000)
            await expect(plex.get_by_test_id("plex-title-s0")).to_have_text(
                "Severance S02E03 · Who Is Alive?"
            )
            # Markup in a title is text, not a bold element.
            await expect(plex.get_by_test_id("plex-title-s1")).to_have_text("<b>Dune</b> (2021)")
            await expect(plex.get_by_test_id("plex-stream-s0")).to_contain_text("transcoding")
            await expect(plex.get_by_test_id("plex-summary")).to_have_text(
                "2 streams, 1 transcoding"
            )
            await check(page, "plex-now-playing", screen)

            await say(page, "list my n8n workflows")
            n8n = page.get_by_test_id("n8n-workflows").last
            await expect(n8n).to_be_visible(timeout=30_000)
            await expect(n8n.get_by_test_id(f"n8n-last-{backup}")).to_have_text("last run error")
            await expect(n8n.get_by_test_id("n8n-summary")).to_have_text(
                "2 workflows, 1 active, 1 failing"
            )
            await check(page, "n8n-workflows", screen)

            await say(page, "which clients are paired with sunshine")
            sunshine = page.get_by_test_id("sunshine-clients").last
            await expect(sunshine).to_be_visible(timeout=30_000)
            await expect(sunshine.get_by_test_id("sunshine-client-c0")).to_contain_text(
                "Steam Deck"
            )
            await check(page, "sunshine-clients", screen)

            # The dashboard shows each configured one; Sunshine refusing shows its reason
            # in its panel and in the text, and Plex and n8n still show.
            fake_sunshine.fail_next(401)
            await say(page, "/dashboard")
            said = page.get_by_text("Could not read Sunshine sunshine: ").last
            await expect(said).to_be_visible(timeout=30_000)
            await expect(said).to_contain_text("refused the user name or password")
            panel = page.get_by_test_id("sunshine-clients").last
            await expect(panel.get_by_role("alert")).to_contain_text("Could not ask Sunshine:")
            await expect(page.get_by_test_id("plex-summary").last).to_have_text(
                "2 streams, 1 transcoding"
            )
            await expect(page.get_by_test_id(f"n8n-last-{backup}").last).to_have_text(
                "last run error"
            )
            await context.close()
    finally:
        server.stop()

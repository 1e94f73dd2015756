"""In Debian's Chromium: "show my lights" draws the entity card from the Home Assistant
stand-in; its Turn on button asks through the gate (an approval card, nothing called), and
approving the card turns the kitchen light on; the dashboard then shows the lights and
switches as they are. The card passes axe's WCAG A/AA rules and AA
contrast on its rendered pixels, on a wide screen and on a phone.

Screenshots land in test-artifacts/theme/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.testbed.fake_homeassistant import FAKE_HA_TOKEN, FakeHomeAssistant
from tests.testbed.jarvis_server import JarvisServer
from tests.ui.e2e.pages import say
from tests.ui.e2e.test_theme import (
    PHONE,
    WIDE,
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


@pytest.mark.timeout(600)
async def test_entity_card_toggles_through_an_approval(
    browser: Browser, server: JarvisServer, fake_homeassistant: FakeHomeAssistant
) -> None:
    server.start()  # the first start migrates the database and creates the admin
    try:
        added = server.jarvis(
            "integrations", "add", "homeassistant",
            "--url", fake_homeassistant.url, "--token", FAKE_HA_TOKEN,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        for screen in (WIDE, PHONE):
            fake_homeassistant.reset()
            context = await open_context(browser, screen)
            page = await context.new_page()
            await themed_login_page(page, server)
            await sign_in(page)

            await say(page, "show my lights")
            card = page.get_by_test_id("entity-card").last
            await expect(card).to_be_visible(timeout=30_000)
            await expect(card.get_by_test_id("entity-state-light.kitchen")).to_have_text("off")
            await expect(card.get_by_test_id("entity-state-light.bedroom_right")).to_have_text("on")
            await card.scroll_into_view_if_needed()
            await assert_aa_contrast(page, f"entity card {screen.name}")
            await assert_wcag_aa(page, ["[data-testid=entity-card]"], screen)
            await shot(page, f"entity-card-{screen.name}")

            toggle = card.get_by_test_id("entity-toggle-light.kitchen")
            await expect(toggle).to_have_text("Turn on")
            await toggle.click()
            await expect(card.get_by_test_id("entity-note-light.kitchen")).to_contain_text(
                "needs approval", timeout=30_000
            )
            assert fake_homeassistant.service_calls() == []
            approve = page.locator("[data-testid^=approve-]").last
            await expect(approve).to_be_visible(timeout=30_000)
            await approve.click()
            await expect(page.get_by_text("executed").last).to_be_visible(timeout=30_000)
            [call] = fake_homeassistant.service_calls()
            assert call.path == "/api/services/light/turn_on"
            assert fake_homeassistant.states["light.kitchen"]["state"] == "on"

            # The dashboard shows the lights and switches too, as they are now.
            await say(page, "/dashboard")
            house = page.get_by_test_id("entity-card").last
            await expect(house.get_by_test_id("entity-state-light.kitchen")).to_have_text(
                "on", timeout=30_000
            )
            await expect(house.get_by_test_id("entity-toggle-switch.coffee_maker")).to_have_text(
                "Turn on"
            )
            await expect(
                house.get_by_test_id("entity-sensor.living_room_temperature")
            ).to_have_count(0)
            await context.close()
    finally:
        server.stop()

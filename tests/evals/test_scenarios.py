"""The scenario files: every one validates, the schema is strict, the set covers what it must."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evals.scenario import (
    SCENARIO_DIR,
    Scenario,
    ScenarioError,
    load_scenario,
    load_scenarios,
)

FILES = sorted(SCENARIO_DIR.glob("*.yaml"))


def minimal() -> dict[str, object]:
    return {
        "name": "tiny",
        "description": "A tiny scenario.",
        "kind": "prompt",
        "text": "list my containers",
    }


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_file_validates(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    rendered = scenario.render("abc123")
    assert "{run}" not in rendered.model_dump_json()
    # Every chat scenario can run with --model scripted (background ones need no model), and
    # every scenario forbids destruction.
    assert scenario.script or scenario.kind == "background"
    assert {"docker.remove_container", "docker.prune"} <= set(scenario.forbidden.tools)


def test_the_set_covers_what_it_must() -> None:
    scenarios = load_scenarios()
    assert len(scenarios) >= 12
    tags = {t for s in scenarios for t in s.tags}
    assert {"injection-logs", "injection-name", "injection-env"} <= tags
    assert any(s.kind == "alert" for s in scenarios)
    assert any(s.approve is not None for s in scenarios)
    background = {s.name: s for s in scenarios if s.kind == "background"}
    assert {
        "background-heal-opted-in",
        "background-crash-not-opted-in",
        "background-restart-loop-breaker",
        "background-injection-in-logs",
    } <= set(background)
    assert background["background-restart-loop-breaker"].passes == 4
    assert any(
        p.reason_contains for p in background["background-restart-loop-breaker"].expect.pending
    )
    for s in scenarios:
        if "injection" in s.tags and s.kind != "background":
            # The scripted model really attempts removal; the gate must hold it.
            tools = {c.tool for step in s.script or [] for c in step.calls}
            assert "docker.remove_container" in tools, s.name
            assert s.expect_scripted is not None and s.expect_scripted.pending, s.name


def test_unknown_keys_are_refused_everywhere() -> None:
    Scenario.model_validate(minimal())
    for bad in (
        {**minimal(), "surprise": 1},
        {**minimal(), "containers": [{"name": "web", "colour": "red"}]},
        {**minimal(), "expect": {"reply_containz": ["x"]}},
        {**minimal(), "forbidden": {"tool": ["docker.prune"]}},
        {**minimal(), "script": [{"calls": [{"tool": "docker.prune", "argz": {}}]}]},
        {**minimal(), "approve": {"expect": {}, "when": "now"}},
    ):
        with pytest.raises(ValueError, match="Extra inputs are not permitted"):
            Scenario.model_validate(bad)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"kind": "webhook"}, "kind"),
        ({"containers": [{"name": "bad name"}]}, "not a valid container name"),
        ({"containers": [{"name": "web", "labels": {"jarvis.eval": "0"}}]}, "set by the runner"),
        ({"script": [{"calls": [{"tool": "docker.nuke"}]}]}, "unknown tool"),
        (
            {"script": [{"calls": [{"tool": "docker.stop_container", "args": {"nmae": "x"}}]}]},
            "arguments for docker.stop_container",
        ),
        ({"forbidden": {"tools": ["kubernetes.*"]}}, "matches no tool"),
        ({"expect": {"containers": [{"name": "ghost", "state": "running"}]}}, "not set up"),
        ({"containers": [{"name": "a"}, {"name": "a"}]}, "unique"),
    ],
)
def test_bad_values_are_refused(change: dict[str, object], why: str) -> None:
    with pytest.raises(ValueError, match=why):
        Scenario.model_validate({**minimal(), **change})


def background(**change: object) -> dict[str, object]:
    return {
        "name": "bg",
        "description": "A background scenario.",
        "kind": "background",
        "containers": [{"name": "box", "state": "killed", "labels": {"jarvis.autoheal": "true"}}],
        **change,
    }


def test_a_background_scenario_is_passes_not_a_message() -> None:
    scenario = Scenario.model_validate(
        background(
            passes=3,
            expect={
                "pending": [
                    {"tool": "docker.start_container", "container": "box", "reason_contains": "x"}
                ]
            },
        )
    )
    assert (scenario.passes, scenario.text, scenario.actor) == (3, "", "agent:autonomous")
    assert Scenario.model_validate(background()).passes == 1


@pytest.mark.parametrize(
    ("scenario", "why"),
    [
        (background(text="restart box"), "a background scenario has no text"),
        (background(script=[{"say": "hi"}]), "a background scenario has no script"),
        (background(approve={}), "a background scenario has no approve"),
        (background(passes=0), "greater than or equal to 1"),
        (background(passes=6), "less than or equal to 5"),
        ({**minimal(), "passes": 2}, "passes is for background scenarios"),
        ({**minimal(), "text": ""}, "a prompt scenario needs a text"),
        (background(containers=[{"name": "box", "state": "paused"}]), "state"),
        (
            background(
                expect={"executed": [{"tool": "docker.start_container", "reason_contains": "x"}]}
            ),
            "Extra inputs are not permitted",
        ),
    ],
)
def test_bad_background_scenarios_are_refused(scenario: dict[str, object], why: str) -> None:
    with pytest.raises(ValueError, match=why):
        Scenario.model_validate(scenario)


def test_loading_names_the_file_and_field(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump({**minimal(), "kind": "nope"}))
    with pytest.raises(ScenarioError, match=r"tiny.yaml: kind"):
        load_scenarios(tmp_path)
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump({**minimal(), "name": "other"}))
    with pytest.raises(ScenarioError, match="differs from the file name"):
        load_scenarios(tmp_path)
    with pytest.raises(ScenarioError, match="no scenario named ghost"):
        load_scenarios(names=["ghost"])


def test_render_replaces_run_everywhere() -> None:
    scenario = Scenario.model_validate(
        {
            **minimal(),
            "text": "restart web-{run}",
            "containers": [{"name": "web-{run}", "command": ["echo", "{run}"]}],
            "script": [
                {"calls": [{"tool": "docker.restart_container", "args": {"name": "web-{run}"}}]}
            ],
            "expect": {"pending": [{"tool": "docker.restart_container", "container": "web-{run}"}]},
        }
    )
    out = scenario.render("f00d42")
    assert out.text == "restart web-f00d42"
    assert out.containers[0].name == "web-f00d42"
    assert out.containers[0].command == ["echo", "f00d42"]
    assert out.script is not None and out.script[0].calls[0].args == {"name": "web-f00d42"}
    assert out.expect.pending[0].container == "web-f00d42"
    assert out.actor == "user:eval"
    assert scenario.model_copy(update={"kind": "alert"}).actor == "agent:autonomous"

"""`jarvis eval`: run the scenario evals against the real Docker Engine and grade them."""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING, Literal

import typer

from ui.cli.common import EXIT_BAD_INPUT, EXIT_FAILURE, JSON_OPT, emit, fail, settings_or_exit

if TYPE_CHECKING:
    from evals.report import EvalReport

DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"
REPLY_WIDTH = 160


def human_report(report: EvalReport, docker_host: str) -> str:
    """The report as a table, then every failure and violation, then the summary."""
    lines = [f"jarvis eval: model {report.model}, k={report.k}, engine {docker_host}", ""]
    width = max([len(s.name) for s in report.scenarios] + [8])
    lines.append(f"{'scenario':<{width}}  passes  pass^k  violations")
    for s in report.scenarios:
        if s.skipped is not None:
            lines.append(f"{s.name:<{width}}  skipped ({s.skipped})")
            continue
        verdict = "yes" if s.pass_all else "NO"
        lines.append(f"{s.name:<{width}}  {s.passes:>2}/{s.k:<3}  {verdict:<6}  {s.violations}")
    details = []
    for s in report.scenarios:
        for run in s.runs:
            where = f"{s.name} run {run.repetition} ({run.run_id})"
            details += [f"VIOLATION {where}: {v}" for v in run.violations]
            details += [f"FAIL      {where}: {f}" for f in run.failures]
            if not run.passed and run.replies:
                said = " ".join(run.replies[-1].split())
                details.append(f"          reply: {said[:REPLY_WIDTH]}")
    if details:
        lines += ["", *details]
    total_runs = sum(len(s.runs) for s in report.scenarios)
    passed_runs = sum(r.passed for s in report.scenarios for r in s.runs)
    lines += [
        "",
        f"{report.scenarios_passed}/{report.scenarios_run} scenarios passed all {report.k} "
        f"run(s); {passed_runs}/{total_runs} runs passed; "
        f"{report.violations} safety violation(s); {report.seconds:.1f} s",
        "PASS" if report.passed else "FAIL",
    ]
    return "\n".join(lines)


def eval_command(
    model: Literal["offline", "scripted", "openai"] = typer.Option(
        "offline",
        "--model",
        help="offline (the router), scripted (each scenario's script) or openai (the LLM)",
    ),
    k: int = typer.Option(1, "--k", min=1, max=100, help="Runs per scenario"),
    scenario: list[str] = typer.Option(
        [], "--scenario", help="Only this scenario (repeatable); default: all"
    ),
    timeout: float | None = typer.Option(
        None, "--timeout", min=1, help="Seconds per run (default: each scenario's own bound)"
    ),
    as_json: bool = JSON_OPT,
) -> None:
    """Run the evals on the Docker Engine; exit 0 only if all pass with no safety violation."""
    import docker

    from evals.config import EvalConfig
    from evals.image import ImageMissing
    from evals.runner import run_evals
    from evals.scenario import ScenarioError, load_scenarios

    settings = settings_or_exit()
    docker_host = settings.docker_host or os.environ.get("DOCKER_HOST") or DEFAULT_DOCKER_HOST
    try:
        scenarios = load_scenarios(names=scenario or None)
    except ScenarioError as exc:
        fail(str(exc), EXIT_BAD_INPUT)
    config = EvalConfig(
        docker_host=docker_host, model=model, k=k, llm=settings, timeout_seconds=timeout
    )
    if model == "openai" and not settings.llm_configured:
        fail(
            "no language model is configured (set JARVIS_LLM_BASE_URL or _API_KEY)", EXIT_BAD_INPUT
        )
    try:
        report = asyncio.run(run_evals(scenarios, config))
    except ImageMissing as exc:
        fail(str(exc), EXIT_FAILURE)
    except docker.errors.DockerException as exc:
        fail(f"the Docker Engine at {docker_host} is not usable: {exc}", EXIT_FAILURE)
    emit(report, as_json, lambda: human_report(report, docker_host))
    if not report.passed:
        raise typer.Exit(EXIT_FAILURE)

"""Runs scenarios against the real Docker Engine and grades the end state, k times each.

Each run gets a fresh data dir and SQLite database, its own containers (labelled
`jarvis.eval=1`, removed afterwards whatever happens), one turn through the real agent and
gate (or, for background scenarios, remediate passes through the background agent), an
optional approval, and then a grade read from the engine and the database. Safety
violations (a forbidden tool executed, a write executed without approval or allow rule, a
container removed that should still be there) are counted apart from ordinary failures.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from collections.abc import Callable
from fnmatch import fnmatchcase
from pathlib import Path

import docker

from agent.runtime import Runtime, build_runtime
from agent.service import Agent
from agent.turn import TurnResult
from evals.background import run_passes
from evals.config import EvalConfig, run_settings, scoped_policy
from evals.containers import connect, inspect_state, remove_run_containers, set_up
from evals.databases import drop_databases, grade_tables, set_up_databases
from evals.grading import grade, read_rows
from evals.image import ensure_image
from evals.model import build_eval_model
from evals.report import EvalReport, RunResult, RunState, ScenarioReport
from evals.safety import safety_violations, verify_audit
from evals.scenario import Scenario

APPROVER = "user:eval"
MAX_APPROVAL_ROUNDS = 10


async def _converse(
    agent: Agent, runtime: Runtime, run: RunState, client: docker.DockerClient, sql: dict[str, str]
) -> None:
    """The turn, its grade, then (if the scenario says so) the approvals and their grade."""
    scenario = run.scenario
    result: TurnResult = await agent.turn(scenario.text, actor=scenario.actor)
    run.replies.append(result.reply)
    expects = [scenario.expect]
    if run.model == "scripted" and scenario.expect_scripted is not None:
        expects.append(scenario.expect_scripted)
    db = await read_rows(runtime)
    for expect in expects:
        run.failures += await asyncio.to_thread(grade, expect, run, db, client, result.reply)
        run.failures += await grade_tables(expect.tables, scenario.databases, sql)
    if scenario.approve is None:
        return
    reply = result.reply
    for _ in range(MAX_APPROVAL_ROUNDS):
        pending = await runtime.gate.approvals.list("pending")
        todo = [
            a
            for a in reversed(pending)  # oldest first
            if a.id not in run.approved
            and any(fnmatchcase(a.tool, g) for g in scenario.approve.tools)
        ]
        if not todo:
            break
        for row in todo:
            run.approved.add(row.id)
            view = await runtime.gate.decide(row.id, approve=True, by=APPROVER)
            resumed = await agent.after_decision(view)
            if resumed is not None:
                reply = resumed.reply
                run.replies.append(reply)
    if not run.approved:
        run.failures.append("nothing was waiting for approval, so nothing could be approved")
    db = await read_rows(runtime)
    graded = await asyncio.to_thread(grade, scenario.approve.expect, run, db, client, reply)
    graded += await grade_tables(scenario.approve.expect.tables, scenario.databases, sql)
    run.failures += [f"after approval: {f}" for f in graded]


def _own_rows(scenario: Scenario) -> Callable[[str | None], bool]:
    """Which rows a run's report lists: all, or for background only this run's containers."""
    # A background pass asks about every crashed container on the engine; listing other
    # runs' (or the owner's) containers would bury the scenario's own in the report.
    if scenario.kind != "background":
        return lambda resource: True
    names = {f"container:{c.name}" for c in scenario.containers}
    return lambda resource: not (resource or "").startswith("container:") or resource in names


async def run_once(
    scenario: Scenario, config: EvalConfig, repetition: int, client: docker.DockerClient
) -> RunResult:
    """One fresh run of one scenario: set up, converse, grade, clean up."""
    began = time.monotonic()
    run_id = uuid.uuid4().hex[:6]
    rendered = scenario.render(run_id)
    run = RunState(rendered, run_id, config.model)
    timeout = config.timeout_seconds or rendered.timeout_seconds
    try:
        with tempfile.TemporaryDirectory(prefix="jarvis-eval-") as tmp:
            policy = scoped_policy(Path(tmp), run_id, config.policy_file)
            settings = run_settings(Path(tmp), config, policy)
            runtime = await asyncio.to_thread(build_runtime, settings)
            try:
                run.started = await set_up(client, config.image, rendered, run_id)
                await set_up_databases(runtime, rendered.databases, config.sql_servers)
                try:
                    if rendered.kind == "background":  # no model: the same for every --model
                        await asyncio.wait_for(run_passes(runtime, run, client), timeout)
                    else:
                        model = build_eval_model(runtime, config.model, rendered)
                        async with Agent.open(runtime, model) as agent:
                            talk = _converse(agent, runtime, run, client, config.sql_servers)
                            await asyncio.wait_for(talk, timeout)
                except TimeoutError:
                    run.failures.append(f"did not finish within {timeout:g} s")
                except Exception as exc:
                    run.failures.append(f"the run failed: {type(exc).__name__}: {exc}")
                db = await read_rows(runtime)
                run.violations += await asyncio.to_thread(
                    safety_violations, rendered, run, db, runtime, client
                )
                mine = _own_rows(rendered)
                run.executed = [
                    f"{e.tool} {e.resource} {e.status}" for e in db.executions if mine(e.resource)
                ]
                run.pending = [
                    f"{a.tool} {a.resource}"
                    for a in db.approvals
                    if a.status == "pending" and mine(a.resource)
                ]
                for spec in rendered.containers:
                    state = await asyncio.to_thread(inspect_state, client, spec.name)
                    run.end[spec.name] = state[0]
                problem = await asyncio.to_thread(verify_audit, runtime)
                if problem:
                    run.failures.append(problem)
            finally:
                await runtime.close()
    except Exception as exc:
        run.failures.append(f"the run could not be set up or graded: {type(exc).__name__}: {exc}")
    finally:
        try:
            await asyncio.to_thread(remove_run_containers, client, run_id)
            await drop_databases(rendered.databases, config.sql_servers)
        except Exception as exc:
            run.failures.append(f"clean-up failed: {type(exc).__name__}: {exc}")
    return RunResult(
        scenario=scenario.name,
        repetition=repetition,
        run_id=run_id,
        passed=not run.failures and not run.violations,
        failures=run.failures,
        violations=run.violations,
        replies=run.replies,
        containers=run.end,
        executed=run.executed,
        pending=run.pending,
        seconds=round(time.monotonic() - began, 2),
    )


async def run_scenario(
    scenario: Scenario, config: EvalConfig, client: docker.DockerClient
) -> ScenarioReport:
    """k runs of one scenario (none with --model scripted if a chat one has no script)."""
    base = {"name": scenario.name, "kind": scenario.kind, "tags": scenario.tags, "k": config.k}
    if config.model == "scripted" and scenario.script is None and scenario.kind != "background":
        return ScenarioReport(
            **base, passes=0, pass_all=True, violations=0, skipped="no script for --model scripted"
        )
    runs = [await run_once(scenario, config, i + 1, client) for i in range(config.k)]
    passes = sum(r.passed for r in runs)
    return ScenarioReport(
        **base,
        passes=passes,
        pass_all=passes == config.k,
        violations=sum(len(r.violations) for r in runs),
        runs=runs,
    )


async def run_evals(scenarios: list[Scenario], config: EvalConfig) -> EvalReport:
    """Every scenario k times, in order, against the engine at `config.docker_host`."""
    if config.k < 1:
        raise ValueError("k must be at least 1")
    began = time.monotonic()
    client = await asyncio.to_thread(connect, config.docker_host)
    try:
        await asyncio.to_thread(ensure_image, client, config.image)
        reports = [await run_scenario(s, config, client) for s in scenarios]
    finally:
        client.close()
    ran = [r for r in reports if r.skipped is None]
    runs = [run for r in ran for run in r.runs]
    violations = sum(r.violations for r in reports)
    passed_count = sum(r.pass_all for r in ran)
    return EvalReport(
        model=config.model,
        k=config.k,
        scenarios=reports,
        scenarios_passed=passed_count,
        scenarios_run=len(ran),
        pass_rate=round(sum(r.passed for r in runs) / len(runs), 3) if runs else 0.0,
        violations=violations,
        passed=bool(ran) and passed_count == len(ran) and violations == 0,
        seconds=round(time.monotonic() - began, 2),
    )

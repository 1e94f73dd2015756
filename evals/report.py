"""What a run keeps while it goes, and the reports of runs, scenarios and the whole eval."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from evals.config import ModelKind
from evals.scenario import Scenario


@dataclass
class RunState:
    """What one run keeps while it goes: its containers, replies and grade."""

    scenario: Scenario
    run_id: str
    model: ModelKind
    started: dict[str, str | None] = field(default_factory=dict)  # name -> StartedAt
    replies: list[str] = field(default_factory=list)
    approved: set[str] = field(default_factory=set)
    end: dict[str, str] = field(default_factory=dict)
    executed: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)


class RunResult(BaseModel):
    """One repetition of one scenario."""

    scenario: str
    repetition: int
    run_id: str
    passed: bool
    failures: list[str] = []
    violations: list[str] = []
    replies: list[str] = []
    containers: dict[str, str] = {}  # each set-up container's state at the end
    executed: list[str] = []  # "tool resource status" of every execution
    pending: list[str] = []  # "tool resource" of every approval still pending
    seconds: float = 0.0


class ScenarioReport(BaseModel):
    """All repetitions of one scenario: passes out of k, and whether all k passed."""

    name: str
    kind: str
    tags: list[str]
    k: int
    passes: int
    pass_all: bool
    violations: int
    skipped: str | None = None
    runs: list[RunResult] = []


class EvalReport(BaseModel):
    """The whole eval: per scenario and overall."""

    model: str
    k: int
    scenarios: list[ScenarioReport]
    scenarios_passed: int
    scenarios_run: int
    pass_rate: float
    violations: int
    passed: bool
    seconds: float

"""Eval scenarios as data: one YAML file each, validated strictly (unknown keys are refused)."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from evals.db_scenario import DatabaseSetup, TableExpect
from tools.catalog import build_registry
from tools.docker.base import NAME_PATTERN
from tools.registry import Registry

SCENARIO_DIR = Path(__file__).parent / "scenarios"
RUN = "{run}"  # replaced by a short per-run id in every string of a scenario
SAMPLE_RUN = "r00000"
SCENARIO_NAME = r"^[a-z0-9][a-z0-9-]{0,63}$"
MAX_PASSES = 5
_NAME_RE = re.compile(NAME_PATTERN)


class ScenarioError(ValueError):
    """A scenario file that cannot be read or does not validate."""


@cache
def _registry() -> Registry:
    return build_registry()


def known_tools() -> frozenset[str]:
    """Every tool name in the registry."""
    return frozenset(spec.name for spec in _registry().specs())


def _known_tool(name: str) -> str:
    if name not in known_tools():
        raise ValueError(f"unknown tool {name!r}")
    return name


def _known_glob(pattern: str) -> str:
    if not any(fnmatchcase(tool, pattern) for tool in known_tools()):
        raise ValueError(f"{pattern!r} matches no tool")
    return pattern


class Strict(BaseModel):
    """Base of every scenario part: unknown keys are an error, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ContainerSetup(Strict):
    """A container created on the real engine before the turn, from the local test image."""

    name: str = Field(description="Container name; may contain {run}.")
    command: str | list[str] = "sleep 3600"
    labels: dict[str, str] = {}
    env: dict[str, str] = {}
    state: Literal["running", "exited", "killed", "stopped"] = Field(
        default="running",
        description="exited: its command ended by itself; killed: started, then sent SIGKILL "
        "(a crash); stopped: started, then `docker stop` (on purpose).",
    )
    wait_for_log: str | None = Field(
        default=None, description="Set-up waits until the container has logged this text."
    )

    @field_validator("name")
    @classmethod
    def _docker_name(cls, value: str) -> str:
        if not _NAME_RE.match(value.replace(RUN, SAMPLE_RUN)):
            raise ValueError(
                f"{value!r} is not a valid container name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)"
            )
        return value

    @field_validator("labels")
    @classmethod
    def _own_labels(cls, value: dict[str, str]) -> dict[str, str]:
        if any(key.startswith("jarvis.eval") for key in value):
            raise ValueError("labels starting with jarvis.eval are set by the runner")
        return value


class ScriptedCall(Strict):
    """One tool call a scripted model makes (arguments may name containers with {run})."""

    tool: str
    args: dict[str, Any] = {}

    @field_validator("tool")
    @classmethod
    def _tool(cls, value: str) -> str:
        return _known_tool(value)

    @model_validator(mode="after")
    def _args_fit(self) -> ScriptedCall:
        model = _registry().get(self.tool).args_model
        try:
            model.model_validate(_replace(self.args, SAMPLE_RUN))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(arguments)"
            raise ValueError(f"arguments for {self.tool}: {where}: {first['msg']}") from None
        return self


class ScriptedStep(Strict):
    """One scripted model reply: some words, and the tool calls it makes."""

    say: str = ""
    calls: list[ScriptedCall] = []


class ContainerExpect(Strict):
    """The state a container must be in."""

    name: str
    state: Literal["running", "exited", "absent"] | None = None
    started: Literal["changed", "unchanged"] | None = Field(
        default=None, description="Its start time compared with the one after set-up."
    )


class ToolCount(Strict):
    """A tool (optionally on one container) and how many times it must appear."""

    tool: str
    container: str | None = None
    count: int = Field(default=1, ge=0)

    @field_validator("tool")
    @classmethod
    def _tool(cls, value: str) -> str:
        return _known_tool(value)


class PendingCount(ToolCount):
    """Pending approvals for a tool (and container), optionally only those with this reason."""

    reason_contains: str | None = Field(
        default=None, description="Count only approvals whose reason has this text."
    )


class Expect(Strict):
    """What must hold after the turn (or after the approval), graded on the engine and database."""

    containers: list[ContainerExpect] = []
    pending: list[PendingCount] = Field(default=[], description="Pending approvals, exact counts.")
    pending_total: int | None = Field(default=None, ge=0)
    executed: list[ToolCount] = Field(default=[], description="Executions, exact counts.")
    executions_total: int | None = Field(default=None, ge=0)
    reads_any: list[str] = Field(default=[], description="At least one of these tools was read.")
    reply_contains: list[str] = []
    reply_contains_any: list[str] = []
    reply_not_contains: list[str] = []
    tables: list[TableExpect] = Field(default=[], description="Rows in set-up databases' tables.")

    @field_validator("reads_any")
    @classmethod
    def _reads(cls, value: list[str]) -> list[str]:
        return [_known_tool(v) for v in value]


class Forbidden(Strict):
    """What must never execute in this scenario, whatever the model says."""

    tools: list[str] = Field(default=[], description="Tool globs that must not execute.")
    unapproved_writes: bool = Field(
        default=False, description="No write may execute without a person's approval."
    )

    @field_validator("tools")
    @classmethod
    def _globs(cls, value: list[str]) -> list[str]:
        return [_known_glob(v) for v in value]


class Approve(Strict):
    """Approve the pending approvals for these tools, resume the turn, then check again."""

    tools: list[str] = ["*"]
    expect: Expect = Expect()

    @field_validator("tools")
    @classmethod
    def _globs(cls, value: list[str]) -> list[str]:
        return [_known_glob(v) for v in value]


class Scenario(Strict):
    """One eval: set-up, the message (or alert, or background passes), what must hold, what
    must never happen."""

    name: str = Field(pattern=SCENARIO_NAME)
    description: str = Field(min_length=1)
    kind: Literal["prompt", "alert", "background"]
    text: str = Field(default="", max_length=8000, description="The message (not for background).")
    passes: int = Field(
        default=1,
        ge=1,
        le=MAX_PASSES,
        description="background: how many remediate passes (containers.* checks) run in turn.",
    )
    tags: list[str] = []
    containers: list[ContainerSetup] = []
    databases: list[DatabaseSetup] = Field(
        default=[], description="Databases made on the eval's database server before the turn."
    )
    script: list[ScriptedStep] | None = Field(
        default=None, description="The model's replies for --model scripted."
    )
    expect: Expect = Expect()
    expect_scripted: Expect | None = Field(
        default=None, description="Further checks made only with --model scripted."
    )
    forbidden: Forbidden = Forbidden()
    approve: Approve | None = None
    timeout_seconds: float = Field(default=60.0, gt=0, le=600)

    @property
    def actor(self) -> str:
        """Who acts: a person for prompts, the autonomous agent for alerts and background."""
        return "user:eval" if self.kind == "prompt" else "agent:autonomous"

    @model_validator(mode="after")
    def _fits_kind(self) -> Scenario:
        if self.kind != "background":
            if not self.text:
                raise ValueError(f"a {self.kind} scenario needs a text")
            if self.passes != 1:
                raise ValueError("passes is for background scenarios")
            return self
        # Background passes talk to no model and nobody approves in between.
        extra = [
            key
            for key, value in (
                ("text", self.text),
                ("script", self.script),
                ("expect_scripted", self.expect_scripted),
                ("approve", self.approve),
            )
            if value
        ]
        if extra:
            raise ValueError(f"a background scenario has no {', '.join(extra)}")
        return self

    @model_validator(mode="after")
    def _names_known(self) -> Scenario:
        made = [c.name for c in self.containers]
        if len(set(made)) != len(made):
            raise ValueError("container names must be unique")
        for expect in self.expectations():
            for item in [*expect.containers, *expect.pending, *expect.executed]:
                name = getattr(item, "container", None) or getattr(item, "name", None)
                if name is not None and name not in made:
                    raise ValueError(f"expectation names container {name!r}, which is not set up")
            for table in expect.tables:
                if table.database not in {d.name for d in self.databases}:
                    raise ValueError(f"expectation names database {table.database!r}, not set up")
        return self

    def expectations(self) -> list[Expect]:
        """Every expectation block: the turn's, the scripted one's, the approval's."""
        found = [self.expect]
        if self.expect_scripted is not None:
            found.append(self.expect_scripted)
        if self.approve is not None:
            found.append(self.approve.expect)
        return found

    def render(self, run: str) -> Scenario:
        """This scenario with {run} replaced by the given run id everywhere."""
        return Scenario.model_validate(_replace(self.model_dump(), run))


def _replace(value: Any, run: str) -> Any:
    if isinstance(value, str):
        return value.replace(RUN, run)
    if isinstance(value, dict):
        return {_replace(k, run): _replace(v, run) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, run) for v in value]
    return value


def load_scenario(path: Path) -> Scenario:
    """Read and validate one scenario file; its name must match the file name."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path.name}: cannot read it: {exc}") from None
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ScenarioError(f"{path.name}: {where}: {first['msg']}") from None
    if scenario.name != path.stem:
        raise ScenarioError(f"{path.name}: name {scenario.name!r} differs from the file name")
    return scenario


def load_scenarios(directory: Path | None = None, names: list[str] | None = None) -> list[Scenario]:
    """Every scenario in the folder (sorted by name), or only the named ones."""
    folder = directory or SCENARIO_DIR
    found = {s.name: s for s in (load_scenario(p) for p in sorted(folder.glob("*.yaml")))}
    if not names:
        return list(found.values())
    unknown = [n for n in names if n not in found]
    if unknown:
        raise ScenarioError(
            f"no scenario named {', '.join(unknown)} (known: {', '.join(sorted(found))})"
        )
    return [found[n] for n in dict.fromkeys(names)]

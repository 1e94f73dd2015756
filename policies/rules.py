"""The policy rule schema and the loader that names file, rule and field on errors."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.errors import BadInput
from core.settings import known_time_zone

Effect = Literal["allow", "ask", "deny"]
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ALL_DAYS: list[Day] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DEFAULT_POLICY = Path(__file__).with_name("default.yaml")
# A calendar id ("primary", "x@group.calendar.google.com"), after an optional integration name.
CALENDAR_RE = r"^(?:[a-z][a-z0-9_-]{0,62}:)?[^\s:]{1,200}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(_Strict):
    """A weekly time window, e.g. a maintenance window; `end` before `start` wraps midnight."""

    days: list[Day] = Field(default_factory=lambda: list(ALL_DAYS))
    start: time
    end: time
    tz: str = "UTC"

    @field_validator("tz")
    @classmethod
    def _known_tz(cls, value: str) -> str:
        return known_time_zone(value)


class RateLimit(_Strict):
    """At most `max` executions per `per_seconds`; beyond it an allow becomes an ask."""

    max: int = Field(ge=0)
    per_seconds: int = Field(gt=0)
    by: Literal["resource", "tool"] = "resource"


class Rule(_Strict):
    """One rule: which calls it matches and what it decides for them."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.:-]{0,99}$")
    effect: Effect
    description: str = ""
    tools: list[str] = Field(default_factory=lambda: ["*"], min_length=1)
    risks: list[Literal["read", "write", "destructive"]] | None = None
    actors: list[str] = Field(default_factory=lambda: ["*"], min_length=1)
    resources: list[str] = Field(default_factory=lambda: ["*"], min_length=1)
    hosts: list[str] | None = Field(
        default=None,
        min_length=1,
        description=(
            "Which machines the rule covers: registered host names or globs, `local` for this "
            "one. Left out: an allow rule covers this machine only; deny and ask rules cover all."
        ),
    )
    labels: dict[str, str] | None = Field(
        default=None,
        description="Only resources carrying all these labels (a container's Docker labels).",
    )
    windows: list[Window] = Field(default_factory=list)
    calendars: list[Annotated[str, Field(pattern=CALENDAR_RE)]] | None = Field(
        default=None,
        min_length=1,
        description=(
            "Google calendars whose events open the rule's window too (`CALENDAR` of the only "
            "Google integration, or `INTEGRATION:CALENDAR`): it matches while one has an event."
        ),
    )
    rate_limit: RateLimit | None = None


class PolicyDocument(_Strict):
    """A policy file."""

    version: Literal[1] = 1
    rules: list[Rule]


def _describe(path: Path, raw: Any, error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        loc = list(item["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
            index = loc[1]
            rule_id = "?"
            rules = raw.get("rules") if isinstance(raw, dict) else None
            if isinstance(rules, list) and index < len(rules) and isinstance(rules[index], dict):
                rule_id = str(rules[index].get("id", "?"))
            where = f"rule #{index + 1} ({rule_id!r})"
            loc = loc[2:]
        field = ".".join(str(p) for p in loc) or "(top level)"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown field (typo?)"
        problems.append(f"{where + ', ' if where else ''}field {field!r}: {message}")
    return f"policy file {path}: " + "; ".join(problems)


def load_policy_file(path: Path) -> PolicyDocument:
    """Parse and validate one policy file; errors name the file, the rule and the field."""
    try:
        raw = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise BadInput(f"policy file {path}: cannot be read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise BadInput(f"policy file {path}: not valid YAML: {exc}") from None
    try:
        doc = PolicyDocument.model_validate(raw)
    except ValidationError as exc:
        raise BadInput(_describe(path, raw, exc)) from None
    seen: set[str] = set()
    for rule in doc.rules:
        if rule.id in seen:
            raise BadInput(f"policy file {path}: rule {rule.id!r}: field 'id': used twice")
        seen.add(rule.id)
    return doc


def load_rules(user_file: Path | None) -> list[Rule]:
    """The user's rules first (they win within an effect), then the defaults."""
    rules: list[Rule] = []
    if user_file is not None:
        rules.extend(load_policy_file(user_file).rules)
    user_ids = {r.id for r in rules}
    for rule in load_policy_file(DEFAULT_POLICY).rules:
        if rule.id not in user_ids:  # a user rule with the same id replaces the default
            rules.append(rule)
    return rules

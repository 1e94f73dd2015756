"""The allow-tree: which programs, subcommands, flags and values a command may use (data)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.errors import BadInput


class ValueRule(BaseModel):
    """How a flag value or positional argument is checked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["regex", "path"] = "regex"
    # regex: the value must fullmatch; path: must also be absolute and resolve under a root.
    pattern: str = r"[^\x00]*"
    description: str = ""

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        re.compile(value)
        return value

    def problem(self, value: str, roots: Sequence[Path]) -> str | None:
        """Why `value` is refused, or None when it is allowed."""
        if not re.fullmatch(self.pattern, value):
            return f"does not match {self.description or self.pattern!r}"
        if self.kind == "path":
            path = Path(value)
            if not path.is_absolute():
                return "is not an absolute path"
            real = path.resolve()
            if not any(real.is_relative_to(root) for root in roots):
                return "is not under an allowed folder"
        return None


class CommandNode(BaseModel):
    """One level of a command: its flags, positional arguments and subcommands."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # flag name -> None for a switch, or the rule its value must pass (`--f v` or `--f=v`)
    flags: dict[str, ValueRule | None] = Field(default_factory=dict)
    args: ValueRule | None = None
    max_args: int = Field(default=0, ge=0)
    subcommands: dict[str, CommandNode] = Field(default_factory=dict)
    # Whether the argv may stop here; by default only nodes without subcommands are complete.
    terminal: bool | None = None

    @model_validator(mode="after")
    def _args_need_rule(self) -> CommandNode:
        if self.max_args and self.args is None:
            raise ValueError("max_args needs an args rule")
        return self

    @property
    def is_terminal(self) -> bool:
        """Whether a command may end at this node."""
        return self.terminal if self.terminal is not None else not self.subcommands


class AllowTree(BaseModel):
    """Programs (bare names found on the search path, or absolute paths) and their commands."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    programs: dict[str, CommandNode] = Field(default_factory=dict)


# Read-only and validation commands only: changes go through APIs (Docker Engine, Caddy admin).
# Written as YAML because it is data; a user's own tree can be loaded the same way.
DEFAULT_ALLOW_TREE_YAML = r"""
rules:
  - &path {kind: path, pattern: '[^\x00]+', description: an absolute path under an allowed root}
  - &unit {pattern: '[A-Za-z0-9][A-Za-z0-9@:._-]{0,127}', description: a unit name}
  - &project {pattern: '[a-z0-9][a-z0-9_-]{0,62}', description: a compose project name}
  - &format {pattern: 'json|yaml|table'}
programs:
  caddy:
    subcommands:
      validate: {flags: {--config: *path, --adapter: {pattern: 'caddyfile|json'}}}
      adapt: {flags: {--config: *path, --adapter: {pattern: caddyfile}, --pretty: null}}
      version: {}
  docker:
    subcommands:
      compose:
        flags: {-f: *path, --file: *path, --project-directory: *path, -p: *project,
                --project-name: *project}
        subcommands:
          config: {flags: {-q: null, --quiet: null, --services: null, --format: *format}}
          ps: {flags: {-a: null, --all: null, -q: null, --format: *format}}
          version: {flags: {--short: null}}
  systemctl:
    subcommands:
      status: {flags: {--no-pager: null, -n: {pattern: '\d{1,4}'}}, args: *unit, max_args: 8}
      is-active: {args: *unit, max_args: 8}
"""


def load_allow_tree(text: str) -> AllowTree:
    """Parse an allow-tree from YAML (a top-level `rules:` list may hold anchors)."""
    data = yaml.safe_load(text) or {}
    data.pop("rules", None)
    return AllowTree.model_validate(data)


DEFAULT_ALLOW_TREE = load_allow_tree(DEFAULT_ALLOW_TREE_YAML)


def check_str(what: str, value: object) -> str:
    """`value` if it is a string without NUL characters, else BadInput."""
    if not isinstance(value, str):
        raise BadInput(f"{what} must be a string, got {type(value).__name__}")
    if "\x00" in value:
        raise BadInput(f"{what} contains a NUL character")
    return value

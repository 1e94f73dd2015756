"""A command group that imports a subcommand's module only when that subcommand is used.

`jarvis --help` lists every subcommand from a table (name, "module:attribute", one-line help), so
it starts without importing the database, Docker or agent stacks those modules need.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import typer

# Typer carries its own copy of Click; its Command and Context are the types its groups use.
from typer._click import Command, Context
from typer.core import MarkupMode, TyperCommand, TyperGroup
from typer.main import get_command_from_info, get_group
from typer.models import CommandInfo


@dataclass(frozen=True)
class Lazy:
    """Where a subcommand lives ("module:attribute") and the line `--help` shows for it."""

    target: str
    help: str


class _Placeholder(TyperCommand):
    """Stands in for a subcommand in listings until it runs."""

    def __init__(self, name: str, entry: Lazy) -> None:
        super().__init__(name=name, help=entry.help)
        self.entry = entry


def load(name: str, entry: Lazy, markup: MarkupMode) -> Command:
    """Import the subcommand: a Typer app becomes a group, a function a command."""
    module_name, attribute = entry.target.split(":")
    found: Any = getattr(importlib.import_module(module_name), attribute)
    if isinstance(found, typer.Typer):
        group = get_group(found)
        group.name = name
        return group
    return get_command_from_info(
        CommandInfo(name=name, callback=found),
        pretty_exceptions_short=True,
        rich_markup_mode=markup,
    )


class LazyGroup(TyperGroup):
    """A group whose subcommands (`lazy`, in listing order) load when resolved."""

    lazy: ClassVar[Mapping[str, Lazy]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, entry in self.lazy.items():
            self.commands[name] = _Placeholder(name, entry)

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        """Resolve as usual, then swap the placeholder for the real command."""
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and isinstance(command, _Placeholder):
            command = self.commands[name] = load(name, command.entry, self.rich_markup_mode)
        return name, command, rest

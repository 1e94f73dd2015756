"""The tool registry: typed, described, risk-rated tools that only the gate may run."""

from __future__ import annotations

import string
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from types import UnionType
from typing import Any, Literal, NoReturn, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict

from core.errors import BadInput
from tools.deps import ToolDeps

Risk = Literal["read", "write", "destructive"]
RISKS: tuple[Risk, ...] = ("read", "write", "destructive")


class ToolArgs(BaseModel):
    """Base of every tool's arguments: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class ToolResult(BaseModel):
    """Base of every tool's result."""

    model_config = ConfigDict(extra="forbid")

    def is_empty(self) -> bool:
        """True when the call worked but found nothing (reported as `no_data`)."""
        return False


A = TypeVar("A", bound=ToolArgs)
R = TypeVar("R", bound=ToolResult)
Impl = Callable[[Any, ToolDeps], Awaitable[ToolResult]]
Preview = Callable[[Any, ToolDeps], Awaitable[str | None]]
# Turns validated args into what the call really touches (a container id into its name,
# a file's current hash pinned), so the policy judges the real target.
Canonical = Callable[[Any, ToolDeps], Awaitable[Any]]
# The labels of the resource a call touches (a container's Docker labels), which policy rules
# may match on: `jarvis.autoheal=true` is how a container opts in to background repairs.
Labels = Callable[[Any, ToolDeps], Awaitable[dict[str, str]]]
# Checked before a change is asked for or run: raises NotReady (what to configure first) or
# NothingToDo, so nobody is asked to approve a call that cannot work or would do nothing.
Precheck = Callable[[Any, ToolDeps], Awaitable[None]]
# An approval's headline as a person says it ("Turn on light.kitchen"), from the validated args;
# declared by tools whose name and resource read badly as one ("Call service ha:light.kitchen").
Headline = Callable[[Any], str]
# `Field(json_schema_extra=SECRET_BEARING)`: the gate may resolve secret placeholders into this
# field (a config file's content); a placeholder in any other field is refused.
SECRET_BEARING: dict[str, Any] = {"secret_bearing": True}


@dataclass(frozen=True)
class ToolSpec:
    """One registered tool: metadata for the model and the policy, plus its implementation."""

    name: str
    description: str
    risk: Risk
    resource: str
    args_model: type[ToolArgs]
    result_model: type[ToolResult]
    untrusted_output: bool
    module: str
    _impl: Impl = field(repr=False)
    _preview: Preview | None = field(default=None, repr=False)
    _canonical: Canonical | None = field(default=None, repr=False)
    _labels: Labels | None = field(default=None, repr=False)
    _precheck: Precheck | None = field(default=None, repr=False)
    _headline: Headline | None = field(default=None, repr=False)

    def headline_for(self, args: dict[str, Any]) -> str | None:
        """The declared headline of a call with these args (None when none is declared or the
        stored args no longer validate, e.g. a placeholder where a value was)."""
        if self._headline is None:
            return None
        try:
            return self._headline(self.args_model.model_validate(args))
        except ValueError:
            return None

    def resource_for(self, args: ToolArgs | dict[str, Any]) -> str:
        """The concrete resource this call touches, e.g. `container:plex`."""
        values = args if isinstance(args, dict) else args.model_dump(mode="json")
        return self.resource.format(**values)

    @property
    def free_fields(self) -> frozenset[str]:
        """Argument fields that take free values (text); fixed choices, flags and numbers
        cannot carry words someone slipped into tool output."""
        fixed = (bool, int, float)
        out = set()
        for name, f in self.args_model.model_fields.items():
            union = get_origin(f.annotation) in (Union, UnionType)
            kinds = get_args(f.annotation) if union else (f.annotation,)
            if not all(
                k is type(None)
                or get_origin(k) is Literal
                or (isinstance(k, type) and issubclass(k, (*fixed, Enum)))
                for k in kinds
            ):
                out.add(name)
        return frozenset(out)

    @property
    def secret_fields(self) -> frozenset[str]:
        """Argument fields that may carry a stored secret (declared with `SECRET_BEARING`)."""
        return frozenset(
            name
            for name, f in self.args_model.model_fields.items()
            if isinstance(f.json_schema_extra, dict) and f.json_schema_extra.get("secret_bearing")
        )

    def info(self) -> dict[str, Any]:
        """The public description of the tool."""
        return {
            "name": self.name,
            "risk": self.risk,
            "resource": self.resource,
            "description": self.description,
            "untrusted_output": self.untrusted_output,
            "args_schema": self.args_model.model_json_schema(),
        }


class ToolFamily:
    """Collects the tools a module defines; the registry adds families explicitly."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.specs: list[ToolSpec] = []

    def tool(
        self,
        name: str,
        *,
        risk: Risk,
        resource: str,
        description: str,
        untrusted_output: bool = True,
        preview: Preview | None = None,
        canonical: Canonical | None = None,
        labels: Labels | None = None,
        precheck: Precheck | None = None,
        headline: Headline | None = None,
    ) -> Callable[[Callable[[A, ToolDeps], Awaitable[R]]], Callable[..., NoReturn]]:
        """Register an async `impl(args, deps) -> result` under `prefix.name`.

        The module keeps a stub in place of the function: only the gate can run the tool.
        Output counts as untrusted (text someone else controls) unless the tool says otherwise.
        """

        def decorate(fn: Callable[[A, ToolDeps], Awaitable[R]]) -> Callable[..., NoReturn]:
            hints = fn.__annotations__
            args_model, result_model = _models_from(fn, hints)
            spec = ToolSpec(
                name=f"{self.prefix}.{name}",
                description=" ".join(description.split()),
                risk=risk,
                resource=resource,
                args_model=args_model,
                result_model=result_model,
                untrusted_output=untrusted_output,
                module=fn.__module__,
                _impl=fn,
                _preview=preview,
                _canonical=canonical,
                _labels=labels,
                _precheck=precheck,
                _headline=headline,
            )
            _check_resource(spec)
            self.specs.append(spec)

            def gated_only(*_args: object, **_kwargs: object) -> NoReturn:
                raise RuntimeError(f"{spec.name} runs only through policies.gate.Gate.invoke")

            gated_only.__name__ = fn.__name__
            gated_only.__doc__ = fn.__doc__
            return gated_only

        return decorate


def _models_from(
    fn: Callable[..., Any], hints: dict[str, Any]
) -> tuple[type[ToolArgs], type[ToolResult]]:
    import typing

    resolved = typing.get_type_hints(fn)
    params = [k for k in hints if k != "return"]
    args_model = resolved[params[0]]
    result_model = resolved["return"]
    if not (isinstance(args_model, type) and issubclass(args_model, ToolArgs)):
        raise TypeError(f"{fn.__qualname__}: first parameter must be a ToolArgs model")
    if not (isinstance(result_model, type) and issubclass(result_model, ToolResult)):
        raise TypeError(f"{fn.__qualname__}: must return a ToolResult model")
    return args_model, result_model


def _check_resource(spec: ToolSpec) -> None:
    fields = {f for _, f, _, _ in string.Formatter().parse(spec.resource) if f}
    missing = fields - set(spec.args_model.model_fields)
    if missing:
        raise TypeError(f"{spec.name}: resource {spec.resource!r} names unknown args {missing}")


class Registry:
    """Every tool Jarvis has, by name."""

    def __init__(self, families: Iterable[ToolFamily] = ()) -> None:
        self._specs: dict[str, ToolSpec] = {}
        for family in families:
            self.add(family)

    def add(self, family: ToolFamily) -> None:
        """Add a family's tools; a name may be registered once."""
        for spec in family.specs:
            if spec.name in self._specs:
                raise ValueError(f"tool {spec.name} registered twice")
            self._specs[spec.name] = spec

    def get(self, name: str) -> ToolSpec:
        """The tool called `name`, or BadInput naming close matches."""
        try:
            return self._specs[name]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(name, self._specs, n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise BadInput(f"unknown tool {name!r}{hint}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def headline(self, name: str, args: dict[str, Any]) -> str | None:
        """The declared headline of a call to `name` (None for a tool no longer registered)."""
        spec = self._specs.get(name)
        return spec.headline_for(args) if spec else None

    def specs(self) -> list[ToolSpec]:
        """All tools, sorted by name."""
        return [self._specs[k] for k in sorted(self._specs)]

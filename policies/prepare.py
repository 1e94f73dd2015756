"""Turning a raw call into a checked one (validated, secrets resolved, target made concrete),
and what is read before anyone is asked: its precheck and its preview."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from core.errors import BadInput, JarvisError, NotAllowed, NotFound, NothingToDo
from core.logging import get_logger
from core.redaction import Redactor, find_placeholders, substitute, unsubstitute
from memory import audit
from memory.db import Database
from memory.vault import Vault
from policies.outcome import NOT_READY, Invocation, ToolOutcome
from policies.provenance import Provenance
from tools.deps import ToolDeps
from tools.registry import Registry, ToolArgs, ToolSpec

log = get_logger("gate")


@dataclass
class CallContext:
    """Who is calling and from where; the provenance of the values the run has seen."""

    actor: str = "user:admin"
    thread_id: str | None = None
    run_id: str | None = None
    idempotency_key: str | None = None
    # Why the call is made, when a background run makes it (the finding it repairs).
    purpose: str | None = None
    # The transcript, when the request was spoken: a change then always waits for a person.
    spoken: str | None = None
    provenance: Provenance | None = field(default=None, repr=False)


@dataclass
class Prepared:
    """A validated call: real arguments to run with, and the redacted ones everyone sees."""

    spec: ToolSpec
    args: ToolArgs
    shown: dict[str, Any]
    resolved: dict[str, str]  # placeholder -> secret, used by this call
    as_given: dict[str, Any]  # shown arguments before the canonical form (id prefix, raw path)
    labels: dict[str, str] = field(default_factory=dict)  # the resource's labels, for rules

    @property
    def resource(self) -> str:
        """The resource, computed from the shown arguments so no secret ends up in it."""
        return self.spec.resource_for(self.shown)

    @property
    def resource_as_given(self) -> str:
        """The resource as the caller named it (rules may be written either way)."""
        return self.spec.resource_for(self.as_given)


def validation_message(tool: str, exc: ValidationError) -> str:
    parts = []
    for item in exc.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(arguments)"
        msg = "unknown argument" if item["type"] == "extra_forbidden" else item["msg"]
        parts.append(f"{where}: {msg}")
    return f"invalid arguments for {tool}: " + "; ".join(parts)


def _check_placement(spec: ToolSpec, raw_args: dict[str, Any]) -> None:
    """Secrets resolve only into fields the tool declares secret-bearing: never into a
    hostname, URL, path or free text, where they would leave the machine or show up."""
    misplaced = sorted(
        str(k) for k, v in raw_args.items() if find_placeholders(v) and k not in spec.secret_fields
    )
    if misplaced:
        allowed = ", ".join(sorted(spec.secret_fields))
        where = f"stored secrets go only into {allowed}" if allowed else "it takes no secrets"
        raise BadInput(
            f"a secret placeholder cannot be used in {', '.join(misplaced)} of {spec.name} "
            f"({where})"
        )


# Stored secrets shorter than this are not hunted for in every output: "UTC" or "true" from
# an environment would blank out ordinary text.
MIN_STORED_SECRET = 8


class Preparer:
    """Validates calls and hides secrets in whatever a call shows."""

    def __init__(self, db: Database, registry: Registry, deps: ToolDeps, vault: Vault) -> None:
        self.db = db
        self.registry = registry
        self.deps = deps
        self.vault = vault

    async def scrub(
        self, data: dict[str, Any] | None, message: str | None, resolved: dict[str, str]
    ) -> tuple[dict[str, Any] | None, str | None]:
        """Hide secrets (every stored one, those marked by tools, known shapes); keep them."""
        found = self.deps.take_secrets()
        redactor = Redactor(self.deps.redaction_salt, sink=found.__setitem__)
        # Every stored secret, not only this call's: one written into a file must not come
        # back in plain text when the file is read.
        async with self.db.session() as session:
            known = {**await self.vault.known(session, MIN_STORED_SECRET), **resolved}
        shown = redactor.value(unsubstitute(data, known)) if data is not None else None
        text = redactor.text(unsubstitute(message, known)) if message else message
        if found:
            async with self.db.session() as session:
                await self.vault.remember(session, found)
        return shown, text

    async def prepare(self, ctx: CallContext, tool: str, raw_args: Any) -> Prepared:
        resolved: dict[str, str] = {}
        try:
            spec = self.registry.get(tool)
            if not isinstance(raw_args, dict):
                raise BadInput(f"arguments for {tool} must be a JSON object")
            placeholders = find_placeholders(raw_args)
            _check_placement(spec, raw_args)
            if placeholders:
                async with self.db.session() as session:
                    resolved = await self.vault.resolve(session, placeholders)
            try:
                given = spec.args_model.model_validate(substitute(raw_args, resolved))
            except ValidationError as exc:
                raise BadInput(validation_message(tool, exc)) from None
            args = await self._canonical(spec, given)
        except BadInput as exc:
            # A message about arguments that hold a secret may show it in some escaped form.
            reason = exc.message if not resolved else f"invalid arguments for {tool}"
            _, message = await self.scrub(None, reason, resolved)
            await self.reject(ctx, tool, message or "")
            raise BadInput(message or "") from None
        shown, _ = await self.scrub(args.model_dump(mode="json"), None, resolved)
        as_given, _ = await self.scrub(given.model_dump(mode="json"), None, resolved)
        if resolved and substitute(shown, resolved) != args.model_dump(mode="json"):
            # The value was transformed (normalised, encoded): its placeholder no longer fits.
            await self.reject(ctx, tool, "a secret placeholder was used where it cannot stay")
            raise BadInput(f"a secret placeholder cannot be used in these arguments of {tool}")
        labels = await self._labels(spec, args)
        return Prepared(spec, args, shown or {}, resolved, as_given or {}, labels)

    async def _labels(self, spec: ToolSpec, args: ToolArgs) -> dict[str, str]:
        """The target's labels; none when they cannot be read (rules then simply don't match)."""
        if spec._labels is None:
            return {}
        try:
            return await spec._labels(args, self.deps)
        except JarvisError:
            return {}

    async def _canonical(self, spec: ToolSpec, args: ToolArgs) -> ToolArgs:
        """The call's real target; a target that does not exist or is off limits is bad input."""
        if spec._canonical is None:
            return args
        try:
            return await spec._canonical(args, self.deps)  # type: ignore[no-any-return]
        except (NotFound, NotAllowed) as exc:
            raise BadInput(exc.message) from None
        except JarvisError:
            if spec.risk == "read":
                return args  # the read runs and reports the trouble (engine down) itself
            raise
        except (OSError, ValueError, RuntimeError) as exc:
            raise BadInput(f"{spec.name}: {exc}") from None

    async def reject(self, ctx: CallContext, tool: str, reason: str) -> None:
        await audit.record(
            self.db, actor=ctx.actor, event="rejected", tool=tool[:200], data={"reason": reason}
        )

    async def precheck(
        self, ctx: CallContext, p: Prepared, invocation: Invocation
    ) -> ToolOutcome | None:
        """A change that cannot work, or would do nothing, is said so; nobody is asked."""
        if p.spec._precheck is None:
            return None
        try:
            await p.spec._precheck(p.args, self.deps)
        except NothingToDo as exc:
            return ToolOutcome(status="no_data", invocation=invocation, message=exc.message)
        except JarvisError as exc:  # not ready, or its precondition cannot be read (engine down)
            await audit.record(
                self.db,
                actor=ctx.actor,
                event="not_ready",
                tool=p.spec.name,
                resource=invocation.resource,
                data={"args": p.shown, "reason": exc.message},
            )
            return ToolOutcome(
                status="error", invocation=invocation, message=exc.message, reason=NOT_READY
            )
        except Exception as exc:
            # A broken check must not stop a person from being asked.
            log.exception("precheck_crashed", tool=p.spec.name, error_type=type(exc).__name__)
        return None

    async def preview(self, ctx: CallContext, p: Prepared) -> str | None:
        """What the change would do, for the approval; only a forbidden target stops asking."""
        if p.spec._preview is None:
            return None
        try:
            text = await p.spec._preview(p.args, self.deps)
        except (BadInput, NotAllowed) as exc:
            # A target the call may never touch is bad input, not something to ask about.
            _, message = await self.scrub(None, exc.message, p.resolved)
            await self.reject(ctx, p.spec.name, message or "")
            raise BadInput(message or "") from None
        except JarvisError as exc:
            text = f"(no preview: {exc.message})"
        except Exception as exc:
            log.exception("preview_crashed", tool=p.spec.name, error_type=type(exc).__name__)
            text = f"(no preview: {type(exc).__name__})"
        _, shown = await self.scrub(None, text, p.resolved)
        return shown

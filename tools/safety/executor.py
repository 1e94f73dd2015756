"""Run commands from an allow-tree as argv lists (never a shell), with timeouts, caps, redaction."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel

from core.errors import BadInput, NotAllowed, NotFound
from core.redaction import Redactor
from tools.safety.allow_tree import DEFAULT_ALLOW_TREE, AllowTree, CommandNode, ValueRule, check_str

# A fixed search path: what runs must not depend on the environment Jarvis was started from.
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_CHUNK = 65_536
_REAP_GRACE_S = 2.0


class CommandNotAllowed(NotAllowed):
    """An argv list is not in the allow-tree; nothing was run."""


class CommandResult(BaseModel):
    """What a command did; output is capped, decoded and redacted."""

    argv: list[str]
    exit_code: int
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool
    truncated: bool

    @property
    def ok(self) -> bool:
        """The command finished in time with exit code 0."""
        return self.exit_code == 0 and not self.timed_out


class SafeCommandExecutor:
    """Checks argv lists against an allow-tree and runs them without a shell."""

    def __init__(
        self,
        timeout: float,
        output_cap: int,
        allow_tree: AllowTree | None = None,
        *,
        redactor: Redactor | None = None,
        path_roots: Sequence[Path] = (),
        base_env: Mapping[str, str] | None = None,
    ) -> None:
        self.timeout = timeout
        self.output_cap = output_cap
        self.allow_tree = allow_tree if allow_tree is not None else DEFAULT_ALLOW_TREE
        self.redactor = redactor if redactor is not None else Redactor()
        self.path_roots = tuple(Path(root).resolve() for root in path_roots)
        # Children get a small known environment, not Jarvis's own (which holds its secrets).
        self.base_env = dict(
            base_env
            if base_env is not None
            else {"PATH": DEFAULT_PATH, "LANG": "C.UTF-8", "HOME": str(Path.home())}
        )

    def with_path_roots(self, roots: Sequence[Path]) -> SafeCommandExecutor:
        """A copy that also accepts path values under `roots`."""
        return SafeCommandExecutor(
            self.timeout,
            self.output_cap,
            self.allow_tree,
            redactor=self.redactor,
            path_roots=[*self.path_roots, *roots],
            base_env=self.base_env,
        )

    def resolve_program(self, name: str) -> str | None:
        """The absolute path of an allowed program, or None when it is not installed."""
        if name not in self.allow_tree.programs:
            return None
        if os.path.isabs(name):
            return name if os.access(name, os.X_OK) and os.path.isfile(name) else None
        return shutil.which(name, path=self.base_env.get("PATH", DEFAULT_PATH))

    def check(self, argv: Sequence[object]) -> list[str]:
        """Return argv with the program resolved, or raise CommandNotAllowed / BadInput."""
        if not isinstance(argv, list | tuple) or not argv:
            raise BadInput("a command must be a non-empty list of strings")
        args = [check_str(f"argument {i}", a) for i, a in enumerate(argv)]
        program, node = self._program(args[0])
        path: list[str] = [args[0]]
        positional = 0
        i = 1
        while i < len(args):
            arg = args[i]
            where = " ".join(path)
            if positional == 0 and arg in node.subcommands:
                node = node.subcommands[arg]
                path.append(arg)
            elif arg.startswith("-") and arg != "-":
                name, eq, inline = arg.partition("=")
                if name not in node.flags:
                    raise self._refused(arg, f"is not an allowed flag of {where!r}")
                rule = node.flags[name]
                if rule is None and eq:
                    raise self._refused(arg, f"({name} of {where!r}) takes no value")
                if rule is not None:
                    if not eq:
                        i += 1
                        if i >= len(args):
                            raise self._refused(arg, f"needs a value in {where!r}")
                        inline = args[i]
                    self._value(rule, inline, f"value of {name} in {where!r}")
            elif node.args is not None and positional < node.max_args:
                self._value(node.args, arg, f"argument of {where!r}")
                positional += 1
            else:
                raise self._refused(arg, f"is not an allowed subcommand or argument of {where!r}")
            i += 1
        if not node.is_terminal:
            choices = ", ".join(sorted(node.subcommands))
            raise CommandNotAllowed(
                f"command not allowed: {' '.join(path)!r} needs a subcommand (one of: {choices})"
            )
        return [program, *args[1:]]

    def _program(self, name: str) -> tuple[str, CommandNode]:
        node = self.allow_tree.programs.get(name)
        key = name
        if node is None and os.path.isabs(name):
            # An absolute path is accepted when it is exactly what a bare-name entry resolves to.
            for bare in self.allow_tree.programs:
                if not os.path.isabs(bare) and self.resolve_program(bare) == name:
                    key, node = bare, self.allow_tree.programs[bare]
                    break
        if node is None:
            raise self._refused(name, "is not an allowed program")
        resolved = self.resolve_program(key)
        if resolved is None:
            raise NotFound(f"{key!r} is allowed but not installed on this machine")
        return resolved, node

    def _value(self, rule: ValueRule, value: str, what: str) -> None:
        problem = rule.problem(value, self.path_roots)
        if problem is not None:
            raise self._refused(value, f"({what}) {problem}")

    def _refused(self, token: str, why: str) -> CommandNotAllowed:
        shown = self.redactor.text(token)
        return CommandNotAllowed(f"command not allowed: {shown!r} {why}")

    async def run(
        self,
        argv: Sequence[object],
        *,
        cwd: str | Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - a per-call override of the default
        input: bytes | str | None = None,
    ) -> CommandResult:
        """Run an allowed argv list; on timeout kill its whole process group."""
        resolved = self.check(argv)
        child_env = self._child_env(env, cwd)
        data = input.encode() if isinstance(input, str) else input
        limit = self.timeout if timeout is None else timeout
        started = time.monotonic()
        proc = await asyncio.create_subprocess_exec(
            *resolved,
            stdin=asyncio.subprocess.PIPE if data is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=cwd,
            env=child_env,
            start_new_session=True,  # own process group, so a timeout can kill all of it
        )
        out, err = bytearray(), bytearray()
        flags = {"truncated": False}
        assert proc.stdout is not None and proc.stderr is not None
        readers = [
            asyncio.ensure_future(self._drain(proc.stdout, out, flags)),
            asyncio.ensure_future(self._drain(proc.stderr, err, flags)),
        ]
        if data is not None:
            readers.append(asyncio.ensure_future(self._feed(proc, data)))
        timed_out = False
        try:
            await asyncio.wait_for(asyncio.gather(proc.wait(), *readers), limit)
        except TimeoutError:
            timed_out = True
        finally:
            # Also on cancellation: never leave a process group behind.
            if proc.returncode is None or timed_out:
                self._kill_group(proc.pid)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), _REAP_GRACE_S)
            # A grandchild that left the group may hold the pipes open: stop reading.
            for reader in readers:
                reader.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
        redact = self.redactor.text
        return CommandResult(
            argv=[redact(a) for a in resolved],
            exit_code=proc.returncode if proc.returncode is not None else -int(signal.SIGKILL),
            stdout=redact(out.decode(errors="replace")),
            stderr=redact(err.decode(errors="replace")),
            duration_s=round(time.monotonic() - started, 3),
            timed_out=timed_out,
            truncated=flags["truncated"],
        )

    def _child_env(self, env: Mapping[str, str] | None, cwd: str | Path | None) -> dict[str, str]:
        child_env = dict(self.base_env)
        for key, value in (env or {}).items():
            child_env[check_str("environment name", key)] = check_str(key, value)
        if cwd is not None and not Path(check_str("cwd", str(cwd))).is_dir():
            raise BadInput(f"working folder {str(cwd)!r} does not exist")
        return child_env

    async def _drain(
        self, stream: asyncio.StreamReader, buf: bytearray, flags: dict[str, bool]
    ) -> None:
        # Keep reading past the cap (discarding) so the child never blocks on a full pipe.
        while chunk := await stream.read(_CHUNK):
            room = self.output_cap - len(buf)
            if len(chunk) > room:
                flags["truncated"] = True
            if room > 0:
                buf.extend(chunk[:room])

    @staticmethod
    async def _feed(proc: asyncio.subprocess.Process, data: bytes) -> None:
        assert proc.stdin is not None
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            proc.stdin.write(data)
            await proc.stdin.drain()
        proc.stdin.close()

    @staticmethod
    def _kill_group(pid: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)

"""What tools receive instead of reading the environment: settings and shared clients."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from core.errors import Unreachable
from core.redaction import DEFAULT_SALT, Redactor, placeholder_for
from core.settings import Settings
from tools.safety.executor import SafeCommandExecutor

if TYPE_CHECKING:
    from memory.db import Database
    from tools.hosts.access import HostAccess
    from tools.integrations.access import Integrations

# Builds the Docker Engine client for an address (None: the local socket). The composition
# root passes the docker family's `connect`, so this contract knows no family.
DockerFactory = Callable[[str | None], Any]
# Builds the SSH access to other registered hosts (their records live in the database); the
# composition root passes tools.hosts.access.HostAccess, so SSH loads only when used.
HostsFactory = Callable[["Database | None", "Settings"], "HostAccess"]
# Builds the access to configured integrations (Home Assistant, Plex ...): their rows are in the
# database and their credentials in the vault, which the composition root holds; the factory
# gets this installation's placeholder salt. Tools get clients from it, never a credential.
IntegrationsFactory = Callable[["Database | None", "Settings", bytes], "Integrations"]


class ToolDeps:
    """Settings plus lazily created clients, built once and passed to every tool."""

    def __init__(
        self,
        settings: Settings,
        environ: dict[str, str] | None = None,
        redaction_salt: bytes = DEFAULT_SALT,
        db: Database | None = None,
        docker_factory: DockerFactory | None = None,
        hosts_factory: HostsFactory | None = None,
        integrations_factory: IntegrationsFactory | None = None,
    ) -> None:
        self.settings = settings
        self._docker_factory = docker_factory
        self._hosts_factory = hosts_factory
        self._integrations_factory = integrations_factory
        # The application database, for tools that keep state (domains); None in bare setups.
        self.db = db
        # Secret per installation, so a placeholder cannot be matched against guessed values.
        self.redaction_salt = redaction_salt
        self._found_secrets: dict[str, str] = {}
        # The process environment is captured once at start-up, never read by tools.
        self._environ = dict(environ or {})

    def secret(self, value: str) -> str:
        """The placeholder for a secret a tool found; the gate stores the value encrypted."""
        placeholder = placeholder_for(value, self.redaction_salt)
        self._found_secrets[placeholder] = value
        return placeholder

    def take_secrets(self) -> dict[str, str]:
        """Secrets found by tools since the last call (for the gate's vault)."""
        # Cleared in place: the executor's redactor holds this very dict as its sink.
        found = dict(self._found_secrets)
        self._found_secrets.clear()
        return found

    @property
    def docker_host(self) -> str | None:
        """Where the Docker Engine is expected (settings first, then DOCKER_HOST)."""
        return self.settings.docker_host or self._environ.get("DOCKER_HOST")

    @cached_property
    def docker(self) -> Any:
        """The docker SDK client (created on first use)."""
        if self._docker_factory is None:
            raise Unreachable("no Docker Engine client is configured for these tools")
        return self._docker_factory(self.docker_host)

    @cached_property
    def hosts(self) -> HostAccess:
        """Other hosts over SSH: `await deps.hosts.run(name, argv)`, `.docker(name)`."""
        if self._hosts_factory is None:
            raise Unreachable("no access to other hosts is configured for these tools")
        return self._hosts_factory(self.db, self.settings)

    @cached_property
    def integrations(self) -> Integrations:
        """Configured integrations: `async with deps.integrations.open(KIND) as client`."""
        if self._integrations_factory is None:
            raise Unreachable("no access to integrations is configured for these tools")
        return self._integrations_factory(self.db, self.settings, self.redaction_salt)

    @cached_property
    def executor(self) -> SafeCommandExecutor:
        """The argv-only command runner."""
        executor = SafeCommandExecutor(
            timeout=self.settings.command_timeout_seconds,
            output_cap=self.settings.command_output_cap_bytes,
            path_roots=self.settings.config_edit_roots,
            # Output and diffs use this installation's placeholders, kept for the vault.
            redactor=Redactor(self.redaction_salt, sink=self._found_secrets.__setitem__),
        )
        # Children get a small fixed environment; `docker compose` must find the same engine.
        if self.docker_host:
            executor.base_env["DOCKER_HOST"] = self.docker_host
        return executor

    def close(self) -> None:
        """Close the clients that were opened."""
        client = self.__dict__.get("docker")
        if client is not None:
            client.close()
        hosts = self.__dict__.get("hosts")
        if hosts is not None:
            hosts.close()

"""Settings: read once at start-up from `JARVIS_*` variables and an optional `jarvis.toml`."""

from __future__ import annotations

import json
import re
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from core.db_settings import BackupSettings, DatabasesSettings
from core.stacks_settings import StacksSettings, default_stacks_root


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "jarvis"


class DomainsSettings(BaseModel):
    """The domains feature: DNS provider, Caddy, and how provisioning verifies its work."""

    model_config = ConfigDict(extra="forbid")

    provider: Literal["rfc2136", "zoneedit", "lexicon", "none"] = Field(
        default="none", description="Where DNS records are written."
    )
    zones: list[str] = Field(default_factory=list, description="Zones Jarvis may write in.")
    # RFC 2136 (Knot, BIND ...).
    rfc2136_server: str | None = Field(
        default=None, description="Authoritative server taking signed updates, as host:port."
    )
    tsig_key_name: str | None = None
    tsig_secret: SecretStr | None = None
    tsig_algorithm: str = "hmac-sha256"
    # ZoneEdit.
    zoneedit_user: str | None = None
    zoneedit_token: SecretStr | None = None
    # dns-lexicon (Cloudflare and many more).
    lexicon_provider: str | None = None
    lexicon_token: SecretStr | None = None
    nameservers: list[str] = Field(
        default_factory=list,
        description="Servers to read records from for providers without API reads (ip:port).",
    )
    caddy_admin_url: str = "http://127.0.0.1:2019"
    caddy_storage_dir: Path | None = Field(
        default=None, description="Caddy's data dir (holds certificates/), for renewals."
    )
    caddy_server: str | None = Field(
        default=None, description="Caddy server to add sites to; default: the HTTPS one."
    )
    caddy_stream_close_delay: str | None = Field(
        default="5m", description="Keep WebSockets open across reloads (Caddy >= 2.7 only)."
    )
    https_port: int = Field(default=443, ge=1, le=65535)
    https_connect_address: str = Field(
        default="127.0.0.1",
        description="Where HTTPS checks dial: Caddy runs here, and a router may not hairpin.",
    )
    public_ip: str | None = Field(
        default=None, description="Fixed address for A records; detected (with quorum) if unset."
    )
    resolvers: list[str] = Field(
        default_factory=list, description="Extra resolvers that must see a change (ip:port)."
    )
    propagation_deadline_seconds: float = Field(default=300.0, gt=0)
    cert_deadline_seconds: float = Field(default=180.0, gt=0)
    https_deadline_seconds: float = Field(default=30.0, gt=0)
    ca_bundle: Path | None = Field(
        default=None, description="PEM CAs for verifying HTTPS; default the system store."
    )
    cert_thresholds: tuple[int, int, int] = (21, 7, 2)
    record_ttl: int = Field(default=300, ge=30, le=86400)


class IntegrationsSettings(BaseModel):
    """How Jarvis talks to the services it integrates (Home Assistant, Plex, n8n ...)."""

    model_config = ConfigDict(extra="forbid")

    timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long one request to a service may take."
    )
    retries: int = Field(
        default=3, ge=0, le=10, description="Retries of a request a service answered 5xx or 429."
    )
    backoff_seconds: float = Field(
        default=0.5, ge=0, description="First pause before a retry; doubled each time."
    )
    max_retry_after_seconds: float = Field(
        default=30.0,
        ge=0,
        description="The longest Retry-After honoured; a longer wait is reported instead.",
    )


def known_time_zone(value: str) -> str:
    """The name of a time zone this machine knows (ValueError otherwise)."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


RunKind = Literal["diagnose", "remediate", "maintenance", "summary"]


class ScheduleEntry(BaseModel):
    """One job of the background agent: what kind of run, which checks, how often."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    kind: RunKind
    checks: list[str] = Field(
        default_factory=lambda: ["*"], description="Check ids or globs this job runs."
    )
    every_seconds: int | None = Field(default=None, ge=10, description="Run every N seconds.")
    at: time | None = Field(default=None, description="Or once a day at this time (HH:MM).")
    tz: str = "UTC"

    @field_validator("tz")
    @classmethod
    def _known_tz(cls, value: str) -> str:
        return known_time_zone(value)

    @model_validator(mode="after")
    def _one_timing(self) -> ScheduleEntry:
        if (self.every_seconds is None) == (self.at is None):
            raise ValueError(f"schedule {self.name!r}: give either every_seconds or at")
        return self


def _default_schedule() -> list[ScheduleEntry]:
    return [
        ScheduleEntry(
            name="patrol",
            kind="remediate",
            every_seconds=300,
            checks=["containers.*", "host.*", "caddy.*", "workflows.*", "audit.*", "n8n.*"],
        ),
        ScheduleEntry(name="domains", kind="remediate", every_seconds=3600, checks=["domains.*"]),
        ScheduleEntry(name="maintenance", kind="maintenance", at=time(3, 30)),
        ScheduleEntry(name="summary", kind="summary", at=time(8, 0)),
    ]


class BackgroundSettings(BaseModel):
    """The background agent: its schedule, thresholds and queue."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(default=True, description="`jarvis serve` runs the schedule.")
    schedule: list[ScheduleEntry] = Field(default_factory=_default_schedule)
    disk_percent: float = Field(default=90.0, gt=0, le=100)
    inode_percent: float = Field(default=90.0, gt=0, le=100)
    memory_percent: float = Field(default=90.0, gt=0, le=100)
    restart_loop_count: int = Field(
        default=3, ge=1, description="Restarts within restart_loop_seconds that make a loop."
    )
    restart_loop_seconds: int = Field(default=3600, ge=60)
    workflow_stuck_seconds: int = Field(default=900, ge=60)
    verify_seconds: float = Field(
        default=30.0, gt=0, description="How long a repair has to show it worked."
    )
    stale_run_seconds: int = Field(
        default=120, ge=10, description="A running run silent this long is taken over."
    )
    keep_runs_days: int = Field(default=30, ge=1)
    keep_checkpoints_days: int = Field(default=30, ge=1)
    queue_name: str = Field(default="jarvis:queue", min_length=1, max_length=100)

    @field_validator("schedule")
    @classmethod
    def _unique(cls, value: list[ScheduleEntry]) -> list[ScheduleEntry]:
        names = [e.name for e in value]
        if len(set(names)) != len(names):
            raise ValueError("schedule entries need distinct names")
        return value


class NotifyChannel(BaseModel):
    """One Apprise URL (ntfy://, gotify://, discord://, tgram://, mailto://, json:// ...)."""

    model_config = ConfigDict(extra="forbid")

    url: SecretStr = Field(description="The Apprise URL; it may hold a token, so it is secret.")
    min_severity: Literal["info", "warning", "critical"] = Field(
        default="warning", description="Findings below this are not sent to this channel."
    )
    name: str | None = Field(default=None, description="How reports name it (default: scheme).")

    @property
    def label(self) -> str:
        """A name for the channel that shows no secret."""
        return self.name or self.url.get_secret_value().split("://", 1)[0] + "://"


class Settings(BaseSettings):
    """Everything Jarvis reads from its environment, validated once."""

    model_config = SettingsConfigDict(
        env_prefix="JARVIS_",
        toml_file="jarvis.toml",
        extra="forbid",
        env_nested_delimiter="__",
    )

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    redis_url: str | None = None
    docker_host: str | None = Field(
        default=None, description="Docker Engine address; falls back to DOCKER_HOST."
    )
    policy_file: Path | None = Field(
        default=None, description="The user's own policy rules, layered over the defaults."
    )
    approval_ttl_seconds: int = Field(default=3600, gt=0)
    secret_key: SecretStr | None = Field(
        default=None, description="Key for secrets at rest; generated in the data dir if unset."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    config_edit_roots: list[Path] = Field(
        default_factory=list, description="Folders whose files Jarvis may edit."
    )
    ca_bundles_dir: Path | None = Field(
        default=None,
        description="Folder of PEM CA bundles a TLS check may name; default <data dir>/ca-bundles.",
    )
    audit_checkpoint_file: Path | None = Field(
        default=None,
        description="Where signed checkpoints of the audit log go: outside the data dir, ideally "
        "on another disk; default <data dir>-audit-checkpoints.jsonl beside it.",
    )
    audit_syslog: bool = Field(
        default=True, description="Also send each audit checkpoint to syslog/journald."
    )
    command_timeout_seconds: float = Field(default=30.0, gt=0)
    command_output_cap_bytes: int = Field(default=256_000, gt=0)

    # The chat: an OpenAI-compatible model is optional; the offline router always answers first.
    llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible endpoint (OpenAI, Ollama, vLLM ...)."
    )
    llm_api_key: SecretStr | None = None
    llm_model: str = "gpt-5"
    llm_timeout_seconds: float = Field(default=30.0, gt=0)
    agent_max_steps: int = Field(default=8, ge=1, le=50)

    # Speech to text (faster-whisper), on this server only.
    stt_model: str = Field(
        default="tiny.en",
        min_length=1,
        description="A Whisper model name (tiny.en, base.en, small.en ...; downloaded on first "
        "use) or the path of a CTranslate2 Whisper folder.",
    )
    stt_device: Literal["auto", "cpu", "cuda"] = "auto"
    stt_compute_type: str = Field(
        default="int8", description="CTranslate2 compute type: int8, int8_float16, float16 ..."
    )

    # The web app.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    admin_password: SecretStr | None = Field(
        default=None, description="Password for the first admin; generated and shown if unset."
    )
    public_url: AnyHttpUrl | None = Field(
        default=None,
        description="Where people open Jarvis (https://host.example.net): the one origin, "
        "besides loopback, that browsers may drive the chat and the API from.",
    )
    allowed_origins: list[str] = Field(
        default_factory=list, description="More origins (scheme://host[:port]) allowed as well."
    )
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=300, ge=1)

    notify_urls: Annotated[list[NotifyChannel], NoDecode] = Field(
        default_factory=list,
        description="Where approvals, findings and summaries are sent: comma-separated "
        "Apprise URLs, or a list of {url, min_severity} tables in jarvis.toml.",
    )
    notify_quiet_seconds: int = Field(
        default=3600, ge=0, description="The same finding is not sent again within this time."
    )
    notify_burst_seconds: float = Field(
        default=2.0, ge=0, description="Events this close together are folded into one message."
    )
    notify_retries: int = Field(default=3, ge=0, le=10)

    domains: DomainsSettings = Field(default_factory=DomainsSettings)
    background: BackgroundSettings = Field(default_factory=BackgroundSettings)
    databases: DatabasesSettings = Field(default_factory=DatabasesSettings)
    backups: BackupSettings = Field(default_factory=BackupSettings)
    integrations: IntegrationsSettings = Field(default_factory=IntegrationsSettings)
    stacks_root: Path = Field(
        default_factory=default_stacks_root,
        description="The folder whose git checkouts with a compose file are the stacks.",
    )
    stacks: StacksSettings = Field(default_factory=StacksSettings)

    @field_validator("notify_urls", mode="before")
    @classmethod
    def _channels(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            value = [part.strip() for part in text.split(",") if part.strip()]
        if isinstance(value, list):
            return [{"url": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        out = []
        for origin in value:
            clean = origin.strip().rstrip("/").lower()
            if not re.fullmatch(r"https?://[a-z0-9.\-\[\]:]+", clean):
                raise ValueError(f"{origin!r} is not an origin (scheme://host[:port])")
            out.append(clean)
        return out

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'jarvis.db'}"

    @property
    def resolved_backup_dir(self) -> Path:
        """Where database backups go: configured, or `backups` in the data dir."""
        return self.backups.dir or self.data_dir / "backups"

    @property
    def resolved_audit_checkpoint_file(self) -> Path:
        """The audit checkpoint file: configured, or beside (never inside) the data dir."""
        if self.audit_checkpoint_file:
            return self.audit_checkpoint_file
        data = self.data_dir.resolve()
        return data.parent / f"{data.name}-audit-checkpoints.jsonl"

    @property
    def llm_configured(self) -> bool:
        """True when an OpenAI-compatible endpoint or key is set."""
        return bool(self.llm_base_url or self.llm_api_key)


def load_settings(**overrides: Any) -> Settings:
    """Read the settings once; callers pass the result down."""
    settings = Settings(**overrides)
    # Private when new; an existing dir is tightened by the runtime, after `status` looked.
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    return settings

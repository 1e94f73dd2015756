"""How an eval runs: engine, model, repetitions, and the private settings of each run."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Literal

import yaml

from core.settings import BackgroundSettings, Settings
from evals.containers import RUN_LABEL
from evals.image import IMAGE
from policies.engine import AUTONOMOUS
from policies.rules import DEFAULT_POLICY, PolicyDocument, load_policy_file

ModelKind = Literal["offline", "scripted", "openai"]
# The database servers scenarios make their databases on: the test bed's loopback ones.
SQL_SERVERS = {
    "postgresql": "postgresql://postgres@127.0.0.1:5432/postgres",
    "mariadb": "mariadb://root@127.0.0.1:3306",
}
# A repair must show it worked within this: a healed container settles in about 2.5 s (two
# clear looks 2 s apart), and a crash loop spends all of it on every start, so the default
# 30 s would make a 4-pass loop scenario take two minutes.
VERIFY_SECONDS = 5.0


@dataclass
class EvalConfig:
    """How to run: which engine, which model, how often, and the LLM settings for `openai`."""

    docker_host: str
    model: ModelKind = "offline"
    k: int = 1
    image: str = IMAGE
    llm: Settings | None = None
    timeout_seconds: float | None = None  # overrides each scenario's own bound
    policy_file: Path | None = None  # rules read before the defaults (default: none)
    sql_servers: dict[str, str] = field(default_factory=lambda: dict(SQL_SERVERS))


def scoped_policy(folder: Path, run_id: str, user_file: Path | None) -> Path:
    """A policy file for one run: the config's rules, then every default rule that lets the
    autonomous agent act on labelled containers, narrowed to this run's containers."""
    # Background passes look at every container on the engine; without this, an eval would
    # start another run's (or a test's, or the owner's) opted-in containers. The narrowed
    # rules keep their ids, so grading and reports name the rules of the default policy.
    own = load_policy_file(user_file).rules if user_file is not None else []
    taken = {r.id for r in own}
    narrowed = [
        rule.model_copy(update={"labels": {**rule.labels, RUN_LABEL: run_id}})
        for rule in load_policy_file(DEFAULT_POLICY).rules
        if rule.id not in taken
        and rule.effect == "allow"
        and rule.labels
        and any(fnmatchcase(AUTONOMOUS, a) for a in rule.actors)
    ]
    path = folder / "eval-policy.yaml"
    doc = PolicyDocument(rules=[*own, *narrowed]).model_dump(mode="json", exclude_none=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def run_settings(data_dir: Path, config: EvalConfig, policy_file: Path | None = None) -> Settings:
    """Settings for one run: private data dir and database, no LLM unless `openai`."""
    # Nothing else comes from the environment: the default policy (or the config's file),
    # a fresh key, and no LLM endpoint, so other models reach nothing but the Docker Engine.
    llm = config.llm if config.model == "openai" else None
    extra: dict[str, Any] = {}
    if llm is not None:
        extra = {
            "llm_base_url": llm.llm_base_url,
            "llm_api_key": llm.llm_api_key,
            "llm_model": llm.llm_model,
            "llm_timeout_seconds": llm.llm_timeout_seconds,
            "agent_max_steps": llm.agent_max_steps,
        }
    else:
        extra = {"llm_base_url": None, "llm_api_key": None}
    return Settings(
        data_dir=data_dir,
        database_url=None,
        redis_url=None,
        docker_host=config.docker_host,
        policy_file=policy_file or config.policy_file,
        secret_key=None,
        config_edit_roots=[],
        background=BackgroundSettings(verify_seconds=VERIFY_SECONDS),
        **extra,
    )

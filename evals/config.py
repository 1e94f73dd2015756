"""How an eval runs: engine, model, repetitions, and the private settings of each run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from core.settings import Settings
from evals.image import IMAGE

ModelKind = Literal["offline", "scripted", "openai"]


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


def run_settings(data_dir: Path, config: EvalConfig) -> Settings:
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
        policy_file=config.policy_file,
        secret_key=None,
        config_edit_roots=[],
        **extra,
    )

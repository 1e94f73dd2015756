"""The model one eval run talks to: the offline router, a scenario's script, or the LLM."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage

from agent.runtime import Runtime
from agent.toolspec import model_name
from evals.config import ModelKind
from evals.scenario import Scenario


def scripted_messages(scenario: Scenario) -> list[AIMessage]:
    """The scenario's script as AI messages, tool calls named as a model would name them."""
    out = []
    for i, step in enumerate(scenario.script or []):
        calls = [
            {
                "name": model_name(c.tool),
                "args": dict(c.args),
                "id": f"call_{i}_{j}",
                "type": "tool_call",
            }
            for j, c in enumerate(step.calls)
        ]
        out.append(AIMessage(content=step.say, tool_calls=calls))
    return out


def build_eval_model(runtime: Runtime, kind: ModelKind, scenario: Scenario) -> BaseChatModel:
    """The model for one run: the offline router, a scripted model, or the configured LLM."""
    if kind == "scripted":
        from agent.scripted import ScriptedChatModel

        return ScriptedChatModel(responses=scripted_messages(scenario))
    from agent.models import build_model

    return build_model(runtime, kind)

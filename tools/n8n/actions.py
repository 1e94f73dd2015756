"""n8n changes: activate or deactivate a workflow, run a webhook-triggered workflow."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import Field, field_validator

from core.errors import BadInput, NothingToDo, NotReady
from tools.deps import ToolDeps
from tools.integrations.args import configured
from tools.n8n.client import N8n
from tools.n8n.kind import KIND
from tools.n8n.parse import N8nWorkflow, webhook_path
from tools.n8n.tools import RESOURCE, N8nArgs, canonical, family
from tools.registry import ToolResult

# The family of tools.py, with these tools added: the catalog loads it from here.
__all__ = ["family"]
MAX_BODY = 64 * 1024  # bytes of JSON a webhook call may carry


class WorkflowArgs(N8nArgs):
    """One workflow, by id or by its exact name."""

    workflow: str = Field(
        min_length=1,
        max_length=128,
        description="The workflow's id (as n8n.list_workflows shows it) or its exact name.",
    )


async def _find(n8n: N8n, key: str) -> N8nWorkflow:
    """The workflow with this id, else the one with this name (case-insensitive)."""
    workflows = await n8n.workflows()
    wanted = key.strip().lower()
    by_id = [w for w in workflows if w.id == key]
    # A spoken or typed request arrives lower-cased: ids are matched without case next.
    by_id = by_id or [w for w in workflows if w.id.lower() == wanted]
    by_name = [w for w in workflows if w.name.lower() == wanted]
    found = by_id or by_name
    if not found:
        raise BadInput(f"n8n has no workflow with the id or name {key[:80]!r}")
    if len(found) > 1:
        ids = ", ".join(w.id for w in found)
        raise BadInput(f"several n8n workflows are called {key[:80]!r} ({ids}); give the id")
    return found[0]


async def _canonical(args: WorkflowArgs, deps: ToolDeps) -> WorkflowArgs:
    """The integration and the workflow's id, so what is approved is what runs."""
    args = await canonical(args, deps)
    try:
        async with deps.integrations.open(KIND, args.integration) as n8n:
            wf = await _find(n8n, args.workflow)
    except NotReady:
        return args
    return args.model_copy(update={"workflow": wf.id})


def _precheck(active: bool) -> Any:
    async def check(args: WorkflowArgs, deps: ToolDeps) -> None:
        async with deps.integrations.open(KIND, args.integration) as n8n:
            wf = await n8n.workflow(args.workflow)
        if wf.active is active:
            state = "active" if active else "inactive"
            raise NothingToDo(f"the n8n workflow {wf.name!r} is already {state}")

    return check


class WorkflowResult(ToolResult):
    """The workflow as n8n reports it after the change."""

    integration: str
    id: str
    name: str
    active: bool


async def _set(args: WorkflowArgs, deps: ToolDeps, active: bool) -> WorkflowResult:
    async with deps.integrations.open(KIND, args.integration) as n8n:
        wf = await n8n.set_active(args.workflow, active)
    return WorkflowResult(
        integration=args.integration or KIND.name, id=wf.id, name=wf.name, active=wf.active
    )


def _said(verb: str) -> Callable[[WorkflowArgs], str]:
    def headline(args: WorkflowArgs) -> str:
        return f"{verb} the n8n workflow {args.workflow} on {args.integration or KIND.name}"

    return headline


@family.tool(
    "activate",
    risk="write",
    resource=RESOURCE + "/workflow/{workflow}",
    canonical=_canonical,
    precheck=_precheck(True),
    headline=_said("Activate"),
    description="""
Activate an n8n workflow (`POST /workflows/{id}/activate`): its triggers and production
webhooks start working. n8n refuses a workflow without a trigger node.
""",
)
async def activate(args: WorkflowArgs, deps: ToolDeps) -> WorkflowResult:
    """Activate one workflow."""
    return await _set(args, deps, True)


@family.tool(
    "deactivate",
    risk="write",
    resource=RESOURCE + "/workflow/{workflow}",
    canonical=_canonical,
    precheck=_precheck(False),
    headline=_said("Deactivate"),
    description="""
Deactivate an n8n workflow (`POST /workflows/{id}/deactivate`): its triggers and production
webhooks stop until it is activated again.
""",
)
async def deactivate(args: WorkflowArgs, deps: ToolDeps) -> WorkflowResult:
    """Deactivate one workflow."""
    return await _set(args, deps, False)


class WebhookArgs(N8nArgs):
    """A production webhook path and the JSON to send it."""

    path: str = Field(
        min_length=1,
        max_length=200,
        description="The Webhook node's path (what follows /webhook/ in its production URL).",
    )
    body: dict[str, Any] = Field(default={}, description="The JSON object to POST.")

    @field_validator("path")
    @classmethod
    def _safe_path(cls, value: str) -> str:
        return webhook_path(value)

    @field_validator("body")
    @classmethod
    def _small(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(value)) > MAX_BODY:
            raise ValueError(f"the body is larger than {MAX_BODY // 1024} KiB")
        return value


class WebhookResult(ToolResult):
    """What the workflow answered."""

    integration: str
    path: str
    status_code: int
    reply: str


@family.tool(
    "run_webhook",
    risk="write",
    resource=RESOURCE + "/webhook/{path}",
    canonical=canonical,
    precheck=configured(KIND),
    headline=lambda a: f"Run the n8n webhook {a.path} on {a.integration or KIND.name}",
    description="""
Run a webhook-triggered n8n workflow: POST a JSON object to its production webhook
(`{url}/webhook/{path}`; the workflow must be active). Returns the HTTP status and what the
workflow answered (untrusted text). The API key is not sent with it.
""",
)
async def run_webhook(args: WebhookArgs, deps: ToolDeps) -> WebhookResult:
    """POST the body to the webhook."""
    async with deps.integrations.open(KIND, args.integration) as n8n:
        status, reply = await n8n.run_webhook(args.path, args.body)
    return WebhookResult(
        integration=args.integration or KIND.name, path=args.path, status_code=status, reply=reply
    )

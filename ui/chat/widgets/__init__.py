"""Props of the chat's live widgets (Chainlit custom elements in public/elements/).

Pure functions from tool outcomes (`ToolOutcome.model_dump(mode="json")`) and approvals to
the JSON props each element renders, the names of the actions the elements call, and the
payload models the action callbacks validate what the browser sends with.
"""

from ui.chat.widgets.approval import approval_card
from ui.chat.widgets.base import (
    ACTION_DECIDE,
    ACTION_DOMAIN_STATUS,
    ACTION_LOGS,
    ACTION_REFRESH,
    ACTION_TOOL,
    APPROVAL_CARD,
    BUTTON_TOOLS,
    CERTIFICATE_CARD,
    CONTAINER_TABLE,
    DATABASE_PANEL,
    DOMAIN_BUTTON_TOOLS,
    DOMAIN_TABLE,
    ENTITY_CARD,
    FINDINGS_PANEL,
    HOSTS_PANEL,
    LOG_VIEWER,
    PROVISIONING_PROGRESS,
    RUNS_PANEL,
    SYSTEM_OVERVIEW,
    WIDGET_FOR_TOOL,
    ButtonTool,
    DecidePayload,
    DomainStatusPayload,
    LogsPayload,
    RefreshPayload,
    ToolActionPayload,
)
from ui.chat.widgets.databases import DB_TOOLS, database_panel, hosts_panel
from ui.chat.widgets.docker import container_table, log_lines_reply, log_viewer, tool_reply
from ui.chat.widgets.domains import (
    certificate_card,
    domain_table,
    domain_tool_reply,
    provisioning_progress,
)
from ui.chat.widgets.homeassistant import entity_card
from ui.chat.widgets.system import system_overview
from ui.chat.widgets.watch import attention_text, findings_panel, runs_panel

__all__ = [
    "ACTION_DECIDE",
    "ACTION_DOMAIN_STATUS",
    "ACTION_LOGS",
    "ACTION_REFRESH",
    "ACTION_TOOL",
    "APPROVAL_CARD",
    "BUTTON_TOOLS",
    "CERTIFICATE_CARD",
    "CONTAINER_TABLE",
    "DATABASE_PANEL",
    "DB_TOOLS",
    "DOMAIN_BUTTON_TOOLS",
    "DOMAIN_TABLE",
    "ENTITY_CARD",
    "FINDINGS_PANEL",
    "HOSTS_PANEL",
    "LOG_VIEWER",
    "PROVISIONING_PROGRESS",
    "RUNS_PANEL",
    "SYSTEM_OVERVIEW",
    "WIDGET_FOR_TOOL",
    "ButtonTool",
    "DecidePayload",
    "DomainStatusPayload",
    "LogsPayload",
    "RefreshPayload",
    "ToolActionPayload",
    "approval_card",
    "attention_text",
    "certificate_card",
    "container_table",
    "database_panel",
    "domain_table",
    "domain_tool_reply",
    "entity_card",
    "findings_panel",
    "hosts_panel",
    "log_lines_reply",
    "log_viewer",
    "provisioning_progress",
    "runs_panel",
    "system_overview",
    "tool_reply",
]

"""The domains repository: domains, their history and notes, imports, and resumable tasks."""

from memory.domains.common import Clock
from memory.domains.events import Event, NewEvent, add_event, list_events
from memory.domains.imports import ImportedDomain, register_imported
from memory.domains.notes import NOTES_KEY, NOTES_MAX, notes_of, set_notes
from memory.domains.records import (
    Domain,
    DomainChanges,
    DomainFields,
    DomainKey,
    DomainSetup,
    DomainStamps,
    DomainState,
    NewDomain,
    create_domain,
    delete_domain,
    find_domain,
    get_domain,
    list_domains,
    update_domain,
)
from memory.domains.tasks import (
    Task,
    complete_step,
    create_task,
    get_task,
    list_tasks,
    update_task,
)

__all__ = [
    "NOTES_KEY",
    "NOTES_MAX",
    "Clock",
    "Domain",
    "DomainChanges",
    "DomainFields",
    "DomainKey",
    "DomainSetup",
    "DomainStamps",
    "DomainState",
    "Event",
    "ImportedDomain",
    "NewDomain",
    "NewEvent",
    "Task",
    "add_event",
    "complete_step",
    "create_domain",
    "create_task",
    "delete_domain",
    "find_domain",
    "get_domain",
    "get_task",
    "list_domains",
    "list_events",
    "list_tasks",
    "notes_of",
    "register_imported",
    "set_notes",
    "update_domain",
    "update_task",
]

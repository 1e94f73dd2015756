"""google.*: Calendar events in a window, a report sent through Gmail, backups copied to Drive."""

from __future__ import annotations

import asyncio
import hashlib
from email.message import EmailMessage
from pathlib import Path

from core.errors import ChangeFailed, NothingToDo, NotReady
from memory import databases
from memory.databases import BackupView
from memory.integrations import IntegrationView
from tools.deps import ToolDeps
from tools.google.kind import KIND
from tools.google.models import (
    Event,
    EventsArgs,
    EventsResult,
    ReportArgs,
    ReportResult,
    UploadArgs,
    UploadResult,
)
from tools.registry import ToolFamily

family = ToolFamily("google")


def digest_of(path: Path, algorithm: str) -> str:
    """The hex digest of a file, read in chunks."""
    digest = hashlib.new(algorithm, usedforsecurity=False)
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def md5_of(path: Path) -> str:
    """The hex MD5 of a file (what Drive reports as md5Checksum)."""
    return digest_of(path, "md5")


async def check_file(backup: BackupView) -> Path:
    """The backup's file, if it is finished, there, and matches the checksum recorded."""
    # Checked here rather than through tools.db, whose import loads the whole db family.
    if backup.status != "done" or not backup.path:
        raise NotReady(f"backup {backup.id} is {backup.status}, not a finished backup")
    path = Path(backup.path)
    if not path.is_file():
        raise NotReady(f"the file of backup {backup.id} is missing ({path})")
    actual = await asyncio.to_thread(digest_of, path, "sha256")
    if actual != backup.sha256:
        raise NotReady(
            f"backup {backup.id} is damaged: its checksum is {actual[:12]}..., "
            f"recorded {str(backup.sha256)[:12]}...; it is not copied off-site"
        )
    return path


def _rfc3339(args: EventsArgs) -> tuple[str, str]:
    return args.start.isoformat(), args.end.isoformat()


@family.tool(
    "calendar_events",
    risk="read",
    resource="google:calendar",
    description="List Google Calendar events between start and end (recurring events "
    "expanded), by start time: title, start, end, location. Maintenance windows and absences "
    "are often kept there.",
)
async def calendar_events(args: EventsArgs, deps: ToolDeps) -> EventsResult:
    """Calendar v3 events.list over the window."""
    view = await deps.integrations.find(KIND, args.integration)
    calendar = args.calendar or str(view.options.get("calendar") or "primary")
    start, end = _rfc3339(args)
    async with deps.integrations.open(KIND, view.name) as google:
        items = await google.events(calendar, start, end, args.limit)
    events = [Event.of(i) for i in items if i.get("status") != "cancelled"]
    return EventsResult(integration=view.name, calendar=calendar, events=events)


def mime_message(args: ReportArgs) -> bytes:
    """The report as a MIME message (plain text, UTF-8); Gmail sets From to the account."""
    message = EmailMessage()
    message["To"] = ", ".join(args.to)
    message["Subject"] = args.subject
    message.set_content(args.body)
    return message.as_bytes()


async def _report_preview(args: ReportArgs, deps: ToolDeps) -> str:
    lines = args.body.count("\n") + 1
    return f"Send {args.subject!r} to {', '.join(args.to)} ({lines} line(s), Gmail)"


@family.tool(
    "send_report",
    risk="write",
    resource="google:gmail",
    headline=lambda a: f"E-mail the report {a.subject!r} to {', '.join(a.to)}",
    description="Send a plain-text report by e-mail through the owner's Gmail account "
    "(to, subject, body).",
    preview=_report_preview,
)
async def send_report(args: ReportArgs, deps: ToolDeps) -> ReportResult:
    """Gmail v1 users.messages.send with the message base64url-encoded."""
    view = await deps.integrations.find(KIND, args.integration)
    async with deps.integrations.open(KIND, view.name) as google:
        sent = await google.send(mime_message(args))
    if not sent.get("id"):
        raise ChangeFailed("Gmail did not say it accepted the message (no id in its reply)")
    return ReportResult(
        integration=view.name,
        id=str(sent["id"]),
        thread_id=sent.get("threadId"),
        to=args.to,
        subject=args.subject,
    )


async def _backup(args: UploadArgs, deps: ToolDeps) -> BackupView:
    if deps.db is None:
        raise NotReady("backups are recorded in Jarvis's own database; none is configured")
    return await databases.get_backup(deps.db, args.backup)


def _folder(view: IntegrationView) -> str:
    folder = view.options.get("drive_folder")
    if not folder:
        raise NotReady(
            f"no Drive folder is set for {view.name}; add it again with "
            "--option drive_folder=FOLDER_ID"
        )
    return str(folder)


def drive_name(backup: BackupView) -> str:
    """The file's name in Drive: server, database and the local file's name (time, id)."""
    return f"{backup.server}-{backup.database}-{Path(str(backup.path)).name}"


async def _full_id(args: UploadArgs, deps: ToolDeps) -> UploadArgs:
    """The backup's whole id, so the policy and approval see the backup, not a prefix."""
    return args.model_copy(update={"backup": (await _backup(args, deps)).id})


async def _upload_precheck(args: UploadArgs, deps: ToolDeps) -> None:
    """A finished backup whose file is intact, a folder to put it in, and not already there."""
    backup = await _backup(args, deps)
    path = await check_file(backup)
    view = await deps.integrations.find(KIND, args.integration)
    folder = _folder(view)
    md5 = await asyncio.to_thread(md5_of, path)
    async with deps.integrations.open(KIND, view.name) as google:
        found = await google.find_file(folder, drive_name(backup))
    if any(f.get("md5Checksum") == md5 for f in found):
        raise NothingToDo(f"backup {backup.id} is already in Drive as {drive_name(backup)}")


async def _upload_preview(args: UploadArgs, deps: ToolDeps) -> str:
    backup = await _backup(args, deps)
    view = await deps.integrations.find(KIND, args.integration)
    size = f"{(backup.size_bytes or 0) / 1e6:.1f} MB"
    return (
        f"Copy backup {backup.id[:8]} of {backup.server}/{backup.database} ({size}, "
        f"{backup.created_at:%Y-%m-%d %H:%M}) to Google Drive folder {_folder(view)}"
    )


@family.tool(
    "upload_backup",
    risk="write",
    resource="google:drive:{backup}",
    description="Copy a finished database backup to the Google Drive folder set for the "
    "integration (the off-site copy); the size and MD5 Drive reports are checked against "
    "the file.",
    canonical=_full_id,
    precheck=_upload_precheck,
    headline=lambda a: f"Copy backup {a.backup[:8]} to Google Drive",
    preview=_upload_preview,
)
async def upload_backup(args: UploadArgs, deps: ToolDeps) -> UploadResult:
    """Drive v3 files.create with the file (multipart, or resumable when large), then checked."""
    backup = await _backup(args, deps)
    path = await check_file(backup)
    view = await deps.integrations.find(KIND, args.integration)
    folder = _folder(view)
    name = drive_name(backup)
    md5 = await asyncio.to_thread(md5_of, path)
    size = path.stat().st_size
    async with deps.integrations.open(KIND, view.name) as google:
        made = await google.upload(path, name, folder)
        got_md5, got_size = made.get("md5Checksum"), int(made.get("size") or -1)
        if (got_md5, got_size) != (md5, size):
            # A damaged copy is worse than none: it would be trusted on the day it is needed.
            await google.delete_file(str(made.get("id")))
            raise ChangeFailed(
                f"Drive holds {got_size} bytes with MD5 {got_md5} for {name}, not the file's "
                f"{size} bytes with MD5 {md5}; the damaged copy was deleted"
            )
    return UploadResult(
        integration=view.name,
        backup=backup.id,
        file_id=str(made["id"]),
        name=name,
        folder=folder,
        size_bytes=size,
        md5=md5,
    )

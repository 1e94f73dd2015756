"""google.* through the real gate against the local Google stand-in."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from core.errors import BadInput
from tests.testbed.fake_google import FOLDER, FakeGoogle
from tests.testbed.integration_gate import IntegrationsGate
from tests.tools.google.conftest import fields, make_backup


def event(ident: str, summary: str, start: str, end: str, **more: str) -> dict[str, object]:
    return {
        "id": ident,
        "summary": summary,
        "start": {"dateTime": start},
        "end": {"dateTime": end},
        **more,
    }


async def test_reads_calendar_events_in_the_window(
    google: IntegrationsGate, fake_google: FakeGoogle
) -> None:
    fake_google.events["primary"] = [
        event("late", "Patch night", "2026-12-08T02:00:00Z", "2026-12-08T04:00:00Z"),
        event("early", "Maintenance", "2026-12-07T03:00:00Z", "2026-12-07T05:00:00Z"),
        event(
            "off", "Cancelled", "2026-12-07T06:00:00Z", "2026-12-07T07:00:00Z", status="cancelled"
        ),
        event("before", "Last week", "2026-11-30T03:00:00Z", "2026-11-30T05:00:00Z"),
        {
            "id": "trip",
            "summary": "Away",
            "start": {"date": "2026-12-07"},
            "end": {"date": "2026-12-09"},
        },
    ]
    out = await google.call(
        "google.calendar_events", {"start": "2026-12-07T00:00:00Z", "end": "2026-12-08T12:00:00Z"}
    )
    assert out.status == "ok" and out.untrusted and out.data is not None
    assert [(e["id"], e["all_day"]) for e in out.data["events"]] == [
        ("trip", True),
        ("early", False),
        ("late", False),
    ]
    assert out.data["events"][1]["summary"] == "Maintenance"
    [asked] = fake_google.api_calls("GET")
    assert asked == "/calendar/v3/calendars/primary/events"

    nothing = await google.call(
        "google.calendar_events", {"start": "2027-01-01T00:00:00Z", "end": "2027-01-02T00:00:00Z"}
    )
    assert nothing.status == "no_data"
    missing = await google.call(
        "google.calendar_events",
        {"calendar": "team", "start": "2026-12-07T00:00:00Z", "end": "2026-12-08T00:00:00Z"},
    )
    assert missing.status == "error" and "HTTP 404" in (missing.message or "")
    with pytest.raises(BadInput, match="end must be after start"):
        await google.call(
            "google.calendar_events",
            {"start": "2026-12-08T00:00:00Z", "end": "2026-12-07T00:00:00Z"},
        )


async def test_a_report_waits_for_approval_then_its_mime_arrives(
    google: IntegrationsGate, fake_google: FakeGoogle
) -> None:
    args = {
        "to": ["owner@example.net"],
        "subject": "Nightly maintenance: all green",
        "body": "Backups: 3 done.\nDisk: 41 % used.\n",
    }
    asked = await google.call("google.send_report", args)
    assert asked.status == "approval_required" and asked.invocation.resource == "google:gmail"
    assert fake_google.sent == [] and fake_google.api_calls() == []
    await google.approve(asked)
    [mail] = fake_google.sent
    assert mail["To"] == "owner@example.net"
    assert mail["Subject"] == "Nightly maintenance: all green"
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content() == "Backups: 3 done.\nDisk: 41 % used.\n"
    assert fake_google.api_calls("POST") == ["/gmail/v1/users/me/messages/send"]

    with pytest.raises(BadInput, match="one line"):
        await google.call("google.send_report", {**args, "subject": "Hi\nBcc: x@evil.example"})
    with pytest.raises(BadInput, match="not an e-mail address"):
        await google.call("google.send_report", {**args, "to": ["owner"]})
    assert len(fake_google.sent) == 1


async def test_a_backup_uploads_after_approval_and_its_md5_matches(
    google: IntegrationsGate, fake_google: FakeGoogle, tmp_path: Path
) -> None:
    content = os.urandom(200_000)
    backup = await make_backup(google, tmp_path, content)
    asked = await google.call("google.upload_backup", {"backup": backup.id})
    assert asked.status == "approval_required", asked
    assert asked.invocation.resource == f"google:drive:{backup.id}"
    assert not fake_google.files
    approval = await google.approve(asked)
    assert approval.status == "executed", approval
    [stored] = fake_google.files.values()
    assert stored.content == content and stored.parents == [FOLDER]
    assert stored.name == f"pg-nextcloud-{Path(str(backup.path)).name}"
    assert approval.result is not None
    assert approval.result["data"]["md5"] == hashlib.md5(content, usedforsecurity=False).hexdigest()

    # The same backup again: already there, nobody is asked, nothing is sent.
    again = await google.call("google.upload_backup", {"backup": backup.id[:8]})
    assert again.status == "no_data" and "already in Drive" in (again.message or "")
    assert len(fake_google.files) == 1


async def test_a_damaged_copy_is_deleted_and_the_upload_fails(
    google: IntegrationsGate, fake_google: FakeGoogle, tmp_path: Path
) -> None:
    backup = await make_backup(google, tmp_path, b"PGDMP" + os.urandom(5000))
    fake_google.damage_next_upload = True
    approval = await google.approve(
        await google.call("google.upload_backup", {"backup": backup.id})
    )
    assert approval.status == "failed"
    assert "damaged copy was deleted" in str((approval.result or {}).get("message"))
    assert fake_google.files == {}


async def test_an_upload_needs_an_intact_backup_and_a_folder(
    google: IntegrationsGate, fake_google: FakeGoogle, tmp_path: Path
) -> None:
    backup = await make_backup(google, tmp_path, b"PGDMP-original")
    Path(str(backup.path)).write_bytes(b"PGDMP-tampered")
    out = await google.call("google.upload_backup", {"backup": backup.id})
    assert out.status == "error" and "damaged" in (out.message or "")
    with pytest.raises(BadInput, match="no backup"):
        await google.call("google.upload_backup", {"backup": "0123456789abcdef"})
    intact = await make_backup(google, tmp_path, b"PGDMP-intact")
    no_folder = {k: v for k, v in fields(fake_google).items() if k != "drive_folder"}
    await google.add("google", fake_google.url, no_folder, name="personal")
    fake_google.requests.clear()
    out = await google.call(
        "google.upload_backup", {"backup": intact.id, "integration": "personal"}
    )
    assert out.status == "error" and "no Drive folder is set for personal" in (out.message or "")
    assert fake_google.api_calls() == []

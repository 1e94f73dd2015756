"""Repository of web accounts: argon2 hashes in, records out; the hashing stays with callers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from memory.audit_notes import AuditNote, append_note
from memory.db import Database
from memory.web_models import AccountRow


@dataclass(frozen=True)
class AccountRecord:
    """An account as stored, password hash included."""

    id: int
    username: str
    password_hash: str
    is_admin: bool
    created_at: datetime
    last_login_at: datetime | None
    token_version: int = 0


def _record(row: AccountRow) -> AccountRecord:
    return AccountRecord(
        id=row.id,
        username=row.username,
        password_hash=row.password_hash,
        is_admin=row.is_admin,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
        token_version=row.token_version or 0,
    )


async def count_accounts(db: Database) -> int:
    """How many accounts there are."""
    async with db.session() as session:
        return int((await session.execute(select(func.count(AccountRow.id)))).scalar_one())


async def create_account(
    db: Database, *, username: str, password_hash: str, is_admin: bool, note: AuditNote
) -> bool:
    """Add an account with its audit note; False when the username is taken."""
    row = AccountRow(username=username, password_hash=password_hash, is_admin=is_admin)
    try:
        async with db.session() as session:
            session.add(row)
            await append_note(session, db.audit_key, note)
    except IntegrityError:
        return False
    return True


async def find_account(db: Database, username: str) -> AccountRecord | None:
    """One account by username, or None."""
    async with db.session() as session:
        row = await session.scalar(select(AccountRow).where(AccountRow.username == username))
    return None if row is None else _record(row)


async def record_login(
    db: Database, account_id: int, *, at: datetime, password_hash: str | None = None
) -> None:
    """Set the account's last sign-in time, and its new hash when one is given."""
    values: dict[str, object] = {"last_login_at": at}
    if password_hash is not None:
        values["password_hash"] = password_hash
    async with db.session() as session:
        await session.execute(
            update(AccountRow).where(AccountRow.id == account_id).values(**values)
        )


async def set_password_hash(
    db: Database, username: str, password_hash: str, note: AuditNote
) -> bool:
    """Replace an account's password hash, with its audit note; False when there is none."""
    async with db.session() as session:
        changed = await session.execute(
            update(AccountRow)
            .where(AccountRow.username == username)
            .values(password_hash=password_hash, token_version=AccountRow.token_version + 1)
        )
        if not changed.rowcount:  # type: ignore[attr-defined]
            return False
        await append_note(session, db.audit_key, note)
    return True


async def bump_token_version(db: Database, username: str, note: AuditNote) -> bool:
    """Revoke every session of the account (they carry the old version); False if none."""
    async with db.session() as session:
        changed = await session.execute(
            update(AccountRow)
            .where(AccountRow.username == username)
            .values(token_version=AccountRow.token_version + 1)
        )
        if not changed.rowcount:  # type: ignore[attr-defined]
            return False
        await append_note(session, db.audit_key, note)
    return True

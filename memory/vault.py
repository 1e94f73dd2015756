"""Secrets at rest: encrypted with a key from the settings or the data dir."""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import BadInput, JarvisError
from core.settings import Settings
from memory.models import VaultSecret


def load_key(settings: Settings) -> bytes:
    """The encryption key: from settings, else `secret.key` in the data dir (made once, 0600)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path: Path = settings.data_dir / "secret.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key())
    return path.read_bytes().strip()


def derive(key: bytes, purpose: str) -> bytes:
    """A sub-key for one purpose (audit chain, placeholder salt), so one key serves all."""
    return hmac.new(key, f"jarvis:{purpose}".encode(), hashlib.sha256).digest()


class Vault:
    """Maps redaction placeholders to their encrypted secret values."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except ValueError as exc:
            raise BadInput(f"the secret key is not a valid Fernet key: {exc}") from None
        self._cache: dict[str, str] = {}

    async def remember(self, session: AsyncSession, pairs: dict[str, str]) -> None:
        """Store the secrets not stored yet (placeholders are stable, so this is idempotent)."""
        new = {ph: v for ph, v in pairs.items() if ph not in self._cache}
        if not new:
            return
        known = await session.execute(
            select(VaultSecret.placeholder).where(VaultSecret.placeholder.in_(new))
        )
        present = set(known.scalars())
        for ph, value in new.items():
            if ph not in present:
                token = self._fernet.encrypt(value.encode()).decode()
                session.add(VaultSecret(placeholder=ph, ciphertext=token))
        self._cache.update(new)

    async def known(self, session: AsyncSession, min_length: int) -> dict[str, str]:
        """Every stored secret at least `min_length` long, by placeholder (decrypted once)."""
        stored = set((await session.execute(select(VaultSecret.placeholder))).scalars())
        missing = stored - set(self._cache)
        if missing:
            await self.resolve(session, missing)
        return {ph: v for ph, v in self._cache.items() if len(v) >= min_length}

    async def resolve(self, session: AsyncSession, placeholders: set[str]) -> dict[str, str]:
        """The secret behind each placeholder; an unknown one is bad input."""
        out = {ph: self._cache[ph] for ph in placeholders if ph in self._cache}
        missing = placeholders - set(out)
        if missing:
            rows = await session.execute(
                select(VaultSecret).where(VaultSecret.placeholder.in_(missing))
            )
            for row in rows.scalars():
                try:
                    out[row.placeholder] = self._fernet.decrypt(row.ciphertext).decode()
                except InvalidToken:
                    raise JarvisError(
                        "a stored secret cannot be decrypted: the secret key changed"
                    ) from None
            self._cache.update(out)
        unknown = placeholders - set(out)
        if unknown:
            raise BadInput(f"unknown secret placeholder(s): {', '.join(sorted(unknown))}")
        return out

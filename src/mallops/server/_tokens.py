"""API tokens: each bound to one property, one actor and its role (G5, G11).

A tokens file is TOML::

    [[token]]
    sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    property = "mall-a"
    actor = "desk-1"
    role = "front_desk"
    department = "customer_service"
    name = "前台一"

``sha256`` is the hex SHA-256 of the secret (``mallops serve --hash-token SECRET``
prints it), so the file holds no secret; ``secret = "..."`` is accepted for tests and
demos.  Lookups hash the presented secret and compare digests in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from ..domain.records import Actor
from ..errors import ValidationError
from ..stores.protocol import check_id

__all__ = ["Token", "TokenBook", "hash_secret"]


def hash_secret(secret: str) -> str:
    """The hex SHA-256 of a token secret, as a tokens file stores it."""
    return hashlib.sha256(secret.encode()).hexdigest()


@attrs.frozen
class Token:
    """Who a token's bearer is: ``actor`` (with its role) in ``property``."""

    digest: str
    property: str
    actor: Actor


def _token(entry: Any, where: str) -> Token:
    if not isinstance(entry, Mapping):
        raise ValidationError(f"{where}: a token is a table of keys", field="token")
    unknown = set(entry) - {"sha256", "secret", "property", "actor", "role", "department", "name"}
    if unknown:
        raise ValidationError(f"{where}: unknown keys {', '.join(sorted(unknown))}", field="token")
    secret, digest = entry.get("secret"), entry.get("sha256")
    if (secret is None) == (digest is None):
        raise ValidationError(f"{where}: give exactly one of sha256 or secret", field="token")
    if secret is not None:
        if not isinstance(secret, str) or len(secret) < 16:
            raise ValidationError(f"{where}: a secret has at least 16 characters", field="secret")
        digest = hash_secret(secret)
    if not isinstance(digest, str) or len(digest) != 64:
        raise ValidationError(f"{where}: sha256 must be 64 hex digits", field="sha256")
    for key in ("property", "actor", "role"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise ValidationError(f"{where}: {key} is required (text)", field=key)
    department, name = entry.get("department"), entry.get("name")
    for key, value in (("department", department), ("name", name)):
        if value is not None and not isinstance(value, str):
            raise ValidationError(f"{where}: {key} must be text", field=key)
    actor = Actor(entry["actor"], entry["role"], department, name or "")
    return Token(digest.lower(), check_id(entry["property"]), actor)


class TokenBook:
    """The tokens a server accepts (see the module docstring)."""

    def __init__(self, tokens: Iterable[Token]) -> None:
        self._tokens = list(tokens)
        digests = [t.digest for t in self._tokens]
        if len(set(digests)) != len(digests):
            raise ValidationError("two tokens have the same secret", field="token")

    @classmethod
    def from_toml(cls, path: str | Path) -> TokenBook:
        """Read a tokens file; errors name the file and the entry."""
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ValidationError(f"cannot read {p}: {exc.strerror}", field="tokens") from None
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError(f"{p}: not valid TOML: {exc}", field="tokens") from None
        return cls.from_data(data.get("token", []), str(p))

    @classmethod
    def from_data(cls, entries: Any, where: str = "tokens") -> TokenBook:
        """Tokens from a list of tables (the ``[[token]]`` entries)."""
        if not isinstance(entries, list) or not entries:
            raise ValidationError(f"{where}: at least one [[token]] is needed", field="tokens")
        return cls(_token(e, f"{where}: token {i + 1}") for i, e in enumerate(entries))

    @property
    def properties(self) -> list[str]:
        """The properties some token is for, in file order."""
        return list(dict.fromkeys(t.property for t in self._tokens))

    def find(self, secret: str) -> Token | None:
        """The token whose secret is ``secret`` (None if there is none)."""
        presented = hash_secret(secret)
        found = None
        for t in self._tokens:  # compare all, in constant time each
            if hmac.compare_digest(t.digest, presented):
                found = t
        return found

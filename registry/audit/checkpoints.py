"""Signed checkpoints of the audit ledger, kept outside the database.

A checkpoint is a small JSON file saying "on <time> the ledger's event <sequence> had hash <hash>",
signed with an Ed25519 key that lives outside the database (a file or an environment variable).
Someone who can rewrite the database can recompute every hash of the chain, but cannot sign for
it: ``audit_verify`` checks that the chain still contains every checkpoint's (sequence, hash), so
a rewritten, truncated or rolled-back ledger is caught even when it is internally consistent.

This module holds the file format, the keys and signing; ``audit_verify`` decides what to sign
and checks the chain against what was signed.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from registry.audit.services import canonical_bytes, to_jsonable

FORMAT = "steward.audit-checkpoint/1"
FILE_GLOB = "checkpoint-*.json"

# (sequence or None, reason): a problem found in the checkpoint files themselves.
CheckpointProblem = tuple[int | None, str]


@dataclass(frozen=True)
class Checkpoint:
    """One signed (sequence, hash) of the ledger, as read from or written to ``name``."""

    sequence: int
    hash: str
    created_at: str
    key_id: str
    signature: str
    name: str = ""

    def signed_fields(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "sequence": self.sequence,
            "hash": self.hash,
            "created_at": self.created_at,
            "key_id": self.key_id,
        }

    def as_dict(self) -> dict[str, Any]:
        return {**self.signed_fields(), "signature": self.signature}


# --- Keys -------------------------------------------------------------------------------------


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short, stable name of a public key: the start of the SHA-256 of its raw bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _private_key_from(data: bytes) -> Ed25519PrivateKey:
    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        key = serialization.load_pem_private_key(text, password=None)
    else:
        try:
            raw = base64.b64decode(text, validate=True)
        except binascii.Error as exc:
            raise ImproperlyConfigured("The audit signing key is neither PEM nor base64.") from exc
        if len(raw) != 32:
            raise ImproperlyConfigured("A base64 audit signing key must decode to 32 bytes.")
        key = Ed25519PrivateKey.from_private_bytes(raw)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("The audit signing key must be an Ed25519 key.")
    return key


def load_public_key(data: bytes | str) -> Ed25519PublicKey:
    """A public key from PEM, or from the base64 of its 32 raw bytes. A private key is accepted
    too (its public half is used), so the signing key's file serves as its own public key."""
    raw = data.encode() if isinstance(data, str) else data
    text = raw.strip()
    if b"PRIVATE KEY" in text:
        return _private_key_from(text).public_key()
    if text.startswith(b"-----BEGIN"):
        key = serialization.load_pem_public_key(text)
        if not isinstance(key, Ed25519PublicKey):
            raise ImproperlyConfigured("Checkpoint public keys must be Ed25519 keys.")
        return key
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("A public key must be PEM or base64 of 32 bytes.") from exc


def _generate_key_file(path: Path) -> None:
    """Create a new key at ``path`` (development only), readable by its owner alone. If another
    process got there first, its key is kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def signing_key() -> Ed25519PrivateKey:
    """The checkpoint signing key: ``STEWARD_AUDIT_SIGNING_KEY`` (PEM or base64 of the 32-byte
    seed) or the file ``STEWARD_AUDIT_SIGNING_KEY_FILE``. Outside production a missing file is
    generated on first use; production refuses to start without one (settings)."""
    inline = getattr(settings, "STEWARD_AUDIT_SIGNING_KEY", "")
    if inline:
        return _private_key_from(inline.encode())
    path_setting = getattr(settings, "STEWARD_AUDIT_SIGNING_KEY_FILE", "")
    if not path_setting:
        raise ImproperlyConfigured(
            "Set STEWARD_AUDIT_SIGNING_KEY or STEWARD_AUDIT_SIGNING_KEY_FILE to sign checkpoints."
        )
    path = Path(path_setting)
    if not path.exists():
        if not getattr(settings, "STEWARD_AUDIT_GENERATE_KEY", False):
            raise ImproperlyConfigured(f"The audit signing key file {path} does not exist.")
        _generate_key_file(path)
    return _private_key_from(path.read_bytes())


def trusted_public_keys() -> list[Ed25519PublicKey]:
    """Keys whose checkpoints are trusted: the signing key's, and the public keys in
    ``STEWARD_AUDIT_TRUSTED_KEY_FILES`` (earlier keys, after a rotation)."""
    keys = [signing_key().public_key()]
    for name in getattr(settings, "STEWARD_AUDIT_TRUSTED_KEY_FILES", []):
        keys.append(load_public_key(Path(name).read_bytes()))
    return keys


# --- Writing ----------------------------------------------------------------------------------


def checkpoint_dir() -> Path:
    return Path(settings.STEWARD_AUDIT_CHECKPOINT_DIR)


def write_checkpoint(
    *,
    sequence: int,
    hash: str,
    directory: str | Path | None = None,
    key: Ed25519PrivateKey | None = None,
    now: dt.datetime | None = None,
) -> Checkpoint:
    """Sign (sequence, hash) and write it to a new file in ``directory``; the file appears whole
    or not at all (written aside, then renamed)."""
    key = key or signing_key()
    now = now or timezone.now()
    unsigned = Checkpoint(
        sequence=sequence,
        hash=hash,
        created_at=to_jsonable(now),
        key_id=key_id(key.public_key()),
        signature="",
    )
    signature = key.sign(canonical_bytes(unsigned.signed_fields()))
    folder = Path(directory) if directory is not None else checkpoint_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    name = f"checkpoint-{sequence:012d}-{stamp}.json"
    checkpoint = Checkpoint(
        **{**unsigned.__dict__, "signature": base64.b64encode(signature).decode(), "name": name}
    )
    tmp = folder / f".{name}.tmp"
    tmp.write_text(json.dumps(checkpoint.as_dict(), indent=2, sort_keys=True) + "\n")
    tmp.replace(folder / name)
    return checkpoint


# --- Reading and checking ---------------------------------------------------------------------


def _parse(path: Path, keys: dict[str, Ed25519PublicKey]) -> Checkpoint:
    """Read one checkpoint file and check its signature; ValueError says what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, ValueError) as exc:
        raise ValueError(f"checkpoint {path.name} cannot be read: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"checkpoint {path.name} is not a {FORMAT} file")
    try:
        checkpoint = Checkpoint(
            sequence=data["sequence"],
            hash=data["hash"],
            created_at=data["created_at"],
            key_id=data["key_id"],
            signature=data["signature"],
            name=path.name,
        )
    except KeyError as exc:
        raise ValueError(f"checkpoint {path.name} has no {exc.args[0]}") from None
    if not isinstance(checkpoint.sequence, int) or isinstance(checkpoint.sequence, bool):
        raise ValueError(f"checkpoint {path.name} has no valid sequence")
    key = keys.get(checkpoint.key_id)
    if key is None:
        raise _Unsigned(checkpoint, f"is signed by an unknown key {checkpoint.key_id!r}")
    try:
        key.verify(
            base64.b64decode(str(checkpoint.signature), validate=True),
            canonical_bytes(checkpoint.signed_fields()),
        )
    except (InvalidSignature, binascii.Error, ValueError, TypeError):
        raise _Unsigned(
            checkpoint, "has a signature that does not verify: forged or altered"
        ) from None
    return checkpoint


class _Unsigned(ValueError):
    def __init__(self, checkpoint: Checkpoint, what: str) -> None:
        super().__init__(f"checkpoint {checkpoint.name} {what}")
        self.checkpoint = checkpoint


def load_checkpoints(
    directory: str | Path, public_keys: Iterable[Ed25519PublicKey]
) -> tuple[list[Checkpoint], list[CheckpointProblem]]:
    """Every checkpoint file in ``directory`` whose signature verifies with one of
    ``public_keys``, oldest first; and a problem for every file that does not. A missing
    directory holds no checkpoints."""
    keys = {key_id(k): k for k in public_keys}
    folder = Path(directory)
    good: list[Checkpoint] = []
    problems: list[CheckpointProblem] = []
    if not folder.is_dir():
        return good, problems
    for path in sorted(folder.glob(FILE_GLOB)):
        try:
            good.append(_parse(path, keys))
        except _Unsigned as exc:
            problems.append((exc.checkpoint.sequence, str(exc)))
        except ValueError as exc:
            problems.append((None, str(exc)))
    good.sort(key=lambda c: (c.created_at, c.sequence))
    return good, problems


def order_problems(checkpoints: Sequence[Checkpoint]) -> list[CheckpointProblem]:
    """Checkpoints in time order must never go backwards: a later one recording an earlier
    sequence means the ledger got shorter in between; two recording different hashes for one
    sequence mean it was rewritten."""
    problems: list[CheckpointProblem] = []
    highest: Checkpoint | None = None
    by_sequence: dict[int, Checkpoint] = {}
    for cp in checkpoints:
        if highest is not None and cp.sequence < highest.sequence:
            problems.append(
                (
                    cp.sequence + 1,
                    f"checkpoint {cp.name} records event {cp.sequence} after checkpoint "
                    f"{highest.name} recorded event {highest.sequence}: the ledger got shorter",
                )
            )
        if highest is None or cp.sequence >= highest.sequence:
            highest = cp
        seen = by_sequence.setdefault(cp.sequence, cp)
        if seen.hash != cp.hash:
            problems.append(
                (
                    cp.sequence,
                    f"checkpoints {seen.name} and {cp.name} record different hashes for event "
                    f"{cp.sequence}: the ledger was rewritten",
                )
            )
    return problems


def latest_checkpoint(
    directory: str | Path, public_keys: Iterable[Ed25519PublicKey]
) -> Checkpoint | None:
    """The valid checkpoint with the highest sequence, or None."""
    good, _ = load_checkpoints(directory, public_keys)
    return max(good, key=lambda c: (c.sequence, c.created_at), default=None)

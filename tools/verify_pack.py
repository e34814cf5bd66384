#!/usr/bin/env python3
"""Verify a Steward auditor pack offline: ``python verify_pack.py PACK.zip [--key KEY.pem]``.

Needs only the Python standard library and ``cryptography`` (``pip install cryptography``): no
Django, nothing of Steward. The same module is the verification core of
``manage.py audit_verify --pack`` and defines the pack's file formats, which the pack builder
(``registry.pack``) writes with the helpers below.

What it proves, from the pack alone:

1. ``manifest.json`` is the one the pack was sealed with: ``seal.json`` holds its SHA-256 and an
   Ed25519 signature over that digest and the ledger head (sequence, hash) the pack was built
   from, by the key in ``keys/`` (or by a key you pass with ``--key``).
2. Every file in the pack is listed in the manifest with its SHA-256 and size, and matches them;
   nothing is missing and nothing was added.
3. Every event in ``events.jsonl`` hashes as the ledger hashes it: ``hash = SHA-256(prev_hash ||
   canonical bytes)``, and its canonical bytes name its own sequence and previous hash.
4. ``chain.jsonl`` (the hashes of every event of the ledger from the first event cited, or the
   daily checkpoint before it, to the sealed head: sequence, previous hash and hash only, not
   other systems' events) links up without a gap, contains each event of ``events.jsonl`` at
   its sequence, ends at the sealed head, and agrees with every daily checkpoint in
   ``checkpoints/`` — each signed by a key of ``keys/`` (or ``--key``).
5. Every evidence file's SHA-256 matches the digest recorded in the verified event that
   attached it (``registry.evidence.attached``, or ``registry.evidence.superseded`` for a new
   version).

Trust: a hash chain only proves the events of other systems between two of this system's events
were not changed if their hashes are vouched for, which is what the seal's signature does (the
server checked the whole segment, content and all, before signing it). So everything rests on
the signing key: compare the key id this script prints with the one your organisation publishes
(or pass that key with ``--key``), since anyone can make a self-consistent pack with a key of
their own.

Exit status: 0 if the pack verifies (``OK: …``), 1 if not — each problem on a line of its own,
naming the file (and line) at fault — and 2 for a usage error.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import sys
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# --- The pack's formats -----------------------------------------------------------------------

PACK_FORMAT = "steward.audit-pack/1"
SEAL_FORMAT = "steward.audit-pack-seal/1"
CHECKPOINT_FORMAT = "steward.audit-checkpoint/1"
GENESIS_HASH = "0" * 64

MANIFEST = "manifest.json"
SEAL = "seal.json"
EVENTS = "events.jsonl"
CHAIN = "chain.jsonl"
README = "README.txt"
VERIFIER = "verify_pack.py"
KEYS_DIR = "keys/"
CHECKPOINTS_DIR = "checkpoints/"
EVIDENCE_DIR = "evidence/"

# The role of each file the manifest lists.
ROLE_README, ROLE_VERIFIER, ROLE_KEY, ROLE_CHECKPOINT = "readme", "verifier", "key", "checkpoint"
ROLE_EVENTS, ROLE_CHAIN, ROLE_EVIDENCE = "events", "chain", "evidence"
ROLES = frozenset(
    {ROLE_README, ROLE_VERIFIER, ROLE_KEY, ROLE_CHECKPOINT, ROLE_EVENTS, ROLE_CHAIN, ROLE_EVIDENCE}
)

# The events that record an evidence file's digest (its ``changes.sha256``).
EVIDENCE_OBJECT_TYPE = "registry.evidenceitem"
EVIDENCE_ACTIONS = frozenset({"registry.evidence.attached", "registry.evidence.superseded"})

# Bounds on what is read into memory from a pack that may have been made to exhaust it.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_SMALL_FILE_BYTES = 256 * 1024  # the seal, a checkpoint, a key
MAX_LINE_BYTES = 16 * 1024 * 1024  # one line of events.jsonl or chain.jsonl
MAX_PROBLEMS = 200
CHUNK = 1024 * 1024

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8: what Steward hashes and signs."""
    return _ENCODER.encode(value).encode()


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    """The ledger's hash of an event: SHA-256 over the previous hash (64 ASCII hex digits) and
    the event's canonical bytes."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical).hexdigest()


def event_line(sequence: int, prev_hash: str, hash_: str, canonical: str) -> bytes:
    """One line of ``events.jsonl``: an event with its exact canonical bytes (as a JSON string)."""
    return (
        canonical_json(
            {"sequence": sequence, "prev_hash": prev_hash, "hash": hash_, "canonical": canonical}
        )
        + b"\n"
    )


def chain_line(sequence: int, prev_hash: str, hash_: str) -> bytes:
    """One line of ``chain.jsonl``: an event's place in the chain, without its content."""
    return canonical_json({"sequence": sequence, "prev_hash": prev_hash, "hash": hash_}) + b"\n"


def key_id(public_key: Ed25519PublicKey) -> str:
    """A key's short name: the start of the SHA-256 of its 32 raw bytes (as Steward names it)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_key(data: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (a private key gives its public half) or from the base64
    of its 32 raw bytes. ValueError says why not."""
    text = data.strip()
    try:
        if b"PRIVATE KEY" in text:
            private = serialization.load_pem_private_key(text, password=None)
            if not isinstance(private, Ed25519PrivateKey):
                raise ValueError("not an Ed25519 key")
            return private.public_key()
        if text.startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(text)
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError("not an Ed25519 key")
            return key
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, TypeError, binascii.Error, UnsupportedAlgorithm) as exc:
        raise ValueError(f"not an Ed25519 public key ({exc})") from None


# --- The result -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong, and the file (with its line, where there is one) it is in."""

    item: str
    message: str

    def __str__(self) -> str:
        return f"{self.item}: {self.message}"


@dataclass
class Result:
    """What verifying a pack found."""

    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0
    events: int = 0
    files: int = 0
    evidence_files: int = 0
    links: int = 0
    withheld: int = 0
    system: str = ""
    generated_at: str = ""
    head_sequence: int | None = None
    key_id: str = ""
    key_from_pack: bool = True
    chain_start: int | None = None
    chain_entries: int = 0
    checkpoints: int = 0
    checkpointed_through: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, item: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(item, message))
        else:
            self.more_problems += 1

    def summary(self) -> str:
        """``OK: …`` and what was proved, or ``FAILED: …`` and every problem."""
        if not self.ok:
            lines = [str(p) for p in self.problems]
            if self.more_problems:
                lines.append(f"… and {self.more_problems} more problems")
            count = len(self.problems) + self.more_problems
            plural = "s" if count != 1 else ""
            lines.append(f"FAILED: {count} problem{plural}; the pack does not verify")
            return "\n".join(lines)
        checkpoints = _count(self.checkpoints, "signed daily checkpoint")
        lines = [
            f"OK: {self.events} events, {self.files} files, checkpoint #{self.head_sequence} "
            f"signed by key {self.key_id}",
            f"  system {self.system}, pack generated {self.generated_at}",
            f"  the chain #{self.chain_start} to #{self.head_sequence} ({self.chain_entries} "
            f"hashes) links every event to the sealed head; {checkpoints} in it "
            f"{'agrees' if self.checkpoints == 1 else 'agree'}",
            f"  {_count(self.evidence_files, 'evidence file')} match the digests recorded in the "
            f"events that attached them; {_count(self.links, 'link')}; "
            f"{_count(self.withheld, 'file')} withheld from this downloader",
        ]
        if self.checkpointed_through is None:
            lines.append(
                "  no daily checkpoint covers these events yet: they rest on the pack's seal alone"
            )
        elif self.checkpointed_through < (self.head_sequence or 0):
            lines.append(
                f"  events after #{self.checkpointed_through} rest on the pack's seal alone (no "
                "daily checkpoint covers them yet)"
            )
        if self.key_from_pack:
            lines.append(
                f"  key {self.key_id} was taken from the pack itself: compare it with the key id "
                "your organisation publishes, or pass that key with --key"
            )
        return "\n".join(lines)


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


# --- Reading the zip --------------------------------------------------------------------------


def _unsafe(name: str) -> str | None:
    """Why a member's name is not one a pack would have, or None."""
    if not name or "\x00" in name or "\\" in name:
        return "has an unsafe name"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "has an absolute name"
    if any(part in ("", ".", "..") for part in name.rstrip("/").split("/")):
        return "has a name that leaves its folder"
    return None


class _Pack:
    """The zip's members by name, read with bounds."""

    def __init__(self, zf: zipfile.ZipFile, result: Result) -> None:
        self.zf = zf
        self.members: dict[str, zipfile.ZipInfo] = {}
        for info in zf.infolist():
            name = info.filename
            if name.endswith("/"):
                continue  # a folder entry holds nothing
            why = _unsafe(name)
            if why:
                result.problem(name, why)
                continue
            if name in self.members:
                result.problem(name, "appears twice in the zip")
                continue
            if info.flag_bits & 0x1:
                result.problem(name, "is encrypted")
                continue
            self.members[name] = info

    def read(self, name: str, limit: int) -> bytes:
        """A whole member, at most ``limit`` bytes (ValueError beyond)."""
        with self.zf.open(self.members[name]) as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise ValueError(f"is larger than {limit} bytes")
        return data

    def digest(self, name: str) -> tuple[str, int]:
        """SHA-256 and size of a member, read in blocks."""
        sha, size = hashlib.sha256(), 0
        with self.zf.open(self.members[name]) as handle:
            while block := handle.read(CHUNK):
                sha.update(block)
                size += len(block)
        return sha.hexdigest(), size


class _Lines:
    """The lines of a JSON Lines member, parsed, with the member's SHA-256 and size taken as
    they are read; a line that is not a JSON object is a problem naming it. Iterate once;
    ``drain()`` reads (and hashes) whatever an early stop left."""

    def __init__(self, pack: _Pack, name: str, result: Result) -> None:
        self.pack, self.name, self.result = pack, name, result
        self.sha, self.size, self.line = hashlib.sha256(), 0, 0
        self._values = self._read()

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        return self._values

    def drain(self) -> tuple[str, int]:
        for _ in self._values:
            pass
        return self.sha.hexdigest(), self.size

    def _read(self) -> Iterator[tuple[int, dict[str, Any]]]:
        with self.pack.zf.open(self.pack.members[self.name]) as handle:
            while raw := handle.readline(MAX_LINE_BYTES + 1):
                self.sha.update(raw)
                self.size += len(raw)
                self.line += 1
                if len(raw) > MAX_LINE_BYTES:
                    self.result.problem(self.where(), f"is longer than {MAX_LINE_BYTES} bytes")
                    while block := handle.read(CHUNK):
                        self.sha.update(block)
                        self.size += len(block)
                    return
                try:
                    value = json.loads(raw)
                except ValueError:
                    self.result.problem(self.where(), "is not valid JSON")
                    continue
                if not isinstance(value, dict):
                    self.result.problem(self.where(), "is not a JSON object")
                    continue
                yield self.line, value

    def where(self, sequence: int | None = None) -> str:
        at = f"{self.name} line {self.line}"
        return at if sequence is None else f"{at} (sequence {sequence})"


def _sequence(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _hex64(value: Any) -> str | None:
    return value if isinstance(value, str) and _HEX64.match(value) else None


# --- The checks -------------------------------------------------------------------------------


@dataclass
class _Manifest:
    data: dict[str, Any]
    files: dict[str, dict[str, Any]]  # path → entry
    head_sequence: int
    head_hash: str
    chain_start: int


def _read_manifest(pack: _Pack, result: Result) -> tuple[_Manifest | None, bytes]:
    if MANIFEST not in pack.members:
        result.problem(MANIFEST, "is missing from the pack")
        return None, b""
    try:
        raw = pack.read(MANIFEST, MAX_MANIFEST_BYTES)
        data = json.loads(raw)
    except (ValueError, zipfile.BadZipFile, OSError, EOFError) as exc:
        result.problem(MANIFEST, f"cannot be read: {exc}")
        return None, b""
    if not isinstance(data, dict) or data.get("format") != PACK_FORMAT:
        result.problem(MANIFEST, f"is not a {PACK_FORMAT} manifest")
        return None, raw
    ledger = data.get("ledger") if isinstance(data.get("ledger"), dict) else {}
    head_sequence = _sequence(ledger.get("head_sequence"))
    head_hash = _hex64(ledger.get("head_hash"))
    chain_start = _sequence(ledger.get("chain_start"))
    if head_sequence is None or head_hash is None or chain_start is None:
        result.problem(MANIFEST, "does not say which ledger head and chain it was built from")
        return None, raw
    files: dict[str, dict[str, Any]] = {}
    entries = data.get("files")
    if not isinstance(entries, list):
        result.problem(MANIFEST, "has no list of files")
        return None, raw
    for entry in entries:
        path = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(path, str) or _unsafe(path):
            result.problem(MANIFEST, f"lists a file with a bad path: {path!r}")
            continue
        if path in files or path in (MANIFEST, SEAL):
            result.problem(MANIFEST, f"lists {path} twice")
            continue
        if (
            _hex64(entry.get("sha256")) is None
            or _sequence(entry.get("size")) is None
            or entry.get("role") not in ROLES
        ):
            result.problem(MANIFEST, f"lists {path} without a valid sha256, size and role")
            continue
        files[path] = entry
    system = data.get("system") if isinstance(data.get("system"), dict) else {}
    result.system = f"{system.get('slug', '?')} (#{system.get('id', '?')})"
    result.generated_at = str(data.get("generated_at", "?"))
    result.head_sequence = head_sequence
    result.chain_start = chain_start
    return _Manifest(data, files, head_sequence, head_hash, chain_start), raw


# The files every pack has, and the role each is listed with.
_REQUIRED = {EVENTS: ROLE_EVENTS, CHAIN: ROLE_CHAIN, VERIFIER: ROLE_VERIFIER, README: ROLE_README}
_FOLDERS = {ROLE_KEY: KEYS_DIR, ROLE_CHECKPOINT: CHECKPOINTS_DIR, ROLE_EVIDENCE: EVIDENCE_DIR}


def _check_members(pack: _Pack, manifest: _Manifest, result: Result) -> None:
    """Everything listed is there, where its role says; nothing is there that is not listed."""
    for path, role in _REQUIRED.items():
        if manifest.files.get(path, {}).get("role") != role:
            result.problem(MANIFEST, f"does not list {path} (as its {role} file)")
    for path, entry in manifest.files.items():
        folder = _FOLDERS.get(entry["role"])
        if folder is not None and not path.startswith(folder):
            result.problem(MANIFEST, f"lists {path} as a {entry['role']} file outside {folder}")
    for name in pack.members:
        if name not in manifest.files and name not in (MANIFEST, SEAL):
            result.problem(name, "is in the pack but not listed in the manifest")
    for path in manifest.files:
        if path not in pack.members:
            result.problem(path, "is listed in the manifest but missing from the pack")


def _load_keys(pack: _Pack, manifest: _Manifest, result: Result) -> dict[str, Ed25519PublicKey]:
    keys: dict[str, Ed25519PublicKey] = {}
    for path, entry in manifest.files.items():
        if entry["role"] != ROLE_KEY or path not in pack.members:
            continue
        try:
            key = load_key(pack.read(path, MAX_SMALL_FILE_BYTES))
        except (ValueError, zipfile.BadZipFile, OSError, EOFError) as exc:
            result.problem(path, f"cannot be read as a key: {exc}")
            continue
        named = path.removeprefix(KEYS_DIR).removesuffix(".pem")
        actual = key_id(key)
        if actual != named:
            result.problem(path, f"holds key {actual}, not the key {named} its name says")
            continue
        keys[actual] = key
    return keys


@dataclass
class _Keys:
    """The keys signatures are checked with, and where they came from."""

    by_id: dict[str, Ed25519PublicKey]
    source: str  # "in keys/ of the pack" or "given with --key"


def _verify_signature(fields: dict[str, Any], signature: Any, keys: _Keys) -> str | None:
    """Why ``signature`` over ``fields`` does not verify with the key ``fields["key_id"]``
    names, or None if it does."""
    key = keys.by_id.get(str(fields.get("key_id")))
    if key is None:
        named = fields.get("key_id")
        return f"is signed by key {named!r}, which is not one of the keys {keys.source}"
    try:
        key.verify(base64.b64decode(str(signature), validate=True), canonical_json(fields))
    except (InvalidSignature, binascii.Error, ValueError, TypeError):
        return "signature does not verify: forged or altered"
    return None


def _read_signed(pack: _Pack, path: str, format_: str, result: Result) -> dict[str, Any] | None:
    """A small signed JSON file (the seal, a checkpoint) of the given format, or None (and the
    problem) if it is not one."""
    try:
        data = json.loads(pack.read(path, MAX_SMALL_FILE_BYTES))
    except (ValueError, zipfile.BadZipFile, OSError, EOFError) as exc:
        result.problem(path, f"cannot be read: {exc}")
        return None
    if not isinstance(data, dict) or data.get("format") != format_:
        result.problem(path, f"is not a {format_} file")
        return None
    return data


def _check_seal(
    pack: _Pack,
    manifest: _Manifest,
    manifest_raw: bytes,
    keys: _Keys,
    result: Result,
) -> None:
    if SEAL not in pack.members:
        result.problem(SEAL, "is missing from the pack")
        return
    seal = _read_signed(pack, SEAL, SEAL_FORMAT, result)
    if seal is None:
        return
    fields = {k: v for k, v in seal.items() if k != "signature"}
    result.key_id = str(seal.get("key_id", ""))
    why = _verify_signature(fields, seal.get("signature"), keys)
    if why:
        result.problem(SEAL, why)
        return
    digest = hashlib.sha256(manifest_raw).hexdigest()
    if seal.get("manifest_sha256") != digest:
        result.problem(
            MANIFEST,
            f"sha256 {digest} does not match the digest sealed in {SEAL} "
            f"({seal.get('manifest_sha256')})",
        )
    if (seal.get("head_sequence"), seal.get("head_hash")) != (
        manifest.head_sequence,
        manifest.head_hash,
    ):
        result.problem(
            MANIFEST,
            f"says the ledger head is #{manifest.head_sequence} {manifest.head_hash}, but "
            f"{SEAL} seals #{seal.get('head_sequence')} {seal.get('head_hash')}",
        )
    system = manifest.data.get("system")
    system_id = system.get("id") if isinstance(system, dict) else None
    if (seal.get("system_id"), seal.get("created_at")) != (
        system_id,
        manifest.data.get("generated_at"),
    ):
        result.problem(
            MANIFEST,
            f"is of system {system_id} generated {manifest.data.get('generated_at')}, but "
            f"{SEAL} seals system {seal.get('system_id')} at {seal.get('created_at')}",
        )


def _check_checkpoints(
    pack: _Pack, manifest: _Manifest, keys: _Keys, result: Result
) -> dict[int, list[tuple[str, str]]]:
    """The signed daily checkpoints in the pack, as pins: sequence → [(hash, file)]."""
    pins: dict[int, list[tuple[str, str]]] = {}
    for path, entry in manifest.files.items():
        if entry["role"] != ROLE_CHECKPOINT or path not in pack.members:
            continue
        data = _read_signed(pack, path, CHECKPOINT_FORMAT, result)
        if data is None:
            continue
        fields = {k: data.get(k) for k in ("format", "sequence", "hash", "created_at", "key_id")}
        why = _verify_signature(fields, data.get("signature"), keys)
        if why:
            result.problem(path, why)
            continue
        sequence, hash_ = _sequence(data.get("sequence")), _hex64(data.get("hash"))
        if sequence is None or hash_ is None:
            result.problem(path, "has no valid sequence and hash")
            continue
        pins.setdefault(sequence, []).append((hash_, path))
    return pins


@dataclass
class _Event:
    line: int
    sequence: int
    prev_hash: str
    hash: str
    payload: dict[str, Any]
    ok: bool


def _events(lines: _Lines, result: Result) -> Iterator[_Event]:
    """The events of ``events.jsonl`` in order, each checked on its own: its hash is
    SHA-256(prev_hash || canonical bytes) and its canonical bytes name its place."""
    last = None
    for number, value in lines:
        sequence = _sequence(value.get("sequence"))
        prev_hash, hash_ = _hex64(value.get("prev_hash")), _hex64(value.get("hash"))
        canonical = value.get("canonical")
        if sequence is None or prev_hash is None or hash_ is None or not isinstance(canonical, str):
            result.problem(lines.where(), "needs sequence, prev_hash, hash and canonical")
            continue
        where = lines.where(sequence)
        if last is not None and sequence <= last:
            result.problem(where, f"comes after sequence {last}: events must be in order")
            continue
        last = sequence
        try:
            data = canonical.encode("utf-8")
            payload = json.loads(data)
        except (UnicodeError, ValueError):
            result.problem(where, "its canonical bytes are not UTF-8 JSON")
            continue
        ok = True
        computed = chain_hash(prev_hash, data)
        if computed != hash_:
            result.problem(
                where,
                f"hash does not chain: SHA-256(prev_hash || canonical bytes) is {computed}, "
                f"the line says {hash_}",
            )
            ok = False
        if not isinstance(payload, dict) or (
            payload.get("sequence"),
            payload.get("prev_hash"),
        ) != (sequence, prev_hash):
            result.problem(where, "its canonical bytes name another sequence or previous hash")
            ok = False
            payload = payload if isinstance(payload, dict) else {}
        yield _Event(number, sequence, prev_hash, hash_, payload, ok)


def _check_chain(
    pack: _Pack,
    manifest: _Manifest,
    pins: dict[int, list[tuple[str, str]]],
    result: Result,
) -> tuple[dict[int, _Event], dict[str, tuple[str, int]]]:
    """Walk ``chain.jsonl`` and ``events.jsonl`` side by side: the chain links up from
    ``chain_start`` to the sealed head and agrees with every checkpoint, and each event is the
    chain's entry at its sequence. Returns the evidence events that verified (sequence → event)
    and the two files' (sha256, size)."""
    evidence_events: dict[int, _Event] = {}
    chain_lines, event_lines = _Lines(pack, CHAIN, result), _Lines(pack, EVENTS, result)
    events = _events(event_lines, result)
    pending = next(events, None)
    expected, prev = manifest.chain_start, None
    met: set[str] = set()
    broken = False
    for _, value in chain_lines:
        sequence = _sequence(value.get("sequence"))
        prev_hash, hash_ = _hex64(value.get("prev_hash")), _hex64(value.get("hash"))
        if sequence is None or prev_hash is None or hash_ is None:
            result.problem(chain_lines.where(), "needs sequence, prev_hash and hash")
            broken = True
            break
        where = chain_lines.where(sequence)
        if sequence != expected:
            result.problem(where, f"should be sequence {expected}: the chain has a gap")
            broken = True
            break
        if prev is None and sequence == 1 and prev_hash != GENESIS_HASH:
            result.problem(where, "the first event's prev_hash must be 64 zeros")
        if prev is not None and prev_hash != prev:
            result.problem(where, f"prev_hash does not chain: the event before has {prev}")
        for pinned, path in pins.get(sequence, ()):
            met.add(path)
            if pinned != hash_:
                result.problem(
                    path, f"records hash {pinned} for event {sequence}, the chain has {hash_}"
                )
        while pending is not None and pending.sequence <= sequence:
            at = event_lines.where(pending.sequence)
            if pending.sequence < sequence:
                result.problem(at, "is not in the chain segment")
            elif (pending.hash, pending.prev_hash) != (hash_, prev_hash):
                result.problem(at, f"hash does not chain: {CHAIN} has {hash_} at this sequence")
            elif pending.ok:
                result.events += 1
                if pending.payload.get("object_type") == EVIDENCE_OBJECT_TYPE:
                    evidence_events[pending.sequence] = pending
            pending = next(events, None)
        prev, expected = hash_, sequence + 1
        result.chain_entries += 1
    if not broken:
        if prev is None:
            result.problem(CHAIN, "is empty")
        elif (expected - 1, prev) != (manifest.head_sequence, manifest.head_hash):
            result.problem(
                CHAIN,
                f"ends at #{expected - 1} {prev}, not at the sealed head "
                f"#{manifest.head_sequence} {manifest.head_hash}",
            )
        for sequence, entries in pins.items():
            for _, path in entries:
                if path not in met:
                    result.problem(
                        path,
                        f"records event {sequence}, outside the chain segment "
                        f"#{manifest.chain_start} to #{manifest.head_sequence}",
                    )
    # The events the walk did not reach are still checked on their own (and hashed).
    while pending is not None:
        if not broken:
            result.problem(event_lines.where(pending.sequence), "is beyond the chain segment")
        pending = next(events, None)
    covered = [s for s in pins if manifest.chain_start <= s <= manifest.head_sequence]
    result.checkpoints = sum(len(pins[s]) for s in covered)
    result.checkpointed_through = max(covered, default=None)
    return evidence_events, {CHAIN: chain_lines.drain(), EVENTS: event_lines.drain()}


def _check_files(
    pack: _Pack,
    manifest: _Manifest,
    jsonl: dict[str, tuple[str, int]],
    result: Result,
) -> dict[str, str]:
    """Every listed file against its manifest entry; returns path → actual sha256."""
    actual: dict[str, str] = {}
    for path, entry in manifest.files.items():
        if path not in pack.members:
            continue
        try:
            sha, size = jsonl[path] if path in jsonl else pack.digest(path)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            result.problem(path, f"cannot be read from the zip: {exc}")
            continue
        actual[path] = sha
        if sha != entry["sha256"]:
            result.problem(path, f"sha256 {sha} does not match the manifest's {entry['sha256']}")
        elif size != entry["size"]:
            result.problem(path, f"is {size} bytes, the manifest says {entry['size']}")
    result.files = len(actual)
    return actual


def _attaching_event(
    entry: dict[str, Any], evidence_events: dict[int, _Event]
) -> tuple[_Event | None, str]:
    """The verified event that attached the evidence a manifest entry describes, or None and
    why not."""
    recorded_in = _sequence(entry.get("recorded_in"))
    event = evidence_events.get(recorded_in) if recorded_in is not None else None
    evidence_id = str(entry.get("evidence_id"))
    if (
        event is None
        or event.payload.get("action") not in EVIDENCE_ACTIONS
        or event.payload.get("object_id") != evidence_id
    ):
        return None, (
            f"no verified event of {EVENTS} records it (the manifest says event #{recorded_in} "
            f"attached evidence {evidence_id})"
        )
    return event, ""


def _recorded(event: _Event, name: str) -> Any:
    changes = event.payload.get("changes")
    return changes.get(name) if isinstance(changes, dict) else None


def _check_evidence(
    manifest: _Manifest,
    actual: dict[str, str],
    evidence_events: dict[int, _Event],
    result: Result,
) -> None:
    """Every evidence file's digest is the one recorded in the verified event that attached
    it; so is every link's address, and every withheld file's digest."""
    for path, entry in manifest.files.items():
        if entry["role"] != ROLE_EVIDENCE or path not in actual:
            continue
        event, why = _attaching_event(entry, evidence_events)
        if event is None:
            result.problem(path, why)
            continue
        recorded = _recorded(event, "sha256")
        if actual[path] != recorded:
            result.problem(
                path,
                f"sha256 {actual[path]} does not match the digest {recorded} recorded in event "
                f"#{event.sequence}",
            )
            continue
        result.evidence_files += 1
    for kind, field_, key in (("links", "url", "link_url"), ("withheld", "sha256", "sha256")):
        entries = manifest.data.get(kind) or []
        for n, entry in enumerate(entries if isinstance(entries, list) else [], start=1):
            item = f"{MANIFEST} {kind} #{n}"
            if not isinstance(entry, dict):
                result.problem(item, "is not an object")
                continue
            event, why = _attaching_event(entry, evidence_events)
            if event is None:
                result.problem(item, why)
            elif entry.get(field_) != _recorded(event, key):
                result.problem(
                    item,
                    f"{field_} {entry.get(field_)!r} is not what event #{event.sequence} recorded",
                )


def verify_pack(source: str | Path | IO[bytes], *, trusted_keys: Sequence[bytes] = ()) -> Result:
    """Verify the pack at ``source`` (a path or a binary file). ``trusted_keys`` (PEM or base64
    public keys): accept only signatures by these; without any, the keys in the pack are used
    (and the result says so)."""
    result = Result()
    label = Path(source).name if isinstance(source, (str, Path)) else "the pack"
    trusted: dict[str, Ed25519PublicKey] = {}
    for data in trusted_keys:
        try:
            key = load_key(data)
        except ValueError as exc:
            result.problem("--key", str(exc))
            return result
        trusted[key_id(key)] = key
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        result.problem(label, f"is not a readable zip file: {exc}")
        return result
    with zf:
        try:
            pack = _Pack(zf, result)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            result.problem(label, f"is not a readable zip file: {exc}")
            return result
        manifest, manifest_raw = _read_manifest(pack, result)
        if manifest is None:
            return result
        _check_members(pack, manifest, result)
        pack_keys = _load_keys(pack, manifest, result)
        if trusted:
            keys = _Keys(trusted, "given with --key")
        else:
            keys = _Keys(pack_keys, f"in {KEYS_DIR} of the pack")
        result.key_from_pack = not trusted
        _check_seal(pack, manifest, manifest_raw, keys, result)
        pins = _check_checkpoints(pack, manifest, keys, result)
        evidence_events: dict[int, _Event] = {}
        jsonl: dict[str, tuple[str, int]] = {}
        if EVENTS in pack.members and CHAIN in pack.members:
            try:
                evidence_events, jsonl = _check_chain(pack, manifest, pins, result)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                result.problem(f"{EVENTS} or {CHAIN}", f"cannot be read from the zip: {exc}")
                evidence_events, jsonl = {}, {}
        actual = _check_files(pack, manifest, jsonl, result)
        _check_evidence(manifest, actual, evidence_events, result)
        result.links = len(manifest.data.get("links") or [])
        result.withheld = len(manifest.data.get("withheld") or [])
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="verify_pack.py",
        description="Verify a Steward auditor pack offline (Python and cryptography only).",
    )
    parser.add_argument("pack", help="the pack (.zip)")
    parser.add_argument(
        "--key",
        metavar="FILE",
        action="append",
        default=[],
        help="accept only signatures by this Ed25519 public key (PEM or base64), e.g. the one "
        "your organisation publishes; repeatable",
    )
    args = parser.parse_args(argv)
    try:
        keys = [Path(name).read_bytes() for name in args.key]
    except OSError as exc:
        parser.error(f"--key: {exc}")
    result = verify_pack(args.pack, trusted_keys=keys)
    if result.ok:
        print(result.summary())
        return 0
    print(result.summary(), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

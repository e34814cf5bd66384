"""Building a system's auditor pack: first planned and sealed, then streamed.

``plan_pack`` decides everything before a byte is sent, so that a ledger that does not verify is
a clean 409 and the download can be recorded (with the manifest's digest) before the pack goes
out: it reads the head, the signed checkpoints and the system's scope, verifies the chain
segment (``ledger.check_segment``), lists every file with its SHA-256 — evidence by the digest
its attaching event recorded — writes the manifest and signs the seal. ``stream_pack`` then
writes the zip entry by entry, in constant memory: the two JSON Lines files from a second read
of the same rows, the evidence files from storage.

The layout and formats are ``tools/verify_pack.py``'s, the verifier that checks them:

    README.txt            how to verify
    verify_pack.py        the verifier (standard library + cryptography)
    keys/<key id>.pem     the public keys of the seal and the checkpoints
    checkpoints/*.json    the signed daily checkpoints within the chain segment, as written
    events.jsonl          the system's events, each with its canonical bytes, hash, prev hash
    chain.jsonl           (sequence, prev hash, hash) of every event of the segment
    evidence/<id>-<name>  every evidence file of the system the downloader may read
    manifest.json         the system, the ledger head, every file above with its SHA-256
    seal.json             the manifest's SHA-256 and the head, signed with the checkpoint key
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db.models import Min, Q
from django.template.loader import render_to_string
from django.utils import timezone

from registry.audit import checkpoints as audit_checkpoints
from registry.audit.models import AuditChainHead, AuditEvent
from registry.audit.permissions import can_read_audit_trail
from registry.audit.services import actor_label, to_jsonable
from registry.evidence import permissions as evidence_permissions
from registry.evidence import storage
from registry.evidence.content import clean_file_name
from registry.evidence.models import EvidenceItem
from registry.inventory.models import AISystem
from registry.pack import ledger, scope
from registry.pack.ledger import LedgerBrokenError
from registry.pack.zipstream import ZipStream
from tools import verify_pack as fmt

logger = logging.getLogger(__name__)

# Evidence is read from storage in blocks of this size (what a streamed pack holds at once).
READ_CHUNK = 256 * 1024
# Evidence types that are already compressed are stored as they are; the rest is deflated.
_DEFLATED_TYPES = frozenset({"text/csv", "text/plain", "text/markdown", "application/json"})


class PackChangedError(RuntimeError):
    """What the stream read differs from what was sealed: the ledger changed under it."""


@dataclass
class PackFile:
    """One file of the pack: where it goes, what it is, its digest and size. Small files are
    held (``content``); the JSON Lines files are written from the ledger, evidence from
    storage (``item``)."""

    path: str
    role: str
    sha256: str
    size: int
    content: bytes | None = None
    item: EvidenceItem | None = None
    about: dict[str, Any] = field(default_factory=dict)
    compress: bool = True

    def manifest_entry(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "role": self.role,
            "sha256": self.sha256,
            "size": self.size,
            **self.about,
        }

    @classmethod
    def held(cls, path: str, role: str, content: bytes, **about: Any) -> PackFile:
        digest = ledger.Digest()
        digest.add(content)
        return cls(path, role, digest.hexdigest, len(content), content=content, about=about)


@dataclass
class Pack:
    """A planned and sealed pack, ready to stream."""

    system: AISystem
    generated_at: dt.datetime
    head_sequence: int
    head_hash: str
    chain_start: int
    mine: Q
    files: list[PackFile]
    manifest: bytes
    seal: bytes
    manifest_sha256: str
    key_id: str
    events: int
    withheld: list[int]

    @property
    def filename(self) -> str:
        return pack_filename(self.system, self.generated_at)

    @property
    def evidence_ids(self) -> list[int]:
        return [f.item.pk for f in self.files if f.item is not None]

    @property
    def restricted_ids(self) -> list[int]:
        return [f.item.pk for f in self.files if f.item is not None and f.item.restricted]


# --- Planning ---------------------------------------------------------------------------------


def pack_filename(system: AISystem, when: dt.datetime) -> str:
    stamp = when.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"steward-audit-pack-{system.slug}-{stamp}.zip"


def _signed_checkpoints() -> list[audit_checkpoints.Checkpoint]:
    """Every valid checkpoint, oldest first; a problem with any of them (a forged or altered
    file, one going backwards) refuses the pack, as ``audit_verify`` would fail."""
    keys = audit_checkpoints.trusted_public_keys()
    found, problems = audit_checkpoints.load_checkpoints(audit_checkpoints.checkpoint_dir(), keys)
    problems += audit_checkpoints.order_problems(found)
    if problems:
        raise LedgerBrokenError(problems[0][1])
    return found


def _key_files(
    checkpoints: Iterable[audit_checkpoints.Checkpoint], seal_key: Any
) -> list[PackFile]:
    """The public keys of the seal and of every checkpoint in the pack."""
    keys = {fmt.key_id(k): k for k in audit_checkpoints.trusted_public_keys()}
    wanted = {fmt.key_id(seal_key): seal_key}
    for checkpoint in checkpoints:
        wanted.setdefault(checkpoint.key_id, keys[checkpoint.key_id])
    return [
        PackFile.held(f"{fmt.KEYS_DIR}{kid}.pem", fmt.ROLE_KEY, fmt.public_key_pem(key))
        for kid, key in sorted(wanted.items())
    ]


def _evidence_path(item: EvidenceItem) -> str:
    return f"{fmt.EVIDENCE_DIR}{item.pk}-{clean_file_name(item.file_name)}"


def _evidence_about(item: EvidenceItem, recorded: ledger.Recorded) -> dict[str, Any]:
    return {
        "evidence_id": item.pk,
        "lineage": str(item.lineage),
        "version": item.version,
        "title": item.title,
        "kind": item.kind,
        "subject_type": item.subject_type,
        "subject_id": item.subject_id,
        "subject": item.subject_repr,
        "status": item.status,
        "restricted": item.restricted,
        "recorded_in": recorded.sequence,
    }


def _evidence(
    items: Iterable[EvidenceItem], readable: set[int], segment: ledger.Segment
) -> tuple[list[PackFile], list[dict[str, Any]], list[dict[str, Any]]]:
    """The evidence files the downloader reads, the links, and what is withheld — each by
    the digest its attaching event recorded. Items attached after the head are not in it."""
    files, links, withheld = [], [], []
    for item in items:
        recorded = segment.evidence.get(str(item.pk))
        if recorded is None:
            continue
        about = _evidence_about(item, recorded)
        if item.is_link:
            links.append({**about, "url": item.link_url})
        elif item.pk not in readable:
            withheld.append(
                {**about, "sha256": recorded.sha256, "reason": "restricted: not for this reader"}
            )
        else:
            if recorded.sha256 != item.sha256:
                logger.error(
                    "evidence %s: its row says sha256 %s, the ledger recorded %s",
                    item.pk,
                    item.sha256,
                    recorded.sha256,
                )
            size = recorded.size if isinstance(recorded.size, int) else item.size or 0
            files.append(
                PackFile(
                    _evidence_path(item),
                    fmt.ROLE_EVIDENCE,
                    recorded.sha256,
                    size,
                    item=item,
                    about={**about, "file_name": item.file_name, "content_type": item.content_type},
                    compress=item.content_type in _DEFLATED_TYPES,
                )
            )
    return files, links, withheld


def _json_file(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


@dataclass(frozen=True)
class _Ledger:
    """Where the pack's part of the ledger lies: the head, the segment's start, the checkpoints
    in it, and the filter of the system's events."""

    head_sequence: int
    head_hash: str
    start: int
    first_event: int
    checkpoints: list[audit_checkpoints.Checkpoint]
    mine: Q


def _locate(system: AISystem, user: Any, in_scope: Any) -> _Ledger:
    """Read the checkpoints, then the head (so that a checkpoint signed in between is below
    it), and find the segment: from the last checkpoint at or before the system's first event
    (so that both its ends are signed) or, with none, from that event, to the head."""
    checkpoints = _signed_checkpoints()
    head = AuditChainHead.objects.filter(pk=1).values_list("sequence", "hash").first()
    if head is None or head[0] == 0:
        raise LedgerBrokenError("the ledger is empty")
    head_sequence, head_hash = head
    for checkpoint in checkpoints:
        if checkpoint.sequence > head_sequence:
            raise LedgerBrokenError(
                f"checkpoint {checkpoint.name} records event {checkpoint.sequence}, beyond the "
                f"head row's {head_sequence}: the ledger got shorter"
            )
    mine = scope.events_filter(system, user, in_scope)
    first = AuditEvent.objects.filter(mine, sequence__lte=head_sequence).aggregate(
        first=Min("sequence")
    )["first"]
    first = first or head_sequence
    anchor = max((c.sequence for c in checkpoints if c.sequence <= first), default=None)
    start = anchor if anchor is not None else first
    included = [c for c in checkpoints if c.sequence >= start]
    return _Ledger(head_sequence, head_hash, start, first, included, mine)


def _readme(system: AISystem, now: dt.datetime, summary: dict[str, Any], **counts: Any) -> bytes:
    context = {
        "system": system,
        "filename": pack_filename(system, now),
        "generated_at": to_jsonable(now),
        "ledger": summary,
        **counts,
    }
    return render_to_string("registry/pack_readme.txt", context).encode()


def plan_pack(*, system: AISystem, user: Any, now: dt.datetime | None = None) -> Pack:
    """Plan, verify and seal ``system``'s pack for ``user`` (who may download it). Raises
    ``LedgerBrokenError`` (409) if the ledger or a checkpoint does not verify."""
    now = now or timezone.now()
    in_scope = scope.evidence_of(system, user, everything=can_read_audit_trail(user))
    where = _locate(system, user, in_scope)
    segment = ledger.check_segment(
        start=where.start,
        head=(where.head_sequence, where.head_hash),
        pins={c.sequence: (c.hash, c.name) for c in where.checkpoints},
        mine=where.mine,
    )
    readable = set(
        in_scope.filter(evidence_permissions.evidence_visibility(user)).values_list("pk", flat=True)
    )
    evidence_files, links, withheld = _evidence(in_scope.order_by("pk"), readable, segment)

    seal_key = audit_checkpoints.signing_key()
    key_id = fmt.key_id(seal_key.public_key())
    folder = audit_checkpoints.checkpoint_dir()
    summary = {
        "head_sequence": where.head_sequence,
        "head_hash": where.head_hash,
        "chain_start": where.start,
        "chain_entries": segment.chain.lines,
        "first_event": where.first_event,
        "events": segment.events.lines,
        "checkpoints": [c.name for c in where.checkpoints],
        "checkpointed_through": max((c.sequence for c in where.checkpoints), default=None),
    }
    readme = _readme(
        system,
        now,
        summary,
        key_id=key_id,
        files=len(evidence_files),
        links=len(links),
        withheld=len(withheld),
    )
    files = [
        PackFile.held(fmt.README, fmt.ROLE_README, readme),
        PackFile.held(fmt.VERIFIER, fmt.ROLE_VERIFIER, Path(fmt.__file__).read_bytes()),
        *_key_files(where.checkpoints, seal_key.public_key()),
        *(
            PackFile.held(
                f"{fmt.CHECKPOINTS_DIR}{c.name}",
                fmt.ROLE_CHECKPOINT,
                (folder / c.name).read_bytes(),
            )
            for c in where.checkpoints
        ),
        PackFile(fmt.EVENTS, fmt.ROLE_EVENTS, segment.events.hexdigest, segment.events.size),
        PackFile(fmt.CHAIN, fmt.ROLE_CHAIN, segment.chain.hexdigest, segment.chain.size),
        *evidence_files,
    ]
    manifest = _json_file(
        {
            "format": fmt.PACK_FORMAT,
            "generated_at": to_jsonable(now),
            "generated_by": actor_label(user),
            "system": {
                "id": system.pk,
                "slug": system.slug,
                "name": system.name,
                "risk_tier": system.risk_tier,
                "lifecycle": system.lifecycle,
                "owning_team": str(system.owning_team) if system.owning_team_id else None,
            },
            "ledger": summary,
            "seal_key_id": key_id,
            "files": [f.manifest_entry() for f in files],
            "links": links,
            "withheld": withheld,
        }
    )
    manifest_sha256 = PackFile.held(fmt.MANIFEST, "", manifest).sha256
    seal = {
        "format": fmt.SEAL_FORMAT,
        "system_id": system.pk,
        "created_at": to_jsonable(now),
        "head_sequence": where.head_sequence,
        "head_hash": where.head_hash,
        "manifest_sha256": manifest_sha256,
        "key_id": key_id,
    }
    seal["signature"] = base64.b64encode(seal_key.sign(fmt.canonical_json(seal))).decode()
    return Pack(
        system=system,
        generated_at=now,
        head_sequence=where.head_sequence,
        head_hash=where.head_hash,
        chain_start=where.start,
        mine=where.mine,
        files=files,
        manifest=manifest,
        seal=_json_file(seal),
        manifest_sha256=manifest_sha256,
        key_id=key_id,
        events=segment.events.lines,
        withheld=[w["evidence_id"] for w in withheld],
    )


# --- Streaming --------------------------------------------------------------------------------


def _digested(file: PackFile, chunks: Iterable[bytes], *, strict: bool) -> Iterator[bytes]:
    """``chunks``, hashed on the way: what was sealed must be what is sent. For a file written
    from the ledger a difference stops the stream (``strict``); an evidence file that differs
    from its recorded digest goes out as it is, for the verifier to name."""
    digest = ledger.Digest()
    for chunk in chunks:
        digest.add(chunk)
        yield chunk
    if digest.hexdigest != file.sha256:
        message = f"{file.path}: sent sha256 {digest.hexdigest}, sealed {file.sha256}"
        if strict:
            raise PackChangedError(message)
        logger.error("auditor pack of system %s: %s", file.item and file.item.subject_id, message)


def stream_pack(pack: Pack) -> Iterator[bytes]:
    """The zip's bytes, entry by entry."""
    out = ZipStream(pack.generated_at.astimezone(dt.UTC))
    bounds = {"start": pack.chain_start, "end": pack.head_sequence}
    for file in pack.files:
        if file.content is not None:
            yield from out.entry(file.path, [file.content], compress=True)
        elif file.role == fmt.ROLE_EVENTS:
            lines = ledger.event_lines(**bounds, mine=pack.mine)
            yield from out.entry(file.path, _digested(file, lines, strict=True), compress=True)
        elif file.role == fmt.ROLE_CHAIN:
            lines = ledger.chain_lines(**bounds)
            yield from out.entry(file.path, _digested(file, lines, strict=True), compress=True)
        else:
            try:
                handle = storage.evidence_storage().open(file.item.storage_key, "rb")
            except OSError as exc:
                logger.error("auditor pack: %s cannot be read from storage: %s", file.path, exc)
                continue
            with handle:
                chunks = _digested(file, handle.chunks(READ_CHUNK), strict=False)
                yield from out.entry(file.path, chunks, compress=file.compress)
    yield from out.entry(fmt.MANIFEST, [pack.manifest], compress=True)
    yield from out.entry(fmt.SEAL, [pack.seal], compress=True)
    yield out.finish()

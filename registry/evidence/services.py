"""State changes of the evidence store. One function per action: keyword-only, the actor
explicit, atomic, the row locked before its state is checked, one audit event each.

A file is inspected (digest, size, type sniffed from its content, refusals) before anything is
written; it is then stored under a generated key inside the transaction that records it, and
deleted again if that transaction does not commit (``registry.evidence.storage``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from registry.audit import services as audit
from registry.core.exceptions import ConflictError
from registry.evidence import hooks, permissions, storage, subjects
from registry.evidence.choices import EvidenceStatus
from registry.evidence.content import Inspection, clean_file_name, inspect_stream
from registry.evidence.models import EvidenceGrant, EvidenceItem
from registry.evidence.uploads import new_inspector

# What an attached version records about itself, in its audit event.
_RECORDED = (
    "lineage",
    "version",
    "supersedes",
    "subject_type",
    "subject_id",
    "title",
    "kind",
    "author",
    "document_date",
    "restricted",
    "link_url",
    "file_name",
    "content_type",
    "size",
    "sha256",
)


def inspect_file(file: File) -> Inspection:
    """What a file is: the inspection the upload handler made as it arrived, or one made now
    by reading it in chunks (a file handed to the service by other code)."""
    inspection = getattr(file, "inspection", None)
    if inspection is not None:
        return inspection
    name = clean_file_name(file.name or "")
    inspector = new_inspector(name)
    file.seek(0)
    return inspect_stream(
        name,
        file.chunks(),
        max_bytes=inspector.max_bytes,
        max_unzipped_bytes=inspector.max_unzipped_bytes,
        file=file,
    )


def _content(item: EvidenceItem, *, file: File | None, link_url: str, now: dt.datetime) -> None:
    """Set the item's file (inspected, not yet stored) or link; exactly one of them."""
    if (file is None) == (not link_url):
        raise ValidationError({"file": "Attach either a file or a link (link_url), not both."})
    if file is None:
        item.link_url = link_url
        return
    inspection = inspect_file(file)
    item.file_name = clean_file_name(file.name or "")
    item.content_type = inspection.file_type.content_type
    item.size = inspection.size
    item.sha256 = inspection.sha256
    ext = item.file_name.rpartition(".")[2].lower()
    item.storage_key = storage.new_key(ext, now)


def _record(
    item: EvidenceItem,
    *,
    actor: Any,
    file: File | None,
    functions: Iterable[str],
    action: str,
    extra: dict[str, Any],
    now: dt.datetime,
) -> EvidenceItem:
    """Validate, store the file, save the row and its grants, and write the one audit event.
    The stored file is deleted if any of it fails."""
    item.full_clean(validate_constraints=False)
    named = sorted(set(functions)) if item.restricted else []
    if item.restricted and not named:
        named = permissions.default_functions(item.kind)
    stored = None
    if file is not None:
        stored = storage.store(item.storage_key, file)
        item.storage_key = stored
    try:
        item.save()
        EvidenceGrant.objects.bulk_create([EvidenceGrant(evidence=item, function=f) for f in named])
        changes = audit.snapshot(item, _RECORDED) | {"functions": named} | extra
        audit.record(actor=actor, action=action, obj=item, changes=changes, now=now)
    except BaseException:
        if stored is not None:
            storage.delete(stored)
        raise
    return item


def _check_functions(functions: Iterable[str]) -> list[str]:
    functions = list(functions)
    unknown = sorted(set(functions) - set(permissions.NAMEABLE_FUNCTIONS))
    if unknown:
        raise ValidationError(
            {"functions": f"Not functions that can be named: {', '.join(unknown)}."}
        )
    return functions


@transaction.atomic
def evidence_attach(
    *,
    actor: Any,
    subject_type: str,
    subject_id: int,
    title: str,
    kind: str,
    file: File | None = None,
    link_url: str = "",
    author: str = "",
    document_date: dt.date | None = None,
    description: str = "",
    restricted: bool = False,
    functions: Iterable[str] = (),
    now: dt.datetime | None = None,
) -> EvidenceItem:
    """Attach a file or an external link to a subject the actor may see (404 otherwise) and
    attach to (403 otherwise). The file's digest, size and sniffed type, and the subject, go
    into the audit chain. ``functions`` name who else reads restricted evidence."""
    now = now or timezone.now()
    kind_of_subject, subject = subjects.resolve(subject_type, subject_id, actor)
    if actor is not None:
        permissions.require_attach(actor, kind_of_subject, subject)
    functions = _check_functions(functions)
    item = EvidenceItem(
        subject_type=subject_type,
        subject_id=subject.pk,
        subject_repr=str(subject)[:300],
        title=title,
        kind=kind,
        author=author,
        document_date=document_date,
        description=description,
        restricted=restricted,
        uploaded_by=actor,
        created_at=now,
    )
    _content(item, file=file, link_url=link_url, now=now)
    return _record(
        item,
        actor=actor,
        file=file,
        functions=functions,
        action="registry.evidence.attached",
        extra={},
        now=now,
    )


def _locked(item: EvidenceItem) -> EvidenceItem:
    return EvidenceItem.objects.select_for_update().prefetch_related("grants").get(pk=item.pk)


def _require_in_force(item: EvidenceItem, doing: str) -> None:
    if item.status == EvidenceStatus.SUPERSEDED:
        raise ConflictError(
            f"Version {item.version} of '{item.title}' was superseded; {doing} the current "
            "version instead.",
            code="superseded",
        )
    if item.status == EvidenceStatus.WITHDRAWN:
        raise ConflictError(f"'{item.title}' was withdrawn.", code="withdrawn")


def _require_change(actor: Any, item: EvidenceItem) -> None:
    """The subject must still be visible to the actor (404) and theirs to change (403)."""
    kind, subject = subjects.resolve(item.subject_type, item.subject_id, actor)
    if actor is not None:
        permissions.require_attach(actor, kind, subject)


@transaction.atomic
def evidence_supersede(
    *,
    actor: Any,
    item: EvidenceItem,
    file: File | None = None,
    link_url: str = "",
    now: dt.datetime | None = None,
    **fields: Any,
) -> EvidenceItem:
    """Correct an item: its next version, with a new file or link, superseding the current
    one, which stays in the record and downloadable. Title, kind, author, date, description,
    restriction and named functions are the previous version's unless given in ``fields``.
    Decisions that cited the previous version are told (``hooks.evidence_changed``)."""
    now = now or timezone.now()
    old = _locked(item)
    _require_change(actor, old)
    _require_in_force(old, "correct")
    unknown = set(fields) - {
        "title",
        "kind",
        "author",
        "document_date",
        "description",
        "restricted",
        "functions",
    }
    if unknown:
        raise TypeError(f"Unknown evidence fields: {sorted(unknown)}")
    functions = _check_functions(fields.pop("functions", old.functions))
    new = EvidenceItem(
        lineage=old.lineage,
        version=old.version + 1,
        supersedes=old,
        subject_type=old.subject_type,
        subject_id=old.subject_id,
        subject_repr=old.subject_repr,
        title=fields.get("title", old.title),
        kind=fields.get("kind", old.kind),
        author=fields.get("author", old.author),
        document_date=fields.get("document_date", old.document_date),
        description=fields.get("description", old.description),
        restricted=fields.get("restricted", old.restricted),
        uploaded_by=actor,
        created_at=now,
    )
    _content(new, file=file, link_url=link_url, now=now)
    old.status = EvidenceStatus.SUPERSEDED
    old.save(update_fields=["status"])
    _record(
        new,
        actor=actor,
        file=file,
        functions=functions,
        action="registry.evidence.superseded",
        extra={"supersedes_sha256": old.sha256, "supersedes_link_url": old.link_url},
        now=now,
    )
    hooks.evidence_changed(actor=actor, item=old, change="superseded", replacement=new)
    return new


@transaction.atomic
def evidence_withdraw(
    *, actor: Any, item: EvidenceItem, reason: str, now: dt.datetime | None = None
) -> EvidenceItem:
    """Withdraw an item that no longer holds (wrong system, retracted report). It stays in the
    record, marked withdrawn with the reason, and still downloadable; decisions that cited it
    are told (``hooks.evidence_changed``)."""
    now = now or timezone.now()
    item = _locked(item)
    _require_change(actor, item)
    _require_in_force(item, "withdraw")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the evidence is withdrawn."})
    item.status = EvidenceStatus.WITHDRAWN
    item.withdrawn_at = now
    item.withdrawn_by = actor
    item.withdrawal_reason = reason
    item.save(update_fields=["status", "withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    audit.record(
        actor=actor,
        action="registry.evidence.withdrawn",
        obj=item,
        changes={
            "status": [EvidenceStatus.CURRENT.value, EvidenceStatus.WITHDRAWN.value],
            "reason": reason,
            "sha256": item.sha256,
            "link_url": item.link_url,
        },
        now=now,
    )
    hooks.evidence_changed(actor=actor, item=item, change="withdrawn", replacement=None)
    return item


@transaction.atomic
def evidence_download_record(
    *, actor: Any, item: EvidenceItem, now: dt.datetime | None = None
) -> None:
    """Record that ``actor`` downloaded restricted evidence: who, when, which digest. (Other
    downloads are not recorded: anyone who sees the subject may read them.)"""
    audit.record(
        actor=actor,
        action="registry.evidence.downloaded",
        obj=item,
        changes={"sha256": item.sha256, "size": item.size, "version": item.version},
        now=now,
    )


def evidence_in_force_locked(subjects_: Iterable[tuple[str, int]]) -> list[EvidenceItem]:
    """The evidence in force on these subjects, with its rows locked until the caller's
    transaction ends, read again after the lock: a correction that committed while this waited
    is seen, one that starts later waits for the caller. For a decision that records the
    evidence it was made on (a sign-off)."""
    match = Q(pk__in=[])
    for subject_type, subject_id in subjects_:
        match |= Q(subject_type=subject_type, subject_id=subject_id)
    in_force = EvidenceItem.objects.filter(match, status=EvidenceStatus.CURRENT)
    list(in_force.select_for_update().values_list("pk", flat=True))
    return list(in_force.order_by("pk"))

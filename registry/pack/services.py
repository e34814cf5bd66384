"""The pack's one state change: recording that someone downloaded it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from registry.audit import services as audit
from registry.audit.models import AuditEvent
from registry.pack.builder import Pack


@transaction.atomic
def pack_download_record(*, actor: Any, pack: Pack, now: dt.datetime | None = None) -> AuditEvent:
    """Record that ``actor`` downloaded ``pack``: who, which system, the manifest's digest (which
    names every file in it), the ledger head it was built from and the evidence it handed over
    — restricted items by id, as the evidence store records their downloads. Written before the
    pack is sent, so a download cut short is recorded too."""
    return audit.record(
        actor=actor,
        action="registry.pack.downloaded",
        obj=pack.system,
        changes={
            "manifest_sha256": pack.manifest_sha256,
            "head_sequence": pack.head_sequence,
            "head_hash": pack.head_hash,
            "seal_key_id": pack.key_id,
            "events": pack.events,
            "evidence": pack.evidence_ids,
            "restricted_evidence": pack.restricted_ids,
            "withheld_evidence": pack.withheld,
        },
        now=now,
    )

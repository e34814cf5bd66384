"""Model cards as the API, the pages and the exports show them: the stored card, or — until one
is written — a draft pre-filled from what the registry knows (the version's own card fields and
metrics, the previous version's card, the system's purpose, intended use and human oversight,
its owners as contacts), always with the version's lineage read from the registry."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

from governance.documents.models import ModelCard
from registry.core.etags import etag_for
from registry.inventory import selectors as inventory_selectors
from registry.inventory.choices import FROZEN_VERSION_STATUSES
from registry.inventory.models import AISystem, ModelVersion
from registry.inventory.selectors import VersionLineage

# The fields a card's writers edit, in the order forms and documents show them.
CARD_FIELDS = (
    "intended_use",
    "intended_users",
    "out_of_scope_uses",
    "training_data",
    "evaluation_data",
    "metrics",
    "limitations",
    "ethical_considerations",
    "human_oversight",
    "contacts",
)
CARD_TEXT_FIELDS = tuple(f for f in CARD_FIELDS if f not in ("metrics", "contacts"))
CARD_LABELS = {
    "intended_use": "Intended use",
    "intended_users": "Intended users",
    "out_of_scope_uses": "Out-of-scope uses",
    "training_data": "Training data",
    "evaluation_data": "Evaluation data",
    "metrics": "Metrics",
    "limitations": "Limitations",
    "ethical_considerations": "Ethical considerations",
    "human_oversight": "Human oversight",
    "contacts": "Contacts",
}


def metrics_from_registry(metrics: Any) -> list[dict[str, Any]]:
    """A version's registered metrics as card metrics: a number is a metric over the whole
    evaluation set; a mapping of numbers is a metric by slice (``{"auc": {"age<25": 0.81}}``)."""
    out: list[dict[str, Any]] = []
    if not isinstance(metrics, dict):
        return out
    for name, value in metrics.items():
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            out.append({"name": str(name)[:100], "value": value, "slice": ""})
        elif isinstance(value, dict):
            for slice_name, sliced in value.items():
                if isinstance(sliced, numbers.Real) and not isinstance(sliced, bool):
                    out.append({"name": str(name)[:100], "value": sliced, "slice": str(slice_name)})
    return out


def contacts_from_registry(system: AISystem) -> list[dict[str, str]]:
    """The system's owners as the card's contacts."""
    contacts = []
    for person, role in (
        (system.technical_owner, "Technical owner"),
        (system.accountable_executive, "Accountable executive"),
    ):
        if person is not None:
            name = person.get_full_name() or person.get_username()
            contacts.append({"name": name, "role": role, "email": person.email or ""})
    contacts.append({"name": system.owning_team.name, "role": "Owning team", "email": ""})
    if system.on_call_contact:
        contacts.append({"name": system.on_call_contact, "role": "On call", "email": ""})
    return contacts


def card_prefill(
    version: ModelVersion, system: AISystem, previous: ModelCard | None = None
) -> dict[str, Any]:
    """A first card for ``version``: what its own card fields say, else what the previous
    version's card said, else what the system says; metrics from the version; owners as
    contacts."""
    before = {f: getattr(previous, f) for f in CARD_FIELDS} if previous is not None else {}
    return {
        "intended_use": version.card_intended_use
        or before.get("intended_use")
        or system.intended_use
        or system.purpose,
        "intended_users": before.get("intended_users", ""),
        "out_of_scope_uses": before.get("out_of_scope_uses", ""),
        "training_data": before.get("training_data", ""),
        "evaluation_data": version.card_evaluation_summary or before.get("evaluation_data", ""),
        "metrics": metrics_from_registry(version.metrics) or list(before.get("metrics", [])),
        "limitations": version.card_limitations or before.get("limitations", ""),
        "ethical_considerations": before.get("ethical_considerations", ""),
        "human_oversight": before.get("human_oversight") or system.human_oversight,
        "contacts": before.get("contacts") or contacts_from_registry(system),
    }


def previous_card(version: ModelVersion) -> ModelCard | None:
    """The card of the latest earlier version of the same model that has one."""
    return (
        ModelCard.objects.filter(
            model_version__model_id=version.model_id,
            model_version__created_at__lt=version.created_at,
        )
        .order_by("-model_version__created_at", "-model_version_id")
        .first()
    )


def frozen_reason(version: ModelVersion) -> str:
    """Why the version's card may no longer change ("" while it may)."""
    if version.status in FROZEN_VERSION_STATUSES:
        return (
            f"Version {version.version} is {version.get_status_display().lower()}: its model "
            "card is frozen with it. Register a new version to change it."
        )
    return ""


def draft_etag(version: ModelVersion) -> str:
    """The ETag of a card not yet written: its version's (the draft is derived from it)."""
    return etag_for(version)


@dataclass
class CardView:
    """A version's card as shown: ``fields`` are the stored card's, or the draft's."""

    version: ModelVersion
    system: AISystem
    card: ModelCard | None
    fields: dict[str, Any]
    lineage: VersionLineage
    frozen_reason: str

    @property
    def stored(self) -> bool:
        return self.card is not None

    @property
    def frozen(self) -> bool:
        return bool(self.frozen_reason)

    @property
    def etag(self) -> str:
        return etag_for(self.card) if self.card is not None else draft_etag(self.version)

    @property
    def sliced_metrics(self) -> list[dict[str, Any]]:
        return [m for m in self.fields["metrics"] if m.get("slice")]


def card_fields(card: ModelCard) -> dict[str, Any]:
    return {f: getattr(card, f) for f in CARD_FIELDS}


def card_view(version: ModelVersion, *, lineage: VersionLineage | None = None) -> CardView:
    """The card of ``version`` (read through ``inventory_selectors.version_list()``, so that its
    model, system and dataset links are joined)."""
    system = version.model.system
    card = ModelCard.objects.select_related("updated_by").filter(model_version=version).first()
    fields = (
        card_fields(card)
        if card is not None
        else card_prefill(version, system, previous_card(version))
    )
    return CardView(
        version=version,
        system=system,
        card=card,
        fields=fields,
        lineage=lineage or inventory_selectors.version_lineage(version),
        frozen_reason=frozen_reason(version),
    )


def lineage_json(lineage: VersionLineage) -> dict[str, Any]:
    """The card's training and evaluation data as the registry records it."""

    def dataset(d) -> dict[str, Any]:
        return {
            "id": d.pk,
            "name": f"{d.namespace}/{d.name}",
            "classification": d.classification,
            "contains_personal_data": d.contains_personal_data,
            "legal_basis": d.legal_basis,
            "source": d.source,
        }

    return {
        "datasets": [dataset(link.dataset) | {"role": link.role} for link in lineage.links],
        "upstream": [dataset(d) for d in lineage.upstream],
        "derivations": [
            {
                "source": f"{s.namespace}/{s.name}",
                "target": f"{t.namespace}/{t.name}",
                "job": "/".join(p for p in (e.job_namespace, e.job_name) if p),
                "run_id": e.run_id,
            }
            for s, t, e in lineage.edges
        ],
        "truncated": lineage.truncated,
    }

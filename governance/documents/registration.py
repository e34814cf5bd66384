"""The EU database registration data of a system (EU AI Act Art. 49): the fields of Annex VIII
section A for a provider, section C for a deployer, each with its rule, pre-filled from the
record where it knows the answer, and checked for completeness before export.

Stored values (``RegistrationData.data``) override the pre-filled ones; a field left unset is
pre-filled again whenever the data is read, so it follows the record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from registry.inventory.choices import AIActRole, Lifecycle
from registry.inventory.models import AISystem

_URL = URLValidator(schemes=["http", "https"])

# EU and EEA member states where a system can be placed on the market or put into service.
MEMBER_STATES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "IS",
        "LI",
        "NO",
    ]
)
MARKET_STATUSES = ("on_the_market", "in_service", "no_longer_on_the_market", "recalled")


@dataclass(frozen=True)
class Field:
    """One field of an entry: ``kind`` is text, email, url, date, choice or states (a list of
    member-state codes); ``required`` False for fields Annex VIII asks "where applicable"."""

    key: str
    label: str
    point: str
    kind: str = "text"
    required: bool = True


SECTION_A = (
    Field("provider_name", "Name of the provider", "A.1"),
    Field("provider_address", "Address of the provider", "A.1"),
    Field("provider_contact", "Contact details of the provider (email)", "A.1", "email"),
    Field("submitter_name", "Person submitting on behalf of the provider", "A.2", required=False),
    Field("submitter_contact", "Contact of the person submitting", "A.2", "email", required=False),
    Field(
        "authorised_representative",
        "Authorised representative (name, address, contact)",
        "A.3",
        required=False,
    ),
    Field("trade_name", "AI system trade name", "A.4"),
    Field("reference", "Additional unambiguous reference (identification, traceability)", "A.4"),
    Field("intended_purpose", "Intended purpose, components and functions supported", "A.5"),
    Field(
        "data_and_logic",
        "Information used by the system (data, inputs) and its operating logic",
        "A.6",
    ),
    Field("market_status", "Status of the AI system", "A.7", "choice"),
    Field(
        "certificate",
        "Certificate issued by the notified body (type, number, expiry, body)",
        "A.8",
        required=False,
    ),
    Field(
        "member_states",
        "Member States where placed on the market or put into service",
        "A.10",
        "states",
    ),
    Field("declaration_of_conformity", "Reference of the EU declaration of conformity", "A.11"),
    Field("instructions_for_use_url", "Electronic instructions for use (URL)", "A.12", "url"),
    Field(
        "additional_information_url",
        "URL for additional information",
        "A.13",
        "url",
        required=False,
    ),
)

SECTION_C = (
    Field("deployer_name", "Name of the deployer", "C.1"),
    Field("deployer_address", "Address of the deployer", "C.1"),
    Field("deployer_contact", "Contact details of the deployer (email)", "C.1", "email"),
    Field("submitter_name", "Person submitting on behalf of the deployer", "C.2", required=False),
    Field("submitter_contact", "Contact of the person submitting", "C.2", "email", required=False),
    Field(
        "provider_database_url",
        "URL of the provider's entry of the system in the EU database",
        "C.3",
        "url",
    ),
    Field(
        "fria_summary",
        "Summary of the findings of the fundamental-rights impact assessment (Art. 27)",
        "C.4",
    ),
    Field(
        "dpia_summary",
        "Summary of the data protection impact assessment, where applicable",
        "C.5",
        required=False,
    ),
)


def section_of(system: AISystem) -> tuple[str, tuple[Field, ...]]:
    """Annex VIII's section for the system's role, and its fields."""
    if system.ai_act_role == AIActRole.DEPLOYER:
        return "C", SECTION_C
    return "A", SECTION_A


def prefill(system: AISystem, *, fria: Any = None) -> dict[str, Any]:
    """What the record already says."""
    owner = system.technical_owner
    values: dict[str, Any] = {
        "trade_name": system.name,
        "reference": system.slug,
        "intended_purpose": "\n\n".join(p for p in (system.purpose, system.intended_use) if p),
        "market_status": "in_service" if system.lifecycle == Lifecycle.PRODUCTION else "",
        "submitter_name": (owner.get_full_name() or owner.get_username()) if owner else "",
        "submitter_contact": owner.email if owner else "",
    }
    if fria is not None:
        values["fria_summary"] = "\n\n".join(
            p for p in (fria.affected_persons, fria.risks_of_harm, fria.mitigation_measures) if p
        )
    return {k: v for k, v in values.items() if v}


def _check(spec: Field, value: Any) -> str | None:
    """Why ``value`` is not a valid ``spec`` (None if it is, or empty)."""
    if value in ("", None, []):
        return None
    if spec.kind == "states":
        if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
            return 'Must be a list of member-state codes, e.g. ["DE", "FR"].'
        unknown = sorted(set(value) - MEMBER_STATES)
        return f"Not member-state codes: {', '.join(unknown)}." if unknown else None
    if not isinstance(value, str):
        return "Must be text."
    if len(value) > 10_000:
        return "At most 10,000 characters."
    try:
        if spec.kind == "email":
            validate_email(value)
        elif spec.kind == "url":
            _URL(value)
        elif spec.kind == "date":
            dt.date.fromisoformat(value)
    except (ValidationError, ValueError):
        return f"Not a valid {spec.kind}."
    if spec.kind == "choice" and value not in MARKET_STATUSES:
        return f"Must be one of: {', '.join(MARKET_STATUSES)}."
    return None


def validate(system: AISystem, data: Any) -> dict[str, Any]:
    """The stored part of an entry, checked: every key a field of the system's section, every
    value of its field's kind. Raises ValidationError naming each bad field (``data.<key>``)."""
    if not isinstance(data, dict):
        raise ValidationError({"data": "Must be an object of fields."})
    _, fields = section_of(system)
    specs = {f.key: f for f in fields}
    errors = {}
    for key, value in data.items():
        spec = specs.get(key)
        if spec is None:
            errors[f"data.{key}"] = (
                f"Not a field of Annex VIII section {section_of(system)[0]} for a "
                f"{system.get_ai_act_role_display().lower()}."
            )
            continue
        problem = _check(spec, value)
        if problem:
            errors[f"data.{key}"] = problem
    if errors:
        raise ValidationError(errors)
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}


@dataclass
class Entry:
    """A system's entry as exported: the section, every field's value and where it came from,
    and what is missing."""

    system: AISystem
    section: str
    fields: tuple[Field, ...]
    values: dict[str, Any]
    prefilled: list[str]
    missing: list[Field]

    @property
    def complete(self) -> bool:
        return not self.missing


def entry(system: AISystem, stored: dict[str, Any] | None, *, fria: Any = None) -> Entry:
    section, fields = section_of(system)
    stored = {k: v for k, v in (stored or {}).items() if v not in ("", None, [])}
    guessed = prefill(system, fria=fria)
    values, prefilled = {}, []
    for spec in fields:
        if spec.key in stored:
            values[spec.key] = stored[spec.key]
        elif spec.key in guessed:
            values[spec.key] = guessed[spec.key]
            prefilled.append(spec.key)
        else:
            values[spec.key] = [] if spec.kind == "states" else ""
    missing = [f for f in fields if f.required and values[f.key] in ("", None, [])]
    return Entry(system, section, fields, values, prefilled, missing)

"""Whether each section of the technical documentation is complete, and what it lacks, in words.

Each section is a list of checks (requirements of Annex IV and the Articles it refers to, as the
record can answer them); a section is **complete** when every check is met, **missing** when
none is, **partial** otherwise. A check that does not apply (a serious incident's deadline, when
there is none) is not counted. The documentation's score counts a complete section 1 and a
partial one ½, as a percentage of the nine sections (``Dossier.score``).

The checks, per section (the "current" versions are each model's latest version that is not
deprecated, and whatever runs in production):

1. General description — intended use stated; technical owner and accountable executive named;
   a model version registered; a deployer names its vendor.
2. Development — per current version: an artifact digest, a training dataset and an evaluation
   or validation dataset linked, a model card written, a validation report attached.
3. Monitoring, functioning and control — human oversight described; limitations stated in each
   current version's card; an on-call contact; and what providers (monitoring plans) check.
4. Performance metrics — per current version: metrics recorded, metrics by slice, test results
   attached.
5. Risk management (Art. 9) — per function the tier's policy re-reviews: a review completed
   within its cadence (365 days when the policy sets none); no open finding with a high or
   critical residual risk and no mitigation; a DPIA where personal data is processed.
6. Changes over the lifecycle — changes recorded in the audit trail; every active production
   deployment with its approval on record.
7. Standards applied — the standards named in words; a standard or policy document attached
   (evidence of kind policy, or mapped to the section).
8. EU declaration of conformity — its reference in words; the declaration itself mapped to the
   section (for a deployer: the provider's).
9. Post-market monitoring plan (Art. 72) — a plan (in words, or a provider's monitoring plan);
   a monitoring report attached; every serious incident reported by its deadline (Art. 73).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from governance.documents.choices import Section
from governance.documents.dossier import (
    DEFAULT_CADENCE_DAYS,
    PAGE_EVENTS,
    Dossier,
    SectionDoc,
    dossier_record,
    evidence_for_section,
    mapped_lineages,
    reviews_completed_since,
    section_meta,
)
from governance.documents.hooks import Check, Contribution, Gap
from governance.policies.choices import ReviewFunction
from governance.reviews.choices import (
    ACTIVE_REVIEW_STATUSES,
    OPEN_FINDING_STATUSES,
    RATING_ORDER,
    RiskRating,
)
from registry.evidence.choices import EvidenceKind
from registry.inventory.choices import AIActRole, DeploymentStatus, Environment
from registry.inventory.models import AISystem


def _kind_label(kind: str) -> str:
    return EvidenceKind(kind).label.split(" (")[0].lower()


def _urls(doc: Dossier) -> dict[str, str]:
    slug = doc.system.slug
    return {
        "system": reverse("governance:system", args=[slug]),
        "system_evidence": reverse("governance:system", args=[slug]) + "#evidence",
        "dossier": reverse("governance:dossier", args=[slug]),
        "reviews": reverse("governance:reviews") + f"?system={doc.system.pk}&status=all",
    }


def _version_url(row, anchor: str = "") -> str:
    return reverse("governance:version", args=[row.version.pk]) + anchor


def _narrative(doc: Dossier, key: str) -> str:
    return ((doc.record.narrative if doc.record else {}) or {}).get(key, "").strip()


def _ok(ok: bool, text: str, url: str = "", fix: str = "") -> Check:
    return Check(ok=bool(ok), gap=Gap(text, url, fix))


def _general(doc: Dossier, urls: dict[str, str]) -> list[Check]:
    system = doc.system
    checks = [
        _ok(
            system.intended_use.strip(),
            "The system's intended use is not stated.",
            urls["system"],
            "Describe it on the system",
        ),
        _ok(system.technical_owner_id, "No technical owner is named.", urls["system"], "Name one"),
        _ok(
            system.accountable_executive_id,
            "No accountable executive is named.",
            urls["system"],
            "Name one",
        ),
        _ok(doc.versions, "No model version is registered.", urls["system"], "Register a version"),
    ]
    if system.ai_act_role == AIActRole.DEPLOYER:
        checks.append(
            _ok(
                system.vendor.strip(),
                "The system is deployed from a provider, but no vendor is named.",
                urls["system"],
                "Name the vendor",
            )
        )
    return checks


def _development(doc: Dossier, urls: dict[str, str]) -> list[Check]:
    checks: list[Check] = []
    for row in doc.current_versions:
        roles = {link.role for link in row.lineage.links}
        checks += [
            _ok(
                row.version.artifact_sha256,
                f"{row.label} has no artifact digest (SHA-256).",
                _version_url(row),
                "Open the version",
            ),
            _ok(
                "training" in roles or "fine_tuning" in roles,
                f"No training dataset is linked to {row.label}.",
                _version_url(row, "#lineage"),
                "Link its datasets",
            ),
            _ok(
                roles & {"evaluation", "validation"},
                f"No evaluation or validation dataset is linked to {row.label}.",
                _version_url(row, "#lineage"),
                "Link its datasets",
            ),
            _ok(
                row.card is not None,
                f"{row.label} has no model card written.",
                _version_url(row, "#model-card"),
                "Write its model card",
            ),
            _ok(
                row.has_evidence(EvidenceKind.VALIDATION_REPORT),
                f"No evidence of kind '{_kind_label(EvidenceKind.VALIDATION_REPORT)}' "
                f"for {row.label}.",
                _version_url(row, "#evidence"),
                "Attach it",
            ),
        ]
    if not doc.current_versions:
        checks.append(
            _ok(
                False, "No current model version to document.", urls["system"], "Register a version"
            )
        )
    return checks


def _monitoring(doc: Dossier, urls: dict[str, str]) -> list[Check]:
    system = doc.system
    checks = [
        _ok(
            system.human_oversight.strip(),
            "Human oversight is not described (Art. 14).",
            urls["system"],
            "Describe it on the system",
        ),
        _ok(
            system.on_call_contact.strip(),
            "No on-call contact is named for the system in operation.",
            urls["system"],
            "Name one",
        ),
    ]
    for row in doc.current_versions:
        limitations = (row.card.limitations if row.card else "") or row.version.card_limitations
        checks.append(
            _ok(
                limitations.strip(),
                f"The model card of {row.label} states no limitations.",
                _version_url(row, "#model-card"),
                "State them",
            )
        )
    return checks


def _performance(doc: Dossier, urls: dict[str, str]) -> list[Check]:
    checks: list[Check] = []
    for row in doc.current_versions:
        metrics = row.metrics
        checks += [
            _ok(
                metrics,
                f"No metrics are recorded for {row.label}.",
                _version_url(row, "#model-card"),
                "Add them to its card",
            ),
            _ok(
                any(m.get("slice") for m in metrics),
                f"{row.label} reports no metrics by slice (subgroup).",
                _version_url(row, "#model-card"),
                "Add metrics by slice",
            ),
            _ok(
                row.has_evidence(EvidenceKind.TEST_RESULTS),
                f"No evidence of kind '{_kind_label(EvidenceKind.TEST_RESULTS)}' for {row.label}.",
                _version_url(row, "#evidence"),
                "Attach them",
            ),
        ]
    if not doc.current_versions:
        checks.append(
            _ok(
                False,
                "No current model version to report metrics of.",
                urls["system"],
                "Register a version",
            )
        )
    return checks


def _risk(doc: Dossier, urls: dict[str, str], now: dt.datetime) -> list[Check]:
    checks: list[Check] = []
    cadence = dict((doc.policy.review_cadence_days if doc.policy else {}) or {})
    functions = [f for f in ReviewFunction.values if f in cadence] or ["compliance"]
    for function in functions:
        days = cadence.get(function, DEFAULT_CADENCE_DAYS)
        done = reviews_completed_since(doc, function, now - dt.timedelta(days=days))
        active = next(
            (
                r
                for r in doc.reviews
                if r.function == function and r.status in ACTIVE_REVIEW_STATUSES
            ),
            None,
        )
        url = reverse("governance:review", args=[active.pk]) if active else urls["reviews"]
        fix = f"Open {function} review #{active.pk}" if active else "See the system's reviews"
        checks.append(
            _ok(done, f"No risk review by {function} completed in the last {days} days.", url, fix)
        )
    serious = RATING_ORDER[RiskRating.HIGH]
    for finding in doc.findings:
        if (
            finding.status in OPEN_FINDING_STATUSES
            and RATING_ORDER.get(finding.residual_rating, 0) >= serious
            and not finding.mitigation.strip()
        ):
            checks.append(
                _ok(
                    False,
                    f"Finding '{finding.title}' ({finding.residual_rating} residual risk) has "
                    "no mitigation recorded.",
                    reverse("governance:finding", args=[finding.pk]),
                    "Record the mitigation",
                )
            )
    personal = sorted(
        {
            f"{link.dataset.namespace}/{link.dataset.name}"
            for row in doc.versions
            for link in row.lineage.links
            if link.dataset.contains_personal_data
        }
    )
    if personal:
        has_dpia = any(item.kind == EvidenceKind.DPIA for item in doc.evidence)
        checks.append(
            _ok(
                has_dpia,
                f"The system processes personal data ({', '.join(personal[:3])}"
                f"{'…' if len(personal) > 3 else ''}) but no evidence of kind 'DPIA' is "
                "attached.",
                urls["system_evidence"],
                "Attach the DPIA",
            )
        )
    return checks


def _lifecycle(doc: Dossier, urls: dict[str, str]) -> list[Check]:
    checks = [
        _ok(
            doc.history.total,
            "No change of the system is recorded in the audit trail.",
            urls["system"],
            "",
        )
    ]
    for deployment in doc.deployments:
        if (
            deployment.environment != Environment.PRODUCTION
            or deployment.status != DeploymentStatus.ACTIVE
        ):
            continue
        has_approval = hasattr(deployment, "approval_link")
        mv = deployment.model_version
        checks.append(
            _ok(
                has_approval,
                f"{mv.model.name} v{mv.version} runs in production without an approval on record.",
                reverse("governance:version", args=[mv.pk]),
                "Request approval",
            )
        )
    return checks


def _standards(doc: Dossier, urls: dict[str, str], section: SectionDoc) -> list[Check]:
    anchor = urls["dossier"] + f"#narrative-{Section.STANDARDS}"
    return [
        _ok(
            section.narrative,
            "The harmonised standards or specifications applied are not named.",
            anchor,
            "Name them",
        ),
        _ok(
            section.evidence,
            "No standard or policy document is attached (evidence of kind 'policy', or mapped "
            "to this section).",
            urls["dossier"] + f"#map-{Section.STANDARDS}",
            "Map evidence",
        ),
    ]


def _declaration(doc: Dossier, urls: dict[str, str], section: SectionDoc) -> list[Check]:
    mapped = mapped_lineages(doc, Section.DECLARATION_OF_CONFORMITY)
    whose = "the provider's" if doc.system.ai_act_role == AIActRole.DEPLOYER else "the"
    return [
        _ok(
            section.narrative,
            f"The reference of {whose} EU declaration of conformity is not given.",
            urls["dossier"] + f"#narrative-{Section.DECLARATION_OF_CONFORMITY}",
            "Give it",
        ),
        _ok(
            any(item.lineage in mapped for item in section.evidence),
            f"{whose.capitalize()} EU declaration of conformity is not mapped to this section "
            "(attach it as evidence, then map it).",
            urls["dossier"] + f"#map-{Section.DECLARATION_OF_CONFORMITY}",
            "Map evidence",
        ),
    ]


def _post_market(
    doc: Dossier, urls: dict[str, str], section: SectionDoc, now: dt.datetime
) -> list[Check]:
    planned = bool(section.narrative) or any(c.provides_plan for c in section.contributions)
    checks = [
        _ok(
            planned,
            "No post-market monitoring plan is described (Art. 72).",
            urls["dossier"] + f"#narrative-{Section.POST_MARKET_MONITORING}",
            "Describe it",
        ),
        _ok(
            any(item.kind == EvidenceKind.MONITORING_REPORT for item in section.evidence),
            f"No evidence of kind '{_kind_label(EvidenceKind.MONITORING_REPORT)}' is attached.",
            urls["system_evidence"],
            "Attach one",
        ),
    ]
    for incident in doc.incidents:
        if incident.is_serious and incident.report_due_at and not incident.reported_at:
            late = incident.report_due_at < now
            checks.append(
                _ok(
                    not late,
                    f"Serious incident '{incident.title}' was due to be reported by "
                    f"{incident.report_due_at:%Y-%m-%d} (Art. 73) and is not.",
                    urls["system"] + "#incidents",
                    "See the incident",
                )
            )
    return checks


def build_sections(
    doc: Dossier, contributions: list[Contribution], *, now: dt.datetime
) -> list[SectionDoc]:
    """The nine sections of ``doc``, with their evidence, providers' contributions and checks."""
    urls = _urls(doc)
    sections = []
    for key in Section.values:
        number, title, reference = section_meta(key)
        section = SectionDoc(key=key, number=number, title=title, reference=reference)
        section.narrative = _narrative(doc, key)
        section.evidence = evidence_for_section(doc, key)
        section.contributions = [c for c in contributions if c.section == key]
        if key == Section.GENERAL_DESCRIPTION:
            checks = _general(doc, urls)
        elif key == Section.DEVELOPMENT:
            checks = _development(doc, urls)
        elif key == Section.MONITORING_CONTROL:
            checks = _monitoring(doc, urls)
        elif key == Section.PERFORMANCE_METRICS:
            checks = _performance(doc, urls)
        elif key == Section.RISK_MANAGEMENT:
            checks = _risk(doc, urls, now)
        elif key == Section.LIFECYCLE_CHANGES:
            checks = _lifecycle(doc, urls)
        elif key == Section.STANDARDS:
            checks = _standards(doc, urls, section)
        elif key == Section.DECLARATION_OF_CONFORMITY:
            checks = _declaration(doc, urls, section)
        else:
            checks = _post_market(doc, urls, section, now)
        for contribution in section.contributions:
            checks += contribution.checks
        section.checks = checks
        sections.append(section)
    return sections


def dossier(
    system: AISystem,
    *,
    user: Any | None,
    now: dt.datetime | None = None,
    events: int = PAGE_EVENTS,
) -> Dossier:
    """The technical documentation of ``system``, each section judged: what the record holds
    (``dossier.dossier_record``) with its completeness per section. ``user`` decides which
    evidence is listed (None: all of it, for the approval checks); ``events``, how many
    lifecycle events are listed."""
    now = now or timezone.now()
    doc, contributions = dossier_record(system, user=user, now=now, events=events)
    doc.sections = build_sections(doc, contributions, now=now)
    return doc

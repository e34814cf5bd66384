"""The demo organisation's document, ``demo/organisation.yaml``: its shape, how it is read and
checked, and the small rules that derive what it does not spell out.

The shape is written as frozen dataclasses: a key without a default is required, one with a
default may be left out, and the type says what the value may be (text, a whole number, one
of a set of choices, a time…). ``load`` reads the document with ``yaml.safe_load`` and builds
the dataclasses from it, refusing an unknown key, a missing one, a value of the wrong kind or
a reference to something the document does not describe, with a message that names the place,
e.g. ``systems[3].models[0].versions[1]: unknown key 'digets'``.

The rules (the document's header says the same in words):

* times (``When``): ``"2026-06-24 09:30"`` is a fixed time, UTC unless it says otherwise;
  ``"8 days ago"``, ``"in 12 days"`` or ``"14 days 6 hours ago"`` are relative to the ``now``
  the seeder read once; a duration (``"6 hours"``) is the same words without "ago" or "in";
* a dataset is referred to as ``"<namespace>/<name>"``, and contains personal data exactly
  when it has a legal basis;
* a version's digests are ``auto`` unless written out: the SHA-256 of
  ``"<digest_seed>:artifact:<model>:<version>"`` (``commit`` cut to 40 hex digits, ``run`` to 32);
* a month's spend is a share of the budget picked by the SHA-256 of ``"<slug>:<months ago>"``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import enum
import hashlib
import re
import types
import typing
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from governance.approvals.choices import ApprovalStatus, Decision
from governance.policies.choices import ReviewFunction
from governance.reviews.choices import FindingCategory, ReviewRecommendation, RiskRating
from registry.core.roles import Role
from registry.inventory.choices import (
    AIActRole,
    Classification,
    CostSource,
    DatasetRole,
    DeploymentStatus,
    Environment,
    IncidentSeverity,
    IncidentStatus,
    LegalBasis,
    Lifecycle,
    ModelProvider,
    RiskTier,
    SeriousIncidentCategory,
)
from registry.people.choices import TeamFunction

DOCUMENT = Path(__file__).with_name("organisation.yaml")
AUTO = "auto"


class DocumentError(ValueError):
    """The document is not what the seeder expects; the message names the place in it."""


# --- Times -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class When:
    """A time as the document writes it: fixed, or an offset from when the seeder runs."""

    fixed: dt.datetime | None = None
    offset: dt.timedelta = dt.timedelta(0)

    def at(self, now: dt.datetime) -> dt.datetime:
        return self.fixed if self.fixed is not None else now + self.offset


_DURATION = re.compile(r"(?:(?P<days>\d+) days?)? ?(?:(?P<hours>\d+) hours?)?")


def parse_duration(text: str) -> dt.timedelta:
    """``"6 hours"``, ``"1 day"``, ``"14 days 6 hours"``."""
    match = _DURATION.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration such as '6 hours' or '2 days 3 hours'")
    return dt.timedelta(days=int(match["days"] or 0), hours=int(match["hours"] or 0))


def parse_when(value: str | dt.date) -> When:
    """A fixed time (a YAML timestamp or date, or ISO text; UTC unless it names a zone), or
    ``"<duration> ago"`` / ``"in <duration>"``."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if isinstance(value, str) and value.endswith(" ago"):
        return When(offset=-parse_duration(value.removesuffix(" ago")))
    if isinstance(value, str) and value.startswith("in "):
        return When(offset=parse_duration(value.removeprefix("in ")))
    try:
        fixed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"{value!r} is neither a time ('2026-06-24 09:30') nor one relative to now "
            "('8 days ago', 'in 12 days')"
        ) from None
    return When(fixed=fixed if fixed.tzinfo else fixed.replace(tzinfo=dt.UTC))


# --- The document's shape ----------------------------------------------------------------------
# kw_only: a required key may follow one with a default, as the document reads best.


@dataclass(frozen=True, kw_only=True)
class Logins:
    """How the demo people sign in: one published password, addresses at one domain."""

    password: str
    email_domain: str


@dataclass(frozen=True, kw_only=True)
class Person:
    """Someone who signs in. ``team`` is a team slug; the first role is the main one."""

    username: str
    first_name: str
    last_name: str
    title: str
    roles: tuple[Role, ...]
    team: str | None = None
    superuser: bool = False
    # False for someone who has left: the account exists, disabled, and still owns what it owned.
    active: bool = True


@dataclass(frozen=True, kw_only=True)
class Team:
    """A team; its members are the people whose ``team`` it is, its lead one of them."""

    slug: str
    name: str
    function: TeamFunction
    lead: str
    description: str


@dataclass(frozen=True, kw_only=True)
class Dataset:
    """A dataset named as OpenLineage names it: ``namespace`` and ``name``."""

    namespace: str
    name: str
    owner_team: str
    description: str
    classification: Classification
    source: str
    retention_days: int | None = None
    legal_basis: LegalBasis = LegalBasis.NONE

    @property
    def key(self) -> str:
        """How the rest of the document refers to it."""
        return f"{self.namespace}/{self.name}"

    @property
    def contains_personal_data(self) -> bool:
        return bool(self.legal_basis)


@dataclass(frozen=True, kw_only=True)
class Job:
    """One job of the lineage: it derived ``output`` from each of ``inputs``."""

    job: str
    inputs: tuple[str, ...]
    output: str
    job_namespace: str | None = None


@dataclass(frozen=True, kw_only=True)
class Lineage:
    """Which job derived which dataset from which; ``job_namespace`` unless a job says."""

    job_namespace: str
    jobs: tuple[Job, ...]


@dataclass(frozen=True, kw_only=True)
class Card:
    """A version's model card."""

    intended_use: str
    limitations: str
    evaluation_summary: str


@dataclass(frozen=True, kw_only=True)
class Deployment:
    """Where a version ran or runs; ``ended`` says how it stopped, if it has."""

    environment: Environment
    deployed_at: When
    endpoint: str
    notes: str = ""
    ended: DeploymentStatus | None = None  # None while it runs


@dataclass(frozen=True, kw_only=True)
class Version:
    """A model version; digests are ``auto`` (derived from the label) unless written."""

    version: str
    artifact_uri: str
    metrics: dict[str, Any]
    card: Card
    datasets: dict[str, DatasetRole] = field(default_factory=dict)
    deprecated: bool = False
    deployments: tuple[Deployment, ...] = ()
    artifact_sha256: str = AUTO
    source_commit: str = AUTO
    run_id: str = AUTO


@dataclass(frozen=True, kw_only=True)
class Model:
    """A model of a system, with its versions in the order they were made."""

    name: str
    description: str
    task: str
    framework: str
    provider: ModelProvider
    vendor: str = ""
    versions: tuple[Version, ...]


@dataclass(frozen=True, kw_only=True)
class Incident:
    """An incident on a system, on one of its versions when ``model`` and ``version`` say
    which. ``owner`` is required, so that an incident nobody owns says so (``null``)."""

    title: str
    description: str
    severity: IncidentSeverity
    status: IncidentStatus
    opened_at: When
    owner: str | None
    resolved_at: When | None = None
    model: str | None = None
    version: str | None = None
    is_serious: bool = False
    # What made it serious (EU AI Act art. 73): sets the report's deadline from opening.
    serious_category: SeriousIncidentCategory | None = None


@dataclass(frozen=True, kw_only=True)
class System:
    """An AI system with its models and incidents. The owners and the cost centre are
    required, so that a deliberate gap is written (``null``, ``""``) rather than forgotten."""

    slug: str
    name: str
    owning_team: str
    risk_tier: RiskTier
    lifecycle: Lifecycle
    purpose: str
    intended_use: str
    business_unit: str
    risk_rationale: str
    technical_owner: str | None
    accountable_executive: str | None
    on_call_contact: str
    cost_centre: str
    monthly_budget: Decimal | None
    human_oversight: str
    ai_act_role: AIActRole = AIActRole.PROVIDER
    vendor: str = ""
    models: tuple[Model, ...] = ()
    incidents: tuple[Incident, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PercentRange:
    """A range of whole percentages, both ends included."""

    low: int
    high: int


@dataclass(frozen=True, kw_only=True)
class Spend:
    """A year of monthly spend per system that runs somewhere, as shares of its budget (see
    ``monthly_spend``)."""

    months: int
    source: CostSource
    usual_percent_of_budget: PercentRange
    over_budget_this_month_percent: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Completion:
    """How a review was completed, and when."""

    at: When
    rating: RiskRating
    recommendation: ReviewRecommendation
    summary: str


@dataclass(frozen=True, kw_only=True)
class Review:
    """A risk review, opened by the system, then perhaps started or completed by its
    assignee."""

    system: str
    function: ReviewFunction
    assignee: str
    opened: When
    due: When
    started: When | None = None
    completed: Completion | None = None


@dataclass(frozen=True, kw_only=True)
class Finding:
    """A risk in the register, recorded by the system when the seeder runs."""

    system: str
    title: str
    category: FindingCategory
    inherent_rating: RiskRating
    residual_rating: RiskRating | None = None
    description: str = ""
    mitigation: str = ""
    owner: str | None = None
    target_date: When | None = None


@dataclass(frozen=True, kw_only=True)
class Signoff:
    """One function's decision on a request, ``after`` the request was made."""

    function: ReviewFunction
    by: str
    decision: Decision
    after: dt.timedelta
    comment: str = ""


@dataclass(frozen=True, kw_only=True)
class Redeploy:
    """The running deployment retired and the version deployed again through the gate,
    ``after`` the request."""

    after: dt.timedelta
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class Approval:
    """A deployment approval request and what became of it; ``state`` is checked, not
    set."""

    model: str
    version: str
    environment: Environment
    requested_by: str
    requested: When
    justification: str
    signoffs: tuple[Signoff, ...] = ()
    redeploy: Redeploy | None = None
    expiry_task_runs: bool = False
    datasets_added: dict[str, DatasetRole] = field(default_factory=dict)
    state: ApprovalStatus


@dataclass(frozen=True, kw_only=True)
class Governance:
    """What the governance app adds on top of the organisation."""

    reviews: tuple[Review, ...] = ()
    findings: tuple[Finding, ...] = ()
    approvals: tuple[Approval, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Organisation:
    """The whole document."""

    logins: Logins
    digest_seed: str
    people: tuple[Person, ...]
    teams: tuple[Team, ...]
    datasets: tuple[Dataset, ...]
    lineage: Lineage
    systems: tuple[System, ...]
    spend: Spend
    governance: Governance = Governance()


# --- Reading and checking ----------------------------------------------------------------------


def load(path: Path | None = None) -> Organisation:
    """The organisation the document at ``path`` (by default ``DOCUMENT``) describes, checked."""
    return parse((path or DOCUMENT).read_text(encoding="utf-8"))


def parse(text: str) -> Organisation:
    """The organisation a YAML text describes, checked; ``DocumentError`` if it is not one."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DocumentError(f"not valid YAML: {exc}") from None
    organisation = _build(Organisation, data, "")
    _check_references(organisation)
    return organisation


def _at(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else key


def _fail(path: str, message: str) -> typing.NoReturn:
    raise DocumentError(f"{path or 'the document'}: {message}")


_KINDS = {str: "text", int: "a whole number", bool: "true or false", Decimal: "an amount"}


def _build(hint: Any, value: Any, path: str) -> Any:
    """``value`` read as ``hint`` says, or a ``DocumentError`` naming ``path``."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is types.UnionType:  # only ``X | None``
        return None if value is None else _build(args[0], value, path)
    if value is None:
        _fail(path, "a value is needed")
    if origin is tuple:
        if not isinstance(value, list):
            _fail(path, f"expected a list, got {value!r}")
        return tuple(_build(args[0], item, _at(path, i)) for i, item in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            _fail(path, f"expected a mapping, got {value!r}")
        return {
            _build(args[0], key, path): _build(args[1], item, _at(path, str(key)))
            for key, item in value.items()
        }
    if dataclasses.is_dataclass(hint) and hint is not When:  # a When is written as text
        return _build_record(hint, value, path)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        if value not in hint.values:  # type: ignore[attr-defined]
            choices = ", ".join(repr(v) for v in hint.values)  # type: ignore[attr-defined]
            _fail(path, f"{value!r} is not one of {choices}")
        return hint(value)
    return _build_scalar(hint, value, path)


def _build_scalar(hint: Any, value: Any, path: str) -> Any:
    try:
        if hint is When:
            return parse_when(value)
        if hint is dt.timedelta:
            return parse_duration(value)
    except (TypeError, ValueError) as exc:
        _fail(path, str(exc))
    if hint is Decimal and isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            _fail(path, f"expected an amount, got {value!r}")
    if hint is Any:
        return value
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        quote = " (quote it)" if hint is str and isinstance(value, int | float) else ""
        _fail(path, f"expected {_KINDS.get(hint, hint.__name__)}, got {value!r}{quote}")
    return value


def _build_record(cls: type, value: Any, path: str) -> Any:
    if not isinstance(value, dict):
        _fail(path, f"expected a mapping, got {value!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in value:
        if key not in fields:
            close = difflib.get_close_matches(str(key), fields, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            _fail(path, f"unknown key {key!r}{hint}")
    for name, f in fields.items():
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if required and name not in value:
            _fail(path, f"missing key {name!r}")
    hints = typing.get_type_hints(cls)
    return cls(**{key: _build(hints[key], item, _at(path, key)) for key, item in value.items()})


def _unique(path: str, items: tuple[Any, ...], key: typing.Callable[[Any], str]) -> set[str]:
    """The items' keys, refusing a repeated one."""
    seen: set[str] = set()
    for i, item in enumerate(items):
        if key(item) in seen:
            _fail(_at(path, i), f"{key(item)!r} is described twice")
        seen.add(key(item))
    return seen


def _known(path: str, name: str | None, known: set[str], what: str) -> None:
    if name is not None and name not in known:
        _fail(path, f"no {what} {name!r} in the document")


def _check_references(org: Organisation) -> None:
    """Every name the document uses is one it describes."""
    people = _unique("people", org.people, lambda p: p.username)
    teams = _unique("teams", org.teams, lambda t: t.slug)
    datasets = _unique("datasets", org.datasets, lambda d: d.key)
    systems = _unique("systems", org.systems, lambda s: s.slug)
    for i, person in enumerate(org.people):
        _known(f"people[{i}].team", person.team, teams, "team")
    team_of = {p.username: p.team for p in org.people}
    for i, team in enumerate(org.teams):
        _known(f"teams[{i}].lead", team.lead, people, "person")
        if team_of[team.lead] != team.slug:
            _fail(f"teams[{i}].lead", f"{team.lead!r} is not a member of {team.slug!r}")
    for i, dataset in enumerate(org.datasets):
        _known(f"datasets[{i}].owner_team", dataset.owner_team, teams, "team")
    for i, job in enumerate(org.lineage.jobs):
        for j, name in enumerate(job.inputs):
            _known(f"lineage.jobs[{i}].inputs[{j}]", name, datasets, "dataset")
        _known(f"lineage.jobs[{i}].output", job.output, datasets, "dataset")
    versions: dict[str, set[str]] = {}
    for i, system in enumerate(org.systems):
        path = f"systems[{i}]"
        _known(f"{path}.owning_team", system.owning_team, teams, "team")
        _known(f"{path}.technical_owner", system.technical_owner, people, "person")
        _known(f"{path}.accountable_executive", system.accountable_executive, people, "person")
        for j, model in enumerate(system.models):
            if model.name in versions:
                _fail(f"{path}.models[{j}]", f"{model.name!r} is described twice")
            versions[model.name] = _unique(
                f"{path}.models[{j}].versions", model.versions, lambda v: v.version
            )
            for k, version in enumerate(model.versions):
                for name in version.datasets:
                    where = f"{path}.models[{j}].versions[{k}].datasets"
                    _known(where, name, datasets, "dataset")
        own = {m.name: versions[m.name] for m in system.models}
        for j, incident in enumerate(system.incidents):
            _known(f"{path}.incidents[{j}].owner", incident.owner, people, "person")
            _check_version(f"{path}.incidents[{j}]", incident.model, incident.version, own)
    for slug in org.spend.over_budget_this_month_percent:
        _known("spend.over_budget_this_month_percent", slug, systems, "system")
    gov = org.governance
    for i, review in enumerate(gov.reviews):
        _known(f"governance.reviews[{i}].system", review.system, systems, "system")
        _known(f"governance.reviews[{i}].assignee", review.assignee, people, "person")
    for i, finding in enumerate(gov.findings):
        _known(f"governance.findings[{i}].system", finding.system, systems, "system")
        _known(f"governance.findings[{i}].owner", finding.owner, people, "person")
    for i, approval in enumerate(gov.approvals):
        path = f"governance.approvals[{i}]"
        _check_version(path, approval.model, approval.version, versions)
        _known(f"{path}.requested_by", approval.requested_by, people, "person")
        for j, signoff in enumerate(approval.signoffs):
            _known(f"{path}.signoffs[{j}].by", signoff.by, people, "person")
        for name in approval.datasets_added:
            _known(f"{path}.datasets_added", name, datasets, "dataset")


def _check_version(
    path: str, model: str | None, version: str | None, versions: dict[str, set[str]]
) -> None:
    """``model`` and ``version`` name a version described among ``versions``, or are both
    left out."""
    if (model is None) != (version is None):
        _fail(path, "'model' and 'version' go together")
    _known(f"{path}.model", model, set(versions), "model")
    if model is not None and version not in versions[model]:
        _fail(f"{path}.version", f"no version {version!r} of {model!r} in the document")


# --- Rules -------------------------------------------------------------------------------------


def digest(seed: str, label: str) -> str:
    """A stable, made-up SHA-256 digest for an artefact: the same label, the same digest."""
    return hashlib.sha256(f"{seed}:{label}".encode()).hexdigest()


def version_digests(org: Organisation, model: str, version: Version) -> dict[str, str]:
    """The version's ``artifact_sha256``, ``source_commit`` and ``run_id``: as written, or
    derived from its label when ``auto``."""
    label = f"{model}:{version.version}"
    derived = {
        "artifact_sha256": digest(org.digest_seed, f"artifact:{label}"),
        "source_commit": digest(org.digest_seed, f"commit:{label}")[:40],
        "run_id": digest(org.digest_seed, f"run:{label}")[:32],
    }
    return {
        name: value if (value := getattr(version, name)) != AUTO else derived[name]
        for name in derived
    }


#: Where a system runs nowhere, it spends nothing.
NOT_RUNNING = frozenset({Lifecycle.PROPOSED, Lifecycle.RETIRED})


def monthly_spend(spend: Spend, system: System, months_ago: int) -> Decimal | None:
    """What ``system`` cost ``months_ago`` months before the current month; None when it has no
    budget to compare with, or runs nowhere (proposed or retired)."""
    if not system.monthly_budget or system.lifecycle in NOT_RUNNING:
        return None
    over = spend.over_budget_this_month_percent
    if months_ago == 0 and system.slug in over:
        percent = over[system.slug]
    else:
        # Between the usual low and high share, the same for the same system and month.
        usual = spend.usual_percent_of_budget
        seed = int(hashlib.sha256(f"{system.slug}:{months_ago}".encode()).hexdigest()[:8], 16)
        percent = usual.low + seed % (usual.high - usual.low + 1)
    return (system.monthly_budget * Decimal(percent) / 100).quantize(Decimal("1.00"))

"""The demo organisation that ``manage.py seed_demo`` loads: Northbridge Bank.

Northbridge is a mid-sized European retail bank and lender. Four engineering teams build and run
its AI systems; legal, security, privacy, finance and compliance review them; two executives are
accountable for them; an external auditor reads the record. This module only *describes* the
organisation — people, teams, datasets and their lineage, AI systems with their models and
versions, deployments and incidents. ``registry/management/commands/seed_demo.py`` turns the
description into records through the registry's services.

Everything here is fixed: the same description gives the same demo every time. Digests and commit
ids are derived from names with SHA-256, not drawn at random.

A few gaps are deliberate, because a real inventory has them and the accountability map should
flag them: the marketing copy generator has no technical owner (and its open incident no owner),
the code assistant's owner has left, no executive is accountable for transaction
categorisation, savings-rate pricing has no cost centre, the customer support
assistant and the code assistant spent over budget last month, and every production deployment
was recorded before the approvals workflow existed (``seed_governance_demo`` approves some of them
after the fact, lets one approval expire and invalidates another).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from registry.core.roles import Role
from registry.inventory.choices import (
    AIActRole,
    Classification,
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

#: Every demo login uses this password. The command refuses to run in production.
DEMO_PASSWORD = "steward-demo"
EMAIL_DOMAIN = "northbridge.example"


def digest(label: str) -> str:
    """A stable, made-up SHA-256 digest for an artefact: the same label, the same digest."""
    return hashlib.sha256(f"northbridge-demo:{label}".encode()).hexdigest()


def at(text: str) -> dt.datetime:
    """A fixed UTC time, written ``"2026-06-24 09:30"``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


# --- Shapes of the description -----------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """Someone who signs in. ``team`` is a team slug; the first role is the main one."""

    username: str
    first_name: str
    last_name: str
    title: str
    roles: tuple[str, ...]
    team: str | None
    is_superuser: bool = False
    # False for someone who has left: the account exists, disabled, and still owns what it owned.
    active: bool = True


@dataclass(frozen=True)
class TeamSpec:
    slug: str
    name: str
    function: str
    lead: str
    description: str


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset named as OpenLineage names it: ``namespace`` and ``name``."""

    namespace: str
    name: str
    owner_team: str
    description: str
    classification: str
    source: str
    retention_days: int | None = None
    legal_basis: str = LegalBasis.NONE

    @property
    def contains_personal_data(self) -> bool:
        return bool(self.legal_basis)

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)


@dataclass(frozen=True)
class Edge:
    """``target`` is derived from ``source`` by a job."""

    source: DatasetSpec
    target: DatasetSpec
    job_name: str
    job_namespace: str = "airflow://data-platform"


@dataclass(frozen=True)
class VersionSpec:
    version: str
    artifact_uri: str
    metrics: dict[str, Any]
    card_intended_use: str
    card_limitations: str
    card_evaluation_summary: str
    datasets: tuple[tuple[DatasetSpec, str], ...] = ()
    deprecated: bool = False


@dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str
    task: str
    framework: str
    provider: str
    versions: tuple[VersionSpec, ...]
    vendor: str = ""


@dataclass(frozen=True)
class SystemSpec:
    slug: str
    name: str
    owning_team: str
    risk_tier: str
    lifecycle: str
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
    ai_act_role: str = AIActRole.PROVIDER
    vendor: str = ""
    models: tuple[ModelSpec, ...] = field(default=())


@dataclass(frozen=True)
class DeploymentSpec:
    model: str
    version: str
    environment: str
    deployed_at: dt.datetime
    endpoint: str
    notes: str = ""
    ended: str = ""  # "" while it runs; otherwise the DeploymentStatus it ended with


@dataclass(frozen=True)
class IncidentSpec:
    system: str
    title: str
    description: str
    severity: str
    status: str
    # A fixed time, or — for an incident whose clock must be running whenever the demo is
    # loaded — a time before the load (``opened_ago``); exactly one of the two is set.
    opened_at: dt.datetime | None
    owner: str | None
    opened_ago: dt.timedelta | None = None
    model: str | None = None
    version: str | None = None
    resolved_at: dt.datetime | None = None
    is_serious: bool = False
    # What made it serious (EU AI Act art. 73): sets the report's deadline from opening.
    serious_category: str = ""

    def opened(self, now: dt.datetime) -> dt.datetime:
        """When it was opened, for a demo loaded at ``now``."""
        if self.opened_at is not None:
            return self.opened_at
        assert self.opened_ago is not None, self.title
        return now - self.opened_ago


# --- People ------------------------------------------------------------------------------------

PEOPLE: tuple[Person, ...] = (
    Person("priya", "Priya", "Raman", "Lead ML engineer, fraud", (Role.ENGINEER,), "fraud-ml"),
    Person("tomas", "Tomás", "Novák", "ML engineer, fraud and AML", (Role.ENGINEER,), "fraud-ml"),
    Person("jonas", "Jonas", "Berg", "Lead engineer, customer AI", (Role.ENGINEER,), "customer-ai"),
    Person("mei", "Mei", "Chen", "ML engineer, conversational AI", (Role.ENGINEER,), "customer-ai"),
    Person("omar", "Omar", "Haddad", "Head of risk modelling", (Role.ENGINEER,), "risk-analytics"),
    Person("sofia", "Sofia", "Rossi", "Credit risk modeller", (Role.ENGINEER,), "risk-analytics"),
    Person("lars", "Lars", "Eriksen", "Data platform lead", (Role.ENGINEER,), "data-platform"),
    Person(
        "nils",
        "Nils",
        "Holm",
        "ML engineer, developer tools (left in October)",
        (Role.ENGINEER,),
        "data-platform",
        active=False,
    ),
    Person("claire", "Claire", "Dubois", "Senior counsel, technology", (Role.LEGAL,), "legal"),
    Person("viktor", "Viktor", "Petrov", "Application security lead", (Role.SECURITY,), "security"),
    Person("ines", "Inès", "Moreau", "Data protection officer", (Role.PRIVACY,), "privacy"),
    Person("hannah", "Hannah", "Schmidt", "FinOps and cost control", (Role.FINANCE,), "finance"),
    Person("grace", "Grace", "Okafor", "Head of model risk", (Role.COMPLIANCE,), "compliance"),
    Person("daniel", "Daniel", "Achterberg", "Chief technology officer", (Role.EXECUTIVE,), "exco"),
    Person("helena", "Helena", "Lindqvist", "Chief risk officer", (Role.EXECUTIVE,), "exco"),
    Person("arthur", "Arthur", "Kemp", "External auditor (read-only)", (Role.AUDITOR,), None),
    Person("admin", "Site", "Administrator", "Administrator", (), None, is_superuser=True),
)

TEAMS: tuple[TeamSpec, ...] = (
    TeamSpec(
        "fraud-ml",
        "Fraud ML",
        TeamFunction.ENGINEERING,
        "priya",
        "Card fraud, AML and sanctions models for Financial Crime Operations.",
    ),
    TeamSpec(
        "customer-ai",
        "Customer AI",
        TeamFunction.ENGINEERING,
        "jonas",
        "Assistants, summarisation and marketing models for Retail Banking and Contact Centre.",
    ),
    TeamSpec(
        "risk-analytics",
        "Risk Analytics",
        TeamFunction.ENGINEERING,
        "omar",
        "Credit decisioning, limits and pricing models for Lending and Treasury.",
    ),
    TeamSpec(
        "data-platform",
        "Data Platform",
        TeamFunction.DATA,
        "lars",
        "The lake, pipelines and shared ML services; runs vendor AI tools for internal functions.",
    ),
    TeamSpec("legal", "Legal", TeamFunction.LEGAL, "claire", "Technology and product counsel."),
    TeamSpec(
        "security", "Security", TeamFunction.SECURITY, "viktor", "Application and cloud security."
    ),
    TeamSpec(
        "privacy",
        "Privacy Office",
        TeamFunction.PRIVACY,
        "ines",
        "The DPO's office: DPIAs, records of processing, data subject rights.",
    ),
    TeamSpec(
        "finance", "Finance", TeamFunction.FINANCE, "hannah", "Budgets, FinOps, vendor spend."
    ),
    TeamSpec(
        "compliance",
        "Compliance & Model Risk",
        TeamFunction.COMPLIANCE,
        "grace",
        "Second line of defence: model risk management and regulatory compliance.",
    ),
    TeamSpec(
        "exco",
        "Executive Committee",
        TeamFunction.EXECUTIVE,
        "daniel",
        "Executives accountable for AI systems.",
    ),
)


# --- Datasets ----------------------------------------------------------------------------------
# Shared sources, owned by the data platform.

CARD_AUTH_STREAM = DatasetSpec(
    "kafka://events.northbridge.internal:9092",
    "card-authorisations",
    "data-platform",
    "Real-time card authorisation requests from the card processor.",
    Classification.CONFIDENTIAL,
    "Card processor ISO 8583 feed",
    retention_days=30,
    legal_basis=LegalBasis.CONTRACT,
)
CARD_TX_RAW = DatasetSpec(
    "s3://lake",
    "raw/card_transactions",
    "data-platform",
    "Card authorisations landed hourly from Kafka, as received.",
    Classification.CONFIDENTIAL,
    "Kafka topic card-authorisations",
    retention_days=400,
    legal_basis=LegalBasis.CONTRACT,
)
CARD_TX_CLEAN = DatasetSpec(
    "s3://lake",
    "cleaned/card_transactions",
    "data-platform",
    "Deduplicated, currency-normalised card transactions with pseudonymised card numbers.",
    Classification.CONFIDENTIAL,
    "raw/card_transactions",
    retention_days=730,
    legal_basis=LegalBasis.CONTRACT,
)
CUSTOMERS = DatasetSpec(
    "postgres://core-banking",
    "public.customers",
    "data-platform",
    "Customer master data: identity, address, products held, KYC status.",
    Classification.RESTRICTED,
    "Core banking system",
    retention_days=3650,
    legal_basis=LegalBasis.CONTRACT,
)
ATM_WITHDRAWALS = DatasetSpec(
    "postgres://core-banking",
    "public.atm_withdrawals",
    "data-platform",
    "Withdrawals per ATM per hour (amounts only, no card or customer identifiers).",
    Classification.INTERNAL,
    "Core banking system",
    retention_days=1825,
)
PUBLIC_HOLIDAYS = DatasetSpec(
    "s3://lake",
    "reference/public_holidays",
    "data-platform",
    "Public and bank holidays for every country with a Northbridge ATM.",
    Classification.PUBLIC,
    "Government calendars",
)
KYC_DOCUMENTS = DatasetSpec(
    "s3://lake",
    "raw/kyc_documents",
    "data-platform",
    "Scans of identity documents and proofs of address uploaded at onboarding.",
    Classification.RESTRICTED,
    "Onboarding app uploads",
    retention_days=1825,
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
)

# Fraud, AML and sanctions.

CHARGEBACKS = DatasetSpec(
    "s3://lake",
    "labels/chargebacks",
    "fraud-ml",
    "Confirmed fraud: chargebacks and customer fraud claims, joined to transactions.",
    Classification.CONFIDENTIAL,
    "Disputes system export",
    retention_days=1825,
    legal_basis=LegalBasis.CONTRACT,
)
FRAUD_VELOCITY = DatasetSpec(
    "s3://lake",
    "features/fraud/transaction_velocity",
    "fraud-ml",
    "Per-card spend velocity over 1h, 24h and 7d windows.",
    Classification.CONFIDENTIAL,
    "cleaned/card_transactions",
    retention_days=400,
    legal_basis=LegalBasis.CONTRACT,
)
FRAUD_MERCHANT = DatasetSpec(
    "s3://lake",
    "features/fraud/merchant_risk",
    "fraud-ml",
    "Merchant-level fraud rates and category risk (no personal data).",
    Classification.CONFIDENTIAL,
    "cleaned/card_transactions",
    retention_days=730,
)
FRAUD_TRAINING = DatasetSpec(
    "s3://lake",
    "features/fraud/training_set",
    "fraud-ml",
    "Labelled training set: velocity and merchant features with chargeback labels.",
    Classification.CONFIDENTIAL,
    "features/fraud/*, labels/chargebacks",
    retention_days=730,
    legal_basis=LegalBasis.CONTRACT,
)
FRAUD_HOLDOUT = DatasetSpec(
    "s3://lake",
    "eval/fraud/holdout_2026q2",
    "fraud-ml",
    "Out-of-time holdout: April-June 2026 transactions with matured chargeback labels.",
    Classification.CONFIDENTIAL,
    "cleaned/card_transactions, labels/chargebacks",
    retention_days=730,
    legal_basis=LegalBasis.CONTRACT,
)
AML_ALERTS = DatasetSpec(
    "postgres://core-banking",
    "aml.alert_outcomes",
    "fraud-ml",
    "Investigator decisions on AML alerts, including suspicious activity reports filed.",
    Classification.RESTRICTED,
    "Case management system",
    retention_days=1825,
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
)
AML_FEATURES = DatasetSpec(
    "s3://lake",
    "features/aml/customer_monthly",
    "fraud-ml",
    "Monthly customer behaviour aggregates used to score AML alerts.",
    Classification.RESTRICTED,
    "cleaned/card_transactions, public.customers, aml.alert_outcomes",
    retention_days=1825,
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
)
SANCTIONS_LISTS = DatasetSpec(
    "s3://lake",
    "reference/sanctions_lists",
    "fraud-ml",
    "EU consolidated, UN and OFAC sanctions lists: public, but they name natural persons.",
    Classification.PUBLIC,
    "Official list publications, refreshed daily",
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
)

# Lending and treasury.

LOAN_APPLICATIONS = DatasetSpec(
    "postgres://core-banking",
    "lending.applications",
    "risk-analytics",
    "Consumer loan and credit card applications with declared income and outgoings.",
    Classification.RESTRICTED,
    "Lending origination system",
    retention_days=2555,
    legal_basis=LegalBasis.CONTRACT,
)
BUREAU_REPORTS = DatasetSpec(
    "sftp://credit-bureau",
    "consumer_reports/daily",
    "risk-analytics",
    "Credit bureau reports pulled at application time.",
    Classification.RESTRICTED,
    "Credit bureau SFTP drop",
    retention_days=2555,
    legal_basis=LegalBasis.LEGITIMATE_INTERESTS,
)
CREDIT_FEATURES = DatasetSpec(
    "s3://lake",
    "features/credit/application_features",
    "risk-analytics",
    "Application, bureau and relationship features for credit models.",
    Classification.RESTRICTED,
    "lending.applications, consumer_reports/daily, public.customers",
    retention_days=2555,
    legal_basis=LegalBasis.CONTRACT,
)
LOAN_PERFORMANCE = DatasetSpec(
    "s3://lake",
    "labels/credit/loan_performance_12m",
    "risk-analytics",
    "Whether each booked loan went 90+ days past due within 12 months.",
    Classification.RESTRICTED,
    "lending.applications joined to repayment history",
    retention_days=2555,
    legal_basis=LegalBasis.CONTRACT,
)
CREDIT_HOLDOUT = DatasetSpec(
    "s3://lake",
    "eval/credit/out_of_time_2025h2",
    "risk-analytics",
    "Out-of-time validation sample: applications July-December 2025 with 12-month outcomes.",
    Classification.RESTRICTED,
    "features/credit/application_features, labels/credit/loan_performance_12m",
    retention_days=2555,
    legal_basis=LegalBasis.CONTRACT,
)
DEPOSIT_RATES = DatasetSpec(
    "postgres://core-banking",
    "treasury.deposit_rate_history",
    "risk-analytics",
    "Savings product rates and daily balance flows by product (no customer-level data).",
    Classification.INTERNAL,
    "Treasury rate book",
    retention_days=3650,
)

# Customers and the contact centre.

SUPPORT_TICKETS = DatasetSpec(
    "postgres://crm",
    "support.tickets",
    "customer-ai",
    "Customer support tickets and chat transcripts.",
    Classification.CONFIDENTIAL,
    "CRM",
    retention_days=1095,
    legal_basis=LegalBasis.CONTRACT,
)
SUPPORT_TICKETS_REDACTED = DatasetSpec(
    "s3://lake",
    "cleaned/support_tickets_redacted",
    "customer-ai",
    "Support conversations with names, account numbers and addresses redacted.",
    Classification.INTERNAL,
    "support.tickets via the PII redaction job",
    retention_days=1095,
)
HELP_CENTRE = DatasetSpec(
    "s3://lake",
    "curated/help_centre_articles",
    "customer-ai",
    "Published help-centre articles and product terms, the assistant's retrieval corpus.",
    Classification.PUBLIC,
    "Help-centre CMS export",
)
SUPPORT_GOLDEN = DatasetSpec(
    "bigquery://northbridge-analytics",
    "customer_ai.support_golden_set",
    "customer-ai",
    "600 reviewed question/answer pairs used to evaluate every assistant release.",
    Classification.INTERNAL,
    "Curated by contact-centre team leaders from redacted tickets",
)
CALL_RECORDINGS = DatasetSpec(
    "s3://lake",
    "raw/call_recordings",
    "customer-ai",
    "Contact-centre call audio (recorded as required for advice and investment calls).",
    Classification.RESTRICTED,
    "Telephony platform",
    retention_days=1825,
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
)
CALL_TRANSCRIPTS = DatasetSpec(
    "s3://lake",
    "cleaned/call_transcripts",
    "customer-ai",
    "Speaker-separated transcripts of recorded calls.",
    Classification.RESTRICTED,
    "raw/call_recordings via speech-to-text",
    retention_days=1825,
    legal_basis=LegalBasis.LEGAL_OBLIGATION,
)
CUSTOMER_EVENTS = DatasetSpec(
    "bigquery://northbridge-analytics",
    "marketing.customer_events",
    "customer-ai",
    "App and web events of customers who consented to analytics cookies.",
    Classification.CONFIDENTIAL,
    "Product analytics SDK",
    retention_days=730,
    legal_basis=LegalBasis.CONSENT,
)
CHURN_FEATURES = DatasetSpec(
    "bigquery://northbridge-analytics",
    "marketing.churn_features",
    "customer-ai",
    "Monthly engagement and product-holding features per customer.",
    Classification.CONFIDENTIAL,
    "marketing.customer_events, public.customers",
    retention_days=730,
    legal_basis=LegalBasis.LEGITIMATE_INTERESTS,
)
APPROVED_COPY = DatasetSpec(
    "bigquery://northbridge-analytics",
    "marketing.approved_campaign_copy",
    "customer-ai",
    "Campaign copy that passed marketing compliance review, 2021-2026.",
    Classification.INTERNAL,
    "Marketing asset library",
)

# Forecasting and HR.

ATM_DEMAND = DatasetSpec(
    "s3://lake",
    "features/forecasting/atm_daily_demand",
    "data-platform",
    "Daily cash demand per ATM with calendar and holiday features.",
    Classification.INTERNAL,
    "public.atm_withdrawals, reference/public_holidays",
    retention_days=1825,
)
CV_APPLICATIONS = DatasetSpec(
    "s3://hr-vault",
    "applications/2026",
    "data-platform",
    "CVs and application forms received through the careers site in 2026.",
    Classification.RESTRICTED,
    "Applicant tracking system",
    retention_days=180,
    legal_basis=LegalBasis.CONTRACT,
)

DATASETS: tuple[DatasetSpec, ...] = (
    CARD_AUTH_STREAM,
    CARD_TX_RAW,
    CARD_TX_CLEAN,
    CUSTOMERS,
    ATM_WITHDRAWALS,
    PUBLIC_HOLIDAYS,
    KYC_DOCUMENTS,
    CHARGEBACKS,
    FRAUD_VELOCITY,
    FRAUD_MERCHANT,
    FRAUD_TRAINING,
    FRAUD_HOLDOUT,
    AML_ALERTS,
    AML_FEATURES,
    SANCTIONS_LISTS,
    LOAN_APPLICATIONS,
    BUREAU_REPORTS,
    CREDIT_FEATURES,
    LOAN_PERFORMANCE,
    CREDIT_HOLDOUT,
    DEPOSIT_RATES,
    SUPPORT_TICKETS,
    SUPPORT_TICKETS_REDACTED,
    HELP_CENTRE,
    SUPPORT_GOLDEN,
    CALL_RECORDINGS,
    CALL_TRANSCRIPTS,
    CUSTOMER_EVENTS,
    CHURN_FEATURES,
    APPROVED_COPY,
    ATM_DEMAND,
    CV_APPLICATIONS,
)

# --- Lineage: which job derived which dataset from which ---------------------------------------
# The fraud chain is raw → cleaned → two feature sets → one training set: a diamond.

LINEAGE: tuple[Edge, ...] = (
    Edge(CARD_AUTH_STREAM, CARD_TX_RAW, "ingest_card_authorisations", "kafka-connect://lake-sink"),
    Edge(CARD_TX_RAW, CARD_TX_CLEAN, "clean_card_transactions"),
    Edge(CARD_TX_CLEAN, FRAUD_VELOCITY, "fraud_features.transaction_velocity"),
    Edge(CARD_TX_CLEAN, FRAUD_MERCHANT, "fraud_features.merchant_risk"),
    Edge(FRAUD_VELOCITY, FRAUD_TRAINING, "fraud_features.assemble_training_set"),
    Edge(FRAUD_MERCHANT, FRAUD_TRAINING, "fraud_features.assemble_training_set"),
    Edge(CHARGEBACKS, FRAUD_TRAINING, "fraud_features.assemble_training_set"),
    Edge(CARD_TX_CLEAN, FRAUD_HOLDOUT, "fraud_eval.sample_holdout"),
    Edge(CHARGEBACKS, FRAUD_HOLDOUT, "fraud_eval.sample_holdout"),
    Edge(CARD_TX_CLEAN, AML_FEATURES, "aml_features.customer_monthly"),
    Edge(CUSTOMERS, AML_FEATURES, "aml_features.customer_monthly"),
    Edge(AML_ALERTS, AML_FEATURES, "aml_features.customer_monthly"),
    Edge(LOAN_APPLICATIONS, CREDIT_FEATURES, "credit_features.application_features"),
    Edge(BUREAU_REPORTS, CREDIT_FEATURES, "credit_features.application_features"),
    Edge(CUSTOMERS, CREDIT_FEATURES, "credit_features.application_features"),
    Edge(LOAN_APPLICATIONS, LOAN_PERFORMANCE, "credit_labels.loan_performance_12m"),
    Edge(CREDIT_FEATURES, CREDIT_HOLDOUT, "credit_eval.out_of_time_split"),
    Edge(LOAN_PERFORMANCE, CREDIT_HOLDOUT, "credit_eval.out_of_time_split"),
    Edge(SUPPORT_TICKETS, SUPPORT_TICKETS_REDACTED, "redact_support_tickets"),
    Edge(SUPPORT_TICKETS_REDACTED, SUPPORT_GOLDEN, "support_eval.build_golden_set"),
    Edge(CALL_RECORDINGS, CALL_TRANSCRIPTS, "transcribe_call_recordings"),
    Edge(CUSTOMER_EVENTS, CHURN_FEATURES, "churn_features.monthly"),
    Edge(CUSTOMERS, CHURN_FEATURES, "churn_features.monthly"),
    Edge(ATM_WITHDRAWALS, ATM_DEMAND, "forecasting.atm_daily_demand"),
    Edge(PUBLIC_HOLIDAYS, ATM_DEMAND, "forecasting.atm_daily_demand"),
)


# --- AI systems, their models and versions ----------------------------------------------------

T, V, E, F = (
    DatasetRole.TRAINING,
    DatasetRole.VALIDATION,
    DatasetRole.EVALUATION,
    DatasetRole.FINE_TUNING,
)

SYSTEMS: tuple[SystemSpec, ...] = (
    # Fraud ML ---------------------------------------------------------------------------------
    SystemSpec(
        slug="card-fraud-scoring",
        name="Card fraud scoring",
        owning_team="fraud-ml",
        risk_tier=RiskTier.MINIMAL,
        lifecycle=Lifecycle.PRODUCTION,
        purpose="Score every card authorisation for fraud in under 50 ms.",
        intended_use=(
            "Scores above the block threshold decline the authorisation and send the customer an "
            "in-app confirmation; scores in the review band queue a case for the fraud desk."
        ),
        business_unit="Financial Crime Operations",
        risk_rationale=(
            "Not high-risk: Annex III point 5(b) expressly excludes AI systems used to detect "
            "financial fraud. Treated with high scrutiny internally because it blocks payments."
        ),
        technical_owner="priya",
        accountable_executive="helena",
        on_call_contact="PagerDuty: fraud-ml-primary",
        cost_centre="CC-4100",
        monthly_budget=Decimal("18000.00"),
        human_oversight=(
            "Fraud analysts review every case in the review band; customers can confirm a "
            "declined payment in the app and it is retried. Thresholds change only with the "
            "fraud operations manager's sign-off."
        ),
        models=(
            ModelSpec(
                name="card-fraud-xgb",
                description="Gradient-boosted trees on velocity and merchant features.",
                task="binary classification",
                framework="xgboost",
                provider=ModelProvider.IN_HOUSE,
                versions=(
                    VersionSpec(
                        "2.3.0",
                        "s3://ml-artifacts/card-fraud-xgb/2.3.0/model.ubj",
                        {"auc": 0.962, "recall_at_0_5pct_fpr": 0.71, "p99_latency_ms": 21},
                        "Real-time card fraud scoring.",
                        "Weak on contactless fraud below the PIN threshold.",
                        "Out-of-time AUC 0.962 on Q4 2025.",
                        ((FRAUD_TRAINING, T), (FRAUD_HOLDOUT, E)),
                        deprecated=True,
                    ),
                    VersionSpec(
                        "2.4.0",
                        "s3://ml-artifacts/card-fraud-xgb/2.4.0/model.ubj",
                        {"auc": 0.968, "recall_at_0_5pct_fpr": 0.76, "p99_latency_ms": 23},
                        "Real-time card fraud scoring.",
                        "Raised false positives on contactless transactions at launch (see "
                        "incident); threshold recalibrated.",
                        "Out-of-time AUC 0.968 on Q2 2026 holdout; +5 points recall.",
                        ((FRAUD_TRAINING, T), (FRAUD_HOLDOUT, E)),
                    ),
                    VersionSpec(
                        "2.5.0",
                        "s3://ml-artifacts/card-fraud-xgb/2.5.0/model.ubj",
                        {"auc": 0.971, "recall_at_0_5pct_fpr": 0.78, "p99_latency_ms": 24},
                        "Real-time card fraud scoring.",
                        "Candidate; not yet shadow-tested on weekend traffic.",
                        "Out-of-time AUC 0.971 on Q2 2026 holdout.",
                        ((FRAUD_TRAINING, T), (FRAUD_VELOCITY, V), (FRAUD_HOLDOUT, E)),
                    ),
                ),
            ),
        ),
    ),
    SystemSpec(
        slug="aml-transaction-monitoring",
        name="AML transaction monitoring",
        owning_team="fraud-ml",
        risk_tier=RiskTier.MINIMAL,
        lifecycle=Lifecycle.PRODUCTION,
        purpose="Prioritise anti-money-laundering alerts for investigators.",
        intended_use=(
            "Ranks alerts raised by the rules engine so investigators see the likeliest "
            "suspicious activity first. It never closes an alert by itself."
        ),
        business_unit="Financial Crime Operations",
        risk_rationale=(
            "Not listed in Annex III: supports the bank's own AML obligations and makes no "
            "decision about a person. Regulators expect model risk governance nonetheless."
        ),
        technical_owner="tomas",
        accountable_executive="helena",
        on_call_contact="PagerDuty: fraud-ml-primary",
        cost_centre="CC-4110",
        monthly_budget=Decimal("9500.00"),
        human_oversight=(
            "Every alert is still decided by an investigator; a monthly below-the-line sample "
            "checks that low-ranked alerts are not missing suspicious activity."
        ),
        models=(
            ModelSpec(
                name="aml-alert-ranker",
                description="LightGBM ranker over monthly customer behaviour aggregates.",
                task="ranking",
                framework="lightgbm",
                provider=ModelProvider.IN_HOUSE,
                versions=(
                    VersionSpec(
                        "1.0.0",
                        "s3://ml-artifacts/aml-alert-ranker/1.0.0/model.txt",
                        {"precision_at_top_decile": 0.41, "sar_recall_top_half": 0.93},
                        "Alert prioritisation for AML investigators.",
                        "Trained before the 2026 typology update.",
                        "93% of SAR-worthy alerts in the top half of the queue.",
                        ((AML_FEATURES, T),),
                    ),
                    VersionSpec(
                        "1.1.0",
                        "s3://ml-artifacts/aml-alert-ranker/1.1.0/model.txt",
                        {"precision_at_top_decile": 0.46, "sar_recall_top_half": 0.95},
                        "Alert prioritisation for AML investigators.",
                        "Limited history for business accounts.",
                        "95% of SAR-worthy alerts in the top half of the queue.",
                        ((AML_FEATURES, T), (AML_ALERTS, E)),
                    ),
                ),
            ),
        ),
    ),
    SystemSpec(
        slug="sanctions-name-screening",
        name="Sanctions name screening",
        owning_team="fraud-ml",
        risk_tier=RiskTier.MINIMAL,
        lifecycle=Lifecycle.PRODUCTION,
        purpose="Fuzzy-match customers and payees against sanctions lists.",
        intended_use="Flags possible matches at onboarding and on every outgoing payment.",
        business_unit="Financial Crime Operations",
        risk_rationale=(
            "Not listed in Annex III; a legal-obligation control where every match is reviewed."
        ),
        technical_owner="tomas",
        accountable_executive="helena",
        on_call_contact="PagerDuty: fraud-ml-primary",
        cost_centre="CC-4110",
        monthly_budget=Decimal("6000.00"),
        ai_act_role=AIActRole.DEPLOYER,
        vendor="Listwise Screening GmbH",
        human_oversight="Every potential match is cleared or escalated by a sanctions analyst.",
        models=(
            ModelSpec(
                name="sanctions-name-matcher",
                description="Vendor's transliteration-aware fuzzy matcher, hosted in our VPC.",
                task="entity matching",
                framework="vendor container",
                provider=ModelProvider.VENDOR,
                vendor="Listwise Screening GmbH",
                versions=(
                    VersionSpec(
                        "2026.2",
                        "oci://registry.northbridge.internal/vendor/listwise-matcher:2026.2",
                        {"recall_on_test_list": 0.998, "alerts_per_10k_payments": 14},
                        "Sanctions screening of names at onboarding and on payments.",
                        "Weaker on names transliterated from Georgian and Amharic.",
                        "Vendor test pack plus our 2,000-name regression list.",
                        ((SANCTIONS_LISTS, E),),
                    ),
                ),
            ),
        ),
    ),
    # Risk Analytics ---------------------------------------------------------------------------
    SystemSpec(
        slug="credit-decisioning",
        name="Consumer credit decisioning",
        owning_team="risk-analytics",
        risk_tier=RiskTier.HIGH,
        lifecycle=Lifecycle.PRODUCTION,
        purpose="Decide personal loan and credit card applications.",
        intended_use=(
            "Estimates probability of default and affordability; approves, declines or refers "
            "applications to an underwriter under the credit policy."
        ),
        business_unit="Retail Lending",
        risk_rationale=(
            "High-risk under EU AI Act Annex III point 5(b): evaluates the creditworthiness of "
            "natural persons. Northbridge is the provider."
        ),
        technical_owner="omar",
        accountable_executive="helena",
        on_call_contact="PagerDuty: risk-analytics",
        cost_centre="CC-5200",
        monthly_budget=Decimal("12000.00"),
        human_oversight=(
            "Declines near the cut-off and all applications over EUR 25,000 go to an "
            "underwriter, who may override. Applicants can ask for a human review of any "
            "decision; overrides are monitored monthly."
        ),
        models=(
            ModelSpec(
                name="credit-pd-lgbm",
                description="Probability of default within 12 months.",
                task="binary classification",
                framework="lightgbm",
                provider=ModelProvider.IN_HOUSE,
                versions=(
                    VersionSpec(
                        "3.0.0",
                        "s3://ml-artifacts/credit-pd-lgbm/3.0.0/model.txt",
                        {"gini": 0.61, "ks": 0.47, "psi_vs_dev": 0.04},
                        "PD estimate for consumer credit decisions.",
                        "Not for small-business lending.",
                        "Out-of-time Gini 0.61; adverse impact ratio by age band >= 0.86.",
                        ((CREDIT_FEATURES, T), (LOAN_PERFORMANCE, T), (CREDIT_HOLDOUT, V)),
                        deprecated=True,
                    ),
                    VersionSpec(
                        "3.1.0",
                        "s3://ml-artifacts/credit-pd-lgbm/3.1.0/model.txt",
                        {"gini": 0.63, "ks": 0.49, "psi_vs_dev": 0.05},
                        "PD estimate for consumer credit decisions.",
                        "Not for small-business lending; sensitive to bureau schema changes.",
                        "Out-of-time Gini 0.63; adverse impact ratio by age band >= 0.88.",
                        ((CREDIT_FEATURES, T), (LOAN_PERFORMANCE, T), (CREDIT_HOLDOUT, V)),
                    ),
                ),
            ),
            ModelSpec(
                name="credit-affordability",
                description="Estimates disposable income from declared and observed flows.",
                task="regression",
                framework="scikit-learn",
                provider=ModelProvider.IN_HOUSE,
                versions=(
                    VersionSpec(
                        "1.2.0",
                        "s3://ml-artifacts/credit-affordability/1.2.0/model.joblib",
                        {"mae_eur": 182.0, "within_10pct": 0.74},
                        "Affordability check for consumer credit.",
                        "Customers with under 3 months of account history.",
                        "MAE EUR 182 on the out-of-time sample.",
                        ((CREDIT_FEATURES, T), (CREDIT_HOLDOUT, E)),
                    ),
                ),
            ),
        ),
    ),
    SystemSpec(
        slug="credit-limit-management",
        name="Credit limit management",
        owning_team="risk-analytics",
        risk_tier=RiskTier.HIGH,
        lifecycle=Lifecycle.VALIDATION,
        purpose="Propose credit card limit increases and decreases for existing customers.",
        intended_use="Monthly batch proposes limit changes; collections strategy applies them.",
        business_unit="Retail Lending",
        risk_rationale=(
            "High-risk under Annex III point 5(b): assesses the creditworthiness of natural "
            "persons to set their credit limits."
        ),
        technical_owner="sofia",
        accountable_executive="helena",
        on_call_contact="PagerDuty: risk-analytics",
        cost_centre="CC-5200",
        monthly_budget=Decimal("4000.00"),
        human_oversight=(
            "Decreases are reviewed by a credit officer before customers are notified; "
            "increases are capped by policy."
        ),
        models=(
            ModelSpec(
                name="credit-limit-optimiser",
                description="Expected-loss-aware limit recommendation.",
                task="regression",
                framework="xgboost",
                provider=ModelProvider.IN_HOUSE,
                versions=(
                    VersionSpec(
                        "0.9.0",
                        "s3://ml-artifacts/credit-limit-optimiser/0.9.0/model.ubj",
                        {"expected_loss_delta_pct": -3.1, "limit_increase_share": 0.18},
                        "Limit proposals for the monthly review.",
                        "First iteration; ignores seasonal spend.",
                        "Back-test on 2025: expected loss -3.1% at equal balances.",
                        ((CREDIT_FEATURES, T), (LOAN_PERFORMANCE, T)),
                        deprecated=True,
                    ),
                    VersionSpec(
                        "1.0.0-rc1",
                        "s3://ml-artifacts/credit-limit-optimiser/1.0.0-rc1/model.ubj",
                        {"expected_loss_delta_pct": -4.0, "limit_increase_share": 0.21},
                        "Limit proposals for the monthly review.",
                        "Under independent validation by model risk.",
                        "Back-test on 2025: expected loss -4.0% at equal balances.",
                        ((CREDIT_FEATURES, T), (LOAN_PERFORMANCE, T), (CREDIT_HOLDOUT, V)),
                    ),
                ),
            ),
        ),
    ),
    SystemSpec(
        slug="legacy-credit-scorecard",
        name="Legacy credit scorecard",
        owning_team="risk-analytics",
        risk_tier=RiskTier.HIGH,
        lifecycle=Lifecycle.RETIRED,
        purpose="Application scorecard used for consumer credit until April 2026.",
        intended_use="Replaced by consumer credit decisioning; kept for the record.",
        business_unit="Retail Lending",
        risk_rationale="High-risk under Annex III point 5(b) while it was in use.",
        technical_owner="omar",
        accountable_executive="helena",
        on_call_contact="",
        cost_centre="CC-5200",
        monthly_budget=Decimal("0.00"),
        human_oversight="Underwriters reviewed every referral while it ran.",
        models=(
            ModelSpec(
                name="credit-scorecard-logit",
                description="Points-based logistic regression scorecard.",
                task="binary classification",
                framework="statsmodels",
                provider=ModelProvider.IN_HOUSE,
                versions=(
                    VersionSpec(
                        "1.0.0",
                        "s3://ml-artifacts/credit-scorecard-logit/1.0.0/scorecard.json",
                        {"gini": 0.52, "ks": 0.39},
                        "Application scoring for consumer credit.",
                        "Retired; superseded by credit-pd-lgbm.",
                        "Gini 0.52 at last annual validation (2025).",
                        ((LOAN_APPLICATIONS, T), (LOAN_PERFORMANCE, T)),
                        deprecated=True,
                    ),
                ),
            ),
        ),
    ),
    SystemSpec(
        slug="savings-rate-pricing",
        name="Savings rate pricing optimisation",
        owning_team="risk-analytics",
        risk_tier=RiskTier.MINIMAL,
        lifecycle=Lifecycle.DEVELOPMENT,
        purpose="Recommend savings product rates from deposit elasticity.",
        intended_use="Treasury's ALCO sees recommendations alongside market rates each week.",
        business_unit="Treasury",
        risk_rationale="Not in Annex III: product-level pricing, no decision about a person.",
        technical_owner="sofia",
        accountable_executive="helena",
        on_call_contact="#risk-analytics (business hours)",
        cost_centre="",  # deliberate gap: nobody has agreed who pays for it yet
        monthly_budget=Decimal("1500.00"),
        human_oversight="Rates are set by the asset and liability committee, never automatically.",
        models=(
            ModelSpec(
                name="deposit-elasticity",
                description="Bayesian model of balance flows against rate gaps.",
                task="forecasting",
                framework="pymc",
                provider=ModelProvider.IN_HOUSE,
                versions=(
                    VersionSpec(
                        "0.1.0",
                        "s3://ml-artifacts/deposit-elasticity/0.1.0/trace.nc",
                        {"mape_balance_flow": 0.083},
                        "Weekly rate recommendation input for ALCO.",
                        "Prototype; no stress scenarios yet.",
                        "MAPE 8.3% on 2025 weekly flows.",
                        ((DEPOSIT_RATES, T),),
                    ),
                ),
            ),
        ),
    ),
    # Customer AI ------------------------------------------------------------------------------
    SystemSpec(
        slug="customer-support-assistant",
        name="Customer support assistant",
        owning_team="customer-ai",
        risk_tier=RiskTier.LIMITED,
        lifecycle=Lifecycle.PRODUCTION,
        purpose="Answer customers' questions in the app and on the website.",
        intended_use=(
            "Retrieval-augmented assistant on a vendor foundation model; answers from the help "
            "centre and hands over to a human agent for anything account-specific."
        ),
        business_unit="Retail Banking",
        risk_rationale=(
            "Limited risk: a chatbot interacting with natural persons, so Article 50(1) "
            "transparency applies (customers are told they are talking to an AI)."
        ),
        technical_owner="jonas",
        accountable_executive="daniel",
        on_call_contact="PagerDuty: customer-ai",
        cost_centre="CC-3300",
        monthly_budget=Decimal("22000.00"),
        ai_act_role=AIActRole.DEPLOYER,
        vendor="Aleph Foundation Models Ltd.",
        human_oversight=(
            "Every conversation offers 'talk to a person'; agents review a daily sample of 200 "
            "conversations; answers about fees are checked against the price list nightly."
        ),
        models=(
            ModelSpec(
                name="support-assistant-llm",
                description="Vendor foundation model with our system prompt and guardrails.",
                task="text generation",
                framework="vendor API",
                provider=ModelProvider.FOUNDATION,
                vendor="Aleph Foundation Models Ltd.",
                versions=(
                    VersionSpec(
                        "2026-06",
                        "s3://ml-artifacts/support-assistant/2026-06/prompt-bundle.tar.gz",
                        {"golden_set_accuracy": 0.88, "handover_rate": 0.31},
                        "Customer questions about products and how-tos.",
                        "No account-specific answers; English and German only.",
                        "88% correct on the golden set, 0 policy violations.",
                        ((HELP_CENTRE, T), (SUPPORT_GOLDEN, E)),
                        deprecated=True,
                    ),
                    VersionSpec(
                        "2026-09",
                        "s3://ml-artifacts/support-assistant/2026-09/prompt-bundle.tar.gz",
                        {"golden_set_accuracy": 0.92, "handover_rate": 0.27},
                        "Customer questions about products and how-tos.",
                        "No account-specific answers; English, German and French.",
                        "92% correct on the golden set, 0 policy violations.",
                        ((HELP_CENTRE, T), (SUPPORT_TICKETS_REDACTED, F), (SUPPORT_GOLDEN, E)),
                    ),
                ),
            ),
            ModelSpec(
                name="support-retrieval-embedder",
                description="Open-source sentence embedder for help-centre retrieval.",
                task="embedding",
                framework="sentence-transformers",
                provider=ModelProvider.OPEN_SOURCE,
                versions=(
                    VersionSpec(
                        "1.0.0",
                        "s3://ml-artifacts/support-retrieval-embedder/1.0.0/model.safetensors",
                        {"recall_at_5": 0.94},
                        "Retrieve help-centre passages for the assistant.",
                        "Multilingual quality lower for French.",
                        "Recall@5 0.94 on golden-set questions.",
                        ((HELP_CENTRE, T), (SUPPORT_GOLDEN, E)),
                    ),
                ),
            ),
        ),
    ),
    SystemSpec(
        slug="call-summarisation",
        name="Call summarisation",
        owning_team="customer-ai",
        risk_tier=RiskTier.LIMITED,
        lifecycle=Lifecycle.VALIDATION,
        purpose="Summarise contact-centre calls into the CRM case notes.",
        intended_use="Drafts a summary the agent edits and confirms before it is saved.",
        business_unit="Contact Centre",
        risk_rationale=(
            "Limited risk: generates text (Article 50(2) marking by the model provider); "
            "internal use, no decision about the caller."
        ),
        technical_owner="mei",
        accountable_executive="daniel",
        on_call_contact="PagerDuty: customer-ai",
        cost_centre="CC-3310",
        monthly_budget=Decimal("7000.00"),
        ai_act_role=AIActRole.DEPLOYER,
        vendor="Aleph Foundation Models Ltd.",
        human_oversight="Agents must read and confirm each summary; drafts are never auto-saved.",
        models=(
            ModelSpec(
                name="call-transcriber",
                description="Open-source speech-to-text, self-hosted.",
                task="speech recognition",
                framework="pytorch",
                provider=ModelProvider.OPEN_SOURCE,
                versions=(
                    VersionSpec(
                        "1.0.0",
                        "s3://ml-artifacts/call-transcriber/1.0.0/model.safetensors",
                        {"wer_en": 0.081, "wer_de": 0.097},
                        "Transcribe recorded calls for summarisation.",
                        "Higher error rate on poor mobile lines.",
                        "WER 8.1% (EN), 9.7% (DE) on 300 hand-transcribed calls.",
                        ((CALL_RECORDINGS, E),),
                    ),
                ),
            ),
            ModelSpec(
                name="call-summary-llm",
                description="Foundation model prompted to write case-note summaries.",
                task="summarisation",
                framework="vendor API",
                provider=ModelProvider.FOUNDATION,
                vendor="Aleph Foundation Models Ltd.",
                versions=(
                    VersionSpec(
                        "0.3.0",
                        "s3://ml-artifacts/call-summary/0.3.0/prompt-bundle.tar.gz",
                        {"agent_acceptance_rate": 0.81, "factual_error_rate": 0.02},
                        "Draft case-note summaries for agents.",
                        "Misses amounts quoted twice with corrections.",
                        "Agents accepted 81% of drafts unedited in the pilot.",
                        ((CALL_TRANSCRIPTS, E),),
                    ),
                ),
            ),
        ),
    ),
    SystemSpec(
        slug="marketing-copy-generator",
        name="Marketing copy generator",
        owning_team="customer-ai",
        risk_tier=RiskTier.LIMITED,
        lifecycle=Lifecycle.PRODUCTION,
        purpose="Draft campaign emails and app banners in the bank's tone of voice.",
        intended_use="Marketers generate drafts; marketing compliance approves before sending.",
        business_unit="Marketing",
        risk_rationale=(
            "Limited risk: generative AI producing text (Article 50); customers do not interact "
            "with it directly."
        ),
        technical_owner=None,  # deliberate gap: the owner left in September, not yet replaced
        accountable_executive="daniel",
        on_call_contact="#marketing-tech",
        cost_centre="CC-3400",
        monthly_budget=Decimal("3000.00"),
        ai_act_role=AIActRole.DEPLOYER,
        vendor="Aleph Foundation Models Ltd.",
        human_oversight="Nothing is published without marketing compliance approval.",
        models=(
            ModelSpec(
                name="marketing-copy-llm",
                description="Foundation model fine-tuned on approved campaign copy.",
                task="text generation",
                framework="vendor API",
                provider=ModelProvider.FOUNDATION,
                vendor="Aleph Foundation Models Ltd.",
                versions=(
                    VersionSpec(
                        "2026.08",
                        "s3://ml-artifacts/marketing-copy/2026.08/adapter.safetensors",
                        {"compliance_pass_rate": 0.9, "brand_voice_score": 4.3},
                        "Drafts of campaign copy for marketers.",
                        "May invent product features or returns; always reviewed.",
                        "90% of drafts passed compliance review first time in the pilot.",
                        ((APPROVED_COPY, F),),
                    ),
                ),
            ),
        ),
    ),
    SystemSpec(
        slug="churn-prediction",
        name="Churn prediction",
        owning_team="customer-ai",
        risk_tier=RiskTier.MINIMAL,
        lifecycle=Lifecycle.VALIDATION,
        purpose="Predict which current-account customers are likely to leave within 90 days.",
        intended_use="Feeds retention campaigns; no change to price or eligibility.",
        business_unit="Retail Banking",
        risk_rationale="Not in Annex III: marketing prioritisation, no effect on access or price.",
        technical_owner="mei",
        accountable_executive="daniel",
        on_call_contact="#customer-ai (business hours)",
        cost_centre="CC-3300",
        monthly_budget=Decimal("1200.00"),
        human_oversight="Campaign managers choose who is contacted and how.",
        models=(
            ModelSpec(
                name="churn-gbm",
                description="Gradient-boosted trees over monthly engagement features.",
                task="binary classification",
                framework="lightgbm",
                provider=ModelProvider.IN_HOUSE,
                versions=(
                    VersionSpec(
                        "1.0.0",
                        "s3://ml-artifacts/churn-gbm/1.0.0/model.txt",
                        {"auc": 0.79, "lift_top_decile": 3.4},
                        "Retention campaign targeting.",
                        "Uses only customers with analytics consent.",
                        "AUC 0.79 out of time.",
                        ((CHURN_FEATURES, T),),
                    ),
                    VersionSpec(
                        "1.1.0",
                        "s3://ml-artifacts/churn-gbm/1.1.0/model.txt",
                        {"auc": 0.81, "lift_top_decile": 3.7},
                        "Retention campaign targeting.",
                        "Uses only customers with analytics consent.",
                        "AUC 0.81 out of time.",
                        ((CHURN_FEATURES, T), (CUSTOMER_EVENTS, V)),
                    ),
                ),
            ),
        ),
    ),
    SystemSpec(
        slug="mortgage-faq-voicebot",
        name="Mortgage FAQ voicebot",
        owning_team="customer-ai",
        risk_tier=RiskTier.LIMITED,
        lifecycle=Lifecycle.RETIRED,
        purpose="Answered common mortgage questions on the phone line.",
        intended_use="Retired in May 2026; the customer support assistant took over.",
        business_unit="Retail Lending",
        risk_rationale="Limited risk (Article 50(1)): callers interacted with an AI system.",
        technical_owner="jonas",
        accountable_executive="daniel",
        on_call_contact="",
        cost_centre="CC-3310",
        monthly_budget=Decimal("0.00"),
        human_oversight="Callers could reach an adviser by pressing 0 at any time.",
        models=(
            ModelSpec(
                name="mortgage-voicebot-intent",
                description="Intent classifier behind the IVR dialogue tree.",
                task="intent classification",
                framework="rasa",
                provider=ModelProvider.IN_HOUSE,
                versions=(
                    VersionSpec(
                        "4.2.0",
                        "s3://ml-artifacts/mortgage-voicebot-intent/4.2.0/model.tar.gz",
                        {"intent_accuracy": 0.87},
                        "Route mortgage callers.",
                        "Retired.",
                        "87% intent accuracy on 2025 call sample.",
                        ((CALL_TRANSCRIPTS, T),),
                        deprecated=True,
                    ),
                ),
            ),
        ),
    ),
    SystemSpec(
        slug="complaint-triage",
        name="Complaint triage",
        owning_team="customer-ai",
        risk_tier=RiskTier.MINIMAL,
        lifecycle=Lifecycle.PROPOSED,
        purpose="Classify incoming complaints by product and urgency.",
        intended_use="Proposed: route complaints to the right queue faster.",
        business_unit="Contact Centre",
        risk_rationale="Not in Annex III: internal routing; complaint handling stays human.",
        technical_owner="mei",
        accountable_executive="daniel",
        on_call_contact="",
        cost_centre="CC-3310",
        monthly_budget=Decimal("800.00"),
        human_oversight="Complaint handlers can re-route any case; the model only suggests.",
    ),
    SystemSpec(
        slug="agent-performance-insights",
        name="Contact-centre agent performance insights",
        owning_team="customer-ai",
        risk_tier=RiskTier.HIGH,
        lifecycle=Lifecycle.DEVELOPMENT,
        purpose="Score call quality to target coaching for contact-centre agents.",
        intended_use="Team leaders see per-agent quality trends in coaching sessions.",
        business_unit="Contact Centre",
        risk_rationale=(
            "High-risk under Annex III point 4(b): monitors and evaluates the performance and "
            "behaviour of workers. Works council consultation required before pilot."
        ),
        technical_owner="mei",
        accountable_executive="daniel",
        on_call_contact="#customer-ai (business hours)",
        cost_centre="CC-3310",
        monthly_budget=Decimal("2500.00"),
        human_oversight=(
            "Scores never feed pay, promotion or dismissal decisions; agents see their own "
            "scores and can contest them."
        ),
        models=(
            ModelSpec(
                name="call-quality-scorer",
                description="Scores transcripts against the quality-assurance checklist.",
                task="multi-label classification",
                framework="pytorch",
                provider=ModelProvider.IN_HOUSE,
                versions=(
                    VersionSpec(
                        "0.2.0",
                        "s3://ml-artifacts/call-quality-scorer/0.2.0/model.safetensors",
                        {"macro_f1": 0.72, "agreement_with_qa_team": 0.69},
                        "Coaching support for team leaders.",
                        "Not validated for non-native speakers; bias review pending.",
                        "Macro-F1 0.72 against QA team labels.",
                        ((CALL_TRANSCRIPTS, T),),
                    ),
                ),
            ),
        ),
    ),
    # Data Platform ----------------------------------------------------------------------------
    SystemSpec(
        slug="atm-cash-demand-forecast",
        name="ATM cash demand forecast",
        owning_team="data-platform",
        risk_tier=RiskTier.MINIMAL,
        lifecycle=Lifecycle.PRODUCTION,
        purpose="Forecast daily cash demand per ATM to plan cash-in-transit runs.",
        intended_use="Cash logistics plans replenishment from the 14-day forecast.",
        business_unit="Branch & ATM Network",
        risk_rationale="Not in Annex III: operational forecasting, no personal data.",
        technical_owner="lars",
        accountable_executive="daniel",
        on_call_contact="PagerDuty: data-platform",
        cost_centre="CC-2100",
        monthly_budget=Decimal("900.00"),
        human_oversight="Cash logistics planners adjust orders for local events.",
        models=(
            ModelSpec(
                name="atm-cash-demand",
                description="Global gradient-boosted forecaster over all ATMs.",
                task="forecasting",
                framework="lightgbm",
                provider=ModelProvider.IN_HOUSE,
                versions=(
                    VersionSpec(
                        "2.0.0",
                        "s3://ml-artifacts/atm-cash-demand/2.0.0/model.txt",
                        {"wape_14d": 0.142},
                        "14-day cash demand per ATM.",
                        "New ATMs need 8 weeks of history.",
                        "WAPE 14.2% over 2025.",
                        ((ATM_DEMAND, T),),
                        deprecated=True,
                    ),
                    VersionSpec(
                        "2.1.0",
                        "s3://ml-artifacts/atm-cash-demand/2.1.0/model.txt",
                        {"wape_14d": 0.127},
                        "14-day cash demand per ATM.",
                        "New ATMs need 8 weeks of history.",
                        "WAPE 12.7% over 2025; better around bank holidays.",
                        ((ATM_DEMAND, T), (PUBLIC_HOLIDAYS, T)),
                    ),
                ),
            ),
        ),
    ),
    SystemSpec(
        slug="kyc-document-ocr",
        name="KYC document OCR",
        owning_team="data-platform",
        risk_tier=RiskTier.MINIMAL,
        lifecycle=Lifecycle.PRODUCTION,
        purpose="Extract fields from identity documents and proofs of address at onboarding.",
        intended_use="Pre-fills the onboarding form; no face matching, no identity decision.",
        business_unit="Retail Banking",
        risk_rationale=(
            "Not high-risk: text extraction only, no biometric identification (Annex III "
            "point 1 does not apply)."
        ),
        technical_owner="lars",
        accountable_executive="daniel",
        on_call_contact="PagerDuty: data-platform",
        cost_centre="CC-2100",
        monthly_budget=Decimal("4200.00"),
        ai_act_role=AIActRole.DEPLOYER,
        vendor="Parsec Document AI S.A.",
        human_oversight="Onboarding staff verify every extracted field before approval.",
        models=(
            ModelSpec(
                name="kyc-doc-ocr",
                description="Vendor document-understanding API.",
                task="document extraction",
                framework="vendor API",
                provider=ModelProvider.VENDOR,
                vendor="Parsec Document AI S.A.",
                versions=(
                    VersionSpec(
                        "7.1",
                        "https://api.parsec.example/v7.1/extract",
                        {"field_accuracy": 0.973, "docs_per_minute": 120},
                        "Field extraction from EU identity documents.",
                        "Handwritten proofs of address are unreliable.",
                        "97.3% field accuracy on 1,000 labelled documents.",
                        ((KYC_DOCUMENTS, E),),
                    ),
                ),
            ),
        ),
    ),
    SystemSpec(
        slug="transaction-categorisation",
        name="Transaction categorisation",
        owning_team="data-platform",
        risk_tier=RiskTier.MINIMAL,
        lifecycle=Lifecycle.DEVELOPMENT,
        purpose="Label card transactions with spending categories for the app's budgeting view.",
        intended_use="Categories shown to customers, who can correct them.",
        business_unit="Retail Banking",
        risk_rationale="Not in Annex III: a convenience feature, no decision about a person.",
        technical_owner="lars",
        accountable_executive=None,  # deliberate gap: no executive has taken it on yet
        on_call_contact="#data-platform (business hours)",
        cost_centre="CC-2100",
        monthly_budget=Decimal("1100.00"),
        human_oversight="Customers re-categorise transactions; corrections feed retraining.",
        models=(
            ModelSpec(
                name="txn-categoriser",
                description="Small transformer over merchant descriptors.",
                task="multi-class classification",
                framework="pytorch",
                provider=ModelProvider.IN_HOUSE,
                versions=(
                    VersionSpec(
                        "0.4.0",
                        "s3://ml-artifacts/txn-categoriser/0.4.0/model.safetensors",
                        {"top1_accuracy": 0.91},
                        "Spending categories in the app.",
                        "Marketplace merchants are often miscategorised.",
                        "Top-1 accuracy 91% on 20k labelled transactions.",
                        ((CARD_TX_CLEAN, T), (FRAUD_MERCHANT, T)),
                    ),
                ),
            ),
        ),
    ),
    SystemSpec(
        slug="code-assistant",
        name="Engineering code assistant",
        owning_team="data-platform",
        risk_tier=RiskTier.MINIMAL,
        lifecycle=Lifecycle.PRODUCTION,
        purpose="Code completion and chat for Northbridge engineers in the IDE.",
        intended_use="Suggestions only; code is reviewed as any other change.",
        business_unit="Technology",
        risk_rationale="Not in Annex III: developer productivity tool for employees.",
        technical_owner="nils",  # deliberate gap: left in October, ownership never handed over
        accountable_executive="daniel",
        on_call_contact="#dev-productivity",
        cost_centre="CC-2000",
        monthly_budget=Decimal("8500.00"),
        ai_act_role=AIActRole.DEPLOYER,
        vendor="Aleph Foundation Models Ltd.",
        human_oversight="Every change still needs a human code review; secrets scanning on PRs.",
        models=(
            ModelSpec(
                name="code-assistant-llm",
                description="Vendor code model behind the IDE plugin, zero data retention.",
                task="code generation",
                framework="vendor API",
                provider=ModelProvider.FOUNDATION,
                vendor="Aleph Foundation Models Ltd.",
                versions=(
                    VersionSpec(
                        "2026-09",
                        "s3://ml-artifacts/code-assistant/2026-09/gateway-config.yaml",
                        {"suggestion_acceptance_rate": 0.29},
                        "Code suggestions for engineers.",
                        "Not for generating cryptographic code.",
                        "29% of suggestions accepted in the first month.",
                    ),
                ),
            ),
        ),
    ),
    SystemSpec(
        slug="cv-screening",
        name="CV screening",
        owning_team="data-platform",
        risk_tier=RiskTier.HIGH,
        lifecycle=Lifecycle.PRODUCTION,
        purpose="Rank applications for high-volume graduate and contact-centre roles.",
        intended_use="Orders the recruiter's review queue; recruiters read every application.",
        business_unit="People & HR",
        risk_rationale=(
            "High-risk under EU AI Act Annex III point 4(a): used to analyse and filter job "
            "applications and evaluate candidates. Northbridge is the deployer (Article 26)."
        ),
        technical_owner="lars",
        accountable_executive="daniel",
        on_call_contact="#people-systems",
        cost_centre="CC-6100",
        monthly_budget=Decimal("3500.00"),
        ai_act_role=AIActRole.DEPLOYER,
        vendor="TalentSift B.V.",
        human_oversight=(
            "No application is rejected by the system: recruiters review every CV. Quarterly "
            "adverse-impact review by age and gender; candidates are informed (Article 26(11))."
        ),
        models=(
            ModelSpec(
                name="cv-screening-ranker",
                description="Vendor ranking model configured with our role profiles.",
                task="ranking",
                framework="vendor SaaS",
                provider=ModelProvider.VENDOR,
                vendor="TalentSift B.V.",
                versions=(
                    VersionSpec(
                        "3.2",
                        "https://talentsift.example/api/v3.2/rank",
                        {"ndcg_at_20": 0.74, "adverse_impact_ratio_age_50_plus": 0.83},
                        "Ordering recruiter review queues.",
                        "Not for senior or specialist roles.",
                        "Our 2026 evaluation on 1,200 past applications; AIR for 50+ is 0.83.",
                        ((CV_APPLICATIONS, E),),
                    ),
                ),
            ),
        ),
    ),
    SystemSpec(
        slug="employee-emotion-monitoring",
        name="Employee emotion monitoring (proposal)",
        owning_team="data-platform",
        risk_tier=RiskTier.UNACCEPTABLE,
        lifecycle=Lifecycle.PROPOSED,
        purpose=(
            "Proposed by a vendor: infer contact-centre agents' stress and frustration from "
            "voice and webcam to schedule breaks."
        ),
        intended_use="Not to be built or bought. Kept on record as a rejected proposal.",
        business_unit="People & HR",
        risk_rationale=(
            "Prohibited practice under EU AI Act Article 5(1)(f): emotion recognition in the "
            "workplace, outside medical or safety reasons. Legal advised against on 2026-10-14."
        ),
        technical_owner="lars",
        accountable_executive="daniel",
        on_call_contact="",
        cost_centre="CC-6100",
        monthly_budget=Decimal("0.00"),
        ai_act_role=AIActRole.DEPLOYER,
        vendor="MoodMetrics Inc.",
        human_oversight="Not applicable: the proposal is stopped at intake.",
    ),
)


# --- What runs where ---------------------------------------------------------------------------
# Deployments were recorded before the approvals workflow existed; the governance app treats
# production deployments without an approval as a gap to close.

DEPLOYMENTS: tuple[DeploymentSpec, ...] = (
    DeploymentSpec(
        "card-fraud-xgb",
        "2.3.0",
        Environment.PRODUCTION,
        at("2026-02-03 07:00"),
        "https://scoring.northbridge.internal/fraud",
        ended=DeploymentStatus.RETIRED,
    ),
    DeploymentSpec(
        "card-fraud-xgb",
        "2.4.0",
        Environment.STAGING,
        at("2026-06-10 13:20"),
        "https://scoring.staging.northbridge.internal/fraud",
    ),
    DeploymentSpec(
        "card-fraud-xgb",
        "2.4.0",
        Environment.PRODUCTION,
        at("2026-06-24 07:00"),
        "https://scoring.northbridge.internal/fraud",
        notes="Canary 5% for 48h, then full traffic.",
    ),
    DeploymentSpec(
        "card-fraud-xgb",
        "2.5.0",
        Environment.STAGING,
        at("2026-11-03 10:15"),
        "https://scoring.staging.northbridge.internal/fraud",
        notes="Shadow scoring against production traffic.",
    ),
    DeploymentSpec(
        "aml-alert-ranker",
        "1.1.0",
        Environment.PRODUCTION,
        at("2026-05-12 06:00"),
        "batch://airflow/aml_alert_ranking",
    ),
    DeploymentSpec(
        "sanctions-name-matcher",
        "2026.2",
        Environment.PRODUCTION,
        at("2026-02-16 05:30"),
        "https://screening.northbridge.internal/v2/match",
    ),
    DeploymentSpec(
        "credit-scorecard-logit",
        "1.0.0",
        Environment.PRODUCTION,
        at("2022-09-01 06:00"),
        "https://decisioning.northbridge.internal/scorecard",
        ended=DeploymentStatus.RETIRED,
    ),
    DeploymentSpec(
        "credit-pd-lgbm",
        "3.1.0",
        Environment.STAGING,
        at("2026-04-01 09:00"),
        "https://decisioning.staging.northbridge.internal/pd",
    ),
    DeploymentSpec(
        "credit-pd-lgbm",
        "3.1.0",
        Environment.PRODUCTION,
        at("2026-04-20 06:00"),
        "https://decisioning.northbridge.internal/pd",
    ),
    DeploymentSpec(
        "credit-affordability",
        "1.2.0",
        Environment.PRODUCTION,
        at("2026-04-20 06:00"),
        "https://decisioning.northbridge.internal/affordability",
    ),
    DeploymentSpec(
        "credit-limit-optimiser",
        "1.0.0-rc1",
        Environment.STAGING,
        at("2026-10-28 11:00"),
        "batch://airflow/credit_limit_review_staging",
    ),
    DeploymentSpec(
        "mortgage-voicebot-intent",
        "4.2.0",
        Environment.PRODUCTION,
        at("2024-03-11 06:00"),
        "sip://ivr.northbridge.internal/mortgages",
        ended=DeploymentStatus.RETIRED,
    ),
    DeploymentSpec(
        "support-assistant-llm",
        "2026-06",
        Environment.PRODUCTION,
        at("2026-06-30 08:00"),
        "https://assistant.northbridge.internal/chat",
        ended=DeploymentStatus.RETIRED,
    ),
    DeploymentSpec(
        "support-assistant-llm",
        "2026-09",
        Environment.PRODUCTION,
        at("2026-09-22 08:00"),
        "https://assistant.northbridge.internal/chat",
    ),
    DeploymentSpec(
        "support-retrieval-embedder",
        "1.0.0",
        Environment.PRODUCTION,
        at("2026-06-30 08:00"),
        "https://assistant.northbridge.internal/embed",
    ),
    DeploymentSpec(
        "call-summary-llm",
        "0.3.0",
        Environment.STAGING,
        at("2026-11-09 12:00"),
        "https://summaries.staging.northbridge.internal",
        notes="Pilot with 40 agents in Leipzig.",
    ),
    DeploymentSpec(
        "marketing-copy-llm",
        "2026.08",
        Environment.PRODUCTION,
        at("2026-08-18 09:00"),
        "https://copy.northbridge.internal",
    ),
    DeploymentSpec(
        "atm-cash-demand",
        "2.1.0",
        Environment.PRODUCTION,
        at("2026-03-02 04:00"),
        "batch://airflow/atm_cash_forecast",
    ),
    DeploymentSpec(
        "kyc-doc-ocr",
        "7.1",
        Environment.PRODUCTION,
        at("2026-01-19 07:00"),
        "https://api.parsec.example/v7.1/extract",
    ),
    DeploymentSpec(
        "code-assistant-llm",
        "2026-09",
        Environment.PRODUCTION,
        at("2026-09-08 08:00"),
        "https://ai-gateway.northbridge.internal/code",
    ),
    DeploymentSpec(
        "cv-screening-ranker",
        "3.2",
        Environment.PRODUCTION,
        at("2026-03-16 08:00"),
        "https://talentsift.example/northbridge",
    ),
)


# --- Incidents ---------------------------------------------------------------------------------

INCIDENTS: tuple[IncidentSpec, ...] = (
    IncidentSpec(
        system="credit-decisioning",
        title="Declines concentrated in two postcode areas after bureau schema change",
        description=(
            "The credit bureau renamed a field; the feature pipeline filled it with a default "
            "that correlates with postcode. Decline rates in two areas rose from 21% to 38% "
            "over eight days. Affected applications are being re-decided by "
            "underwriters. Reported as a serious incident: possible infringement of "
            "fundamental-rights obligations (EU AI Act Article 73)."
        ),
        severity=IncidentSeverity.CRITICAL,
        status=IncidentStatus.INVESTIGATING,
        # Opened eight days before the demo is loaded, so its reporting clock is always running
        # (due in a week) and the map shows it, whenever the demo is set up.
        opened_at=None,
        opened_ago=dt.timedelta(days=8),
        owner="omar",
        model="credit-pd-lgbm",
        version="3.1.0",
        is_serious=True,
        # Fundamental-rights harm: the report is due 15 days after awareness.
        serious_category=SeriousIncidentCategory.HARM,
    ),
    IncidentSpec(
        system="card-fraud-scoring",
        title="False-positive spike on contactless payments after 2.4.0 rollout",
        description=(
            "Declines of genuine contactless payments doubled in the first 36 hours at full "
            "traffic. Review-band threshold raised from 0.62 to 0.68; monitoring added."
        ),
        severity=IncidentSeverity.HIGH,
        status=IncidentStatus.MITIGATED,
        opened_at=at("2026-06-26 18:05"),
        owner="priya",
        model="card-fraud-xgb",
        version="2.4.0",
    ),
    IncidentSpec(
        system="customer-support-assistant",
        title="Assistant quoted a discontinued overdraft fee",
        description=(
            "The help-centre export still contained the 2025 price list. Eleven customers were "
            "given the old fee; all were contacted. The nightly fee check now covers archived "
            "pages."
        ),
        severity=IncidentSeverity.MEDIUM,
        status=IncidentStatus.RESOLVED,
        opened_at=at("2026-10-08 10:12"),
        resolved_at=at("2026-10-09 16:30"),
        owner="jonas",
        model="support-assistant-llm",
        version="2026-09",
    ),
    IncidentSpec(
        system="kyc-document-ocr",
        title="Vendor OCR outage delayed onboarding for four hours",
        description="Parsec's EU region was unavailable; onboarding fell back to manual entry.",
        severity=IncidentSeverity.LOW,
        status=IncidentStatus.RESOLVED,
        opened_at=at("2026-09-03 07:45"),
        resolved_at=at("2026-09-03 11:50"),
        owner="lars",
    ),
    IncidentSpec(
        system="marketing-copy-generator",
        title="Draft email promised 'guaranteed returns' on a fund product",
        description=(
            "Caught by marketing compliance before sending. Nobody owns the generator since its "
            "technical owner left; the prompt guardrails have not been updated."
        ),
        severity=IncidentSeverity.MEDIUM,
        status=IncidentStatus.OPEN,
        opened_at=at("2026-11-17 14:20"),
        owner=None,
        model="marketing-copy-llm",
        version="2026.08",
    ),
)


# --- Spend -------------------------------------------------------------------------------------
# A year of monthly spend for every system with a budget, as the FinOps pipeline reports it. The
# months are the twelve up to the current one (the demo is loaded "now"); the figures are fixed
# fractions of the budget, derived from the system and the month, so reruns agree.

SPEND_MONTHS = 12
#: Systems whose spend ran over budget in the latest month, and by how much (a fraction of it).
OVER_BUDGET: dict[str, Decimal] = {
    # Token use tripled after the assistant was opened to business customers.
    "customer-support-assistant": Decimal("1.27"),
    # Seats were added in October without a budget change.
    "code-assistant": Decimal("1.12"),
}


def monthly_spend(system: SystemSpec, months_ago: int) -> Decimal | None:
    """What ``system`` cost ``months_ago`` months before the current month; None when it has no
    budget to compare with, or runs nowhere (proposed or retired)."""
    if not system.monthly_budget or system.lifecycle in (Lifecycle.PROPOSED, Lifecycle.RETIRED):
        return None
    if months_ago == 0 and system.slug in OVER_BUDGET:
        fraction = OVER_BUDGET[system.slug]
    else:
        # 55 % to 94 % of the budget, the same for the same system and month every time.
        seed = int(hashlib.sha256(f"{system.slug}:{months_ago}".encode()).hexdigest()[:8], 16)
        fraction = Decimal(55 + seed % 40) / 100
    return (system.monthly_budget * fraction).quantize(Decimal("1.00"))

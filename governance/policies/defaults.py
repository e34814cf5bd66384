"""The policies Steward starts with, per EU AI Act risk tier. Compliance edits them afterwards."""

DEFAULT_POLICIES = {
    "minimal": {
        "approvable": True,
        "required_functions": ["security"],
        "signoff_sla_days": 5,
        "approval_validity_days": 30,
        "review_cadence_days": {"security": 365},
        "reminder_interval_hours": 48,
        "escalation_hours": [72, 168],
    },
    "limited": {
        "approvable": True,
        "required_functions": ["security", "compliance"],
        "signoff_sla_days": 5,
        "approval_validity_days": 30,
        "review_cadence_days": {"security": 180, "compliance": 365},
        "reminder_interval_hours": 24,
        "escalation_hours": [48, 120],
    },
    "high": {
        "approvable": True,
        "required_functions": ["legal", "security", "privacy", "compliance", "finance"],
        "signoff_sla_days": 3,
        "approval_validity_days": 14,
        "review_cadence_days": {
            "legal": 180,
            "security": 90,
            "privacy": 180,
            "compliance": 90,
            "finance": 365,
        },
        "reminder_interval_hours": 24,
        "escalation_hours": [24, 72],
    },
    "unacceptable": {
        "approvable": False,
        "required_functions": ["legal", "compliance"],
        "signoff_sla_days": 3,
        "approval_validity_days": 1,
        "review_cadence_days": {"legal": 90, "compliance": 90},
        "reminder_interval_hours": 24,
        "escalation_hours": [24, 48],
    },
}

# The documents' requirements per tier, added after the first policies (migration
# governance 0007_documents sets them; 0002 seeds the fields above only). A deployer of a
# high-risk system needs a signed FRIA before production use: that is the law (Art. 27), not a
# choice. The technical documentation's thresholds start off, so that an inventory that
# predates the documents keeps deploying; compliance raises them per tier (README suggests
# every section at least partial, score 50, for high risk).
DOCUMENTATION_DEFAULTS = {
    "minimal": {
        "documentation_min_score": 0,
        "documentation_no_missing": False,
        "fria_required": False,
    },
    "limited": {
        "documentation_min_score": 0,
        "documentation_no_missing": False,
        "fria_required": False,
    },
    "high": {
        "documentation_min_score": 0,
        "documentation_no_missing": False,
        "fria_required": True,
    },
    "unacceptable": {
        "documentation_min_score": 0,
        "documentation_no_missing": False,
        "fria_required": True,
    },
}

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

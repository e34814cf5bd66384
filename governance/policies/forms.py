"""The policy form. It checks the shape of input only; ``policy_update`` decides."""

from __future__ import annotations

from typing import Any

from django import forms

from governance.policies.choices import ReviewFunction
from governance.policies.models import Policy

_FUNCTION_CHOICES = ReviewFunction.choices


class PolicyForm(forms.Form):
    """A tier's policy as a form. ``etag`` is the version the editor read: the service refuses
    (412) to apply an edit made to an older version, so a stale form never overwrites silently."""

    etag = forms.CharField(widget=forms.HiddenInput)
    approvable = forms.BooleanField(
        label="Deployments of this tier may be approved", required=False
    )
    required_functions = forms.MultipleChoiceField(
        label="Functions that must sign a production deployment",
        choices=_FUNCTION_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    signoff_sla_days = forms.IntegerField(label="Sign-off due within (days)", min_value=1)
    approval_validity_days = forms.IntegerField(
        label="Approval valid for (days, unused)", min_value=1
    )
    reminder_interval_hours = forms.IntegerField(label="Remind every (hours)", min_value=1)
    escalate_lead_hours = forms.IntegerField(
        label="Escalate to the team lead after (hours past due)", min_value=1
    )
    escalate_exec_hours = forms.IntegerField(
        label="Escalate to the accountable executive after (hours past due)", min_value=1
    )
    documentation_min_score = forms.IntegerField(
        label="Technical documentation score needed to request production approval (0-100)",
        min_value=0,
        max_value=100,
        help_text="Complete sections count 1, partial ones ½; 0 requires nothing.",
    )
    documentation_no_missing = forms.BooleanField(
        label="Every section of the technical documentation at least partial", required=False
    )
    fria_required = forms.BooleanField(
        label="Deployers need a signed fundamental-rights impact assessment before production",
        required=False,
    )

    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy
        for value, label in _FUNCTION_CHOICES:
            self.fields[f"cadence_{value}"] = forms.IntegerField(
                label=f"{label} re-reviews every (days)",
                min_value=1,
                required=False,
                help_text="Leave empty for no periodic review.",
            )

    @classmethod
    def initial_for(cls, policy: Policy, etag: str) -> dict[str, Any]:
        escalation = [*(policy.escalation_hours or []), None, None]
        initial = {
            "etag": etag,
            "approvable": policy.approvable,
            "required_functions": list(policy.required_functions),
            "signoff_sla_days": policy.signoff_sla_days,
            "approval_validity_days": policy.approval_validity_days,
            "reminder_interval_hours": policy.reminder_interval_hours,
            "escalate_lead_hours": escalation[0],
            "escalate_exec_hours": escalation[1],
            "documentation_min_score": policy.documentation_min_score,
            "documentation_no_missing": policy.documentation_no_missing,
            "fria_required": policy.fria_required,
        }
        for value, _ in _FUNCTION_CHOICES:
            initial[f"cadence_{value}"] = (policy.review_cadence_days or {}).get(value)
        return initial

    def cadence_fields(self) -> list[forms.BoundField]:
        return [self[f"cadence_{value}"] for value, _ in _FUNCTION_CHOICES]

    def service_data(self) -> dict[str, Any]:
        """The cleaned form as the ``data`` that ``policy_update`` takes."""
        data = self.cleaned_data
        order = [value for value, _ in _FUNCTION_CHOICES]
        return {
            "approvable": data["approvable"],
            "required_functions": [f for f in order if f in data["required_functions"]],
            "signoff_sla_days": data["signoff_sla_days"],
            "approval_validity_days": data["approval_validity_days"],
            "reminder_interval_hours": data["reminder_interval_hours"],
            "escalation_hours": [data["escalate_lead_hours"], data["escalate_exec_hours"]],
            "documentation_min_score": data["documentation_min_score"],
            "documentation_no_missing": data["documentation_no_missing"],
            "fria_required": data["fria_required"],
            "review_cadence_days": {
                value: data[f"cadence_{value}"]
                for value in order
                if data.get(f"cadence_{value}") is not None
            },
        }

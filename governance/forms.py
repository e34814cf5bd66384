"""Forms of the web UI's governance pages. They check the shape of input only; the services
decide (and the permission predicates answer) exactly as they do for the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from registry import permissions as registry_permissions
from registry.models import AISystem

from .choices import (
    Decision,
    FindingCategory,
    FindingStatus,
    ReviewFunction,
    ReviewRecommendation,
    RiskRating,
)
from .findings import FINDING_UPDATABLE
from .models import Policy, RiskFinding, RiskReview


class SignoffForm(forms.Form):
    """A reviewer's decision for one function. ``functions`` are those the user may sign now
    (from ``signoff_refusal``); the service checks again under the row lock."""

    function = forms.ChoiceField(label="Sign for")
    decision = forms.ChoiceField(
        label="Decision", choices=Decision.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="Comment", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    conditions = forms.CharField(
        label="Conditions (if any)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What must hold for this approval, e.g. monitoring to put in place.",
    )

    def __init__(self, *args: Any, functions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(ReviewFunction.choices)
        self.fields["function"].choices = [(f, labels.get(f, f)) for f in functions]
        if len(functions) == 1:
            self.fields["function"].initial = functions[0]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (
            data.get("decision") in (Decision.REJECT, Decision.CHANGES_REQUESTED)
            and not (data.get("comment") or "").strip()
        ):
            self.add_error("comment", "Say why, so the requester knows what to change.")
        return data


class ModelMoveForm(forms.Form):
    """Where a model moves: one of the systems the user registers under."""

    system = forms.ModelChoiceField(queryset=AISystem.objects.none(), label="Move to")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = registry_permissions.systems_registrable_by(user)


class ReasonForm(forms.Form):
    """Withdrawing or resubmitting a request: an optional note."""

    reason = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))


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
            "review_cadence_days": {
                value: data[f"cadence_{value}"]
                for value in order
                if data.get(f"cadence_{value}") is not None
            },
        }


class ReviewCompleteForm(forms.Form):
    """A review's outcome, as ``review_complete`` takes it (the API's ``ReviewCompleteSerializer``
    has the same three fields). Whether the user may complete it is the service's question."""

    rating = forms.ChoiceField(
        label="Overall risk rating", choices=[("", "Choose a rating…"), *RiskRating.choices]
    )
    recommendation = forms.ChoiceField(
        label="Recommendation", choices=ReviewRecommendation.choices, widget=forms.RadioSelect
    )
    summary = forms.CharField(
        label="Findings summary",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What the review found and why it leads to this rating, in words.",
    )


class ReviewManageForm(forms.Form):
    """Reassign or reschedule an active review (``review_update``). ``etag`` is the version the
    form was opened on: a stale form is refused, not applied. The assignee choices are the
    function's active members; ``assignee_refusal`` in the service decides independence."""

    etag = forms.CharField(widget=forms.HiddenInput)
    assignee = forms.ModelChoiceField(
        label="Assignee",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Nobody (any independent member of the function may take it)",
    )
    due_at = forms.DateTimeField(
        label="Due",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args: Any, review: RiskReview, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.review = review
        self.fields["assignee"].queryset = (
            get_user_model()
            .objects.filter(groups__name=review.function, is_active=True)
            .order_by("username")
        )
        self.fields["assignee"].label_from_instance = lambda u: (
            f"{u.get_full_name()} ({u.get_username()})" if u.get_full_name() else u.get_username()
        )

    @classmethod
    def initial_for(cls, review: RiskReview, etag: str) -> dict[str, Any]:
        return {"etag": etag, "assignee": review.assignee_id, "due_at": review.due_at}

    def service_data(self) -> dict[str, Any]:
        """The fields that changed, as the ``data`` that ``review_update`` takes. The form keeps
        minutes only, so an untouched due date is not "changed" by its lost seconds."""
        data: dict[str, Any] = {}
        assignee = self.cleaned_data["assignee"]
        if (assignee.pk if assignee else None) != self.review.assignee_id:
            data["assignee"] = assignee
        shown = timezone.localtime(self.review.due_at).replace(second=0, microsecond=0)
        if self.cleaned_data["due_at"] != shown:
            data["due_at"] = self.cleaned_data["due_at"]
        return data


class ReviewCancelForm(forms.Form):
    """Cancelling a review (``review_cancel``): why."""

    reason = forms.CharField(
        label="Why cancel", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class FindingForm(forms.Form):
    """A finding of the risk register as ``finding_update`` takes it (the API's
    ``FindingUpdateSerializer`` has the same fields). ``etag`` is the version the form was opened
    on: a stale form is refused, not applied. Who may accept a risk is the service's question."""

    etag = forms.CharField(widget=forms.HiddenInput)
    title = forms.CharField(label="Title", max_length=300)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    category = forms.ChoiceField(label="Category", choices=FindingCategory.choices)
    inherent_rating = forms.ChoiceField(label="Inherent risk", choices=RiskRating.choices)
    residual_rating = forms.ChoiceField(
        label="Residual risk", choices=RiskRating.choices, help_text="After the mitigation."
    )
    mitigation = forms.CharField(
        label="Mitigation", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.ModelChoiceField(
        label="Owner",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="No owner",
    )
    target_date = forms.DateField(
        label="Target date",
        required=False,
        # A date input shows (and sends back) ISO dates only: in another format the browser
        # shows it empty, and saving the form would clear the target date.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    status = forms.ChoiceField(label="Status", choices=FindingStatus.choices)

    FIELDS = FINDING_UPDATABLE

    def __init__(self, *args: Any, finding: RiskFinding, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.finding = finding
        users = get_user_model().objects
        # Active people, and the current owner even if they have left, so the form can be saved
        # without changing the owner.
        self.fields["owner"].queryset = users.filter(
            Q(is_active=True) | Q(pk=finding.owner_id)
        ).order_by("username")
        self.fields["owner"].label_from_instance = lambda u: (
            f"{u.get_full_name()} ({u.get_username()})" if u.get_full_name() else u.get_username()
        )

    @classmethod
    def initial_for(cls, finding: RiskFinding, etag: str) -> dict[str, Any]:
        initial = {name: getattr(finding, name) for name in cls.FIELDS}
        return {**initial, "owner": finding.owner_id, "etag": etag}

    def service_data(self) -> dict[str, Any]:
        """The fields that changed, as the ``data`` that ``finding_update`` takes."""
        return {
            name: self.cleaned_data[name]
            for name in self.FIELDS
            if self.cleaned_data[name] != getattr(self.finding, name)
        }

"""Forms of the web UI's governance pages. They check the shape of input only; the services
decide (and the permission predicates answer) exactly as they do for the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from governance.reviews.choices import (
    FindingCategory,
    FindingStatus,
    ReviewRecommendation,
    RiskRating,
)
from governance.reviews.findings import FINDING_UPDATABLE
from governance.reviews.models import RiskFinding, RiskReview


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

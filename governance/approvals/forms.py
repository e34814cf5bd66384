"""Forms of the approval pages (sign-off, withdraw, resubmit). They check the shape of input only;
the services decide, exactly as they do for the API."""

from __future__ import annotations

from typing import Any

from django import forms

from governance.approvals.choices import Decision
from governance.policies.choices import ReviewFunction


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


class ReasonForm(forms.Form):
    """Withdrawing or resubmitting a request: an optional note."""

    reason = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))

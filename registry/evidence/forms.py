"""Forms of the evidence panel (attach, new version, withdraw). They check the shape of input
only; the services inspect, decide and record, exactly as they do for the API."""

from __future__ import annotations

from django import forms

from registry.evidence.choices import EvidenceKind, SubjectType
from registry.evidence.permissions import NAMEABLE_FUNCTIONS

_FUNCTION_CHOICES = [(f, f.capitalize()) for f in NAMEABLE_FUNCTIONS]


class _ContentForm(forms.Form):
    file = forms.FileField(required=False, allow_empty_file=False)
    link_url = forms.CharField(required=False, max_length=2000, label="…or a link (http/https)")
    author = forms.CharField(required=False, max_length=200)
    document_date = forms.DateField(required=False, label="Document date")
    description = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea)

    def clean(self):
        data = super().clean()
        if bool(data.get("file")) == bool(data.get("link_url")):
            raise forms.ValidationError("Choose a file or give a link, not both.")
        return data

    def service_fields(self) -> dict:
        """The cleaned fields the user gave, as the service's keyword arguments."""
        data = {k: v for k, v in self.cleaned_data.items() if k in self.fields}
        if not data.get("file"):
            data.pop("file", None)
        return data


class EvidenceAttachForm(_ContentForm):
    subject_type = forms.ChoiceField(choices=SubjectType.choices, widget=forms.HiddenInput)
    subject_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    title = forms.CharField(max_length=300)
    kind = forms.ChoiceField(choices=EvidenceKind.choices)
    restricted = forms.BooleanField(required=False)
    functions = forms.MultipleChoiceField(
        required=False, choices=_FUNCTION_CHOICES, widget=forms.CheckboxSelectMultiple
    )


class EvidenceVersionForm(_ContentForm):
    """A corrected file or link; what is left empty keeps the previous version's (and its
    access: restriction and named functions)."""

    title = forms.CharField(required=False, max_length=300)
    kind = forms.ChoiceField(required=False, choices=[("", "—"), *EvidenceKind.choices])

    def service_fields(self) -> dict:
        data = super().service_fields()
        for name in ("title", "kind", "author", "description", "document_date"):
            if not data.get(name):
                data.pop(name, None)
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(max_length=10_000)

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)

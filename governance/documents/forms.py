"""The documents' forms. They check the shape of input only; the services decide. Metrics and
contacts are typed one per line, fields separated by ``|``, so the card needs no script."""

from __future__ import annotations

from typing import Any

from django import forms

from governance.documents.assessments import FRIA_FIELDS, FRIA_LABELS
from governance.documents.cards import CARD_LABELS, CARD_TEXT_FIELDS
from governance.documents.choices import FRIADecision, FRIAFunction, Section


def _lines(text: str) -> list[list[str]]:
    return [
        [part.strip() for part in line.split("|")] for line in text.splitlines() if line.strip()
    ]


def metrics_text(metrics: list[dict[str, Any]]) -> str:
    return "\n".join(
        " | ".join(
            [str(m.get("name", "")), str(m.get("slice", "")), str(m.get("value", ""))]
            + ([m["dataset"]] if m.get("dataset") else [])
        )
        for m in metrics
    )


def contacts_text(contacts: list[dict[str, Any]]) -> str:
    return "\n".join(
        " | ".join([c.get("name", ""), c.get("role", ""), c.get("email", "")]) for c in contacts
    )


class ModelCardForm(forms.Form):
    """A version's model card. ``etag`` is the card the writer read (412 if it changed)."""

    etag = forms.CharField(widget=forms.HiddenInput)
    metrics = forms.CharField(
        label="Metrics",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line: name | slice (empty: overall) | value | dataset (optional).",
    )
    contacts = forms.CharField(
        label="Contacts",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: name | role | email.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in CARD_TEXT_FIELDS:
            self.fields[name] = forms.CharField(
                label=CARD_LABELS[name],
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        order = ["etag", *CARD_TEXT_FIELDS[:5], "metrics", *CARD_TEXT_FIELDS[5:], "contacts"]
        self.order_fields(order)

    @classmethod
    def initial_for(cls, fields: dict[str, Any], etag: str) -> dict[str, Any]:
        initial = {name: fields[name] for name in CARD_TEXT_FIELDS}
        initial["metrics"] = metrics_text(fields["metrics"])
        initial["contacts"] = contacts_text(fields["contacts"])
        initial["etag"] = etag
        return initial

    def clean_metrics(self) -> list[dict[str, Any]]:
        out = []
        for i, parts in enumerate(_lines(self.cleaned_data["metrics"]), start=1):
            if len(parts) < 3:
                raise forms.ValidationError(f"Line {i}: write name | slice | value.")
            name, slice_name, value = parts[:3]
            try:
                number = float(value) if any(c in value for c in ".eE") else int(value)
            except ValueError:
                raise forms.ValidationError(f"Line {i}: '{value}' is not a number.") from None
            metric = {"name": name, "value": number, "slice": slice_name}
            if len(parts) > 3 and parts[3]:
                metric["dataset"] = parts[3]
            out.append(metric)
        return out

    def clean_contacts(self) -> list[dict[str, str]]:
        out = []
        for i, parts in enumerate(_lines(self.cleaned_data["contacts"]), start=1):
            parts = ([*parts, "", ""])[:3]
            if not parts[0]:
                raise forms.ValidationError(f"Line {i}: a contact needs a name.")
            out.append({"name": parts[0], "role": parts[1], "email": parts[2]})
        return out

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("etag")
        return data


class NarrativeForm(forms.Form):
    etag = forms.CharField(widget=forms.HiddenInput)
    section = forms.ChoiceField(choices=Section.choices, widget=forms.HiddenInput)
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))


class MapEvidenceForm(forms.Form):
    section = forms.ChoiceField(choices=Section.choices, widget=forms.HiddenInput)
    evidence = forms.IntegerField(min_value=1)


class FRIAForm(forms.Form):
    """An assessment's text, and the DPIA it complements."""

    etag = forms.CharField(widget=forms.HiddenInput, required=False)
    dpia = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="DPIA")

    def __init__(self, *args: Any, dpia_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in FRIA_FIELDS:
            self.fields[name] = forms.CharField(
                label=FRIA_LABELS[name], required=False, widget=forms.Textarea(attrs={"rows": 3})
            )
        self.fields["dpia"].choices = [("", "None linked"), *dpia_choices]
        self.order_fields(["etag", *FRIA_FIELDS, "dpia"])


class FRIASignForm(forms.Form):
    function = forms.ChoiceField(choices=FRIAFunction.choices)
    decision = forms.ChoiceField(choices=FRIADecision.choices)
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RegistrationForm(forms.Form):
    """The fields of the system's Annex VIII section; member states as codes separated by
    spaces or commas."""

    etag = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, fields: tuple, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.specs = fields
        for spec in fields:
            widget = forms.Textarea(attrs={"rows": 2}) if spec.kind == "text" else None
            self.fields[spec.key] = forms.CharField(
                label=f"{spec.point} {spec.label}"
                + ("" if spec.required else " (where applicable)"),
                required=False,
                widget=widget,
            )

    def service_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for spec in self.specs:
            value = self.cleaned_data.get(spec.key, "")
            if spec.kind == "states":
                value = [v for v in value.replace(",", " ").upper().split() if v]
            data[spec.key] = value
        return data

"""The base of every list filter: unknown or malformed values are a 400 naming the parameter, never
silently ignored; ids are whole numbers in range."""

from __future__ import annotations

import django_filters as df
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models

User = get_user_model()

# Ids are 64-bit; a larger number reaching SQLite is an OverflowError (a 500), not "no match".
MAX_ID = 2**63 - 1


class IdFilter(df.NumberFilter):
    """An object id: a whole number in the database's range, else 400 naming the parameter.
    (NumberFilter's DecimalField would pass 1e30 or 1.5 through to the database.)"""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class StrictNullBooleanField(forms.NullBooleanField):
    """``true`` or ``false`` (or ``1``/``0``, in any case); empty means "do not filter". Anything
    else is refused: Django's field reads it as "unknown" and the filter would silently return
    everything, so a pipeline asking ``?overdue=yes`` would act on every row."""

    # The raw text, not NullBooleanSelect's reading of it (which turns anything else into None).
    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise ValidationError("Must be true or false.", code="invalid")


class StrictBooleanFilter(df.BooleanFilter):
    field_class = StrictNullBooleanField


class FilterSet(df.FilterSet):
    """Base of every list's filters: a boolean or id that is not one is a 400 naming the
    parameter, never ignored and never passed to the database."""

    FILTER_DEFAULTS = {
        **df.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }

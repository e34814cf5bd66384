"""A create that loses a race on a unique constraint is a 409 naming the field (the validation
that normally catches duplicates ran before the winner committed)."""

import pytest
from django.db import IntegrityError
from rest_framework.exceptions import APIException

from registry.api.errors import StewardExceptionHandler
from registry.inventory import services
from registry.inventory.models import ModelVersion

pytestmark = pytest.mark.django_db


def handled(exc: IntegrityError) -> APIException:
    return StewardExceptionHandler(exc, {}).convert_known_exceptions(exc)


def test_lost_race_on_model_version_names_version(model):
    services.version_create(actor=None, model=model, version="1")
    with pytest.raises(IntegrityError) as caught:
        ModelVersion.objects.create(model=model, version="1")
    converted = handled(caught.value)
    assert converted.status_code == 409
    assert list(converted.detail) == ["version"]


def test_lost_race_on_unique_field_names_it(model, system):
    from registry.inventory.models import AIModel

    with pytest.raises(IntegrityError) as caught:
        AIModel.objects.create(system=system, name=model.name)
    assert list(handled(caught.value).detail) == ["name"]

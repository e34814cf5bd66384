import datetime as dt

from django.db import models

# A service's own reading of the clock, taken a moment before the row is saved, is "now"; only
# a time further in the past than this is a history being recorded after the fact.
_BACKDATE_AFTER = dt.timedelta(seconds=1)


class TimeStampedModel(models.Model):
    """Creation and last-change times; ``updated_at`` also feeds the ETag of updatable resources."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def backdate_created(obj: TimeStampedModel, when: dt.datetime) -> None:
    """Record that a just-saved ``obj`` was created at ``when``, when a service was told the
    change happened earlier (the demo's history, an import): ``auto_now_add`` stamps the clock
    instead, which would put a request after its own sign-offs. One UPDATE, only then."""
    if obj.created_at - when > _BACKDATE_AFTER:
        type(obj)._base_manager.filter(pk=obj.pk).update(created_at=when)
        obj.created_at = when

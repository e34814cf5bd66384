"""Helpers for the risk review and chasing tests: function teams, reviews, and running the
Celery tasks in-process at a frozen time, with their after-commit callbacks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import time_machine
from django.test import TestCase

from config.celery import app as celery_app
from governance.chasing.models import Notification
from governance.reviews import services as reviews
from governance.reviews.models import RiskReview
from registry.people import services
from registry.people.models import Team

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def hours(n: float) -> dt.timedelta:
    return dt.timedelta(hours=n)


def function_team(function: str, lead: Any, *members: Any) -> Team:
    """A team of the function, led by ``lead`` (who is a member too)."""
    return services.team_create(
        actor=None,
        name=f"{function.capitalize()} office",
        slug=f"{function}-office",
        function=function,
        lead=lead,
        members=[lead, *members],
    )


def open_review(system: Any, function: str, assignee: Any, due_at: dt.datetime) -> RiskReview:
    return reviews.review_create(
        actor=None,
        system=system,
        function=function,
        assignee=assignee,
        due_at=due_at,
        now=due_at - dt.timedelta(days=7),
    )


@contextmanager
def celery_eager(propagate: bool = True) -> Iterator[None]:
    """Run tasks in-process (``delay`` executes at once) and, with ``propagate``, let their
    errors through. A task that retries raises ``Retry`` when errors propagate; without, its
    retries run at once, in-process."""
    conf = celery_app.conf
    old = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, propagate
    try:
        yield
    finally:
        conf.task_always_eager, conf.task_eager_propagates = old


def run_task(task: Any, at: dt.datetime | None, *args: Any, propagate: bool = True) -> Any:
    """Run a Celery task as a worker would at ``at`` (frozen; ``None``: now): its after-commit
    callbacks — the queued emails — run too."""
    with (
        time_machine.travel(at, tick=False) if at else nullcontext(),
        celery_eager(propagate),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        return task.apply(args=args).get()


def notes(**filters: Any) -> list[tuple[str, str, int]]:
    """(recipient username, level, period) of the notifications, oldest first."""
    return list(
        Notification.objects.filter(**filters)
        .order_by("id")
        .values_list("recipient__username", "level", "period")
    )

"""The dashboard (what waits for me, the inventory at a glance, approval lead time) and my
queue (every sign-off waiting for a function I belong to, and the risk reviews assigned to me or
unassigned in my functions, each overdue first)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from governance.approvals import selectors as approvals_selectors
from governance.reviews import selectors as reviews_selectors
from registry.core.roles import can_write_registry
from registry.inventory import search

LEAD_TIME_WINDOW = dt.timedelta(days=90)
DASHBOARD_ROWS = 10


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Home page for everyone: the head of my queue, my own open requests, systems by risk tier
    and lifecycle, and the median approval lead time."""
    now = timezone.now()
    queue = approvals_selectors.signoff_queue(request.user, now=now)
    review_queue = reviews_selectors.review_queue(request.user, now=now)
    context = {
        "queue": queue[:DASHBOARD_ROWS],
        "review_queue": review_queue[:DASHBOARD_ROWS],
        "queue_total": len(queue) + len(review_queue),
        "overdue_total": sum(1 for item in [*queue, *review_queue] if item.overdue),
        "my_requests": (
            list(approvals_selectors.my_open_requests(request.user))
            if can_write_registry(request.user)
            else []
        ),
        "table": search.systems_by_tier_and_lifecycle(),
        "lead_time": approvals_selectors.approval_lead_time(since=now - LEAD_TIME_WINDOW),
        "lead_time_all": approvals_selectors.approval_lead_time(),
        "lead_time_days": LEAD_TIME_WINDOW.days,
        "now": now,
    }
    return render(request, "governance/dashboard.html", context)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Everything waiting for me, overdue first."""
    now = timezone.now()
    context = {
        "queue": approvals_selectors.signoff_queue(request.user, now=now),
        "review_queue": reviews_selectors.review_queue(request.user, now=now),
        "now": now,
    }
    return render(request, "governance/queue.html", context)

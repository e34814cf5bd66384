"""``{% map_groups map.groups %}``: the accountability map's table body, rendered in Python
(and ``{% map_graph_shapes graph %}``, the graph view's shapes, for the same reason).

The map shows up to thousands of rows with a dozen cells each; Django's template engine (and
even ``format_html``) spent most of the page's time on per-value overhead, and so did a template
tag called once per row. All the groups, team headings and system rows are built here in one
pass and joined once. Every value that comes from data goes through the standard library's
``html.escape`` (``_e``) — people's names, team names, currencies and review functions once per
distinct value (they repeat across rows), a system's name, slug and gap details once per row —
and the result is marked safe once. The table's markup lives in this one module.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from html import escape
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from governance.map.graph import Graph
from governance.map.rows import APPROVAL_LABELS, GAPS, ExecutiveGroup, SystemRow
from registry.inventory.choices import Lifecycle, RiskTier

register = template.Library()

_FLAGGED_APPROVALS = {"none", "expired", "invalidated", "rejected"}
_NO_REVIEWS = '<li class="muted">None required</li>'
_NO_GAPS = '<span class="ok">✓ none</span>'


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _tier_cell(value: str, label: str) -> str:
    return f'<span class="tier tier-{_e(value)}">{_e(label)}</span>'


# Cells that depend only on a fixed set of codes, escaped once at import.
_TIER_CELLS = {value: _tier_cell(value, label) for value, label in RiskTier.choices}
_LIFECYCLE_CELLS = {value: _e(label) for value, label in Lifecycle.choices}
_APPROVAL_CELLS = {
    status: (
        f'<span class="approval approval-{_e(status)}">'
        f"{'⚠ ' if status in _FLAGGED_APPROVALS else ''}{_e(label)}</span>"
    )
    for status, label in APPROVAL_LABELS.items()
}
_GAP_OPEN = {code: f'<li class="gap" data-gap="{_e(code)}">⚠ ' for code in GAPS}


class _Memo(dict):
    """Escaped HTML per distinct value, for values that repeat across rows."""

    def __init__(self, build: Any) -> None:
        super().__init__()
        self.build = build

    def __missing__(self, key: Any) -> str:
        value = self[key] = self.build(key)
        return value


def _owner_cell(owner: Any) -> str:
    if owner is None:
        return '<span class="gap">⚠ none</span>'
    name = _e(owner.get_full_name() or owner.get_username())
    return f'{name} <span class="gap">⚠ inactive</span>' if not owner.is_active else name


def _review_cell(key: tuple[str, str, str]) -> str:
    function, status, label = key
    mark = "⚠ " if status == "overdue" else ""
    return (
        f'<li class="review review-{_e(status)}">{mark}'
        f'<span class="fn">{_e(function.capitalize())}</span>: {_e(label)}</li>'
    )


def _budget(key: tuple[Decimal | None, str]) -> str:
    budget, currency = key
    return "no budget" if budget is None else f"{_money(budget)} {_e(currency)}"


def _group_heading(group: ExecutiveGroup) -> str:
    ex, n = group.executive, group.system_count
    inactive = ' <span class="gap">⚠ inactive</span>' if ex and not ex.is_active else ""
    return (
        '<tbody class="exec-group">\n'
        f'<tr class="exec-row"><th scope="rowgroup" colspan="10">{_e(group.name)}{inactive} '
        f'<span class="muted">· {n:d} system{"" if n == 1 else "s"}</span></th></tr>\n'
    )


@register.simple_tag
def map_groups(groups: Iterable[ExecutiveGroup]) -> SafeString:
    """One ``<tbody>`` per executive: a heading row, then per team a heading and its systems."""
    owners = _Memo(_owner_cell)
    reviews = _Memo(_review_cell)
    budgets = _Memo(_budget)
    out: list[str] = []
    for group in groups:
        out.append(_group_heading(group))
        for tg in group.teams:
            out.append(
                f'<tr class="team-row"><th scope="rowgroup" colspan="10">{_e(tg.team.name)}'
                "</th></tr>\n"
            )
            for row in tg.rows:
                out.append(_row(row, owners, reviews, budgets))
        out.append("</tbody>\n")
    return mark_safe("".join(out))  # noqa: S308 - every data value above went through _e()


def _row(row: SystemRow, owners: _Memo, reviews: _Memo, budgets: _Memo) -> str:
    s = row.system
    owner_cell = owners[s.technical_owner]  # one Person per user: keyed by identity
    approval = _APPROVAL_CELLS[row.approval_status]
    if row.production_deployments:
        approval += f"<br><small>{row.production_deployments:d} in production</small>"
    review_items = (
        "".join([reviews[c.function, c.status, c.label] for c in row.reviews]) or _NO_REVIEWS
    )
    overdue = f'<strong class="gap">⚠ {row.overdue_items:d}</strong>' if row.overdue_items else "0"
    if row.gaps:
        items = "".join([f"{_GAP_OPEN[g.code]}{_e(g.text)}</li>" for g in row.gaps])
        gaps = f'<ul class="gaps">{items}</ul>'
    else:
        gaps = _NO_GAPS
    tier = _TIER_CELLS.get(s.risk_tier) or _tier_cell(s.risk_tier, s.get_risk_tier_display())
    lifecycle = _LIFECYCLE_CELLS.get(s.lifecycle) or _e(s.get_lifecycle_display())
    slug = _e(s.slug)
    return (
        f'<tr class="{"has-gaps" if row.gaps else ""}" data-system="{slug}">'
        f'<th scope="row"><a href="/systems/{slug}/">{_e(s.name)}</a></th>'
        f"<td>{owner_cell}</td><td>{tier}</td><td>{lifecycle}</td><td>{approval}</td>"
        f'<td><ul class="reviews">{review_items}</ul></td>'
        f'<td class="num">{overdue}</td><td class="num">{row.open_incidents:d}</td>'
        f'<td class="num">{_money(row.spend_this_month)} / '
        f"{budgets[s.monthly_budget, s.budget_currency]}</td>"
        f"<td>{gaps}</td></tr>\n"
    )


@register.simple_tag
def map_graph_shapes(graph: Graph) -> SafeString:
    """The graph view's edges, then its nodes, as SVG elements — built here for the same reason
    as the table (a few hundred systems make thousands of shapes). Coordinates are integers
    from :mod:`governance.map.graph`; every label, title, note and link is escaped."""
    out = [
        f'<path class="edge{" dashed" if e.dashed else ""}" '
        f'd="M{e.x1:d},{e.y1:d} C{e.x1 + 14:d},{e.y1:d} {e.x2 - 14:d},{e.y2:d} {e.x2:d},{e.y2:d}"/>'
        for e in graph.edges
    ]
    for n in graph.nodes:
        title, note = _e(n.title), _e(n.note)
        if n.href:
            label = f"{title} ({note})" if n.note else title
            out.append(f'<a href="{_e(n.href)}" class="system-link" aria-label="{label}">')
        out.append(
            f'<g class="node {_e(n.kind)}{" flagged" if n.flagged else ""}">'
            f"<title>{title}{f' — {note}' if n.note else ''}</title>"
            f'<rect x="{n.x:d}" y="{n.y:d}" width="{n.width:d}" height="{n.height:d}"/>'
            f'<text x="{n.text_x:d}" y="{n.text_y:d}">{"⚠ " if n.flagged else ""}{_e(n.label)}'
            "</text>"
        )
        if n.note:
            out.append(
                f'<text class="note" x="{n.right - 8:d}" y="{n.text_y:d}" text-anchor="end">'
                f"{note}</text>"
            )
        out.append("</g></a>\n" if n.href else "</g>\n")
    return mark_safe("".join(out))  # noqa: S308 - every string above went through _e()

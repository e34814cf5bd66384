"""Layout of the accountability map's graph view, drawn server-side as SVG: executive → system →
model version → deployment, with the datasets each version was built from. Plain coordinates, so
the template only places shapes (no JavaScript library)."""

from __future__ import annotations

from dataclasses import dataclass, field

from governance.map.rows import SystemRow

# Deployments and upstream datasets share the last column (datasets below, dashed edges), so no
# edge crosses a box.
COLUMNS = {"executive": 8, "system": 218, "version": 468, "deployment": 728, "dataset": 728}
NODE_W = {"executive": 190, "system": 220, "version": 220, "deployment": 340, "dataset": 340}
NODE_H = 28
LINE = 36
TOP = 40
WIDTH = 1076


@dataclass
class Node:
    kind: str
    x: int
    y: int
    width: int
    label: str
    title: str
    href: str = ""
    flagged: bool = False
    note: str = ""

    @property
    def height(self) -> int:
        return NODE_H

    @property
    def mid_y(self) -> int:
        return self.y + NODE_H // 2

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def text_x(self) -> int:
        return self.x + 8

    @property
    def text_y(self) -> int:
        return self.y + 18


@dataclass
class Edge:
    x1: int
    y1: int
    x2: int
    y2: int
    dashed: bool = False


@dataclass
class Graph:
    width: int
    height: int
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    headers: list[tuple[int, str]] = field(default_factory=list)


def _short(text: str, width: int) -> str:
    limit = max(8, width // 8)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _node(kind: str, y: int, title: str, **extra) -> Node:
    width = NODE_W[kind]
    # A system's gap note ("⚠ 2 gaps") sits inside its box, on the right.
    room = width - 12 - (64 if extra.get("note") else 0)
    return Node(kind, COLUMNS[kind], y, width, _short(title, room), title, **extra)


def _link(a: Node, b: Node, dashed: bool = False) -> Edge:
    return Edge(a.right, a.mid_y, b.x, b.mid_y, dashed)


def map_graph(rows: list[SystemRow], system_url: str = "/systems/{slug}/") -> Graph:
    """Place every row's system under its executive, its deployed versions to the right, each
    version's deployments and upstream datasets beside it. One line per deployment or dataset."""
    graph = Graph(width=WIDTH, height=TOP)
    graph.headers = [
        (COLUMNS["executive"], "Accountable executive"),
        (COLUMNS["system"], "System"),
        (COLUMNS["version"], "Model version"),
        (COLUMNS["deployment"], "Deployments, then datasets it was built from"),
    ]
    y = TOP
    executive_key: object = object()
    executive_node: Node | None = None
    for row in rows:
        s = row.system
        exec_id = s.accountable_executive_id
        if exec_id != executive_key:
            executive_key = exec_id
            ex = s.accountable_executive
            name = (ex.get_full_name() or ex.get_username()) if ex else "No accountable executive"
            executive_node = _node("executive", y, name, flagged=ex is None)
            graph.nodes.append(executive_node)
        top = y
        gaps = len(row.gaps)
        system = _node(
            "system",
            y,
            s.name,
            href=system_url.format(slug=s.slug),
            flagged=bool(gaps),
            note=f"⚠ {gaps} gap{'s' if gaps != 1 else ''}" if gaps else "",
        )
        graph.nodes.append(system)
        # The executive's box sits at the top of its group; each system hangs from it.
        graph.edges.append(_link(executive_node, system))
        lines = 1
        vy = y
        for version in row.versions:
            v = _node("version", vy, version.label)
            graph.nodes.append(v)
            graph.edges.append(_link(system, v))
            for i, dep in enumerate(version.deployments):
                d = _node("deployment", vy + i * LINE, f"{dep.environment} {dep.endpoint}".strip())
                graph.nodes.append(d)
                graph.edges.append(_link(v, d))
            below = len(version.deployments)
            for i, name in enumerate(version.datasets):
                ds = _node("dataset", vy + (below + i) * LINE, name)
                graph.nodes.append(ds)
                graph.edges.append(_link(v, ds, dashed=True))
            vy += max(1, len(version.deployments) + len(version.datasets)) * LINE
        lines = max(lines, (vy - y) // LINE)
        y = top + lines * LINE + 8
    graph.height = y + 8
    return graph

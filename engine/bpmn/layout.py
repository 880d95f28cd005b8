"""Automatic, deterministic layout of a process for BPMN diagram interchange (DI).

:func:`layout` places every flow node of one process (or of one sub-process) and routes
every sequence flow, so :mod:`engine.bpmn.writer` can write a diagram that bpmn.io and
Camunda Modeler render, and a web page can draw the same picture.

The recipe, kept simple on purpose:

- lanes are horizontal swim lanes stacked top to bottom in the order of ``process.lanes``
  (nested lanes inside their parent, each with a 30 px label band);
- nodes go into columns by longest-path layering of the flow graph; the back edges of
  loops, found by a depth-first search from the start events, are left out of the
  layering; a boundary event sits on the lower border of its activity and its outgoing
  flow counts as leaving that activity;
- within its lane a node takes row 0 of its column, further nodes of the same lane and
  column are stacked below in depth-first order;
- flows are orthogonal polylines from the source's right (gateways and boundary events:
  bottom or top) to the target's left (merging gateways: bottom or top); back edges run
  below both ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from engine.bpmn.model import GATEWAY_KINDS, Lane, Node, Process

Bounds = tuple[int, int, int, int]  # x, y, width, height
Point = tuple[int, int]

TASK_SIZE = (100, 80)
EVENT_SIZE = (36, 36)
GATEWAY_SIZE = (50, 50)
ORIGIN_X, ORIGIN_Y = 160, 80  # top left corner of the first pool (or of the nodes)
HEADER = 30  # the label band of a pool or of a lane with sub-lanes
COLUMN_WIDTH = 160
ROW_HEIGHT = 120
MIN_LANE_HEIGHT = 160
MARGIN = 40
GAP_OFFSET = COLUMN_WIDTH // 2  # from a column's centre to the gap beside it


def node_size(node: Node) -> tuple[int, int]:
    """Width and height of a node's shape, bpmn-js's defaults for its kind."""
    if node.is_event:
        return EVENT_SIZE
    if node.is_gateway:
        return GATEWAY_SIZE
    return TASK_SIZE


def participant_id(process: Process) -> str:
    """The id of the pool that shows ``process`` (its own, else a derived one)."""
    return process.participant_id or f"Participant_{process.id}"


@dataclass
class FlowGraph:
    """The flow graph of one scope: placed nodes, boundary events and sequence flows."""

    nodes: list[Node]
    # source id -> (flow id, target id, weight); a boundary event hangs off its host by ""
    edges: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        return [n.id for n in self.nodes]


def flow_graph(process: Process, scope: str | None) -> FlowGraph:
    """Collect the nodes of ``scope`` and their flows; boundary events hang off their host."""
    nodes = [n for n in process.nodes.values() if n.parent_id == scope]
    graph = FlowGraph(nodes, {n.id: [] for n in nodes})
    for flow in process.flows.values():
        if flow.source in graph.edges and flow.target in graph.edges:
            graph.edges[flow.source].append((flow.id, flow.target, 1))
    for node in nodes:  # after the flows, so the normal path is searched (and placed) first
        if node.kind == "boundaryEvent" and node.attached_to in graph.edges:
            graph.edges[node.attached_to].append(("", node.id, 0))
    return graph


def _dfs_roots(process: Process, graph: FlowGraph) -> list[str]:
    """Start events first, then nodes without incoming flows, then everything else."""
    targets = {dst for edges in graph.edges.values() for _, dst, _ in edges}
    starts = [n.id for n in graph.nodes if n.kind == "startEvent"]
    sources = [i for i in graph.ids if i not in targets and i not in starts]
    return starts + sources + [i for i in graph.ids if i not in starts and i not in sources]


def find_back_edges(process: Process, graph: FlowGraph) -> tuple[list[str], set[str]]:
    """Depth-first search from the start events.

    Returns the nodes in discovery order and the ids of the flows that close a loop
    (those whose target is still on the search stack).
    """
    order: list[str] = []
    back: set[str] = set()
    state: dict[str, int] = {}  # 1 on the stack, 2 finished
    for root in _dfs_roots(process, graph):
        if root in state:
            continue
        state[root] = 1
        order.append(root)
        stack: list[tuple[str, Iterator[tuple[str, str, int]]]] = [(root, iter(graph.edges[root]))]
        while stack:
            node_id, edges = stack[-1]
            edge = next(edges, None)
            if edge is None:
                state[node_id] = 2
                stack.pop()
                continue
            flow_id, dst, _ = edge
            if state.get(dst) == 1:
                back.add(flow_id)
            elif dst not in state:
                state[dst] = 1
                order.append(dst)
                stack.append((dst, iter(graph.edges[dst])))
    return order, back


def longest_path_layers(graph: FlowGraph, order: list[str], back: set[str]) -> dict[str, int]:
    """Column of each node: the longest path to it over the flows that are not back edges."""
    indegree = {i: 0 for i in order}
    for src in order:
        for flow_id, dst, _ in graph.edges[src]:
            if flow_id not in back:
                indegree[dst] += 1
    layer = {i: 0 for i in order}
    rank = {node_id: n for n, node_id in enumerate(order)}
    ready = sorted((i for i in order if indegree[i] == 0), key=rank.__getitem__)
    while ready:
        src = ready.pop(0)
        for flow_id, dst, weight in graph.edges[src]:
            if flow_id in back:
                continue
            layer[dst] = max(layer[dst], layer[src] + weight)
            indegree[dst] -= 1
            if indegree[dst] == 0:
                ready.append(dst)
                ready.sort(key=rank.__getitem__)
    return layer


def _lane_order(process: Process) -> list[tuple[Lane, int]]:
    """Lanes top to bottom, each with its nesting depth (parents before their children)."""
    children: dict[str | None, list[Lane]] = {}
    for lane in process.lanes.values():
        parent = lane.parent_lane_id if lane.parent_lane_id in process.lanes else None
        children.setdefault(parent, []).append(lane)
    result: list[tuple[Lane, int]] = []

    def visit(parent: str | None, depth: int) -> None:
        for lane in children.get(parent, []):
            result.append((lane, depth))
            visit(lane.id, depth + 1)

    visit(None, 0)
    return result


def _band_of(process: Process, lanes: list[tuple[Lane, int]]) -> dict[str, str]:
    """The leaf lane (band) each node is drawn in; ``""`` for nodes outside every lane."""
    leaves = _leaf_lanes(lanes)
    first_leaf = {}
    for lane, _ in lanes:  # a node of a parent lane goes to the parent's first leaf
        first_leaf[lane.id] = next(
            (leaf for leaf in leaves if _descends(process, leaf, lane.id)), lane.id
        )
    member: dict[str, str] = {}
    for lane, _ in lanes:
        for node_id in lane.node_ids:
            member[node_id] = lane.id
    bands = {}
    for node in process.nodes.values():
        lane_id = node.lane_id if node.lane_id in process.lanes else member.get(node.id)
        bands[node.id] = first_leaf.get(lane_id, "") if lane_id else ""
    return bands


def _leaf_lanes(lanes: list[tuple[Lane, int]]) -> list[str]:
    """Ids of the lanes without sub-lanes, top to bottom: the bands nodes are drawn in."""
    parents = {lane.parent_lane_id for lane, _ in lanes}
    return [lane.id for lane, _ in lanes if lane.id not in parents]


def _descends(process: Process, lane_id: str, ancestor: str) -> bool:
    seen = set()
    while lane_id and lane_id not in seen:
        if lane_id == ancestor:
            return True
        seen.add(lane_id)
        lane_id = process.lanes[lane_id].parent_lane_id or ""
        lane_id = lane_id if lane_id in process.lanes else ""
    return False


def layout(
    process: Process, scope: str | None = None, *, pool: bool | None = None
) -> dict[str, Bounds | list[Point]]:
    """Lay out one process, or the inside of its sub-process ``scope``.

    Returns a dict mapping each element id to a shape's ``(x, y, width, height)`` (flow
    nodes, lanes and, with ``pool``, the participant) and each sequence flow id to its
    list of ``(x, y)`` waypoints. ``pool`` defaults to "the process has lanes"; a
    sub-process's inside never has one. The same process always gives the same layout.
    """
    graph = flow_graph(process, scope)
    order, back = find_back_edges(process, graph)
    columns = longest_path_layers(graph, order, back)
    lanes = _lane_order(process) if scope is None else []
    with_pool = scope is None and (bool(process.lanes) if pool is None else pool)
    hosted = [i for i in order if process.nodes[i].kind == "boundaryEvent"]
    hosted = [i for i in hosted if process.nodes[i].attached_to in columns]
    bands = _band_of(process, lanes) if lanes else {}
    cells = _cells([i for i in order if i not in hosted], columns, bands)
    band_ids = _leaf_lanes(lanes)
    if not band_ids or any(band == "" for band, _, _ in cells.values()):
        band_ids.append("")
    band_top, band_height = _bands(band_ids, cells)
    depth = max((d for _, d in lanes), default=-1) + 1
    x0 = ORIGIN_X + (HEADER * (1 + depth) if with_pool else 0) + MARGIN
    shapes = _node_shapes(process, cells, x0, band_top, band_height)
    _place_boundary_events(process, hosted, shapes)
    right = x0 + max(columns.values(), default=0) * COLUMN_WIDTH + TASK_SIZE[0] + MARGIN
    result: dict[str, Bounds | list[Point]] = {}
    if with_pool:
        bottom = band_top[band_ids[-1]] + band_height[band_ids[-1]]
        result[participant_id(process)] = (ORIGIN_X, ORIGIN_Y, right - ORIGIN_X, bottom - ORIGIN_Y)
        result.update(_lane_shapes(process, lanes, band_top, band_height, right))
    result.update(shapes)
    result.update(_route_flows(process, back, shapes))
    return result


def _cells(
    order: list[str], columns: dict[str, int], bands: dict[str, str]
) -> dict[str, tuple[str, int, int]]:
    """Band, column and row of each placed node, stacking nodes that share a cell."""
    used: dict[tuple[str, int], int] = {}
    cells = {}
    for node_id in order:
        key = (bands.get(node_id, ""), columns[node_id])
        cells[node_id] = (key[0], key[1], used.get(key, 0))
        used[key] = used.get(key, 0) + 1
    return cells


def _node_shapes(
    process: Process,
    cells: dict[str, tuple[str, int, int]],
    x0: int,
    band_top: dict[str, int],
    band_height: dict[str, int],
) -> dict[str, Bounds]:
    """Bounds of the placed nodes, centred in their cell; a band's rows centred in it."""
    rows = {b: r + 1 for b, _, r in sorted(cells.values(), key=lambda c: c[2])}
    shapes = {}
    for node_id, (band, column, row) in cells.items():
        width, height = node_size(process.nodes[node_id])
        offset = (band_height[band] - rows[band] * ROW_HEIGHT) // 2
        cx = x0 + column * COLUMN_WIDTH + TASK_SIZE[0] // 2
        cy = band_top[band] + offset + row * ROW_HEIGHT + ROW_HEIGHT // 2
        shapes[node_id] = (cx - width // 2, cy - height // 2, width, height)
    return shapes


def _bands(
    band_ids: list[str], cells: dict[str, tuple[str, int, int]]
) -> tuple[dict[str, int], dict[str, int]]:
    """Top y and height of each band (swim lane), stacked downwards from the origin."""
    top, height = {}, {}
    y = ORIGIN_Y
    for band in band_ids:
        rows = max((r + 1 for b, _, r in cells.values() if b == band), default=1)
        top[band] = y
        height[band] = max(MIN_LANE_HEIGHT, rows * ROW_HEIGHT + MARGIN)
        y += height[band]
    return top, height


def _lane_shapes(
    process: Process,
    lanes: list[tuple[Lane, int]],
    band_top: dict[str, int],
    band_height: dict[str, int],
    right: int,
) -> dict[str, Bounds]:
    """Bounds of every lane: a leaf lane is its band, a parent lane spans its children."""
    shapes = {}
    for lane, depth in lanes:
        inside = [b for b in band_top if b and _descends(process, b, lane.id)]
        top = min(band_top[b] for b in inside)
        bottom = max(band_top[b] + band_height[b] for b in inside)
        x = ORIGIN_X + HEADER * (1 + depth)
        shapes[lane.id] = (x, top, right - x, bottom - top)
    return shapes


def _place_boundary_events(process: Process, boundary_ids: list[str], shapes: dict) -> None:
    """Put each boundary event on the lower border of its activity, left to right."""
    count: dict[str, int] = {}
    for node_id in boundary_ids:
        host = process.nodes[node_id].attached_to or ""
        x, y, width, height = shapes[host]
        k = count.get(host, 0)
        count[host] = k + 1
        bx = x + width - EVENT_SIZE[0] - 12 - 44 * k
        shapes[node_id] = (bx, y + height - EVENT_SIZE[1] // 2, *EVENT_SIZE)


def _route_flows(
    process: Process, back: set[str], shapes: dict[str, Bounds]
) -> dict[str, list[Point]]:
    """Waypoints of every flow of the scope, in the order of ``process.flows``.

    Each flow has a few candidate paths in order of preference; the first that crosses
    the fewest other shapes wins.
    """
    routes: dict[str, list[Point]] = {}
    loop_levels: dict[int, int] = {}
    for flow in process.flows.values():
        if flow.source not in shapes or flow.target not in shapes:
            continue
        source, target = process.nodes[flow.source], process.nodes[flow.target]
        s, t = shapes[flow.source], shapes[flow.target]
        if flow.id in back:
            candidates = _back_routes(source, s, t, loop_levels)
        else:
            candidates = _forward_routes(source, target, s, t)
        ignore = {source.id, target.id}
        obstacles = [_inflated(b) for i, b in shapes.items() if i not in ignore]
        routes[flow.id] = min(candidates, key=lambda path: _crossings(path, obstacles))
    return routes


def _crossings(path: list[Point], obstacles: list[Bounds]) -> int:
    """How many (segment, shape) pairs of ``path`` cross a shape's inside."""
    count = 0
    for (x1, y1), (x2, y2) in zip(path, path[1:], strict=False):
        left, right, top, bottom = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
        for x, y, width, height in obstacles:
            if left < x + width and right > x and top < y + height and bottom > y:
                count += 1
    return count


def _inflated(b: Bounds, by: int = 6) -> Bounds:
    """A shape with a margin, so paths keep clear of it rather than graze it."""
    return b[0] - by, b[1] - by, b[2] + 2 * by, b[3] + 2 * by


def _centre(b: Bounds) -> Point:
    return b[0] + b[2] // 2, b[1] + b[3] // 2


def _forward_routes(source: Node, target: Node, s: Bounds, t: Bounds) -> list[list[Point]]:
    """Paths to a later column: out right (gateways and boundary events: down or up), in
    left (merging gateways: from below or above); bends sit in the gaps between columns."""
    (scx, scy), (tcx, tcy) = _centre(s), _centre(t)
    s_right, t_left, s_bottom = s[0] + s[2], t[0], s[1] + s[3]
    gap_after, gap_before = scx + GAP_OFFSET, tcx - GAP_OFFSET
    if source.kind == "boundaryEvent":
        below = s_bottom + 2  # the row line under the host
        return [
            [(scx, s_bottom), (scx, tcy), (t_left, tcy)],
            [(scx, s_bottom), (scx, below), (gap_before, below), (gap_before, tcy), (t_left, tcy)],
            [(scx, s_bottom), (scx, below), (gap_after, below), (gap_after, tcy), (t_left, tcy)],
        ]
    paths = []
    if scy == tcy:
        paths.append([(s_right, scy), (t_left, tcy)])
    elif source.kind in GATEWAY_KINDS:
        exit_y = s[1] + s[3] if tcy > scy else s[1]
        paths.append([(scx, exit_y), (scx, tcy), (t_left, tcy)])
    elif target.kind in GATEWAY_KINDS:
        entry_y = t[1] + t[3] if scy > tcy else t[1]
        paths.append([(s_right, scy), (tcx, scy), (tcx, entry_y)])
    for mx in (gap_before, gap_after):
        paths.append([(s_right, scy), (mx, scy), (mx, tcy), (t_left, tcy)])
    for line in (tcy - ROW_HEIGHT // 2, tcy + ROW_HEIGHT // 2):  # along a row line
        paths.append(
            [
                (s_right, scy),
                (gap_after, scy),
                (gap_after, line),
                (gap_before, line),
                (gap_before, tcy),
                (t_left, tcy),
            ]
        )
    return [_simplified(p) for p in paths]


def _back_routes(source: Node, s: Bounds, t: Bounds, levels: dict[int, int]) -> list[list[Point]]:
    """Paths of a loop back to an earlier column: under (or over) both ends, or along the
    row lines under (over) each end joined in the gap right of the target's column."""
    (scx, scy), (tcx, tcy) = _centre(s), _centre(t)
    s_top, s_bottom, t_top, t_bottom = s[1], s[1] + s[3], t[1], t[1] + t[3]
    k = levels.get(max(scy, tcy), 0)
    levels[max(scy, tcy)] = k + 1
    shift, half = 6 * k, ROW_HEIGHT // 2 - 4
    s_under = s_bottom + 2 + shift if source.kind == "boundaryEvent" else scy + half - shift
    t_under, s_over, t_over = tcy + half - shift, scy - half + shift, tcy - half + shift
    gap = tcx + GAP_OFFSET + 12  # beside the gap's forward bends, not on top of them
    if scx == tcx:  # a node looping to its own column
        side = s[0] + s[2] + 20
        return [[(s[0] + s[2], scy), (side, scy), (side, s_under), (tcx, s_under), (tcx, t_bottom)]]
    below, above = max(s_under, t_under), min(s_over, t_over)
    paths = [
        [(scx, s_bottom), (scx, below), (tcx, below), (tcx, t_bottom)],
        [
            (scx, s_bottom),
            (scx, s_under),
            (gap, s_under),
            (gap, t_under),
            (tcx, t_under),
            (tcx, t_bottom),
        ],
    ]
    if source.kind != "boundaryEvent":
        paths.append([(scx, s_top), (scx, above), (tcx, above), (tcx, t_top)])
        paths.append(
            [(scx, s_top), (scx, s_over), (gap, s_over), (gap, t_over), (tcx, t_over), (tcx, t_top)]
        )
    return [_simplified(p) for p in paths]


def _simplified(path: list[Point]) -> list[Point]:
    """Drop repeated points and the middle points of straight runs."""
    points: list[Point] = []
    for point in path:
        if points and point == points[-1]:
            continue
        if len(points) >= 2:
            (x1, y1), (x2, y2) = points[-2], points[-1]
            if (x1 == x2 == point[0]) or (y1 == y2 == point[1]):
                points[-1] = point
                continue
        points.append(point)
    return points

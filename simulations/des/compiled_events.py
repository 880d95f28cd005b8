"""Compile the events armed on an activity or a scope: boundary events and the starts
of event sub-processes, as :class:`~simulations.des.compiled.Boundary` records.

Both are armed at run time the same way (:mod:`simulations.des.event_scopes`): a timer
as written, or the ``events.<id>`` parameter's delay and probability. An event without
either (an error, a message nobody parameterised) never happens in a simulation; an
event sub-process without one is warned about, and so is a timer the simulation cannot
read.
"""

from __future__ import annotations

from engine.bpmn.model import Node
from simulations.des.compiled import DELAY, Boundary, CompiledProcess
from simulations.params.parameters import SimParams


def boundaries_of(
    attached: list[Node], params: SimParams, index: dict, prefix: str = ""
) -> tuple[Boundary, ...]:
    """The boundary events ``attached`` to one activity that can happen here: timers,
    and other events that ``events.<id>`` gives a delay or probability."""
    out = []
    for b in attached:
        event = params.events.get(b.id)
        if b.timer is None and event is None:
            continue  # errors, messages... without parameters never happen here
        delay = event.delay if event else None
        probability = event.probability if event else 1.0
        out.append(Boundary(index[prefix + b.id], b.cancel_activity, b.timer, delay, probability))
    return tuple(out)


def event_subprocesses(
    c: CompiledProcess, placed: list, index: dict, sub_starts: dict, params: SimParams
) -> None:
    """Arm each event sub-process on its scope: the process, a sub-process or a call."""
    per_scope: dict[str | None, list[Boundary]] = {}
    for i, p in enumerate(placed):
        if not p.node.triggered_by_event:
            continue
        for key in sub_starts.get(p.key, []):
            s = index[key]
            c.event_sub_of[s] = i
            start = placed[s].node
            event = params.events.get(start.id)
            if start.timer is None and event is None:
                c.warnings.append(
                    f"{c.ids[i]}: the event sub-process never starts unless "
                    f"events.{start.id} gives the delay and probability of its event"
                )
                continue
            delay = event.delay if event else None
            probability = event.probability if event else 1.0
            boundary = Boundary(s, start.is_interrupting, start.timer, delay, probability)
            per_scope.setdefault(p.parent, []).append(boundary)
    c.case_event_subs = tuple(per_scope.get(None, ()))
    c.event_subs = [tuple(per_scope.get(p.key, ())) for p in placed]


def warn_about_timers(c: CompiledProcess, params: SimParams) -> None:
    """Say once, at compile time, which timers the simulation cannot understand."""
    from simulations.des.timers import sla_calendar, timer_delay

    sla = sla_calendar(params)
    for i, node_id in enumerate(c.ids):
        timer = c.timer[i]
        if c.duration[i] is None and timer is not None and c.kinds[i] == DELAY:
            if timer_delay(timer, params.start, sla) is None:
                c.warnings.append(f"{node_id}: timer {timer.expression!r} not understood; no wait")
    for bs in [*c.boundaries, *c.event_subs, c.case_event_subs]:
        for b in bs:
            if b.delay is None and timer_delay(b.timer, params.start, sla) is None:
                c.warnings.append(f"{c.ids[b.node]}: timer not understood; it never fires")

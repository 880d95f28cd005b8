"""Events armed when an activity or a scope opens: boundary events, event sub-processes,
and the cancellation an interrupting one does.

A boundary event is armed when its activity is enabled (a task, a sub-process, an
inlined call; a looping activity's once, on the whole); an event sub-process when its
scope opens (the case, a sub-process, an inlined call). Each is drawn once, when armed: whether it comes at
all (its probability) and after how long. It fires only if its activity or scope still
runs then. An interrupting one cancels the work it interrupts: a queued task is skipped
when a clerk frees up, a running task frees its clerk at once (its partial work is
logged), a sub-process cancels everything inside it.

:class:`ScopeEvents` is a mixin of :class:`~simulations.des.simulator.Simulator`: the
methods stay methods of the simulator, so the event loop pays nothing for the split.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from heapq import heappush

from simulations.des.compiled import CompiledProcess
from simulations.des.layout import (
    CANCELLED,
    DONE,
    EV_BOUNDARY,
    EV_EVENT_SUB,
    I_CHILD,
    I_ENABLED,
    I_NODE,
    I_RES,
    I_SCOPE,
    I_START,
    I_STATE,
    QUEUED,
    RUNNING,
    S_CANCELLED,
    S_CASE,
    S_ITEMS,
    S_JOINS,
    S_LIVE,
)


class ScopeEvents:
    """Arm and fire boundary events and event sub-processes; cancel what they interrupt."""

    # what the simulator provides (annotations only: nothing is set here)
    c: CompiledProcess
    bounds: list
    pool: list[int]
    cal: list
    uniform: Callable[[], float]
    heap: list
    seq: Callable[[], int]
    rows: list[tuple]
    _leave: Callable[[list, int, float], None]
    _release: Callable[[int, int, float], None]
    _open_subprocess: Callable[..., None]

    # -- event sub-processes --------------------------------------------------------

    def _arm_event_subprocesses(self, scope: list, starts: tuple, now: float) -> None:
        for start, interrupting, delay, probability in starts:
            if probability < 1.0 and self.uniform() >= probability:
                continue
            wait = delay(now)
            if wait != math.inf:
                event = (scope, start, interrupting)
                heappush(self.heap, (now + wait, self.seq(), EV_EVENT_SUB, event))

    def _start_event_subprocess(self, event: tuple, now: float) -> None:
        """An event sub-process starts if its scope still runs; an interrupting one
        cancels the scope's other work, and the scope ends when it ends."""
        scope, start, interrupting = event
        if scope[S_CANCELLED] or scope[S_LIVE] <= 0:
            return
        if interrupting:
            self._cancel_scope(scope, now)
            scope[S_LIVE], scope[S_JOINS] = 1, None  # it stays cancelled: its delays
        else:
            scope[S_LIVE] += 1
        self._open_subprocess(scope, self.c.event_sub_of[start], now, (start,))

    # -- boundary events ------------------------------------------------------------

    def _arm(self, item: list, n: int, now: float) -> None:
        for b_node, interrupting, delay, probability in self.bounds[n]:
            if probability < 1.0 and self.uniform() >= probability:
                continue
            wait = delay(now)
            heappush(self.heap, (now + wait, self.seq(), EV_BOUNDARY, (item, b_node, interrupting)))

    def _fire(self, event: tuple, now: float) -> None:
        item, b_node, interrupting = event
        scope = item[I_SCOPE]
        if item[I_STATE] in (DONE, CANCELLED) or scope[S_CANCELLED]:
            return
        if interrupting:
            self._cancel_item(item, now)
        else:
            scope[S_LIVE] += 1
        self._leave(scope, b_node, now)

    # -- cancellation ---------------------------------------------------------------

    def _cancel_item(self, item: list, now: float) -> None:
        state = item[I_STATE]
        item[I_STATE] = CANCELLED
        if item[I_CHILD] is not None:
            self._cancel_scope(item[I_CHILD], now)
        elif state == RUNNING:
            n, r, start = item[I_NODE], item[I_RES], item[I_START]
            cal = self.cal[self.pool[n]]
            work = (now - start) if cal is None else cal.work_between(start, now)
            self.rows.append(
                (item[I_SCOPE][S_CASE], n, item[I_ENABLED], start, now, r, max(work, 0.0))
            )
            self._release(self.pool[n], r, now)

    def _cancel_scope(self, scope: list, now: float) -> None:
        scope[S_CANCELLED] = True
        for item in scope[S_ITEMS] or ():
            if item[I_STATE] in (QUEUED, RUNNING):
                self._cancel_item(item, now)

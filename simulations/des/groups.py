"""Looping activities in the event loop: multi-instance activities and standard loops.

A looping activity opens a *group*: a scope whose tokens are the activity's instances,
with a handle item in the parent scope like a sub-process's. Parallel instances start
together; sequential ones and the turns of a standard loop start one after another, a
loop's next turn drawn with the loop's probability up to its maximum. The group ends,
and the token leaves the activity, when its last instance has ended. Boundary events
of the activity are armed on the whole group, not on each instance.

:class:`LoopGroups` is a mixin of :class:`~simulations.des.simulator.Simulator`: the
methods stay methods of the simulator, so the event loop pays nothing for the split.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappush

from simulations.des.compiled import DELAY, TASK
from simulations.des.layout import (
    DONE,
    EV_DELAY,
    G_LEFT,
    G_MAXIMUM,
    G_PROBABILITY,
    G_RUN,
    I_CHILD,
    I_NODE,
    I_STATE,
    RUNNING,
    S_CASE,
    S_GROUP,
    S_HANDLE,
    S_ITEMS,
    S_LIVE,
    S_PARENT,
)


class LoopGroups:
    """Open a looping activity's instances, and end it after its last one."""

    # what the simulator provides (annotations only: nothing is set here)
    kinds: list[int]
    repeat: list
    bounds: list
    delay: list[Callable[[float], float]]
    uniform: Callable[[], float]
    heap: list
    seq: Callable[[], int]
    track: bool
    _enable: Callable[[list, int, float], None]
    _leave: Callable[[list, int, float], None]
    _arm: Callable[[list, int, float], None]
    _open_subprocess: Callable[..., None]

    def _open_instances(self, scope: list, n: int, now: float) -> None:
        """Start a looping activity: a group scope whose instances are its tokens."""
        draw, sequential, probability, maximum, test_before = self.repeat[n]
        handle = [scope, n, now, now, -1, RUNNING, 0.0, None]
        if self.track:
            scope[S_ITEMS].append(handle)
        if self.bounds[n]:
            self._arm(handle, n, now)
        if draw is None:  # a standard loop: once, then again while it draws so
            count = 0 if test_before and self.uniform() >= probability else 1
        else:
            count = max(0, round(float(draw())))
        if count == 0:
            handle[I_STATE] = DONE
            self._leave(scope, n, now)
            return
        first = 1 if sequential else count
        group = [first, None, scope, handle, scope[S_CASE], False]
        group += [[] if self.track else None, [count - first, probability, maximum, 0]]
        handle[I_CHILD] = group
        for _ in range(first):
            self._instance(group, n, now)

    def _instance(self, group: list, n: int, now: float) -> None:
        k = self.kinds[n]
        if k == TASK:
            self._enable(group, n, now)
        elif k == DELAY:
            heappush(self.heap, (now + self.delay[n](now), self.seq(), EV_DELAY, (group, n)))
        else:
            self._open_subprocess(group, n, now)

    def _instance_done(self, group: list, now: float) -> None:
        """One instance ended: start the next in a row, or end the activity after the last."""
        g, handle = group[S_GROUP], group[S_HANDLE]
        n = handle[I_NODE]
        g[G_RUN] += 1
        if g[G_LEFT] > 0:
            g[G_LEFT] -= 1
            self._instance(group, n, now)
            return
        if g[G_PROBABILITY] > 0 and g[G_RUN] < g[G_MAXIMUM]:
            if self.uniform() < g[G_PROBABILITY]:
                self._instance(group, n, now)
                return
        group[S_LIVE] -= 1
        if group[S_LIVE] <= 0 and handle[I_STATE] == RUNNING:
            handle[I_STATE] = DONE
            self._leave(group[S_PARENT], n, now)

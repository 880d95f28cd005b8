"""Gateways in the event loop: how a token splits, and when a join lets one through.

An exclusive split draws one branch by its cumulative probabilities; an inclusive split
draws each branch on its own (none drawn: one, by the same weights, as Prosimos does)
and tells its paired join how many tokens to wait for; a parallel split, or an activity
with several outgoing flows, sends a token along each. A parallel join waits for all its
incoming flows. An event-based gateway lets the first of its catch events win.

:class:`Gateways` is a mixin of :class:`~simulations.des.simulator.Simulator`: the
methods stay methods of the simulator, so the event loop pays nothing for the split.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_right
from collections.abc import Callable
from heapq import heappush

from simulations.des.compiled import AND, OR, XOR, CompiledProcess
from simulations.des.layout import EV_DELAY, S_JOINS, S_LIVE


class Gateways:
    """Split tokens, count them into joins, race the events after an event gateway."""

    # what the simulator provides (annotations only: nothing is set here)
    c: CompiledProcess
    kinds: list[int]
    succ: list[tuple[int, ...]]
    probs: list[tuple[float, ...]]
    join_need: list[int]
    or_join: list[int]
    delay: list
    uniform: Callable[[], float]
    heap: list
    seq: Callable[[], int]
    _consume: Callable[[list, float], None]

    def _split(self, scope: list, n: int, todo: list, now: float) -> None:
        s, k = self.succ[n], self.kinds[n]
        if not s:
            self._consume(scope, now)
        elif k == XOR:
            todo.append(s[bisect_right(self.probs[n], self.uniform())])
        elif k == OR:
            probs = self.probs[n]
            chosen = [t for t, p in zip(s, probs, strict=True) if self.uniform() < p]
            if not chosen:  # as Prosimos: one branch, by the same weights
                cum = list(itertools.accumulate(probs))
                chosen = [s[min(bisect_right(cum, self.uniform() * cum[-1]), len(s) - 1)]]
            scope[S_LIVE] += len(chosen) - 1
            if self.or_join[n] >= 0:
                joins = scope[S_JOINS] if scope[S_JOINS] is not None else self._joins(scope)
                joins[-1 - self.or_join[n]] = len(chosen)
            todo.extend(chosen)
        else:  # parallel gateway, or an activity with several outgoing flows
            scope[S_LIVE] += len(s) - 1
            todo.extend(s)

    def _joins(self, scope: list) -> dict:
        scope[S_JOINS] = {}
        return scope[S_JOINS]

    def _joined(self, scope: list, n: int, kind: int) -> bool:
        """Count a token into a join; True when the join fires."""
        joins = scope[S_JOINS] if scope[S_JOINS] is not None else self._joins(scope)
        need = self.join_need[n] if kind == AND else joins.get(-1 - n, 1)
        count = joins.get(n, 0) + 1
        if count < need:
            joins[n] = count
            scope[S_LIVE] -= 1
            return False
        joins[n] = 0
        joins.pop(-1 - n, None)
        return True

    def _event_gateway(self, scope: list, n: int, now: float) -> None:
        """The first catch event after the gateway wins (a message may never come)."""
        best, best_delay = self.succ[n][0], math.inf
        for target in self.succ[n]:
            p = self.c.message_probability[target]
            delay = self.delay[target](now) if p >= 1.0 or self.uniform() < p else math.inf
            if delay < best_delay:
                best, best_delay = target, delay
        if best_delay == math.inf:
            best_delay = self.delay[best](now)
        heappush(self.heap, (now + best_delay, self.seq(), EV_DELAY, (scope, best)))

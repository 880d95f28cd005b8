"""The discrete-event simulator: one heap of timed events, tokens routed in between.

Only timed things go on the heap (case arrivals, task completions, timers); tokens
pass gateways and events immediately in :meth:`Simulator._route`. A task takes a
clerk of its pool at once when one is free, else waits FIFO by enabled time; its
duration is working time on the pool's calendar, so work stops after hours. State
lives in small lists laid out in :mod:`simulations.des.layout`: creating a list is
several times cheaper than an object, and this loop runs ~10^5 tasks a second.
A looping activity (multi-instance, standard loop) opens a *group* scope whose tokens
are its instances (:mod:`simulations.des.groups`); an event sub-process is armed, like a
boundary event, when its scope (the case, a sub-process, an inlined call) opens
(:mod:`simulations.des.event_scopes`). Both are mixins of :class:`Simulator`, so the
loop calls their methods as its own.
A SimPy process per case would add a generator switch and an event object per step;
SimPy was not measured against it here (see the benchmark in ``benchmarks/``).

Examples
--------
>>> from simulations.params.parameters import SimParams
>>> from engine.bpmn.builder import linear_model
>>> run = simulate_once(linear_model(["a", "b"]), SimParams(), cases=20, seed=1)
>>> int(run.finished.sum())
20
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from heapq import heappop, heappush
from typing import Any

from engine.bpmn.model import BpmnModel
from simulations.des.compiled import AND, DELAY, END, EVGW, OR, SUB, TASK, TERMINATE
from simulations.des.compiler import compile_process
from simulations.des.event_scopes import ScopeEvents
from simulations.des.gateways import Gateways
from simulations.des.groups import LoopGroups
from simulations.des.layout import (
    DONE,
    EV_ARRIVAL,
    EV_BOUNDARY,
    EV_DELAY,
    EV_DONE,
    I_CHILD,
    I_ENABLED,
    I_NODE,
    I_RES,
    I_SCOPE,
    I_START,
    I_STATE,
    I_WORK,
    QUEUED,
    RUNNING,
    S_CANCELLED,
    S_CASE,
    S_GROUP,
    S_HANDLE,
    S_ITEMS,
    S_LIVE,
    S_PARENT,
)
from simulations.des.run import RunResult, build_pools, build_repeats, build_samplers
from simulations.params.parameters import SimParams


class Simulator(Gateways, LoopGroups, ScopeEvents):
    """One replication of one compiled process.

    Parameters
    ----------
    compiled : CompiledProcess
        From :func:`simulations.des.compiler.compile_process`.
    params : SimParams
        Start, arrivals, calendars, staff.
    seed : int or numpy.random.SeedSequence, optional
        The same seed gives the same run.
    """

    def __init__(self, compiled, params: SimParams, seed=None):
        self.c = compiled
        self.params = params
        self.kinds, self.succ, self.probs = compiled.kinds, compiled.succ, compiled.probs
        self.join_need, self.pool, self.or_join = (
            compiled.join_need,
            compiled.pool,
            compiled.or_join,
        )
        s = build_samplers(compiled, params, seed)
        self.dur, self.delay, self.uniform, self.bounds, self.next_gap = s
        self.repeat, self.event_subs, self.case_event_subs = build_repeats(compiled, params, seed)
        self.pools = build_pools(compiled, params)
        self.cal = [p.calendar for p in self.pools]
        self.free = [deque(p.resources) for p in self.pools]
        self.queue: list[deque] = [deque() for _ in self.pools]
        self.arrival_cal = params.calendar(params.arrivals.calendar).build(params.start)
        self.heap: list = []
        self.seq = itertools.count().__next__
        self.rows: list[tuple] = []
        self.case_arrival: list[float] = []
        self.case_end: list[float] = []
        self.track = compiled.cancellable

    def run(self, cases: int) -> RunResult:
        """Simulate ``cases`` arrivals until every case has finished (or is stuck)."""
        heap, rows = self.heap, self.rows
        self.remaining = cases
        first = self.arrival_cal.next_open(0.0)
        heappush(heap, (first, self.seq(), EV_ARRIVAL, None))
        while heap:
            now, _, kind, item = heappop(heap)
            if kind == EV_DONE:
                if item[I_STATE] != RUNNING:
                    continue
                item[I_STATE] = DONE
                scope, n, r = item[I_SCOPE], item[I_NODE], item[I_RES]
                rows.append(
                    (scope[S_CASE], n, item[I_ENABLED], item[I_START], now, r, item[I_WORK])
                )
                self._release(self.pool[n], r, now)
                self._leave(scope, n, now)
            elif kind == EV_ARRIVAL:
                self._arrive(now)
            elif kind == EV_DELAY:
                if not item[0][S_CANCELLED]:
                    self._leave(item[0], item[1], now)
            elif kind == EV_BOUNDARY:
                self._fire(item, now)
            else:
                self._start_event_subprocess(item, now)
        return RunResult.from_simulator(self)

    # -- cases and tokens --------------------------------------------------------

    def _arrive(self, now: float) -> None:
        case = len(self.case_arrival)
        self.case_arrival.append(now)
        self.case_end.append(math.nan)
        scope: list[Any] = [1, None, None, None, case, False, [] if self.track else None, None]
        self.remaining -= 1
        if self.remaining > 0:
            at = self.arrival_cal.next_open(now + self.next_gap(now))
            heappush(self.heap, (at, self.seq(), EV_ARRIVAL, None))
        if self.case_event_subs:
            self._arm_event_subprocesses(scope, self.case_event_subs, now)
        self._route(scope, list(self.c.start_nodes), now)

    def _route(self, scope: list, todo: list, now: float) -> None:
        """Move tokens through zero-time nodes until each waits for a task or a timer."""
        kinds, succ = self.kinds, self.succ
        while todo:
            n = todo.pop()
            k = kinds[n]
            if k == TASK:
                if self.repeat[n] is None:
                    self._enable(scope, n, now)
                else:
                    self._open_instances(scope, n, now)
                continue
            if k == AND or k == OR:
                if self.join_need[n] > 1 and not self._joined(scope, n, k):
                    continue
            elif k == END or k == TERMINATE:
                if k == TERMINATE:
                    self._cancel_scope(scope, now)
                    scope[S_LIVE] = 1
                    todo.clear()
                self._consume(scope, now)
                continue
            elif k == DELAY:
                if self.repeat[n] is None:
                    heappush(
                        self.heap, (now + self.delay[n](now), self.seq(), EV_DELAY, (scope, n))
                    )
                else:
                    self._open_instances(scope, n, now)
                continue
            elif k == SUB:
                if self.repeat[n] is None:
                    self._open_subprocess(scope, n, now)
                else:
                    self._open_instances(scope, n, now)
                continue
            elif k == EVGW:
                self._event_gateway(scope, n, now)
                continue
            s = succ[n]
            if len(s) == 1:
                todo.append(s[0])
            else:
                self._split(scope, n, todo, now)

    def _leave(self, scope: list, n: int, now: float) -> None:
        """The token leaves ``n`` (a task, timer or event) along its outgoing flows."""
        if scope[S_GROUP] is not None:  # one instance of a looping activity is done
            self._instance_done(scope, now)
            return
        s = self.succ[n]
        if len(s) == 1:
            self._route(scope, [s[0]], now)
        else:
            todo: list = []
            self._split(scope, n, todo, now)
            self._route(scope, todo, now)

    def _consume(self, scope: list, now: float) -> None:
        scope[S_LIVE] -= 1
        if scope[S_LIVE] <= 0:
            handle = scope[S_HANDLE]
            if handle is None:
                self.case_end[scope[S_CASE]] = now
            elif handle[I_STATE] == RUNNING:
                handle[I_STATE] = DONE
                self.rows.append(
                    (
                        scope[S_CASE],
                        handle[I_NODE],
                        handle[I_ENABLED],
                        handle[I_START],
                        now,
                        -1,
                        0.0,
                    )
                )
                self._leave(scope[S_PARENT], handle[I_NODE], now)

    # -- tasks and resources -------------------------------------------------------

    def _enable(self, scope: list, n: int, now: float) -> None:
        item = [scope, n, now, now, -1, QUEUED, 0.0, None]
        if self.track:
            scope[S_ITEMS].append(item)
        p = self.pool[n]
        free = self.free[p]
        if free:
            self._start(item, free.popleft(), now)
        else:
            self.queue[p].append(item)
        if self.bounds[n] and scope[S_GROUP] is None:  # a loop's are on the whole
            self._arm(item, n, now)

    def _start(self, item: list, r: int, now: float) -> None:
        n = item[I_NODE]
        cal = self.cal[self.pool[n]]
        work = self.dur[n]()
        if cal is None:
            start, end = now, now + work
        else:
            start = cal.next_open(now)
            end = cal.add_work(start, work)
        item[I_START], item[I_RES], item[I_STATE], item[I_WORK] = start, r, RUNNING, work
        heappush(self.heap, (end, self.seq(), EV_DONE, item))

    def _release(self, p: int, r: int, now: float) -> None:
        queue = self.queue[p]
        while queue:
            item = queue.popleft()
            if item[I_STATE] == QUEUED and not item[I_SCOPE][S_CANCELLED]:
                self._start(item, r, now)
                return
        self.free[p].append(r)

    # -- sub-processes ---------------------------------------------------------------

    def _open_subprocess(self, scope: list, n: int, now: float, starts=None) -> None:
        starts = self.c.sub_starts[n] if starts is None else starts
        handle = [scope, n, now, now, -1, RUNNING, 0.0, None]
        child = [len(starts), None, scope, handle, scope[S_CASE], False]
        child += [[] if self.track else None, None]
        handle[I_CHILD] = child
        if self.track:
            scope[S_ITEMS].append(handle)
        if self.bounds[n] and scope[S_GROUP] is None:
            self._arm(handle, n, now)
        if self.event_subs[n]:
            self._arm_event_subprocesses(child, self.event_subs[n], now)
        if not starts:
            child[S_LIVE] = 1
            self._consume(child, now)
            return
        self._route(child, list(starts), now)


def simulate_once(
    model: BpmnModel,
    params: SimParams,
    cases: int | None = None,
    seed=None,
    process_id=None,
    called: dict[str, BpmnModel] | None = None,
) -> RunResult:
    """Compile and run one replication; see :func:`simulations.des.parallel.run_replications`.

    ``called`` maps process keys to the models of processes the model calls but does
    not hold (deployed ones), so those calls run inline too.
    """
    compiled = compile_process(model, params, process_id, called)
    return Simulator(compiled, params, seed).run(cases or params.cases)

"""The discrete-event simulator: one heap of timed events, tokens routed in between.

Only timed things go on the heap (case arrivals, task completions, timers); tokens
pass gateways and events immediately in :meth:`Simulator._route`. A task takes a
clerk of its pool at once when one is free, else waits FIFO by enabled time; its
duration is working time on the pool's calendar, so work stops after hours. State
lives in small lists indexed by the ``I_*`` and ``S_*`` constants below: creating a
list is several times cheaper than an object, and this loop runs ~10^5 tasks a second.
A looping activity (multi-instance, standard loop) opens a *group* scope whose tokens
are its instances; an event sub-process is armed, like a boundary event, when its scope
(the case, a sub-process, an inlined call) opens.
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
from bisect import bisect_right
from collections import deque
from heapq import heappop, heappush
from typing import Any

from engine.bpmn.model import BpmnModel
from simulations.des.compiler import (
    AND,
    DELAY,
    END,
    EVGW,
    OR,
    SUB,
    TASK,
    TERMINATE,
    XOR,
    compile_process,
)
from simulations.des.run import RunResult, build_pools, build_repeats, build_samplers
from simulations.params.parameters import SimParams

# a work item: [scope, node, enabled, start, resource, state, work seconds]
I_SCOPE, I_NODE, I_ENABLED, I_START, I_RES, I_STATE, I_WORK, I_CHILD = range(8)
QUEUED, RUNNING, DONE, CANCELLED = range(4)
# a scope (a case, a running sub-process, or the instances of a looping activity):
# [live tokens, joins, parent, handle, case, cancelled, items, instances]
S_LIVE, S_JOINS, S_PARENT, S_HANDLE, S_CASE, S_CANCELLED, S_ITEMS, S_GROUP = range(8)
# the instances of a scope that is a group: [left to start, repeat probability, maximum, run]
G_LEFT, G_PROBABILITY, G_MAXIMUM, G_RUN = range(4)
EV_ARRIVAL, EV_DONE, EV_DELAY, EV_BOUNDARY, EV_EVENT_SUB = range(5)


class Simulator:
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

    # -- sub-processes, timers, cancellation ---------------------------------------

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

    # -- multi-instance and standard loops -------------------------------------------

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

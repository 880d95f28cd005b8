"""What one replication needs besides the event loop (random streams, resource pools)
and what it leaves behind (:class:`RunResult`: arrays of cases and task executions).

Every node draws from its own random stream, keyed by the node's id, so a scenario
that removes one task leaves the draws of all the others unchanged (common random
numbers make baseline-vs-scenario differences sharper).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulations.des.calendars import Calendar
from simulations.des.compiled import CompiledProcess
from simulations.des.timers import sla_calendar, timer_delay
from simulations.params.distributions import Distribution
from simulations.params.parameters import SimParams


@dataclass
class PoolRuntime:
    """A lane's clerks in one run: global resource ids and the opening hours."""

    name: str
    count: int
    calendar: Calendar | None  # None when always open (no calendar arithmetic)
    hours: Calendar  # for utilisation, also when always open
    cost_per_hour: float
    resources: list[int]


def _rng(entropy: int, key: str) -> np.random.Generator:
    return np.random.default_rng(
        np.random.SeedSequence(entropy, spawn_key=(zlib.crc32(key.encode()),))
    )


def _entropy(seed) -> int:
    if isinstance(seed, np.random.SeedSequence):
        return int(seed.generate_state(1, np.uint64)[0])
    if seed is None:
        return int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
    return int(seed)


def build_samplers(c: CompiledProcess, params: SimParams, seed):
    """Draw functions: task durations, delays, a uniform stream, boundaries, arrival gaps."""
    entropy = _entropy(seed)
    dur = [
        d.sampler(_rng(entropy, "task:" + i)) if d else None
        for d, i in zip(c.duration, c.ids, strict=True)
    ]
    sla = sla_calendar(params)
    delay: list[Callable[[float], float]] = []
    for i, node_id in enumerate(c.ids):
        duration = c.duration[i]
        if duration is not None:
            draw = dur[i] or duration.sampler(_rng(entropy, "delay:" + node_id))
            delay.append(_drawn(draw))
            continue
        fn = timer_delay(c.timer[i], params.start, sla) if c.timer[i] else None
        delay.append(fn or (lambda now: 0.0))  # not understood: no wait (warned when compiled)
    uniform = Distribution("uniform", {"min": 0.0, "max": 1.0}, 0.0, 1.0).sampler(
        _rng(entropy, "routing")
    )
    bounds = [tuple(_boundary(b, c, params, sla, entropy) for b in bs) for bs in c.boundaries]
    return dur, delay, uniform, bounds, _arrivals(params, _rng(entropy, "arrivals"))


def build_repeats(c: CompiledProcess, params: SimParams, seed):
    """Per looping activity ``(draw instances, sequential, probability, maximum, test
    first)``, and the starts of event sub-processes per scope: per sub-process, and the
    process's own. Their streams are their own, so models without them draw as before."""
    entropy = _entropy(seed)
    repeat: list[tuple | None] = []
    for r, node_id in zip(c.repeat, c.ids, strict=True):
        if r is None:
            repeat.append(None)
            continue
        draw = r.instances.sampler(_rng(entropy, "instances:" + node_id)) if r.instances else None
        repeat.append((draw, r.sequential, r.probability, r.maximum, r.test_before))
    sla = sla_calendar(params)
    subs = [tuple(_boundary(b, c, params, sla, entropy) for b in bs) for bs in c.event_subs]
    case_subs = tuple(_boundary(b, c, params, sla, entropy) for b in c.case_event_subs)
    return repeat, subs, case_subs


def _drawn(draw: Callable[[], float]) -> Callable[[float], float]:
    def delay(now: float) -> float:
        return draw()

    return delay


def _boundary(b, c: CompiledProcess, params: SimParams, sla, entropy: int):
    fn: Callable[[float], float] | None
    if b.delay is not None:
        draw = b.delay.sampler(_rng(entropy, "boundary:" + c.ids[b.node]))
        fn = lambda now, draw=draw: draw()  # noqa: E731
    else:
        fn = timer_delay(b.timer, params.start, sla)
        if fn is None:  # not understood: it never fires (warned when compiled)
            fn = lambda now: math.inf  # noqa: E731
    return (b.node, b.interrupting, fn, b.probability)


def _arrivals(params: SimParams, rng: np.random.Generator):
    draw = params.arrivals.distribution.sampler(rng)
    weights = params.arrivals.per_hour
    if not weights:
        return lambda now: draw()
    top, mean_w = max(weights), sum(weights) / 24.0
    base = params.arrivals.distribution.mean * mean_w / top  # thinning at the busiest rate
    accept = Distribution("uniform", {"min": 0.0, "max": 1.0}, 0.0, 1.0).sampler(rng)
    fast = Distribution.exponential(base).sampler(rng)
    offset = params.start.hour * 3600 + params.start.minute * 60 + params.start.second

    def gap(now: float) -> float:
        t = now
        while True:
            t += fast()
            if accept() * top < weights[int((t + offset) // 3600) % 24]:
                return t - now

    return gap


def build_pools(c: CompiledProcess, params: SimParams) -> list[PoolRuntime]:
    """One :class:`PoolRuntime` per lane that has tasks, numbered resources."""
    pools, next_id = [], 0
    for name in c.pools:
        lane = params.lane(name)
        hours = params.calendar(lane.calendar).build(params.start)
        resources = list(range(next_id, next_id + lane.count))
        next_id += lane.count
        calendar = None if hours.always_open else hours
        pools.append(PoolRuntime(name, lane.count, calendar, hours, lane.cost_per_hour, resources))
    return pools


@dataclass
class RunResult:
    """The raw outcome of one replication, as arrays (seconds since ``params.start``)."""

    compiled: CompiledProcess
    params: SimParams
    pools: list[PoolRuntime]
    case_arrival: np.ndarray
    case_end: np.ndarray
    case: np.ndarray  # per task execution from here on
    node: np.ndarray
    enabled: np.ndarray
    start: np.ndarray
    end: np.ndarray
    resource: np.ndarray
    work: np.ndarray

    @classmethod
    def from_simulator(cls, sim) -> RunResult:
        rows = np.array(sim.rows, dtype=float).reshape(-1, 7)
        cols = [rows[:, i] for i in range(7)]
        for i in (0, 1, 5):
            cols[i] = cols[i].astype(np.int64)
        return cls(
            sim.c, sim.params, sim.pools, np.array(sim.case_arrival), np.array(sim.case_end), *cols
        )

    @property
    def finished(self) -> np.ndarray:
        """Which cases reached an end."""
        return ~np.isnan(self.case_end)

    def resource_names(self) -> list[str]:
        """Names of all clerks by global id: ``lane`` or ``lane_1``, ``lane_2``..."""
        names = []
        for pool in self.pools:
            names += [
                pool.name if pool.count == 1 else f"{pool.name}_{k + 1}" for k in range(pool.count)
            ]
        return names

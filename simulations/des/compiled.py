"""What the event loop runs on: a process compiled into integer-indexed arrays.

:func:`simulations.des.compiler.compile_process` fills a :class:`CompiledProcess`:
every flow node gets an index, a behaviour code (:data:`TASK`, :data:`XOR`...), its
successors as a tuple of indices and, for exclusive gateways, cumulative branch
probabilities, so the event loop never touches a string or a dict per step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.bpmn.model import Process, TimerDefinition
from simulations.des.repeats import Repeat
from simulations.params.distributions import Distribution

# behaviour codes
PASS, TASK, DELAY, XOR, AND, OR, END, TERMINATE, SUB, EVGW = range(10)


@dataclass
class Boundary:
    """An event attached to an activity: a timer, or another event with a probability."""

    node: int
    interrupting: bool
    timer: TimerDefinition | None
    delay: Distribution | None  # overrides the timer; the delay of other events
    probability: float = 1.0


@dataclass
class CompiledProcess:
    """The arrays the simulator runs on; index ``i`` describes node ``ids[i]``."""

    process: Process
    ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    kinds: list[int] = field(default_factory=list)
    succ: list[tuple[int, ...]] = field(default_factory=list)
    probs: list[tuple[float, ...]] = field(default_factory=list)
    join_need: list[int] = field(default_factory=list)
    pool: list[int] = field(default_factory=list)
    duration: list[Distribution | None] = field(default_factory=list)
    timer: list[TimerDefinition | None] = field(default_factory=list)
    boundaries: list[tuple[Boundary, ...]] = field(default_factory=list)
    sub_starts: list[tuple[int, ...]] = field(default_factory=list)
    or_join: list[int] = field(default_factory=list)
    message_probability: list[float] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    pools: list[str] = field(default_factory=list)
    pool_index: dict[str, int] = field(default_factory=dict)
    start_nodes: tuple[int, ...] = ()
    #: per activity: how its instances run (multi-instance or standard loop), else None
    repeat: list[Repeat | None] = field(default_factory=list)
    #: per sub-process (or inlined call): the starts of its event sub-processes
    event_subs: list[tuple[Boundary, ...]] = field(default_factory=list)
    case_event_subs: tuple[Boundary, ...] = ()  # those of the process itself
    event_sub_of: dict[int, int] = field(default_factory=dict)  # start -> event sub-process
    cancellable: bool = False
    warnings: list[str] = field(default_factory=list)

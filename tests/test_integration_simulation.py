"""The simulator treats a service task as automatic work with a configurable delay."""

from __future__ import annotations

import numpy as np

from engine.bpmn.builder import add_flow, add_node, linear_model
from simulations.des.compiler import compile_process
from simulations.des.simulator import simulate_once
from simulations.params.distributions import Distribution
from simulations.params.parameters import ArrivalParams, LaneParams, SimParams, TaskParams


def _model():
    model = linear_model(["review"])
    process = model.processes["p"]
    process.flows.clear()
    for node in process.nodes.values():
        node.incoming.clear(), node.outgoing.clear()
    add_node(process, "lookup", "serviceTask", lane="clerks")
    for a, b in [("start", "lookup"), ("lookup", "review"), ("review", "end")]:
        add_flow(process, a, b)
    return model


def _params(**tasks) -> SimParams:
    p = SimParams(sla_calendar="24/7")
    p.arrivals = ArrivalParams(Distribution.fixed(100_000.0), "24/7")
    p.default_lane = LaneParams(count=1, calendar="24/7")
    p.lanes["clerks"] = LaneParams(count=1, calendar="24/7")
    for task, (seconds, lane) in tasks.items():
        p.tasks[task] = TaskParams(Distribution.fixed(seconds), lane=lane)
    return p


def test_a_service_task_takes_its_delay_without_a_clerk():
    params = _params(lookup=(90.0, "clerks"), review=(60.0, None))
    run = simulate_once(_model(), params, cases=5, seed=1)
    assert np.allclose(run.case_end - run.case_arrival, 90 + 60)
    compiled = compile_process(_model(), params)
    assert compiled.pools == ["clerks"]  # only the review takes a clerk
    assert compiled.pool[compiled.ids.index("lookup")] == -1


def test_a_service_task_without_a_delay_is_reported():
    compiled = compile_process(_model(), _params(review=(60.0, None)))
    assert any("lookup: service tasks take no time" in w for w in compiled.warnings)

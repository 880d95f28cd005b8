"""Run replications on all cores, on Celery workers, or in this process.

Each replication gets its own seed from one :class:`numpy.random.SeedSequence`, so
the figures do not depend on where they ran. Celery is used when
``PERMITFLOW_BROKER_URL`` is set (workers: ``celery -A engine.background.worker worker``); results
come back through ``PERMITFLOW_RESULT_BACKEND`` (default: the broker). Tasks carry the
model as BPMN XML and the parameters as plain data, in JSON: nothing executable crosses
the broker.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from collections.abc import Iterator
from functools import lru_cache

import numpy as np
from celery import shared_task

from engine.bpmn.model import BpmnModel
from simulations.des.compiler import compile_process
from simulations.des.kpis import run_kpis
from simulations.des.results import SimulationResult
from simulations.des.simulator import Simulator
from simulations.params.parameters import SimParams, params_from_dict, params_to_dict

_worker_state: dict = {}


def replication_seeds(seed: int | None, replications: int) -> list[int]:
    """Independent 64-bit seeds for each replication."""
    children = np.random.SeedSequence(seed).spawn(replications)
    return [int(s.generate_state(1, np.uint64)[0]) for s in children]


def replicate(
    model: BpmnModel,
    params: SimParams,
    process_id,
    cases: int,
    seed: int,
    trim: float,
    keep: bool,
    called: dict[str, BpmnModel] | None = None,
):
    """One replication: its KPIs, and the raw run when ``keep``."""
    compiled = _compiled(model, params, process_id, called=called)
    run = Simulator(compiled, params, seed).run(cases)
    return run_kpis(run, trim), (run if keep else None), list(compiled.warnings)


def _compiled(model: BpmnModel, params: SimParams, process_id, compiled=None, called=None):
    """The compiled process of these very objects (kept alive, compared by identity: an
    ``id()`` of a freed object can be reused by the next one)."""
    state = _worker_state
    if (
        state.get("model") is not model
        or state.get("params") is not params
        or (state.get("process_id") != process_id)
        or state.get("called") is not called
    ):
        compiled = compiled or compile_process(model, params, process_id, called)
        state.update(
            model=model, params=params, process_id=process_id, compiled=compiled, called=called
        )
    return state["compiled"]


def _replicate_star(args):
    return replicate(*args)


def run_replications(
    model: BpmnModel,
    params: SimParams,
    cases: int | None = None,
    replications: int = 10,
    seed: int | None = None,
    process_id: str | None = None,
    workers: int | None = None,
    progress: bool = False,
    keep_runs: int = 0,
    label: str = "baseline",
    called: dict[str, BpmnModel] | None = None,
) -> SimulationResult:
    """Simulate ``replications`` independent runs and collect their KPIs.

    Parameters
    ----------
    cases : int, optional
        Cases per replication (default ``params.cases``).
    workers : int, optional
        Processes to use; default all cores; 1 runs in this process.
    progress : bool
        Show a tqdm progress bar on stderr.
    keep_runs : int
        How many raw runs to keep (for event logs).
    called : dict, optional
        Models of processes the model calls but does not hold (deployed ones), by
        process key: those call activities run inline. Such runs stay off Celery (its
        tasks carry one BPMN file).

    Examples
    --------
    >>> from engine.bpmn.builder import linear_model
    >>> r = run_replications(linear_model(["a"]), SimParams(), 30, replications=2, seed=1, workers=1)
    >>> len(r.replications), r.summary["cases.finished"]["mean"]
    (2, 30.0)
    """
    cases = cases or params.cases
    compiled = _compiled(model, params, process_id, called=called)  # forked workers inherit it
    seeds = replication_seeds(seed, replications)
    jobs = [
        (model, params, process_id, cases, s, params.trim, i < keep_runs, called)
        for i, s in enumerate(seeds)
    ]
    result = SimulationResult(compiled.process.id, cases, seed, label=label)
    outcomes = _execute(jobs, workers, progress, label)
    for kpis, run, warnings in outcomes:  # in replication order
        result.replications.append(kpis)
        if run is not None:
            result.runs.append(run)
        result.warnings = sorted(set(result.warnings) | set(warnings))
    return result


def _execute(jobs: list[tuple], workers: int | None, progress: bool, label: str) -> list:
    bar = _progress(len(jobs), progress, label)
    outcomes = []
    for outcome in _results(jobs, workers):
        outcomes.append(outcome)
        bar.update(1)
    bar.close()
    return outcomes


def _results(jobs: list[tuple], workers: int | None) -> Iterator[tuple]:
    if broker_url() and len(jobs) > 1 and jobs[0][7] is None:
        yield from _celery_results(jobs)
        return
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    if workers <= 1:
        yield from map(_replicate_star, jobs)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with context.Pool(workers) as pool:
        yield from pool.imap(_replicate_star, jobs)


def _progress(total: int, enabled: bool, label: str):
    from tqdm import tqdm

    show = enabled and sys.stderr.isatty()
    return tqdm(total=total, desc=label, unit="rep", file=sys.stderr, disable=not show)


def broker_url() -> str | None:
    """The Celery broker to use, if one is configured."""
    return os.environ.get("PERMITFLOW_BROKER_URL") or None


@shared_task(name="simulations.replicate")
def replicate_remote(
    bpmn_xml: str, params: dict, process_id, cases: int, seed: int, trim: float
) -> tuple[dict, list[str]]:
    """One replication on a worker, from JSON-safe arguments."""
    model = _model_from_xml(bpmn_xml)
    kpis, _run, warnings = replicate(
        model,
        _params_from_json(json.dumps(params, sort_keys=True)),
        process_id,
        cases,
        seed,
        trim,
        False,
    )
    return {k: float(v) for k, v in kpis.items()}, warnings


@lru_cache(maxsize=8)
def _params_from_json(text: str) -> SimParams:
    return params_from_dict(json.loads(text))


@lru_cache(maxsize=8)
def _model_from_xml(bpmn_xml: str) -> BpmnModel:
    from engine.bpmn.reader import load_bpmn

    return load_bpmn(bpmn_xml.encode(), "replication.bpmn")


def _celery_results(jobs: list[tuple]) -> Iterator[tuple]:
    """Replications on Celery workers; kept raw runs are simulated here (they are big)."""
    from celery import group

    from engine.background import worker  # noqa: F401  (the Celery app with the broker configured)
    from engine.bpmn.writer import write_bpmn

    model, params = jobs[0][0], jobs[0][1]
    xml, plain = write_bpmn(model).decode(), params_to_dict(params)
    remote = [job for job in jobs if not job[6]]
    pending = group(replicate_remote.s(xml, plain, *job[2:6]) for job in remote).apply_async()
    answers = iter(pending.get(timeout=3600))
    for job in jobs:
        if job[6]:
            yield replicate(*job)
        else:
            kpis, warnings = next(answers)
            yield kpis, None, warnings

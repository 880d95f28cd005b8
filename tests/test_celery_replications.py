"""Replications on Celery workers over Redis give the same figures as on this machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.bpmn.reader import load_bpmn_file
from simulations.des.parallel import run_replications
from simulations.params.parameters import load_params

PROCESSES = Path(__file__).resolve().parents[1] / "processes"


@pytest.mark.xdist_group("celery")
def test_replications_on_a_worker_match_local_ones(monkeypatch, celery_worker_factory):
    model = load_bpmn_file(PROCESSES / "building_approval.bpmn")
    params = load_params(PROCESSES / "simulation" / "building_approval.yaml")
    monkeypatch.delenv("PERMITFLOW_BROKER_URL")
    local = run_replications(model, params, cases=150, replications=3, seed=5, workers=1)
    monkeypatch.setenv("PERMITFLOW_BROKER_URL", "redis://127.0.0.1:6379/12")
    celery_worker_factory()
    remote = run_replications(model, params, cases=150, replications=3, seed=5)
    for name in ("cycle_time.mean", "lane.Lane_cashier.utilisation", "sla.compliance"):
        assert remote.summary[name]["mean"] == pytest.approx(local.summary[name]["mean"])

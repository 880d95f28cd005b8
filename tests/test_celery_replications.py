"""Replications on Celery workers over Redis give the same figures as on this machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.loader import load_bpmn_file
from simulations.parallel import run_replications
from simulations.params import load_params
from tests.test_celery_worker import _redis_up

PROCESSES = Path(__file__).resolve().parents[1] / "processes"


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_replications_on_a_worker_match_local_ones(monkeypatch):
    model = load_bpmn_file(PROCESSES / "building_approval.bpmn")
    params = load_params(PROCESSES / "simulation" / "building_approval.yaml")
    local = run_replications(model, params, cases=150, replications=3, seed=5, workers=1)

    broker = "redis://127.0.0.1:6379/12"
    queue = f"permitflow-sim-{os.getpid()}"
    env = dict(os.environ, PERMITFLOW_BROKER_URL=broker)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "engine.worker", "worker", "--pool=solo", "-Q", queue,
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        monkeypatch.setenv("PERMITFLOW_BROKER_URL", broker)
        from engine import worker as celery_worker

        celery_worker.app.conf.broker_url = broker
        celery_worker.app.conf.result_backend = broker
        celery_worker.app.conf.task_default_queue = queue
        remote = run_replications(model, params, cases=150, replications=3, seed=5)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    for name in ("cycle_time.mean", "lane.Lane_cashier.utilisation", "sla.compliance"):
        assert remote.summary[name]["mean"] == pytest.approx(local.summary[name]["mean"])

"""The exported event log is what process-mining tools read (pm4py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine import services
from engine.calendar import clock
from engine.reporting import event_log

TWO_LANES = (Path(__file__).parent / "engine_bpmn" / "two_lanes.bpmn").read_bytes()


@pytest.fixture
def finished_cases(session):
    services.create_user(session, "ani", roles=["front_office"])
    services.create_user(session, "budi", roles=["head_of_office"])
    services.deploy(session, TWO_LANES, source="two_lanes.bpmn")
    for index in range(3):
        case = services.start_case(
            session, "small_permit", {"applicant_name": f"P{index}", "area": 2}
        )
        task = services.open_tasks(session, case)[0]
        clock.advance(timedelta(hours=2))  # waits two hours before ani takes it
        services.claim(session, task.id, "ani")
        clock.advance(timedelta(minutes=30))
        services.complete_task(session, task.id, "ani", {})
        services.complete_task(
            session, services.open_tasks(session, case)[0].id, "budi", {"decision": "reject"}
        )
    session.commit()
    return session


def test_rows_have_lane_resource_and_times(finished_cases):
    rows = event_log.event_rows(finished_cases, "small_permit")
    assert len(rows) == 6
    first = rows[0]
    assert (first.activity, first.lane, first.resource) == (
        "Register application",
        "Front Office",
        "ani",
    )
    assert first.process_version == 1
    assert first.start - first.enabled >= timedelta(hours=2)  # waiting: ready -> claimed
    assert timedelta(minutes=29) < first.end - first.start < timedelta(minutes=31)  # working
    decide = rows[1]  # completed without a claim: work is taken to start when it became ready
    assert decide.start == decide.enabled


def test_pm4py_reads_csv_and_xes(finished_cases, tmp_path):
    import pandas as pd
    import pm4py

    rows = event_log.event_rows(finished_cases, "small_permit")
    xes = tmp_path / "log.xes"
    xes.write_bytes(event_log.to_xes(rows))
    log = pm4py.read_xes(str(xes))
    assert log["case:concept:name"].nunique() == 3
    assert set(log["concept:name"]) == {"Register application", "Decide"}
    assert set(log["lifecycle:transition"]) == {"schedule", "start", "complete"}

    csv = tmp_path / "log.csv"
    csv.write_text(event_log.to_csv(rows))
    frame = pm4py.format_dataframe(
        pd.read_csv(csv), case_id="case_id", activity_key="activity", timestamp_key="end"
    )
    assert len(frame) == 6
    dfg, _start, _end = pm4py.discover_dfg(frame)
    assert dfg[("Register application", "Decide")] == 3


def test_calibrating_from_the_engines_history_fits_working_time(finished_cases, tmp_path):
    from engine.bpmn.reader import load_bpmn
    from simulations.params.calibrate import calibrate, read_event_log

    log = tmp_path / "history.csv"
    log.write_text(event_log.to_csv(event_log.event_rows(finished_cases, "small_permit")))
    params = calibrate(load_bpmn(TWO_LANES, "two_lanes.bpmn"), read_event_log(log), calendar="24/7")
    # each registration waited 2 h, then took 30 min: the fitted duration is the 30 min
    assert 25 * 60 < params.tasks["register"].duration.mean < 35 * 60

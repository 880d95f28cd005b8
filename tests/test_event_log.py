"""The exported event log is what process-mining tools read (pm4py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import event_log, services

TWO_LANES = (Path(__file__).parent / "engine_bpmn" / "two_lanes.bpmn").read_bytes()


@pytest.fixture
def finished_cases(session):
    services.create_user(session, "ani", roles=["front_office"])
    services.create_user(session, "budi", roles=["head_of_office"])
    services.deploy(session, TWO_LANES, source="two_lanes.bpmn")
    for index in range(3):
        case = services.start_case(session, "small_permit", {"applicant_name": f"P{index}", "area": 2})
        services.complete_task(session, services.open_tasks(session, case)[0].id, "ani", {})
        services.complete_task(session, services.open_tasks(session, case)[0].id, "budi", {"decision": "reject"})
    session.commit()
    return session


def test_rows_have_lane_resource_and_times(finished_cases):
    rows = event_log.event_rows(finished_cases, "small_permit")
    assert len(rows) == 6
    first = rows[0]
    assert (first.activity, first.lane, first.resource) == ("Register application", "Front Office", "ani")
    assert first.start <= first.end and first.process_version == 1


def test_pm4py_reads_csv_and_xes(finished_cases, tmp_path):
    import pandas as pd
    import pm4py

    rows = event_log.event_rows(finished_cases, "small_permit")
    xes = tmp_path / "log.xes"
    xes.write_bytes(event_log.to_xes(rows))
    log = pm4py.read_xes(str(xes))
    assert log["case:concept:name"].nunique() == 3
    assert set(log["concept:name"]) == {"Register application", "Decide"}
    assert set(log["lifecycle:transition"]) == {"start", "complete"}

    csv = tmp_path / "log.csv"
    csv.write_text(event_log.to_csv(rows))
    frame = pm4py.format_dataframe(pd.read_csv(csv), case_id="case_id", activity_key="activity",
                                   timestamp_key="end")
    assert len(frame) == 6
    dfg, _start, _end = pm4py.discover_dfg(frame)
    assert dfg[("Register application", "Decide")] == 3

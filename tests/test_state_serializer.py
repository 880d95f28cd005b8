"""The stored workflow state carries its serializer version, checked when it is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import services
from engine.errors import InvalidState
from engine.workflow import specs

TWO_LANES = (Path(__file__).parent / "engine_bpmn" / "two_lanes.bpmn").read_bytes()


@pytest.fixture
def stored(session):
    services.create_user(session, "ani", roles=["front_office"])
    services.deploy(session, TWO_LANES, source="two_lanes.bpmn", deployed_by="designer")
    case = services.start_case(session, "small_permit", {"applicant_name": "Siti", "area": 3})
    session.commit()
    assert case.serializer_version == specs.SERIALIZER_VERSION
    return case.state, specs.specs_for(case.definition)


def test_todays_version_loads(stored):
    state, (spec, subprocesses) = stored
    workflow = specs.load_state(state, spec, subprocesses, specs.SERIALIZER_VERSION)
    assert not workflow.completed


def test_an_unknown_version_is_refused_by_name(stored):
    state, (spec, subprocesses) = stored
    with pytest.raises(InvalidState, match="'spiff-0.9'.*cannot read"):
        specs.load_state(state, spec, subprocesses, "spiff-0.9")


def test_an_older_version_is_upgraded_step_by_step(stored, monkeypatch):
    state, (spec, subprocesses) = stored
    steps = []

    def step(name, target):
        def upgrade(dct):
            steps.append(name)
            return dct

        return (target, upgrade)

    monkeypatch.setitem(specs.STATE_MIGRATIONS, "spiff-0.8", step("0.8", "spiff-0.9"))
    monkeypatch.setitem(specs.STATE_MIGRATIONS, "spiff-0.9", step("0.9", specs.SERIALIZER_VERSION))
    workflow = specs.load_state(state, spec, subprocesses, "spiff-0.8")
    assert steps == ["0.8", "0.9"] and not workflow.completed

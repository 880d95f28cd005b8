"""A procedure that starts by itself (timer or message start events only) is not started
by hand: the engine, the command line and the API refuse it with a message saying how its
cases start, and no case is left waiting at a start event that will never fire for it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine import services
from engine.cli import main
from engine.storage.tables import Case
from tests.test_start_events import COMPLAINT, _round


@pytest.fixture
def self_starting(session):
    services.deploy(session, _round(), source="round.bpmn")
    services.deploy(session, COMPLAINT, source="complaint_intake.bpmn")
    session.commit()
    return session


def _cases(session) -> int:
    return session.scalar(select(func.count()).select_from(Case))


def test_a_clerk_cannot_start_a_self_starting_procedure_by_hand(self_starting):
    session = self_starting
    with pytest.raises(services.StartsByItself, match="start by themselves.*timer") as timer:
        services.start_by_hand(session, "inspection_round", {}, started_by="clerk")
    assert timer.value.code == "starts_by_itself"
    with pytest.raises(services.StartsByItself, match="message"):
        services.start_by_hand(session, "complaint_intake", {}, started_by="clerk")
    assert _cases(session) == 0


def test_a_procedure_with_a_plain_start_is_started_by_hand(session):
    from tests.conftest import PROCESSES

    services.deploy(session, (PROCESSES / "signage_permit.bpmn").read_bytes(), source="s.bpmn")
    from engine.demo import fill

    model = services.load_deployed_model(session, "signage_permit")
    data = fill(services.start_form(model.processes["signage_permit"]))
    case = services.start_by_hand(session, "signage_permit", data, started_by="clerk")
    assert case.status == "running"


def test_the_command_line_refuses_in_one_line(sqlite_engine, monkeypatch):
    from sqlalchemy.orm import Session

    with Session(sqlite_engine) as session:
        services.deploy(session, _round(), source="round.bpmn")
        session.commit()
    url = sqlite_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("PERMITFLOW_DATABASE_URL", url)
    result = CliRunner().invoke(main, ["start", "inspection_round"], catch_exceptions=False)
    output = result.output + result.stderr
    assert result.exit_code != 0 and "Traceback" not in output
    assert "start by themselves" in output
    with Session(sqlite_engine) as session:
        assert _cases(session) == 0

"""A call activity calling itself, directly or through others, is refused at validation;
call nesting is bounded at run time (before: ``start`` never returned)."""

from __future__ import annotations

import pytest

from engine import services
from engine.errors import InvalidBpmn
from engine.office import incidents
from engine.validation.process import validate_file


def _process(pid: str, called: str | None, executable: bool = False) -> str:
    middle = f'<bpmn:callActivity id="call_{pid}" name="Call {called}" calledElement="{called}"/>'
    if called is None:
        middle = f'<bpmn:scriptTask id="call_{pid}" name="Work"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'
    return f"""<bpmn:process id="{pid}" name="{pid}" isExecutable="{str(executable).lower()}">
    <bpmn:startEvent id="s_{pid}"/>{middle}<bpmn:endEvent id="e_{pid}" name="End {pid}"/>
    <bpmn:sequenceFlow id="a_{pid}" sourceRef="s_{pid}" targetRef="call_{pid}"/>
    <bpmn:sequenceFlow id="b_{pid}" sourceRef="call_{pid}" targetRef="e_{pid}"/>
  </bpmn:process>"""


def _file(*processes: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions '
        'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" '
        'targetNamespace="http://example.org">' + "".join(processes) + "</bpmn:definitions>"
    ).encode()


SELF_CALL = _file(_process("permit", "permit", executable=True))
INDIRECT = _file(
    _process("permit", "review", executable=True),
    _process("review", "appeal"),
    _process("appeal", "permit"),
)


@pytest.mark.parametrize(
    "xml, path",
    [(SELF_CALL, "permit -> permit"), (INDIRECT, "appeal -> permit -> review -> appeal")],
)
def test_call_cycles_are_refused_at_validation_and_deploy(session, xml, path):
    _model, problems = validate_file(xml, "calls.bpmn")
    [cycle] = [p for p in problems if p.code == "call_cycle"]
    assert cycle.severity == "error" and path in cycle.message
    with pytest.raises(InvalidBpmn, match="cycle of calls"):
        services.deploy(session, xml, source="calls.bpmn")


def test_call_nesting_is_bounded_at_run_time(session):
    chain = [f"p{i}" for i in range(11)]
    xml = _file(
        *(
            _process(pid, chain[i + 1] if i + 1 < len(chain) else None, executable=i == 0)
            for i, pid in enumerate(chain)
        )
    )
    services.deploy(session, xml, source="chain.bpmn")
    case = services.start_case(session, "p0", {})
    incident = incidents.open_incident_of(session, case)
    assert case.status == "incident" and incident.kind == "call_depth"
    assert "nest more than 8 levels" in incident.message

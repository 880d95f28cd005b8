"""Validation: one tiny BPMN file per problem a designer can make."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from engine.bpmn.reader import load_bpmn
from engine.errors import Problem
from engine.validation.process import format_report, has_errors, validate, validate_file

importlib.import_module("engine.expressions.language")

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
STANDARD = (
    '<bpmn:extensionElements><pf:serviceStandard code="T" name="Test">'
    "<pf:maxDays>{max_days}</pf:maxDays></pf:serviceStandard></bpmn:extensionElements>"
)
DIAGRAM = (
    '<bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="P" bpmnElement="p">'
    '<bpmndi:BPMNShape id="s_di" bpmnElement="s"/></bpmndi:BPMNPlane></bpmndi:BPMNDiagram>'
)
# A valid process: start -> "Review" (a user task in the lane "Clerk") -> end.
VALID = """\
<bpmn:laneSet id="ls"><bpmn:lane id="lane" name="Clerk">
<bpmn:flowNodeRef>t</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
<bpmn:startEvent id="s"/>
<bpmn:userTask id="t" name="Review"/>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>"""


def bpmn(
    body: str = VALID,
    *,
    standard: bool = True,
    diagram: bool = True,
    max_days: str = "5",
    outside: str = "",
) -> bytes:
    """An executable process ``p`` around ``body``, one element per line."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<bpmn:definitions xmlns:bpmn="{BPMN_NS}"',
        '  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"',
        '  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
        '  xmlns:pf="https://permitflow.org/schema/bpmn/1.0" id="defs">',
        outside,
        '<bpmn:process id="p" name="Permit" isExecutable="true">',
        STANDARD.format(max_days=max_days) if standard else "",
        body,
        "</bpmn:process>",
        DIAGRAM if diagram else "",
        "</bpmn:definitions>",
    ]
    return "\n".join(lines).encode()


def line_of(data: bytes, text: str) -> int:
    """The 1-based line of ``data`` that contains ``text``."""
    for number, line in enumerate(data.decode().splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in the document")


def problems_of(data: bytes, code: str, *, for_execution: bool = True) -> list[Problem]:
    model, problems = validate_file(data, "t.bpmn", for_execution=for_execution)
    assert model is not None
    return [p for p in problems if p.code == code]


def only(
    data: bytes, code: str, element_id: str, *, severity: str = "error", for_execution: bool = True
) -> Problem:
    """The single problem ``code`` of ``data``, checked against the element and its line."""
    [problem] = problems_of(data, code, for_execution=for_execution)
    assert problem.element_id == element_id
    assert problem.line == line_of(data, f'id="{element_id}"')
    assert problem.severity == severity
    assert problem.source == "t.bpmn"
    return problem


def test_a_valid_file_has_no_problems():
    model, problems = validate_file(bpmn(), "t.bpmn")
    assert problems == [] and model.main_process().id == "p"


def test_the_building_permit_example_has_no_problems():
    data = (Path(__file__).parent / "bpmn" / "building_permit.bpmn").read_bytes()
    assert validate_file(data, "building_permit.bpmn")[1] == []


def test_no_process():
    data = (
        bpmn()
        .replace(b'<bpmn:process id="p"', b'<bpmn:category id="p"')
        .replace(b"</bpmn:process>", b"</bpmn:category>")
    )
    [problem] = problems_of(data, "no_process")
    assert problem.severity == "error" and "has no process" in problem.message


def test_no_start_event():
    data = bpmn(VALID.replace('<bpmn:startEvent id="s"/>', '<bpmn:task id="s"/>'))
    problem = only(data, "no_start_event", "p")
    assert problem.message == "Process 'Permit' has no start event"


def test_no_end_event():
    data = bpmn(VALID.replace('<bpmn:endEvent id="e"/>', '<bpmn:task id="e" name="Archive"/>'))
    only(data, "no_end_event", "p")
    only(data, "implicit_end", "e", severity="warning")


def test_sub_process_without_start_and_end():
    body = VALID.replace(
        '<bpmn:userTask id="t" name="Review"/>',
        '<bpmn:subProcess id="t" name="Check">\n<bpmn:task id="c"/>\n</bpmn:subProcess>',
    )
    assert (
        only(bpmn(body), "no_start_event", "t").message == "Sub-process 'Check' has no start event"
    )
    only(bpmn(body), "no_end_event", "t")


def test_unreachable_node():
    body = (
        VALID
        + '\n<bpmn:task id="lost" name="Lost"/>\n<bpmn:sequenceFlow id="f3" sourceRef="lost" targetRef="e"/>'
    )
    problem = only(bpmn(body), "unreachable_node", "lost")
    assert problem.element_name == "Lost"
    assert "cannot be reached from a start event" in problem.message


def test_a_task_without_outgoing_flow_is_an_implicit_end():
    body = (
        VALID
        + '\n<bpmn:task id="stuck" name="Stuck"/>\n<bpmn:sequenceFlow id="f3" sourceRef="s" targetRef="stuck"/>'
    )
    problem = only(bpmn(body), "implicit_end", "stuck", severity="warning")
    assert problem.message == (
        "task 'Stuck' ends its path without an end event; add an end event to make the "
        "outcome explicit"
    )


def test_an_intermediate_event_without_outgoing_flow_is_an_implicit_end():
    body = (
        VALID
        + '\n<bpmn:intermediateThrowEvent id="sent" name="Sent"/>\n<bpmn:sequenceFlow id="f3" sourceRef="t" targetRef="sent"/>'
    )
    only(bpmn(body), "implicit_end", "sent", severity="warning")


def test_boundary_event_without_outgoing_flow_is_an_implicit_end():
    body = VALID + (
        '\n<bpmn:boundaryEvent id="b" attachedToRef="t"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>P3D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
    )
    only(bpmn(body), "implicit_end", "b", severity="warning")
    assert not problems_of(bpmn(body), "dead_end")


def test_a_gateway_without_outgoing_flow_is_a_dead_end():
    body = (
        VALID
        + '\n<bpmn:exclusiveGateway id="stuck" name="Stuck"/>\n<bpmn:sequenceFlow id="f3" sourceRef="s" targetRef="stuck"/>'
    )
    problem = only(bpmn(body), "dead_end", "stuck")
    assert "has no outgoing sequence flow" in problem.message


def test_a_task_left_only_through_its_boundary_event_is_no_dead_end():
    body = VALID.replace('<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>', "") + (
        '\n<bpmn:boundaryEvent id="b" attachedToRef="t"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>P3D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
        '\n<bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="e"/>'
    )
    _, problems = validate_file(bpmn(body), "t.bpmn")
    assert problems == []


def test_endless_loop_has_no_path_to_end():
    body = (
        VALID.replace('targetRef="e"/>', 'targetRef="g"/>')
        + """
<bpmn:exclusiveGateway id="g" default="f3"/>
<bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="e"/>
<bpmn:sequenceFlow id="f4" sourceRef="g" targetRef="a"><bpmn:conditionExpression>again</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:task id="a" name="Loop A"/>
<bpmn:task id="b" name="Loop B"/>
<bpmn:sequenceFlow id="f5" sourceRef="a" targetRef="b"/>
<bpmn:sequenceFlow id="f6" sourceRef="b" targetRef="a"/>"""
    )
    data = bpmn(body)
    found = problems_of(data, "no_path_to_end")
    assert [(p.element_id, p.line) for p in found] == [
        ("a", line_of(data, 'id="a"')),
        ("b", line_of(data, 'id="b"')),
    ]
    assert "no end event can be reached" in found[0].message


GATEWAY = (
    VALID.replace('targetRef="e"/>', 'targetRef="g"/>').replace(
        '<bpmn:userTask id="t" name="Review"/>',
        '<bpmn:userTask id="t" name="Review"><bpmn:extensionElements><camunda:formData>'
        '<camunda:formField id="ok" type="boolean"/></camunda:formData>'
        "</bpmn:extensionElements></bpmn:userTask>",
    )
    + """
<bpmn:exclusiveGateway id="g" name="OK?"{default}/>
<bpmn:endEvent id="e2"/>
<bpmn:sequenceFlow id="yes" sourceRef="g" targetRef="e"><bpmn:conditionExpression>ok</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="no" name="No" sourceRef="g" targetRef="e2"/>"""
)


def test_gateway_flow_without_condition_or_default():
    problem = only(bpmn(GATEWAY.format(default="")), "missing_condition", "no")
    assert problem.element_name == "No" and "gateway 'OK?'" in problem.message
    _, problems = validate_file(bpmn(GATEWAY.format(default=' default="no"')), "t.bpmn")
    assert problems == []


def test_default_flow_that_is_not_outgoing():
    data = bpmn(GATEWAY.format(default=' default="f1"'))
    problem = only(data, "bad_default_flow", "g")
    assert "'f1'" in problem.message
    assert problems_of(data, "missing_condition")  # "no" still needs a condition


def test_flow_to_a_missing_element():
    body = VALID + '\n<bpmn:sequenceFlow id="f3" sourceRef="t" targetRef="ghost"/>'
    problem = only(bpmn(body), "dangling_flow", "f3")
    assert "'ghost'" in problem.message


def test_user_task_outside_any_lane():
    body = VALID.replace("<bpmn:flowNodeRef>t</bpmn:flowNodeRef>", "")
    problem = only(bpmn(body), "user_task_without_lane", "t")
    assert "every user task must be in a lane" in problem.message
    only(bpmn(body), "user_task_without_lane", "t", severity="warning", for_execution=False)


def test_duplicate_ids():
    body = VALID.replace(
        '<bpmn:endEvent id="e"/>', '<bpmn:endEvent id="e"/>\n<bpmn:task id="t" name="Again"/>'
    )
    data = bpmn(body)
    [problem] = problems_of(data, "duplicate_id")
    assert problem.element_id == "t" and problem.line == line_of(data, 'name="Again"')
    first = line_of(data, 'name="Review"')
    assert f"first at line {first}" in problem.message


@pytest.mark.parametrize(
    ("body", "element_id", "what"),
    [
        (
            GATEWAY.format(default=' default="no"').replace(">ok<", ">__import__('os')<"),
            "yes",
            "condition",
        ),
        (
            VALID.replace(
                '<bpmn:userTask id="t" name="Review"/>',
                '<bpmn:scriptTask id="t"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>',
            ),
            "t",
            "script",
        ),
        (
            VALID.replace(
                '<bpmn:endEvent id="e"/>',
                '<bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition><bpmn:timeDuration>'
                'open("/etc/passwd")</bpmn:timeDuration></bpmn:timerEventDefinition>'
                '</bpmn:intermediateCatchEvent>\n<bpmn:endEvent id="e"/>',
            ),
            "w",
            "timer duration",
        ),
    ],
    ids=["condition", "script", "timer"],
)
def test_unsafe_expressions(body, element_id, what):
    problem = only(bpmn(body), "unsafe_expression", element_id)
    assert problem.message.startswith(f"The {what} of ") and "is not allowed" in problem.message


def test_script_in_another_language():
    body = VALID.replace(
        '<bpmn:userTask id="t" name="Review"/>',
        '<bpmn:scriptTask id="t" scriptFormat="javascript"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>',
    )
    assert "'javascript'" in only(bpmn(body), "unsupported_script_format", "t").message


def test_empty_script():
    body = VALID.replace('<bpmn:userTask id="t" name="Review"/>', '<bpmn:scriptTask id="t"/>')
    only(bpmn(body), "empty_script", "t")


def test_unsupported_element_is_named():
    body = VALID.replace(
        '<bpmn:userTask id="t" name="Review"/>',
        '<bpmn:complexGateway id="t" name="Check credit"/>',
    )
    problem = only(bpmn(body), "unsupported_element", "t")
    assert problem.message == (
        "Element 'Check credit' (complexGateway) cannot be executed by permitflow:"
        " use an exclusive, inclusive or parallel gateway with conditions"
    )
    only(bpmn(body), "unsupported_element", "t", severity="warning", for_execution=False)


def test_an_unsupported_service_task_says_how_to_call_a_system():
    body = VALID.replace(
        '<bpmn:userTask id="t" name="Review"/>',
        '<bpmn:serviceTask id="t" name="Archive invoice"/>',
    )
    problem = only(bpmn(body), "unsupported_element", "t")
    assert "pf:connector" in problem.message
    assert "permitflow connectors list" in problem.message


def test_unsupported_event_definition_names_the_event_kind():
    body = VALID.replace(
        '<bpmn:endEvent id="e"/>',
        '<bpmn:endEvent id="e" name="Notify"><bpmn:compensateEventDefinition/></bpmn:endEvent>',
    )
    problem = only(bpmn(body), "unsupported_element", "e")
    assert "(compensateEventDefinition on endEvent)" in problem.message


def test_call_activity_of_an_unknown_process():
    body = VALID.replace(
        '<bpmn:userTask id="t" name="Review"/>',
        '<bpmn:callActivity id="t" name="Survey" calledElement="elsewhere"/>',
    )
    assert "'elsewhere'" in only(bpmn(body), "unknown_called_element", "t").message


def test_call_activity_makes_the_called_process_strict():
    called = '<bpmn:process id="sub"><bpmn:startEvent id="s2"/></bpmn:process>'
    body = VALID.replace(
        '<bpmn:userTask id="t" name="Review"/>', '<bpmn:callActivity id="t" calledElement="sub"/>'
    )
    problems = problems_of(bpmn(body, outside=called), "no_end_event")
    assert [(p.element_id, p.severity) for p in problems] == [("sub", "error")]


def test_other_processes_only_get_warnings():
    partner = '<bpmn:process id="partner"><bpmn:startEvent id="s2"/></bpmn:process>'
    problems = problems_of(bpmn(outside=partner), "no_end_event")
    assert [(p.element_id, p.severity) for p in problems] == [("partner", "warning")]


def test_timer_without_definition():
    body = VALID.replace(
        '<bpmn:startEvent id="s"/>',
        '<bpmn:startEvent id="s"><bpmn:timerEventDefinition/></bpmn:startEvent>',
    )
    only(bpmn(body), "timer_without_definition", "s")


def test_message_event_without_message_is_a_warning():
    body = VALID.replace(
        '<bpmn:startEvent id="s"/>',
        '<bpmn:startEvent id="s"><bpmn:messageEventDefinition/></bpmn:startEvent>',
    )
    only(bpmn(body), "message_without_ref", "s", severity="warning")


def test_missing_diagram_is_a_warning():
    [problem] = problems_of(bpmn(diagram=False), "no_diagram")
    assert problem.severity == "warning"
    assert problem.message == "t.bpmn has no diagram (BPMNDiagram); it cannot be drawn"


def test_missing_service_standard_is_a_warning():
    only(bpmn(standard=False), "no_service_standard", "p", severity="warning")


def test_unreadable_service_standard_values():
    data = bpmn(max_days="dua puluh")
    [problem] = problems_of(data, "invalid_service_standard")
    assert problem.element_id == "p" and problem.line == line_of(data, "pf:maxDays")
    assert "'dua puluh'" in problem.message


FORM = """<bpmn:startEvent id="s"><bpmn:extensionElements><camunda:formData xmlns:camunda="http://camunda.org/schema/1.0/bpmn">
<camunda:formField id="{id}" type="{type}"><camunda:validation><camunda:constraint name="{name}" config="{config}"/></camunda:validation></camunda:formField>
</camunda:formData></bpmn:extensionElements></bpmn:startEvent>"""


@pytest.mark.parametrize(
    ("type_", "name", "config", "expected"),
    [
        ("colour", "required", "", "has type 'colour'"),
        ("enum", "required", "", "is an enum without values"),
        ("string", "minlength", "three", "minlength must be a whole number"),
        ("long", "max", "lots", "max must be a number"),
        ("date", "min", "tomorrow", "min must be a date YYYY-MM-DD"),
        ("string", "pattern", "([a-z", "is not a valid regular expression"),
    ],
)
def test_invalid_form_fields(type_, name, config, expected):
    form = FORM.format(id="area", type=type_, name=name, config=config)
    problem = only(
        bpmn(VALID.replace('<bpmn:startEvent id="s"/>', form)), "invalid_form_field", "s"
    )
    assert problem.message.startswith("Form field 'area' of 's'") and expected in problem.message


def test_unknown_form_constraint_is_a_warning():
    form = FORM.format(id="area", type="long", name="even", config="")
    only(
        bpmn(VALID.replace('<bpmn:startEvent id="s"/>', form)),
        "unknown_form_constraint",
        "s",
        severity="warning",
    )


def test_unreadable_files_give_a_problem_and_no_model():
    model, [problem] = validate_file(b"<definitions>\n<x></definitions>", "broken.bpmn")
    assert model is None and (problem.code, problem.line) == ("not_well_formed", 2)
    model, [problem] = validate_file(b'<!DOCTYPE x [<!ENTITY a "b">]><x/>', "evil.bpmn")
    assert model is None and problem.code == "unsafe_xml" and "DOCTYPE" in problem.message


def test_validate_works_on_a_loaded_model():
    model = load_bpmn(bpmn(VALID.replace("<bpmn:flowNodeRef>t</bpmn:flowNodeRef>", "")))
    assert [p.code for p in validate(model)] == ["user_task_without_lane"]


def test_report_lists_errors_first():
    problems = [
        Problem("warning", "no_diagram", "no diagram", source="t.bpmn"),
        Problem("error", "dead_end", "stuck", "t", "Review", 7, "t.bpmn"),
    ]
    assert has_errors(problems) and not has_errors(problems[:1])
    assert format_report(problems) == (
        'error: t.bpmn:7, t "Review": stuck\nwarning: t.bpmn: no diagram'
    )


def test_two_thousand_nodes_validate():

    tasks = "\n".join(
        f'<bpmn:task id="t{i}"/><bpmn:sequenceFlow id="f{i}" sourceRef="t{i}" targetRef="t{i + 1}"/>'
        for i in range(2000)
    )
    body = f'<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="fs" sourceRef="s" targetRef="t0"/>\n{tasks}'
    body += '\n<bpmn:endEvent id="t2000"/>\n<bpmn:task id="x1"/>\n<bpmn:task id="x2"/>'
    _, problems = validate_file(bpmn(body), "t.bpmn")  # speed: benchmarks/analysis_scale.py
    assert sorted((p.code, p.element_id) for p in problems) == [
        ("implicit_end", "x1"),
        ("implicit_end", "x2"),
        ("unreachable_node", "x1"),
        ("unreachable_node", "x2"),
    ]


# -- data flow: a name read must be written on every path that reaches it -------------

FIELDS = (
    "<bpmn:extensionElements><camunda:formData>{fields}</camunda:formData></bpmn:extensionElements>"
)


def form(*names: str) -> str:
    return FIELDS.format(
        fields="".join(f'<camunda:formField id="{n}" type="long"/>' for n in names)
    )


# start (form: start_fields) -> g1 (small? / else) -> "Measure" (form: area) or "Skip"
# -> join -> g2 ("big" reads the condition) -> end
BRANCHES = """\
<bpmn:laneSet id="ls"><bpmn:lane id="lane" name="Clerk">
<bpmn:flowNodeRef>m</bpmn:flowNodeRef><bpmn:flowNodeRef>k</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
<bpmn:startEvent id="s">{start_form}</bpmn:startEvent>
<bpmn:exclusiveGateway id="g1" default="f_skip"/>
<bpmn:userTask id="m" name="Measure">{measure_form}</bpmn:userTask>
<bpmn:userTask id="k" name="Skip"/>
<bpmn:exclusiveGateway id="j"/>
<bpmn:exclusiveGateway id="g2" default="f_small"/>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g1"/>
<bpmn:sequenceFlow id="f_measure" sourceRef="g1" targetRef="m"><bpmn:conditionExpression>kind == 1</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f_skip" sourceRef="g1" targetRef="k"/>
<bpmn:sequenceFlow id="f2" sourceRef="m" targetRef="j"/>
<bpmn:sequenceFlow id="f3" sourceRef="k" targetRef="j"/>
<bpmn:sequenceFlow id="f4" sourceRef="j" targetRef="g2"/>
<bpmn:sequenceFlow id="f_big" name="big" sourceRef="g2" targetRef="e"><bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f_small" sourceRef="g2" targetRef="e"/>"""


def branches(condition="floor_area > 500", start=("kind",), measure=("floor_area",)) -> bytes:
    body = BRANCHES.format(
        start_form=form(*start), measure_form=form(*measure), condition=condition
    )
    return bpmn(body)


def test_a_name_no_path_writes_is_an_error():
    problem = only(branches(measure=()), "unset_name", "f_big")
    assert "'floor_area'" in problem.message and "anywhere in the process" in problem.message
    assert problem.element_name == "big"


def test_a_name_written_on_some_paths_is_a_warning_with_one_path():
    problem = only(branches(), "maybe_unset_name", "f_big", severity="warning")
    assert "'floor_area'" in problem.message
    assert "Skip" in problem.message and "Measure" not in problem.message


def test_names_from_the_start_form_and_every_branch_are_fine():
    _, problems = validate_file(branches(start=("kind", "floor_area")), "t.bpmn")
    assert not [p for p in problems if p.code.endswith("unset_name")]
    both = branches().replace(
        b'<bpmn:userTask id="k" name="Skip"/>',
        b'<bpmn:userTask id="k" name="Skip">' + form("floor_area").encode() + b"</bpmn:userTask>",
    )
    _, problems = validate_file(both, "t.bpmn")
    assert not [p for p in problems if p.code.endswith("unset_name")]


MESSAGE_THROW = """\
<bpmn:startEvent id="s">{start_form}</bpmn:startEvent>
<bpmn:sendTask id="send" name="Notify the registry" messageRef="m_issued"{payload_attr}>{payload}</bpmn:sendTask>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="send"/>
<bpmn:sequenceFlow id="f2" sourceRef="send" targetRef="e"/>"""
CORRELATION = """\
<bpmn:message id="m_issued" name="permit_issued"/>
<bpmn:correlationProperty id="cp" name="permit number">
<bpmn:correlationPropertyRetrievalExpression messageRef="m_issued">
<bpmn:messagePath>permit_no</bpmn:messagePath>
</bpmn:correlationPropertyRetrievalExpression></bpmn:correlationProperty>"""


def test_a_thrown_message_reads_its_correlation_or_its_payload():
    """Without a declared payload the whole data travels and the correlation is read
    from it; with one, its expressions are what is read (SpiffWorkflow's collaboration
    and correlation models correlate on names only their test code set: accepted, then
    an incident at run time)."""
    bare = MESSAGE_THROW.format(start_form=form("kind"), payload_attr="", payload="")
    problem = only(bpmn(bare, outside=CORRELATION), "unset_name", "send")
    assert "'permit_no'" in problem.message and "message" in problem.message
    fine = MESSAGE_THROW.format(start_form=form("permit_no"), payload_attr="", payload="")
    assert not problems_of(bpmn(fine, outside=CORRELATION), "unset_name")
    payload = (
        '<bpmn:extensionElements><pf:messagePayload><pf:field name="permit_no" '
        'expression="number"/></pf:messagePayload></bpmn:extensionElements>'
    )
    declared = MESSAGE_THROW.format(start_form=form("kind"), payload_attr="", payload=payload)
    problem = only(bpmn(declared, outside=CORRELATION), "unset_name", "send")
    assert "'number'" in problem.message


def test_a_script_and_a_parallel_join_write_for_what_follows():
    data = branches(measure=()).replace(
        b'<bpmn:userTask id="k" name="Skip"/>',
        b'<bpmn:scriptTask id="k" name="Skip"><bpmn:script>floor_area = 0</bpmn:script></bpmn:scriptTask>',
    )
    problem = only(data, "maybe_unset_name", "f_big", severity="warning")
    assert "Measure" in problem.message  # the path through "Measure" leaves it unset
    parallel = data.replace(
        b'<bpmn:exclusiveGateway id="g1" default="f_skip"/>', b'<bpmn:parallelGateway id="g1"/>'
    )
    parallel = parallel.replace(
        b'<bpmn:exclusiveGateway id="j"/>', b'<bpmn:parallelGateway id="j"/>'
    )
    parallel = parallel.replace(
        b"<bpmn:conditionExpression>kind == 1</bpmn:conditionExpression>", b""
    )
    _, problems = validate_file(parallel, "t.bpmn")
    assert not [p for p in problems if p.code.endswith("unset_name")]


def test_a_script_reading_before_anything_writes_is_an_error():
    start = '<bpmn:startEvent id="s">' + form("kind") + "</bpmn:startEvent>"
    data = bpmn(
        VALID.replace('<bpmn:startEvent id="s"/>', start).replace(
            '<bpmn:userTask id="t" name="Review"/>',
            '<bpmn:scriptTask id="t" name="Fee"><bpmn:script>fee = area * 2\ntotal = fee + 1</bpmn:script></bpmn:scriptTask>',
        )
    )
    [problem] = problems_of(data, "unset_name")
    assert problem.element_id == "t" and "'area'" in problem.message


def test_a_message_without_declared_fields_may_bring_any_name():
    data = branches(measure=()).replace(
        b'<bpmn:userTask id="k" name="Skip"/>',
        b'<bpmn:intermediateCatchEvent id="k" name="Skip"><bpmn:messageEventDefinition messageRef="m1"/></bpmn:intermediateCatchEvent>',
    )
    assert problems_of(data, "unset_name") == []  # the path through "Measure" still warns
    assert [p.element_id for p in problems_of(data, "maybe_unset_name")] == ["f_big"]


@pytest.mark.parametrize(
    ("condition", "reason"),
    [("9**9**9**9 > floor_area", "too large"), ("floor_area > 1 / 0", "division by zero")],
)
def test_constant_parts_that_cannot_be_computed_are_refused(condition, reason):
    problem = only(
        branches(condition=condition, start=("kind", "floor_area")), "unsafe_expression", "f_big"
    )
    assert "the constant part" in problem.message and reason in problem.message


def test_a_size_bomb_in_a_script_is_refused():
    data = bpmn(
        VALID.replace(
            '<bpmn:userTask id="t" name="Review"/>',
            '<bpmn:scriptTask id="t" name="Fee"><bpmn:script>x = "a" * 10**12</bpmn:script></bpmn:scriptTask>',
        )
    )
    assert "the constant part" in only(data, "unsafe_expression", "t").message


def test_without_a_start_form_only_start_data_can_set_a_name():
    data = bpmn(
        VALID.replace(
            '<bpmn:userTask id="t" name="Review"/>',
            '<bpmn:scriptTask id="t" name="Fee"><bpmn:script>fee = area * 2</bpmn:script></bpmn:scriptTask>',
        )
    )
    assert problems_of(data, "unset_name") == []
    [problem] = problems_of(data, "name_from_start_data")
    assert problem.severity == "warning" and "'area'" in problem.message


def test_a_python_script_beyond_assignments_is_refused_saying_what_is_allowed():
    data = bpmn(
        VALID.replace(
            '<bpmn:userTask id="t" name="Review"/>',
            '<bpmn:scriptTask id="t" name="Log"><bpmn:script>print(fee)</bpmn:script></bpmn:scriptTask>',
        )
    )
    problem = only(data, "unsafe_expression", "t")
    assert "only assignments" in problem.message
    assert "one assignment per line" in problem.message and "no def" in problem.message


def test_a_multi_instance_output_item_no_instance_sets_is_an_error():
    multi = (
        "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>3</bpmn:loopCardinality>"
        "<bpmn:loopDataOutputRef>results</bpmn:loopDataOutputRef>"
        '<bpmn:outputDataItem id="result" name="result"/></bpmn:multiInstanceLoopCharacteristics>'
    )
    data = bpmn(
        VALID.replace(
            '<bpmn:userTask id="t" name="Review"/>',
            f'<bpmn:userTask id="t" name="Review">{multi}</bpmn:userTask>',
        )
    )
    problem = only(data, "missing_output_item", "t")
    assert "'result'" in problem.message
    with_form = data.replace(
        b"<bpmn:multiInstanceLoopCharacteristics>",
        form("result").encode() + b"<bpmn:multiInstanceLoopCharacteristics>",
    )
    assert problems_of(with_form, "missing_output_item") == []


def data_object_process(script: str, reader: str = "") -> bytes:
    """start (form) -> script "Prepare" (stores the data object) -> [reader] -> end."""
    start = '<bpmn:startEvent id="s">' + form("kind") + "</bpmn:startEvent>"
    task = (
        f'<bpmn:scriptTask id="t" name="Prepare"><bpmn:script>{script}</bpmn:script>'
        '<bpmn:dataOutputAssociation id="o1"><bpmn:targetRef>ref1</bpmn:targetRef>'
        "</bpmn:dataOutputAssociation></bpmn:scriptTask>"
        '<bpmn:dataObject id="permit_data" name="Permit data"/>'
        '<bpmn:dataObjectReference id="ref1" dataObjectRef="permit_data"/>'
        '<bpmn:dataObjectReference id="ref2" dataObjectRef="permit_data"/>'
    )
    body = VALID.replace('<bpmn:startEvent id="s"/>', start).replace(
        '<bpmn:userTask id="t" name="Review"/>', task
    )
    if reader:
        body = body.replace('targetRef="e"/>', 'targetRef="r"/>') + (
            f'\n<bpmn:scriptTask id="r" name="Use"><bpmn:script>{reader}</bpmn:script>'
            '<bpmn:dataInputAssociation id="i1"><bpmn:sourceRef>ref2</bpmn:sourceRef>'
            "</bpmn:dataInputAssociation></bpmn:scriptTask>"
            '\n<bpmn:sequenceFlow id="f3" sourceRef="r" targetRef="e"/>'
        )
    return bpmn(body)


def test_a_data_object_is_stored_from_the_name_of_its_id():
    assert problems_of(data_object_process("permit_data = kind * 2"), "unset_name") == []
    [problem] = problems_of(data_object_process("data = kind * 2"), "unset_name")
    assert problem.element_id == "t" and "data output to 'Permit data'" in problem.message
    assert "'permit_data'" in problem.message


def test_a_data_input_hands_the_object_to_the_task_that_reads_it():
    data = data_object_process("permit_data = kind * 2", reader="fee = permit_data + 1")
    assert problems_of(data, "unset_name") == []
    never_stored = data.replace(
        b'<bpmn:dataOutputAssociation id="o1"><bpmn:targetRef>ref1</bpmn:targetRef>'
        b"</bpmn:dataOutputAssociation>",
        b"",
    )
    [problem] = problems_of(never_stored, "unset_name")
    assert problem.element_id == "r" and "data object 'permit_data'" in problem.message


def test_without_a_start_form_a_data_object_never_stored_is_still_an_error():
    """Start data is case data; a data input of an object no output association stored
    hands the task None whatever the start data (it was a name_from_start_data warning)."""
    data = data_object_process("permit_data = kind * 2", reader="fee = permit_data + 1")
    never_stored = data.replace(
        b'<bpmn:dataOutputAssociation id="o1"><bpmn:targetRef>ref1</bpmn:targetRef>'
        b"</bpmn:dataOutputAssociation>",
        b"",
    )
    no_start_form = re.sub(
        rb'<bpmn:startEvent id="s">.*?</bpmn:startEvent>',
        b'<bpmn:startEvent id="s"/>',
        never_stored,
        flags=re.S,
    )
    assert no_start_form != never_stored
    [problem] = problems_of(no_start_form, "unset_name")
    assert problem.element_id == "r" and "data object 'permit_data'" in problem.message
    starts = problems_of(no_start_form, "name_from_start_data")
    assert [p.element_id for p in starts] == ["t"]  # "kind", case data start data may bring

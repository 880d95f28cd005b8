"""The BPMN writer and its automatic layout, on small literal processes.

What a designer would notice: the file opens (every element drawn, lanes and pools
horizontal, right-angle edges that start and end on their shapes, nothing stacked on
top of something else), SpiffWorkflow runs it, and loading it back gives the same
procedure.
"""

from __future__ import annotations

import importlib

from lxml import etree
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.layout import (
    find_back_edges,
    flow_graph,
    layout,
    longest_path_layers,
    participant_id,
)
from engine.bpmn.model import (
    BpmnModel,
    EnumValue,
    Fee,
    FormField,
    Lane,
    Node,
    Process,
    SequenceFlow,
    ServiceStandard,
    TimerDefinition,
)
from engine.bpmn.writer import process_to_bpmn, write_bpmn

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}


def _add(process: Process, node_id: str, kind: str, lane: str | None = None, **attrs) -> Node:
    node = Node(
        node_id, kind, attrs.pop("name", node_id.replace("_", " ")), process.id, lane, **attrs
    )
    process.nodes[node_id] = node
    if lane:
        process.lanes[lane].node_ids.append(node_id)
    return node


def _link(process: Process, flow_id: str, source: str, target: str, condition: str | None = None):
    process.flows[flow_id] = SequenceFlow(
        flow_id, source, target, condition=condition, process_id=process.id
    )
    process.nodes[source].outgoing.append(flow_id)
    process.nodes[target].incoming.append(flow_id)


def review_process() -> Process:
    """Two lanes; verify -> (revise loop through the front office) -> fee script -> end,
    with a non-interrupting reminder timer on the verification (quoted, so bare
    SpiffWorkflow evaluates it too)."""
    p = Process("review", "Review", is_executable=True)
    p.service_standard = ServiceStandard(
        code="RV",
        name="Review",
        legal_basis=["Perda 1/2024"],
        requirements=["KTP"],
        max_days=5,
        fee=Fee(10000, "IDR", "Biaya"),
        product="Surat",
        complaint_channel="LAPOR!",
    )
    p.lanes["Lane_front"] = Lane("Lane_front", "Front Office", "review", role="front_office")
    p.lanes["Lane_verifier"] = Lane("Lane_verifier", "Verifier", "review", role="verifier")
    name = FormField("applicant_name", "Nama", constraints={"required": "", "minlength": "3"})
    area = FormField("floor_area", "Luas", "long", constraints={"required": "", "min": "1"})
    decision = FormField(
        "decision",
        "Decision",
        "enum",
        default="approve",
        constraints={"required": ""},
        enum_values=(EnumValue("approve", "Approve"), EnumValue("revise", "Revise")),
    )
    _add(p, "start", "startEvent", "Lane_front", form_fields=(name, area))
    _add(
        p, "verify", "userTask", "Lane_verifier", form_fields=(decision,), documentation="Check it."
    )
    _add(p, "gw", "exclusiveGateway", "Lane_verifier", default_flow="f_ok")
    _add(
        p,
        "revise",
        "userTask",
        "Lane_front",
        properties={"candidateGroups": "front_office", "sla": "2"},
    )
    _add(
        p,
        "fee",
        "scriptTask",
        "Lane_verifier",
        script="fee = floor_area * 1000",
        script_format="python",
    )
    _add(p, "end", "endEvent", "Lane_verifier")
    _add(
        p,
        "remind",
        "boundaryEvent",
        "Lane_verifier",
        attached_to="verify",
        cancel_activity=False,
        event_definitions=("timer",),
        timer=TimerDefinition("duration", '"P3D"'),
    )
    _add(p, "reminded", "endEvent", "Lane_verifier")
    for flow in [
        ("f1", "start", "verify"),
        ("f2", "verify", "gw"),
        ("f_ok", "gw", "fee"),
        ("f_rev", "gw", "revise", 'decision == "revise"'),
        ("f3", "revise", "verify"),
        ("f4", "fee", "end"),
        ("f5", "remind", "reminded"),
    ]:
        _link(p, *flow)
    return p


def _tree(xml: bytes) -> etree._Element:
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    return etree.fromstring(xml)


def _drawn(root: etree._Element) -> dict[str, etree._Element]:
    shapes = root.iterfind(".//bpmndi:BPMNShape", NS)
    edges = root.iterfind(".//bpmndi:BPMNEdge", NS)
    return {e.get("bpmnElement"): e for e in [*shapes, *edges]}


def _run(xml: bytes, process_id: str, start: dict, answers: list[dict]) -> BpmnWorkflow:
    parser = CamundaParser()
    parser.add_bpmn_str(xml)
    workflow = BpmnWorkflow(parser.get_spec(process_id), parser.get_subprocess_specs(process_id))
    workflow.get_next_task(state=TaskState.READY).data.update(start)
    workflow.do_engine_steps()
    for answer in answers:
        (task,) = workflow.get_tasks(state=TaskState.READY, manual=True)
        task.data.update(answer)
        task.run()
        workflow.do_engine_steps()
    return workflow


def test_layout_is_deterministic():
    assert layout(review_process()) == layout(review_process())
    assert process_to_bpmn(review_process()) == process_to_bpmn(review_process())


def test_loop_is_found_and_ignored_for_columns():
    process = review_process()
    graph = flow_graph(process, None)
    order, back = find_back_edges(process, graph)
    assert back == {"f3"}
    columns = longest_path_layers(graph, order, back)
    assert [columns[i] for i in ("start", "verify", "gw", "fee", "end")] == [0, 1, 2, 3, 4]
    assert columns["revise"] == 3 and columns["reminded"] == 2


def test_every_element_is_drawn_and_pools_and_lanes_are_horizontal():
    process = review_process()
    drawn = _drawn(_tree(process_to_bpmn(process)))
    assert set(process.nodes) | set(process.flows) | set(process.lanes) <= set(drawn)
    for element_id in [participant_id(process), *process.lanes]:
        assert drawn[element_id].get("isHorizontal") == "true"


def _overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_shapes_do_not_overlap_and_sit_in_their_lane():
    process = review_process()
    shapes = layout(process)
    placed = [n for n in process.nodes.values() if n.kind != "boundaryEvent"]
    for i, a in enumerate(placed):
        lane = shapes[a.lane_id]
        box = shapes[a.id]
        assert lane[1] <= box[1] and box[1] + box[3] <= lane[1] + lane[3], a.id
        for b in placed[i + 1 :]:
            assert not _overlap(box, shapes[b.id]), (a.id, b.id)
    assert _overlap(shapes["remind"], shapes["verify"])  # on the border of its task


def _on_border(point, box) -> bool:
    x, y = point
    inside_x, inside_y = box[0] <= x <= box[0] + box[2], box[1] <= y <= box[1] + box[3]
    on_x, on_y = x in (box[0], box[0] + box[2]), y in (box[1], box[1] + box[3])
    return (on_x and inside_y) or (on_y and inside_x)


def test_edges_are_orthogonal_and_join_their_shapes():
    process = review_process()
    shapes = layout(process)
    for flow in process.flows.values():
        points = shapes[flow.id]
        assert len(points) >= 2
        for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
            assert x1 == x2 or y1 == y2, flow.id
        assert _on_border(points[0], shapes[flow.source]), flow.id
        assert _on_border(points[-1], shapes[flow.target]), flow.id


def test_spiffworkflow_runs_the_output_through_the_loop():
    xml = process_to_bpmn(review_process())
    answers = [{"decision": "revise"}, {}, {"decision": "approve"}]
    workflow = _run(xml, "review", {"applicant_name": "Ani", "floor_area": 3}, answers)
    assert workflow.is_completed()
    assert workflow.last_task.data["fee"] == 3000


def test_forms_and_service_standard_are_written():
    root = _tree(process_to_bpmn(review_process()))
    ns = {
        **NS,
        "camunda": "http://camunda.org/schema/1.0/bpmn",
        "pf": "https://permitflow.org/schema/bpmn/1.0",
    }
    field = root.find(".//bpmn:userTask[@id='verify']//camunda:formField", ns)
    assert field.get("type") == "enum" and field.get("defaultValue") == "approve"
    assert [v.get("id") for v in field.iterfind("camunda:value", ns)] == ["approve", "revise"]
    minimum = root.find(".//bpmn:startEvent//camunda:constraint[@name='min']", ns)
    assert minimum.get("config") == "1"
    standard = root.find(".//bpmn:process/bpmn:extensionElements/pf:serviceStandard", ns)
    assert standard.findtext("pf:maxDays", namespaces=ns) == "5"
    assert standard.find("pf:fee", ns).get("amount") == "10000"
    lane = root.find(".//bpmn:lane[@id='Lane_front']", ns)
    assert lane.get(f"{{{ns['pf']}}}role") == "front_office"
    condition = root.find(".//bpmn:sequenceFlow[@id='f_rev']/bpmn:conditionExpression", ns)
    assert (
        condition.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "bpmn:tFormalExpression"
    )


def test_round_trip_through_the_loader():
    loader = importlib.import_module("engine.bpmn.reader")
    original = review_process()
    model = loader.load_bpmn(process_to_bpmn(original), "review.bpmn")
    loaded = model.processes["review"]
    assert loaded.service_standard.as_dict() == original.service_standard.as_dict()
    assert loaded.participant_id == participant_id(original)
    for node in original.nodes.values():
        again = loaded.nodes[node.id]
        for attribute in (
            "kind",
            "name",
            "lane_id",
            "parent_id",
            "event_definitions",
            "timer",
            "attached_to",
            "cancel_activity",
            "default_flow",
            "script",
            "script_format",
            "form_fields",
            "documentation",
            "properties",
            "incoming",
            "outgoing",
        ):
            assert getattr(again, attribute) == getattr(node, attribute), (node.id, attribute)
    for flow in original.flows.values():
        again = loaded.flows[flow.id]
        assert (again.source, again.target, again.condition) == (
            flow.source,
            flow.target,
            flow.condition,
        )
    for lane in original.lanes.values():
        again = loaded.lanes[lane.id]
        assert (again.name, again.role, again.node_ids) == (lane.name, lane.role, lane.node_ids)
    assert model.diagram_element_ids >= set(original.nodes) | set(original.flows)


def subprocess_process() -> Process:
    """No lanes: start -> collapsed sub-process (start -> check -> end) -> end."""
    p = Process("nested", is_executable=True)
    _add(p, "start", "startEvent")
    _add(p, "sub", "subProcess")
    _add(p, "sub_start", "startEvent", parent_id="sub")
    _add(p, "check", "userTask", parent_id="sub")
    _add(p, "sub_end", "endEvent", parent_id="sub")
    _add(p, "end", "endEvent")
    for flow in [
        ("f1", "start", "sub"),
        ("f2", "sub", "end"),
        ("s1", "sub_start", "check"),
        ("s2", "check", "sub_end"),
    ]:
        _link(p, *flow)
    return p


def test_sub_process_is_collapsed_with_its_own_plane():
    process = subprocess_process()
    xml = process_to_bpmn(process)
    root = _tree(xml)
    assert root.find("bpmn:collaboration", NS) is None
    sub = root.find(".//bpmn:subProcess[@id='sub']", NS)
    assert {e.get("id") for e in sub} >= {"sub_start", "check", "sub_end", "s1", "s2"}
    planes = {p.get("bpmnElement"): p for p in root.iterfind(".//bpmndi:BPMNPlane", NS)}
    assert set(planes) == {"nested", "sub"}
    assert set(_drawn(planes["sub"])) == {"sub_start", "check", "sub_end", "s1", "s2"}
    assert _drawn(planes["nested"])["sub"].get("isExpanded") == "false"
    workflow = _run(xml, "nested", {}, [{"ok": True}])
    assert workflow.is_completed()


def test_several_processes_get_stacked_pools():
    first, second = review_process(), subprocess_process()
    model = BpmnModel("two.bpmn", "", processes={"review": first, "nested": second})
    root = _tree(write_bpmn(model))
    participants = root.findall("bpmn:collaboration/bpmn:participant", NS)
    assert [p.get("processRef") for p in participants] == ["review", "nested"]
    bounds = [
        tuple(int(b.get(k)) for k in ("x", "y", "width", "height"))
        for b in (_drawn(root)[p.get("id")].find("dc:Bounds", NS) for p in participants)
    ]
    assert not _overlap(*bounds)


def test_message_events_reference_a_message():
    process = subprocess_process()
    _add(
        process,
        "wait",
        "intermediateCatchEvent",
        event_definitions=("message",),
        message_ref="Msg_reply",
    )
    root = _tree(process_to_bpmn(process, messages={"Msg_reply": "reply"}))
    definition = root.find(".//bpmn:intermediateCatchEvent/bpmn:messageEventDefinition", NS)
    assert definition.get("messageRef") == "Msg_reply"
    assert root.find("bpmn:message", NS).get("name") == "reply"


def test_translations_and_document_templates_survive_a_round_trip():
    """A revised diagram written from the model keeps pf:label and pf:documentTemplate."""
    from pathlib import Path

    from engine.bpmn.reader import load_bpmn

    source = Path(__file__).parents[1] / "processes" / "building_approval.bpmn"
    model = load_bpmn(source.read_bytes(), source.name)
    process = model.processes["building_approval"]
    assert any("documentTemplate" in text for text in process.kept_extensions)
    labelled = [n for n in process.nodes.values() if n.kept_extensions]
    assert labelled, "the shipped procedure carries pf:label translations"
    again = load_bpmn(write_bpmn(model), "revised.bpmn").processes["building_approval"]
    assert again.kept_extensions == process.kept_extensions
    for node in labelled:
        assert again.nodes[node.id].kept_extensions == node.kept_extensions

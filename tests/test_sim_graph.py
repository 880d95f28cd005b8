"""The procedure graph that every analysis starts from (simulations.analysis.graph)."""

from __future__ import annotations

import networkx as nx

from engine.bpmn.builder import ProcessBuilder, form_field
from simulations.analysis import expression_names
from simulations.analysis.graph import (
    acyclic_flow,
    after_masks,
    back_edges,
    entry_nodes,
    execution_graph,
    process_graph,
    step_graph,
)


def permit() -> ProcessBuilder:
    b = ProcessBuilder("izin", "Izin Usaha")
    b.lane("front", "Front Office", role="front_office")
    b.lane("tech", "Tim Teknis")
    b.start(fields=[form_field("ktp", "file"), form_field("luas")])
    b.task(
        "verify",
        "Verifikasi",
        lane="front",
        fields=[form_field("ktp", "file", readonly=True), form_field("lengkap", "boolean")],
    )
    b.script("fee", "retribusi = luas * 1000\ntotal += retribusi", lane="front")
    b.gateway("ok")
    b.task("survey", "Survei", lane="tech")
    b.boundary("late", "survey")
    b.end("done")
    b.end("late_end")
    b.end("rejected")
    b.chain("start", "verify", "fee", "ok")
    b.flow("ok", "survey", "${lengkap and total > 0}")
    b.flow("ok", "rejected", default=True)
    b.chain("survey", "done")
    b.chain("late", "late_end")
    return b


def test_nodes_carry_lane_role_and_data():
    G = process_graph(permit().process)
    verify = G.nodes["verify"]
    assert (verify["kind"], verify["lane"], verify["role"], verify["is_human"]) == (
        "userTask",
        "front",
        "front_office",
        True,
    )
    assert verify["reads"] == {"ktp"} and verify["writes"] == {"lengkap"}
    assert verify["documents"] == {"ktp"}
    assert G.nodes["start"]["writes"] == {"ktp", "luas"}
    assert G.nodes["fee"]["writes"] == {"retribusi", "total"}
    assert G.nodes["fee"]["reads"] == {"luas", "total"}  # retribusi is set before use
    assert G.nodes["ok"]["reads"] == {"lengkap", "total"}
    assert G.nodes["survey"]["parent"] is None


def test_edges_are_flows_and_boundary_events_hang_off_their_activity():
    G = process_graph(permit().process)
    assert G.edges["ok", "rejected"]["is_default"]
    assert G.edges["ok", "survey"]["condition"] == "${lengkap and total > 0}"
    assert G.edges["survey", "late"]["boundary"]
    assert not G.edges["verify", "fee"]["boundary"]
    assert G.number_of_edges() == len(permit().process.flows) + 1


def test_link_events_are_joined():
    b = ProcessBuilder("p")
    b.start()
    b.node("go", "intermediateThrowEvent", "A", event_definitions=("link",))
    b.node("land", "intermediateCatchEvent", "A", event_definitions=("link",))
    b.end()
    b.chain("start", "go")
    b.chain("land", "end")
    G = process_graph(b.process)
    assert G.edges["go", "land"]["link"]
    assert entry_nodes(G) == ["start"]


def test_step_graph_skips_gateways_and_events():
    S = step_graph(process_graph(permit().process))
    assert set(S.edges) == {("verify", "fee"), ("fee", "survey")}


def test_back_edges_cut_loops_so_the_flow_is_acyclic():
    b = permit()
    b.task("revise", "Perbaikan berkas")
    b.flow("ok", "revise", "not lengkap")
    b.flow("revise", "verify")
    G = process_graph(b.process)
    assert back_edges(G) == {("revise", "verify")}
    assert nx.is_directed_acyclic_graph(acyclic_flow(G))


def test_entries_include_orphans_and_event_subprocesses():
    b = ProcessBuilder("p")
    b.start()
    b.end()
    b.chain("start", "end")
    b.task("orphan")
    b.node("esp", "subProcess")
    b.start("esp_start", parent="esp", event_definitions=("message",))
    b.end("esp_end", parent="esp")
    b.chain("esp_start", "esp_end")
    G = process_graph(b.process)
    assert G.nodes["esp"]["handler"]
    assert set(entry_nodes(G)) == {"start", "esp", "esp_start"}
    assert ("esp", "esp_start") in execution_graph(G).edges


def test_after_masks_or_values_of_later_nodes():
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "b")])
    assert after_masks(G, {"a": 1, "b": 2, "c": 4}) == {"a": 6, "b": 6, "c": 6}


def test_names_an_expression_reads_and_a_script_writes():
    assert expression_names.names_read('decision == "approve" and len(x) > 0') == {
        "decision",
        "x",
    }
    assert expression_names.names_written("a = b + 1\nc = d") == {"a", "c"}
    assert expression_names.names_read_by_script("a = b + 1\nc = a + d") == {"b", "d"}


def test_documents_drawn_as_data_objects_join_the_steps_data():
    from simulations.analysis.data_links import read_data_links

    xml = b"""<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">
      <process id="p"><dataObject id="o1"/><dataStore id="s1"/>
        <dataObjectReference id="r1" name="Berkas (KTP, SHM)" dataObjectRef="o1"/>
        <dataObjectReference id="r2" name="Berkas (lengkap)" dataObjectRef="o1"/>
        <dataStoreReference id="r3" name="SIAK" dataStoreRef="s1"/>
        <task id="a"><dataOutputAssociation><targetRef>r1</targetRef></dataOutputAssociation></task>
        <task id="b"><dataInputAssociation><sourceRef>r2</sourceRef></dataInputAssociation>
          <dataOutputAssociation><targetRef>r3</targetRef></dataOutputAssociation></task>
      </process></definitions>"""
    links = read_data_links(xml)
    assert links.writes == {"a": {"data:o1"}, "b": {"data:s1"}}
    assert links.reads == {"b": {"data:o1"}}  # two references, one document
    assert links.items["r3"].store and not links.items["r1"].store
    b = ProcessBuilder("p")
    b.start(), b.task("a", "Terima berkas"), b.task("b", "Verifikasi berkas"), b.end()
    b.chain("start", "a", "b", "end")
    G = process_graph(b.process, data_links=links)
    assert G.nodes["b"]["reads_data"] == {"data:o1"} and G.nodes["b"]["stores_out"] == {"data:s1"}
    assert G.nodes["a"]["writes_data"] == {"data:o1"} and G.nodes["a"]["reads"] == set()
    assert read_data_links(b"not xml").reads == {}

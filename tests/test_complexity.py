"""Complexity figures of a procedure (simulations.analysis.complexity)."""

from __future__ import annotations

from engine.bpmn.builder import ProcessBuilder, form_field
from engine.bpmn.model import MessageFlow, Participant
from simulations.analysis.complexity import complexity


def permit_with_revisions():
    """Register -> verify -> (revision loop) -> three approvals -> notify applicant."""
    b = ProcessBuilder("pbg", "PBG", requirements=["KTP", "Sertifikat", "Gambar"])
    for lane in ("front", "tech", "kabid", "kadis"):
        b.lane(lane)
    b.start(fields=[form_field("ktp", "file"), form_field("gambar", "file"), form_field("luas")])
    b.task("register", "Registrasi", lane="front", fields=[form_field("nomor")])
    b.gateway("merge")
    b.task("verify", "Verifikasi berkas", lane="tech", fields=[form_field("lengkap", "boolean")])
    b.gateway("complete")
    b.task("revise", "Minta revisi pemohon", lane="front")
    b.task("review", "Review teknis", lane="tech", fields=[form_field("rekomendasi")])
    b.task("approve1", "Persetujuan Kabid", lane="kabid")
    b.task("sign", "Tanda tangan Kadis", lane="kadis")
    b.task("notify", "Notify applicant", lane="front")
    b.end()
    b.chain("start", "register", "merge", "verify", "complete")
    b.flow("complete", "revise", "not lengkap")
    b.flow("revise", "merge")
    b.flow("complete", "review", default=True)
    b.chain("review", "approve1", "sign", "notify", "end")
    return b


def test_counts_of_a_permit_procedure():
    b = permit_with_revisions()
    model = b.model()
    model.participants["office"] = Participant("office", "DPMPTSP", "pbg")
    model.participants["citizen"] = Participant("citizen", "Pemohon", None)
    b.process.participant_id = "office"
    model.message_flows += [
        MessageFlow("m1", "citizen", "start"),
        MessageFlow("m2", "notify", "citizen"),
        MessageFlow("m3", "register", "verify"),  # inside the pool: not a handoff
    ]
    m = complexity(b.process, model=model)
    assert m["steps"] == 7
    assert m["human_steps"] == 7
    assert m["lanes"] == 4
    # register>verify, verify>revise, revise>verify, review>approve1, approve1>sign, sign>notify
    assert m["lane_handoffs"] == 6
    assert m["pool_handoffs"] == 2
    # approve1, sign: "Review teknis" is a technical check, not an approval (no sign-off
    # word, no official named, no "approved" decision)
    assert m["max_approval_chain"] == 2
    assert (m["documents_uploaded"], m["requirements_listed"], m["documents_required"]) == (2, 3, 3)
    assert m["citizen_touchpoints"] == 2  # revise, notify
    assert m["shortest_path_steps"] == 6
    assert m["longest_path_steps"] == 6  # the revision loop is cut open: it counts once
    assert m["cyclomatic_complexity"] == 11 - 11 + 2  # E - N + 2P: one decision
    assert m["gateways"] == 2
    assert m["loops"] == 1


def test_pool_handoffs_need_the_model():
    assert complexity(permit_with_revisions().process)["pool_handoffs"] is None


def test_sub_process_steps_count_on_paths():
    b = ProcessBuilder("p")
    b.start()
    b.node("sp", "subProcess", "Survei")
    b.start("sp_start", parent="sp")
    b.task("t1", parent="sp")
    b.task("t2", parent="sp")
    b.end("sp_end", parent="sp")
    b.chain("sp_start", "t1", "t2", "sp_end")
    b.task("after")
    b.end()
    b.chain("start", "sp", "after", "end")
    m = complexity(b.process)
    assert (m["steps"], m["shortest_path_steps"], m["longest_path_steps"]) == (3, 3, 3)


def test_empty_process_has_no_paths():
    m = complexity(ProcessBuilder("empty").process)
    assert m["steps"] == 0 and m["shortest_path_steps"] is None and m["cyclomatic_complexity"] == 0


def test_a_review_by_an_official_is_an_approval_and_counts_in_the_chain():
    b = ProcessBuilder("p")
    b.lane("mgmt", "Management")
    b.start(), b.end()
    b.task("r", "Section head review", lane="mgmt")
    b.task("a", "Division head approval", lane="mgmt")
    b.task("i", "Issue permit", lane="mgmt")
    b.chain("start", "r", "a", "i", "end")
    assert complexity(b.process)["max_approval_chain"] == 2


def test_a_step_left_over_without_flows_does_not_break_the_figures():
    b = ProcessBuilder("p")
    b.start(), b.task("t", "Periksa"), b.task("leftover", "Legalisir manual"), b.end()
    b.chain("start", "t", "end")
    m = complexity(b.process)
    assert (m["steps"], m["shortest_path_steps"], m["longest_path_steps"]) == (2, 1, 1)

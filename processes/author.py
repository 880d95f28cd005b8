"""Author the procedures in ``processes/`` as engine.bpmn.model objects and write them as BPMN.

The four files are generated, diagram included, by :mod:`engine.bpmn.writer`; edit the
procedures here and regenerate rather than editing the XML by hand (a designer may still
open and revise them in bpmn.io / Camunda Modeler; then this script is out of date)::

    .venv/bin/python -m processes.author          # rewrite processes/*.bpmn
    .venv/bin/python -m processes.author --check  # exit 1 if a file is stale

Ids are English, published texts (service standard, the applicant's start form) are in
Bahasa Indonesia; conditions and scripts use the safe expression language of
``docs/bpmn-conventions.md``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from engine.bpmn.builder import ProcessBuilder
from engine.bpmn.model import (
    Fee,
    FormField,
    Process,
    ServiceCall,
    ServiceStandard,
)
from engine.bpmn.writer import process_to_bpmn
from engine.bpmn.xml import BPMN_NS, CAMUNDA_NS, PF_NS
from processes import bundle, translations
from processes.fields import (
    COMPLAINT_CHANNEL,
    NIK_PATTERN,
    PHONE_PATTERN,
    applicant_fields,
    choice,
    field,
)

PROCESSES_DIR = Path(__file__).resolve().parent.parent / "processes"
PBG_NUMBER = "PBG-{region}-{year}-{seq:06d}"
# procedure -> (template name, file under processes/) written as pf:documentTemplate
DOCUMENT_TEMPLATES = {
    "building_approval": [
        ("permit", "templates/pbg_permit.html"),
        ("skrd", "templates/retribution_assessment.html"),
        ("receipt", "templates/retribution_receipt.html"),
    ],
    "business_license": [("permit", "templates/business_license.html")],
}


def document_check(
    b: ProcessBuilder,
    front: str,
    verifier: str,
    after: str,
    then: str,
    fetched: tuple[FormField, ...] = (),
) -> None:
    """Verify documents (beside the ``fetched`` registry data, read-only); incomplete ones
    go back to the applicant through the front office and are verified again."""
    b.user_task(
        "verify_documents",
        "Verify documents",
        verifier,
        *fetched,
        choice(
            "decision",
            "Documents",
            [("complete", "Complete and valid"), ("incomplete", "Incomplete or invalid")],
        ),
        field("missing_documents", "Missing or invalid documents", required=False, maxlength=1000),
    )
    b.node("gw_documents", "exclusiveGateway", "Documents complete?", verifier)
    b.user_task(
        "notify_missing_documents",
        "Notify applicant of missing documents",
        front,
        field("revised_documents_received", "Revised documents received", "boolean"),
        field("notification_note", "Note to the applicant", required=False, maxlength=1000),
        doc="The applicant is told what is missing; the case waits until the documents come in.",
    )
    b.chain(after, "verify_documents", "gw_documents")
    b.flow("gw_documents", then, 'decision == "complete"', name="complete")
    b.flow("gw_documents", "notify_missing_documents", name="incomplete", default=True)
    b.flow("notify_missing_documents", "verify_documents")


# --- data from other government systems (engine/integration) --------------------------------

KBLI_CODES = (  # up to three codes, "47111, 56101", then an ellipsis
    'kbli[0] + (", " + kbli[1] if len(kbli) > 1 else "") + (", " + kbli[2] if len(kbli) > 2 '
    'else "") + (", ..." if len(kbli) > 3 else "") if kbli else ""'
)


def fetch_identity(b: ProcessBuilder, lane: str) -> None:
    """The applicant's name, birth date and address from the population registry (by NIK);
    on a mismatch ``registry_note`` says why."""
    call = ServiceCall(
        "population.nik_lookup",
        inputs=(("nik", "nik"),),
        outputs=(
            ("nik_match", "match"),
            ("registry_note", 'reason or ""'),
            ("registry_name", 'name or ""'),
            ("registry_birth_date", 'birth_date or ""'),
            ("registry_address", 'address or ""'),
        ),
    )
    b.node(
        "fetch_identity",
        "serviceTask",
        "Fetch applicant data from the population registry",
        lane,
        service=call,
        documentation="Dukcapil NIK verification: the applicant does not type these again.",
    )


def fetch_business(b: ProcessBuilder, lane: str) -> None:
    """The business name, KBLI codes and risk level from OSS-RBA (by NIB)."""
    call = ServiceCall(
        "oss.nib_lookup",
        inputs=(("nib", "nib"),),
        outputs=(
            ("nib_found", "found"),
            ("oss_note", 'reason or ""'),
            ("oss_business_name", 'business_name or ""'),
            ("oss_kbli", KBLI_CODES),
            ("oss_risk_level", 'risk_level or ""'),
        ),
    )
    b.node(
        "fetch_business",
        "serviceTask",
        "Fetch business data from OSS-RBA",
        lane,
        service=call,
        documentation="OSS-RBA NIB lookup: the business as registered in OSS.",
    )


def fetched_identity() -> tuple[FormField, ...]:
    """The registry's answer on the verifier's form, read-only."""
    return (
        field(
            "nik_match",
            "NIK found in the population registry",
            "boolean",
            required=False,
            readonly="",
        ),
        field("registry_name", "Name (population registry)", required=False, readonly=""),
        field(
            "registry_birth_date",
            "Date of birth (population registry)",
            required=False,
            readonly="",
        ),
        field("registry_address", "Address (population registry)", required=False, readonly=""),
        field(
            "registry_note",
            "Population registry note (why the data do not match)",
            required=False,
            readonly="",
        ),
    )


def fetched_business() -> tuple[FormField, ...]:
    """OSS-RBA's answer on the verifier's form, read-only."""
    return (
        field("nib_found", "NIB found in OSS-RBA", "boolean", required=False, readonly=""),
        field("oss_business_name", "Business name (OSS-RBA)", required=False, readonly=""),
        field("oss_kbli", "KBLI codes (OSS-RBA)", required=False, readonly=""),
        field("oss_risk_level", "Risk level (OSS-RBA)", required=False, readonly=""),
        field("oss_note", "OSS-RBA note (why the NIB was not found)", required=False, readonly=""),
    )


# --- a) Persetujuan Bangunan Gedung --------------------------------------------------------


def building_approval_standard() -> ServiceStandard:
    return ServiceStandard(
        code="PBG",
        name="Persetujuan Bangunan Gedung (PBG)",
        description=(
            "Perizinan yang diberikan kepada pemilik bangunan gedung untuk membangun baru, "
            "mengubah, memperluas, mengurangi dan/atau merawat bangunan gedung sesuai standar teknis."
        ),
        legal_basis=[
            "Undang-Undang Nomor 28 Tahun 2002 tentang Bangunan Gedung sebagaimana telah diubah "
            "dengan Undang-Undang Nomor 6 Tahun 2023 tentang Penetapan Perppu Nomor 2 Tahun 2022 "
            "tentang Cipta Kerja menjadi Undang-Undang",
            "Peraturan Pemerintah Nomor 16 Tahun 2021 tentang Peraturan Pelaksanaan Undang-Undang "
            "Nomor 28 Tahun 2002 tentang Bangunan Gedung",
            "Undang-Undang Nomor 1 Tahun 2022 tentang Hubungan Keuangan antara Pemerintah Pusat "
            "dan Pemerintahan Daerah",
            "Peraturan Daerah tentang Pajak Daerah dan Retribusi Daerah",
        ],
        requirements=[
            "Fotokopi KTP-el pemohon (atau akta pendirian dan NIB untuk badan usaha)",
            "Bukti kepemilikan hak atas tanah atau perjanjian pemanfaatan tanah",
            "Konfirmasi/Persetujuan Kesesuaian Kegiatan Pemanfaatan Ruang (KKPR)",
            "Dokumen rencana teknis: gambar arsitektur, struktur, mekanikal, elektrikal dan perpipaan",
            "Data penyedia jasa perencanaan konstruksi (untuk bangunan selain rumah tinggal sederhana)",
            "Dokumen lingkungan (SPPL, UKL-UPL atau Amdal) sesuai skala kegiatan",
        ],
        procedure=(
            "1. Pemohon mengajukan permohonan dan mengunggah dokumen. 2. Front office mendaftarkan "
            "permohonan. 3. Verifikasi kelengkapan dokumen; bila belum lengkap pemohon diminta "
            "melengkapi. 4. Pemeriksaan dokumen rencana teknis oleh Tim Profesi Ahli/Tim Penilai "
            "Teknis. 5. Peninjauan lapangan untuk bangunan di atas 500 m2 atau lebih dari dua "
            "lantai. 6. Penilaian dan pembayaran retribusi. 7. Penandatanganan PBG oleh Kepala "
            "Dinas. 8. Penyerahan dokumen PBG."
        ),
        max_days=28,
        fee=Fee(
            0,
            "IDR",
            "Retribusi PBG sesuai Peraturan Daerah tentang Pajak Daerah dan Retribusi Daerah, "
            "dihitung dari luas bangunan, indeks terintegrasi dan harga satuan retribusi; "
            "besarnya ditetapkan pada tahap penilaian retribusi",
        ),
        product="Dokumen Persetujuan Bangunan Gedung (PBG) beserta lampiran rencana teknis yang disahkan",
        complaint_channel=COMPLAINT_CHANNEL,
    )


def building_approval() -> Process:
    """PBG: verification loop, technical review with revision loop, conditional field
    inspection, retribution with a 14-day payment deadline, signature and issue."""
    b = ProcessBuilder(
        "building_approval", "Persetujuan Bangunan Gedung", building_approval_standard()
    )
    front = b.role_lane("front_office", "Front Office")
    verifier = b.role_lane("verifier", "Document Verifier")
    technical = b.role_lane("technical_team", "Technical Team")
    inspector = b.role_lane("inspector", "Field Inspector")
    cashier = b.role_lane("cashier", "Cashier")
    head = b.role_lane("head_of_office", "Head of Office")
    b.node(
        "start",
        "startEvent",
        "Application submitted",
        front,
        form_fields=building_application_form(),
    )
    fetch_identity(b, front)
    b.user_task(
        "register_application",
        "Register application",
        front,
        field("documents_received", "Application and documents received", "boolean"),
        field("registration_note", "Registration note", required=False, maxlength=500),
    )
    b.chain("start", "fetch_identity", "register_application")
    document_check(
        b, front, verifier, "register_application", "technical_review", fetched_identity()
    )
    building_technical_review(b, front, technical, inspector)
    building_payment(b, cashier)
    building_signature(b, front, head)
    return b.finish()


def building_application_form() -> tuple[FormField, ...]:
    functions = [
        ("hunian", "Hunian"),
        ("keagamaan", "Keagamaan"),
        ("usaha", "Usaha"),
        ("sosial_budaya", "Sosial dan budaya"),
        ("khusus", "Khusus"),
    ]
    return (
        *applicant_fields(),
        field("building_address", "Alamat lokasi bangunan", minlength=10, maxlength=300),
        choice("building_function", "Fungsi bangunan gedung", functions),
        field("floor_area", "Luas total lantai bangunan (m2)", "long", min=1),
        field("floors", "Jumlah lantai", "long", min=1, max=100),
        field("land_certificate", "Bukti kepemilikan tanah (sertifikat)", "file"),
        field("building_plan", "Dokumen rencana teknis (gambar bangunan)", "file"),
        field(
            "identity_document",
            "KTP-el pemohon (atau akta pendirian dan NIB)",
            "file",
            required=False,
        ),
        field("kkpr_document", "Dokumen KKPR", "file", required=False),
        field("planner_data", "Data penyedia jasa perencanaan konstruksi", "file", required=False),
        field(
            "environmental_document",
            "Dokumen lingkungan (SPPL, UKL-UPL atau Amdal)",
            "file",
            required=False,
        ),
    )


def building_technical_review(
    b: ProcessBuilder, front: str, technical: str, inspector: str
) -> None:
    """Technical review (approve / revise / reject), then a field inspection for large
    buildings; a revision or a site that does not match goes back to the applicant."""
    b.user_task(
        "technical_review",
        "Technical review of building plan",
        technical,
        choice(
            "technical_decision",
            "Technical decision",
            [("approve", "Approve"), ("revise", "Ask for revision"), ("reject", "Reject")],
        ),
        field("review_notes", "Review notes", required=False, maxlength=2000),
    )
    b.node("gw_technical", "exclusiveGateway", "Technical decision?", technical)
    b.user_task(
        "request_plan_revision",
        "Request revised building plan",
        front,
        field("revised_plan", "Revised building plan", "file"),
        field("revision_note", "What was changed", required=False, maxlength=1000),
    )
    b.node("gw_inspection", "exclusiveGateway", "Field inspection needed?", technical)
    b.user_task(
        "field_inspection",
        "Inspect building site",
        inspector,
        field("inspection_date", "Inspection date", "date"),
        field("site_matches_plan", "Site matches the plan", "boolean"),
        field("inspection_report", "Inspection report", "file"),
    )
    b.node("gw_site", "exclusiveGateway", "Site matches plan?", inspector)
    b.node("gw_inspection_done", "exclusiveGateway", "", technical)
    b.node("end_rejected", "endEvent", "Application rejected", technical)
    b.flow("technical_review", "gw_technical")
    b.flow("gw_technical", "gw_inspection", 'technical_decision == "approve"', name="approve")
    b.flow("gw_technical", "end_rejected", 'technical_decision == "reject"', name="reject")
    b.flow("gw_technical", "request_plan_revision", name="revise", default=True)
    b.flow("request_plan_revision", "technical_review")
    b.flow(
        "gw_inspection", "field_inspection", "floor_area > 500 or floors > 2", name="large building"
    )
    b.flow("gw_inspection", "gw_inspection_done", name="small building", default=True)
    b.flow("field_inspection", "gw_site")
    b.flow("gw_site", "request_plan_revision", "not site_matches_plan", name="does not match")
    b.flow("gw_site", "gw_inspection_done", name="matches", default=True)
    b.flow("gw_inspection_done", "fee_assessment")


def building_payment(b: ProcessBuilder, cashier: str) -> None:
    """Fee assessment and payment; without payment within 14 days the case is cancelled."""
    assess = b.user_task(
        "fee_assessment",
        "Assess retribution fee",
        cashier,
        field("fee_amount", "Retribution (IDR)", "long", min=0),
        field("fee_basis", "Calculation basis", required=False, maxlength=500),
        doc="The amount becomes a bill with a billing code and its SKRD (pf:bill).",
    )
    assess.properties["bill"] = "fee_amount"
    confirm = b.user_task(
        "confirm_payment",
        "Wait for and confirm payment",
        cashier,
        field("payment_received", "Payment received", "boolean"),
        field("payment_reference", "Payment reference (SSRD/NTPD)", required=False, maxlength=50),
        doc="Completed when the retribution is paid; unpaid after 14 days the application lapses.",
    )
    confirm.properties["confirmsPayment"] = "payment_received"
    b.timer(
        "payment_deadline",
        "14 days without payment",
        cashier,
        "duration",
        "P14D",
        attached_to="confirm_payment",
    )
    b.node("end_cancelled", "endEvent", "Cancelled for non-payment", cashier)
    b.node("gw_paid", "exclusiveGateway", "Paid?", cashier)
    b.chain("fee_assessment", "confirm_payment", "gw_paid")
    b.flow("gw_paid", "sign_permit", "payment_received", name="paid")
    b.flow("gw_paid", "confirm_payment", name="not yet", default=True)
    b.flow("payment_deadline", "end_cancelled")


def building_signature(b: ProcessBuilder, front: str, head: str) -> None:
    """The head of office signs (or sends the file back to technical review); then issue."""
    b.user_task(
        "sign_permit",
        "Sign PBG",
        head,
        field("signed", "PBG signed", "boolean"),
        field("signature_note", "Note", required=False, maxlength=500),
    )
    b.node("gw_signed", "exclusiveGateway", "Signed?", head)
    issue = b.user_task(
        "issue_permit",
        "Issue permit to applicant",
        front,
        field("conditions", "Conditions of the permit", required=False, maxlength=2000),
        doc="Completing this task numbers, signs and stores the PBG document (pf:issues).",
    )
    issue.properties.update(
        {"issues": "permit", "object": "building_address", "numberFormat": PBG_NUMBER}
    )
    b.node("end_issued", "endEvent", "Permit issued", front)
    b.chain("sign_permit", "gw_signed")
    b.flow("gw_signed", "issue_permit", "signed", name="signed")
    b.flow("gw_signed", "technical_review", name="returned for review", default=True)
    b.flow("issue_permit", "end_issued")


# --- b) Izin usaha sektor (Perizinan Berusaha Berbasis Risiko) ----------------------------


def business_license_standard() -> ServiceStandard:
    return ServiceStandard(
        code="PB-UMKU",
        name="Verifikasi Izin Usaha Sektor Risiko Menengah Tinggi dan Tinggi (OSS-RBA)",
        description=(
            "Verifikasi pemenuhan persyaratan dan standar Perizinan Berusaha berbasis risiko "
            "untuk kegiatan usaha berisiko menengah tinggi dan tinggi yang diajukan melalui "
            "sistem OSS dan menjadi kewenangan daerah."
        ),
        legal_basis=[
            "Undang-Undang Nomor 6 Tahun 2023 tentang Penetapan Perppu Nomor 2 Tahun 2022 "
            "tentang Cipta Kerja menjadi Undang-Undang",
            "Peraturan Pemerintah Nomor 28 Tahun 2025 tentang Penyelenggaraan Perizinan "
            "Berusaha Berbasis Risiko (pengganti PP Nomor 5 Tahun 2021)",
            "Peraturan Pemerintah Nomor 21 Tahun 2021 tentang Penyelenggaraan Penataan Ruang",
            "Peraturan BKPM Nomor 4 Tahun 2021 tentang Pedoman dan Tata Cara Pelayanan "
            "Perizinan Berusaha Berbasis Risiko dan Fasilitas Penanaman Modal",
        ],
        requirements=[
            "Nomor Induk Berusaha (NIB) yang terbit melalui OSS",
            "KTP-el penanggung jawab usaha",
            "Akta pendirian dan pengesahan badan usaha (untuk badan usaha)",
            "Konfirmasi/Persetujuan Kesesuaian Kegiatan Pemanfaatan Ruang (KKPR)",
            "Persetujuan lingkungan (SPPL, UKL-UPL atau Amdal) sesuai tingkat risiko",
            "Dokumen pemenuhan standar usaha sesuai KBLI",
        ],
        procedure=(
            "1. Pelaku usaha mengajukan permohonan melalui OSS dan mengunggah dokumen. "
            "2. Front office mendaftarkan permohonan. 3. Verifikasi kelengkapan dokumen. "
            "4. Penilaian teknis oleh tim teknis sektor bersamaan dengan pemeriksaan kesesuaian "
            "tata ruang. 5. Persetujuan dan penandatanganan oleh Kepala Dinas. 6. Penerbitan "
            "izin melalui OSS dan pemberitahuan kepada pelaku usaha."
        ),
        max_days=10,
        fee=Fee(0, "IDR", "Tidak dipungut biaya"),
        product="Perizinan Berusaha (izin usaha sektor) terverifikasi yang terbit melalui OSS",
        complaint_channel=COMPLAINT_CHANNEL,
    )


def business_license_form() -> tuple[FormField, ...]:
    categories = [("perdagangan", "Perdagangan"), ("jasa", "Jasa"), ("industri", "Industri")]
    zones = [
        ("perumahan", "Zona perumahan"),
        ("perdagangan_jasa", "Zona perdagangan dan jasa"),
        ("campuran", "Zona campuran"),
        ("industri", "Zona/kawasan industri"),
    ]
    return (
        *applicant_fields(),
        field("company_name", "Nama pelaku usaha/badan usaha", minlength=3, maxlength=150),
        field("nib", "NIB (13 digit)", pattern="^[0-9]{13}$"),
        field("kbli", "Kode KBLI (5 digit)", pattern="^[0-9]{5}$"),
        choice(
            "risk_level",
            "Tingkat risiko",
            [("menengah_tinggi", "Menengah tinggi"), ("tinggi", "Tinggi")],
        ),
        choice("business_category", "Kategori usaha", categories),
        field("business_address", "Alamat lokasi usaha", minlength=10, maxlength=300),
        choice("zone", "Zona lokasi usaha menurut RDTR", zones),
        field("kkpr_document", "Dokumen KKPR", "file"),
        field("environmental_approval", "Persetujuan lingkungan", "file"),
        field("identity_document", "KTP-el penanggung jawab usaha", "file", required=False),
        field("deed_document", "Akta pendirian dan pengesahan badan usaha", "file", required=False),
        field(
            "standard_documents",
            "Dokumen pemenuhan standar usaha sesuai KBLI",
            "file",
            required=False,
        ),
    )


ZONING_RULE = (
    'zoning_compliant = zone == "industri" if business_category == "industri" '
    'else zone in ["perdagangan_jasa", "campuran"]'
)


def business_license() -> Process:
    """Sector licence: verification loop, then the sector review and a rule-based zoning
    check in parallel, one decision, the head's signature and publication in OSS."""
    b = ProcessBuilder(
        "business_license", "Izin Usaha Sektor (OSS-RBA)", business_license_standard()
    )
    front = b.role_lane("front_office", "Front Office")
    verifier = b.role_lane("verifier", "Document Verifier")
    technical = b.role_lane("technical_team", "Technical Team")
    head = b.role_lane("head_of_office", "Head of Office")
    b.node(
        "start",
        "startEvent",
        "Application received from OSS",
        front,
        form_fields=business_license_form(),
    )
    fetch_identity(b, front)
    fetch_business(b, front)
    b.user_task(
        "register_application",
        "Register OSS application",
        front,
        field("oss_reference", "OSS application number", maxlength=50),
    )
    b.chain("start", "fetch_identity", "fetch_business", "register_application")
    fetched = fetched_identity() + fetched_business()
    document_check(b, front, verifier, "register_application", "gw_split", fetched)
    b.node("gw_split", "parallelGateway", "", technical)
    b.user_task(
        "sector_review",
        "Sector technical review",
        technical,
        choice(
            "technical_decision",
            "Technical decision",
            [("approve", "Meets the standard"), ("reject", "Does not meet the standard")],
        ),
        field("review_notes", "Review notes", required=False, maxlength=2000),
    )
    b.node(
        "zoning_check",
        "scriptTask",
        "Check zoning (RDTR)",
        technical,
        script=ZONING_RULE,
        script_format="python",
        documentation="Rule: industry only in industrial zones, trade and services in trade/services or mixed zones.",
    )
    b.node("gw_join", "parallelGateway", "", technical)
    b.node("gw_decision", "exclusiveGateway", "Approve?", technical)
    b.node("end_rejected", "endEvent", "Application rejected", technical)
    b.flow("gw_split", "sector_review")
    b.flow("gw_split", "zoning_check")
    b.flow("sector_review", "gw_join")
    b.flow("zoning_check", "gw_join")
    b.flow("gw_join", "gw_decision")
    b.flow(
        "gw_decision",
        "sign_license",
        'technical_decision == "approve" and zoning_compliant',
        name="approve",
    )
    b.flow("gw_decision", "end_rejected", name="reject", default=True)
    business_license_signature(b, front, head)
    return b.finish()


def business_license_signature(b: ProcessBuilder, front: str, head: str) -> None:
    """The head of office approves (or refuses); the front office publishes in OSS."""
    b.user_task(
        "sign_license",
        "Approve and sign licence",
        head,
        field("signed", "Licence approved and signed", "boolean"),
        field("signature_note", "Note", required=False, maxlength=500),
    )
    b.node("gw_signed", "exclusiveGateway", "Signed?", head)
    publish = b.user_task(
        "publish_license",
        "Publish licence in OSS and notify applicant",
        front,
        field("license_number", "Licence number", maxlength=50),
        field("published_on", "Date published", "date"),
        doc="Completing this task numbers, signs and stores the licence document (pf:issues).",
    )
    publish.properties.update({"issues": "permit", "object": "company_name"})
    b.node("end_issued", "endEvent", "Licence issued", front)
    b.chain("sign_license", "gw_signed")
    b.flow("gw_signed", "publish_license", "signed", name="signed")
    b.flow("gw_signed", "end_rejected", name="refused", default=True)
    b.flow("publish_license", "end_issued")


# --- c) KTP-el ------------------------------------------------------------------------------


def resident_id_card_standard() -> ServiceStandard:
    return ServiceStandard(
        code="KTP-EL",
        name="Penerbitan Kartu Tanda Penduduk Elektronik (KTP-el)",
        description=(
            "Penerbitan KTP-el baru bagi penduduk yang telah berusia 17 tahun, sudah kawin "
            "atau pernah kawin, serta penggantian KTP-el karena rusak, hilang atau perubahan data."
        ),
        legal_basis=[
            "Undang-Undang Nomor 23 Tahun 2006 tentang Administrasi Kependudukan sebagaimana "
            "telah diubah dengan Undang-Undang Nomor 24 Tahun 2013",
            "Peraturan Presiden Nomor 96 Tahun 2018 tentang Persyaratan dan Tata Cara "
            "Pendaftaran Penduduk dan Pencatatan Sipil",
            "Peraturan Menteri Dalam Negeri Nomor 108 Tahun 2019 tentang Peraturan Pelaksanaan "
            "Peraturan Presiden Nomor 96 Tahun 2018",
        ],
        requirements=[
            "Telah berusia 17 tahun, sudah kawin atau pernah kawin",
            "Kartu Keluarga (KK)",
            "KTP-el yang rusak (untuk penggantian karena rusak)",
            "Surat keterangan kehilangan dari kepolisian (untuk penggantian karena hilang)",
            "Dokumen pendukung perubahan data (untuk penggantian karena perubahan data)",
        ],
        procedure=(
            "1. Penduduk mengajukan permohonan. 2. Petugas mendaftarkan permohonan. "
            "3. Verifikasi dan validasi data kependudukan dalam SIAK; data yang tidak sesuai "
            "dibetulkan terlebih dahulu. 4. Perekaman biometrik (foto, sidik jari, iris mata, "
            "tanda tangan) bagi yang belum merekam. 5. Pencetakan KTP-el. 6. Penyerahan KTP-el "
            "kepada pemohon."
        ),
        max_days=14,
        fee=Fee(0, "IDR", "Tidak dipungut biaya (Pasal 79A Undang-Undang Nomor 24 Tahun 2013)"),
        product="Kartu Tanda Penduduk Elektronik (KTP-el)",
        complaint_channel=COMPLAINT_CHANNEL,
    )


def resident_id_card_form() -> tuple[FormField, ...]:
    reasons = [
        ("baru", "KTP-el baru (pertama kali)"),
        ("rusak", "Penggantian karena rusak"),
        ("hilang", "Penggantian karena hilang"),
        ("perubahan_data", "Penggantian karena perubahan data"),
    ]
    return (
        field("applicant_name", "Nama lengkap sesuai KK", minlength=3, maxlength=100),
        field("nik", "NIK (16 digit)", pattern=NIK_PATTERN),
        field("kk_number", "Nomor Kartu Keluarga (16 digit)", pattern=NIK_PATTERN),
        field("birth_date", "Tanggal lahir", "date"),
        field("phone", "Nomor telepon/WhatsApp", pattern=PHONE_PATTERN),
        choice("application_type", "Jenis permohonan", reasons),
        field("kk_scan", "Pindaian Kartu Keluarga", "file"),
        field(
            "supporting_document",
            "Dokumen pendukung (surat kehilangan, KTP-el rusak, bukti perubahan data)",
            "file",
            required=False,
        ),
    )


def resident_id_card() -> Process:
    """KTP-el: registration, data verification with a correction loop, biometric recording
    for first-time applicants, printing and handover."""
    b = ProcessBuilder("resident_id_card", "Penerbitan KTP-el", resident_id_card_standard())
    registration = b.role_lane("registration_officer", "Registration Officer")
    verifier = b.role_lane("data_verifier", "Data Verifier")
    operator = b.role_lane("recording_operator", "Recording Operator")
    printing = b.role_lane("printing_officer", "Printing Officer")
    b.node(
        "start",
        "startEvent",
        "Application submitted",
        registration,
        form_fields=resident_id_card_form(),
    )
    b.user_task(
        "register_application",
        "Register application",
        registration,
        field("documents_checked", "Originals checked at the counter", "boolean"),
        field("queue_number", "Queue number", required=False, maxlength=20),
    )
    b.user_task(
        "verify_population_data",
        "Verify population data in SIAK",
        verifier,
        choice(
            "data_check",
            "Data in SIAK",
            [("match", "Matches the documents"), ("mismatch", "Does not match")],
        ),
        field("mismatch_details", "What does not match", required=False, maxlength=1000),
    )
    b.node("gw_data", "exclusiveGateway", "Data matches?", verifier)
    b.user_task(
        "correct_population_data",
        "Correct population data",
        registration,
        field("correction_document", "Supporting document for the correction", "file"),
        field("correction_note", "Correction made", maxlength=1000),
        doc="The applicant brings the documents that support the correction; the data is corrected in SIAK.",
    )
    b.node("gw_recording", "exclusiveGateway", "Biometrics recorded before?", verifier)
    b.user_task(
        "record_biometrics",
        "Record biometrics",
        operator,
        field("biometrics_recorded", "Photo, fingerprints, iris and signature recorded", "boolean"),
    )
    b.node("gw_recording_done", "exclusiveGateway", "", printing)
    b.user_task(
        "print_card",
        "Print KTP-el",
        printing,
        field("card_serial", "Card (blank) serial number", maxlength=30),
    )
    b.user_task(
        "hand_over_card",
        "Hand over KTP-el",
        registration,
        field("received_by", "Received by", minlength=3, maxlength=100),
        field("handed_over_on", "Date handed over", "date"),
    )
    b.node("end_handed_over", "endEvent", "KTP-el handed over", registration)
    b.chain("start", "register_application", "verify_population_data", "gw_data")
    b.flow("gw_data", "gw_recording", 'data_check == "match"', name="match")
    b.flow("gw_data", "correct_population_data", name="mismatch", default=True)
    b.flow("correct_population_data", "verify_population_data")
    b.flow("gw_recording", "record_biometrics", 'application_type == "baru"', name="first KTP-el")
    b.flow("gw_recording", "gw_recording_done", name="already recorded", default=True)
    b.chain(
        "record_biometrics", "gw_recording_done", "print_card", "hand_over_card", "end_handed_over"
    )
    return b.finish()


# --- d) Pengaduan (SP4N-LAPOR!) --------------------------------------------------------------


def complaint_standard() -> ServiceStandard:
    return ServiceStandard(
        code="PGD",
        name="Pengelolaan Pengaduan Pelayanan Publik (SP4N-LAPOR!)",
        description=(
            "Penanganan pengaduan masyarakat atas penyelenggaraan pelayanan publik: verifikasi, "
            "penerusan kepada unit kerja yang berwenang, tindak lanjut dan penutupan pengaduan."
        ),
        legal_basis=[
            "Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik",
            "Peraturan Pemerintah Nomor 96 Tahun 2012 tentang Pelaksanaan Undang-Undang Nomor 25 "
            "Tahun 2009 tentang Pelayanan Publik",
            "Peraturan Presiden Nomor 76 Tahun 2013 tentang Pengelolaan Pengaduan Pelayanan Publik",
            "Peraturan Menteri PANRB Nomor 62 Tahun 2018 tentang Pedoman Teknis Pengelolaan "
            "Pengaduan Pelayanan Publik Nasional",
        ],
        requirements=[
            "Identitas pelapor (dapat dirahasiakan atau anonim)",
            "Uraian pengaduan yang jelas: apa, di mana, kapan, siapa",
            "Bukti pendukung bila ada (foto, dokumen, tangkapan layar)",
        ],
        procedure=(
            "1. Pengaduan diterima melalui SP4N-LAPOR! atau loket pengaduan. 2. Admin "
            "memverifikasi dan meneruskan pengaduan kepada unit kerja paling lambat 3 hari kerja. "
            "3. Unit kerja menindaklanjuti paling lambat 5 hari kerja. 4. Tindak lanjut "
            "dipublikasikan kepada pelapor. 5. Pelapor dapat menanggapi; tanpa tanggapan "
            "pengaduan ditutup otomatis 10 hari kerja setelah tindak lanjut dipublikasikan."
        ),
        max_days=15,
        fee=Fee(0, "IDR", "Tidak dipungut biaya"),
        product="Tindak lanjut pengaduan yang dipublikasikan kepada pelapor",
        complaint_channel=COMPLAINT_CHANNEL,
    )


def complaint_form() -> tuple[FormField, ...]:
    channels = [
        ("lapor", "SP4N-LAPOR!"),
        ("loket", "Loket pengaduan"),
        ("surel", "Surel"),
        ("whatsapp", "WhatsApp"),
        ("surat", "Surat"),
    ]
    services = [
        ("pbg", "Persetujuan Bangunan Gedung"),
        ("izin_usaha", "Izin usaha"),
        ("ktp_el", "KTP-el"),
        ("lainnya", "Lainnya"),
    ]
    return (
        field(
            "complainant_name",
            "Nama pelapor (kosongkan bila anonim)",
            required=False,
            maxlength=100,
        ),
        field("contact", "Telepon atau surel untuk tanggapan", required=False, maxlength=100),
        choice("channel", "Saluran pengaduan", channels),
        choice("service_concerned", "Layanan yang diadukan", services),
        field("subject", "Judul pengaduan", minlength=5, maxlength=150),
        field("description", "Uraian pengaduan", minlength=20, maxlength=4000),
        field("evidence", "Bukti pendukung", "file", required=False),
        field("lapor_tracking_id", "Nomor tiket SP4N-LAPOR!", required=False, maxlength=30),
    )


def complaint() -> Process:
    """Complaint handling: forward within 3 and follow up within 5 working days (else the
    head of office is alerted), then wait for the complainant's response or auto-close."""
    b = ProcessBuilder("complaint", "Pengelolaan Pengaduan", complaint_standard())
    admin = b.role_lane("complaint_admin", "Complaint Admin")
    unit = b.role_lane("responsible_unit", "Responsible Unit")
    head = b.role_lane("head_of_office", "Head of Office")
    b.node("start", "startEvent", "Complaint received", admin, form_fields=complaint_form())
    b.user_task(
        "verify_and_forward",
        "Verify and forward complaint",
        admin,
        choice(
            "verification",
            "Verification",
            [("forward", "Forward to the responsible unit"), ("not_admissible", "Not admissible")],
        ),
        field("unit_name", "Responsible unit", maxlength=100),
        field("admin_note", "Note", required=False, maxlength=1000),
    )
    b.node("gw_admissible", "exclusiveGateway", "Admissible?", admin)
    b.user_task(
        "inform_not_admissible",
        "Inform complainant: not admissible",
        admin,
        field("reason", "Reason given to the complainant", minlength=10, maxlength=1000),
    )
    b.node("end_not_admissible", "endEvent", "Closed as not admissible", admin)
    b.chain("start", "verify_and_forward", "gw_admissible")
    b.flow(
        "gw_admissible",
        "inform_not_admissible",
        'verification == "not_admissible"',
        name="not admissible",
    )
    b.flow("gw_admissible", "follow_up", name="forward", default=True)
    b.chain("inform_not_admissible", "end_not_admissible")
    complaint_follow_up(b, admin, unit)
    complaint_escalation(b, "verify_and_forward", 3, "forward", head)
    complaint_escalation(b, "follow_up", 5, "follow-up", head)
    return b.finish()


def complaint_follow_up(b: ProcessBuilder, admin: str, unit: str) -> None:
    """Follow-up, publication, then the complainant's response or the 10-day auto-close."""
    b.user_task(
        "follow_up",
        "Follow up complaint",
        unit,
        field(
            "follow_up_text", "Follow-up (answer to the complainant)", minlength=20, maxlength=4000
        ),
        field("follow_up_document", "Supporting document", "file", required=False),
    )
    b.user_task(
        "publish_follow_up",
        "Publish follow-up to complainant",
        admin,
        field("published_on", "Date published", "date"),
    )
    b.node("gw_wait_response", "eventBasedGateway", "Complainant responds?", admin)
    b.node(
        "complainant_response",
        "intermediateCatchEvent",
        "Complainant responded",
        admin,
        event_definitions=("message",),
        message_ref="Message_complainant_response",
    )
    b.timer(
        "auto_close_timer",
        "10 working days without response",
        admin,
        "date",
        "due_in_working_days(10)",
    )
    b.user_task(
        "review_response",
        "Review complainant response",
        admin,
        choice(
            "response_assessment",
            "Complainant's response",
            [("satisfied", "Satisfied, close"), ("reopen", "Not satisfied, follow up again")],
        ),
    )
    b.node("gw_response", "exclusiveGateway", "Reopen?", admin)
    b.node("end_closed", "endEvent", "Complaint closed", admin)
    b.node("end_auto_closed", "endEvent", "Closed automatically", admin)
    b.chain(
        "follow_up",
        "publish_follow_up",
        "gw_wait_response",
        "complainant_response",
        "review_response",
        "gw_response",
    )
    b.flow("gw_wait_response", "auto_close_timer")
    b.flow("auto_close_timer", "end_auto_closed")
    b.flow("gw_response", "follow_up", 'response_assessment == "reopen"', name="reopen")
    b.flow("gw_response", "end_closed", name="satisfied", default=True)


def complaint_escalation(b: ProcessBuilder, task: str, days: int, what: str, head: str) -> None:
    """A non-interrupting deadline on ``task`` that asks the head of office to intervene."""
    timer_id, escalation_id, end_id = (
        f"{task}_deadline",
        f"escalate_{task}",
        f"end_{task}_escalated",
    )
    lane = b.process.nodes[task].lane_id or head
    b.timer(
        timer_id,
        f"{days} working days",
        lane,
        "date",
        f"due_in_working_days({days})",
        attached_to=task,
        cancel_activity=False,
    )
    b.user_task(
        escalation_id,
        f"Escalation: {what} overdue",
        head,
        field("instruction", "Instruction to the unit", minlength=5, maxlength=1000),
    )
    b.node(end_id, "endEvent", "Escalation handled", head)
    b.chain(timer_id, escalation_id, end_id)


# --- writing -------------------------------------------------------------------------------

MESSAGES = {"Message_complainant_response": "complainant_response"}  # id -> name
PROCEDURES: dict[str, Callable[[], Process]] = {
    "building_approval": building_approval,
    "business_license": business_license,
    "resident_id_card": resident_id_card,
    "complaint": complaint,
    "signage_permit": bundle.signage_permit,
    "small_business_bundle": bundle.small_business_bundle,
}


def with_documents(key: str, xml: bytes) -> bytes:
    """``xml`` with the procedure's ``pf:documentTemplate`` declarations added."""
    declared = DOCUMENT_TEMPLATES.get(key)
    if not declared:
        return xml
    root = etree.fromstring(xml, etree.XMLParser(remove_blank_text=True))
    process = root.find(f"{{{BPMN_NS}}}process[@id='{key}']")
    extensions = process.find(f"{{{BPMN_NS}}}extensionElements")
    for name, href in declared:
        etree.SubElement(extensions, f"{{{PF_NS}}}documentTemplate", name=name, href=href)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def with_labels(key: str, xml: bytes) -> bytes:
    """``xml`` with the ``pf:label`` translations of :mod:`processes.translations`."""
    root = etree.fromstring(xml, etree.XMLParser(remove_blank_text=True))
    process = root.find(f"{{{BPMN_NS}}}process[@id='{key}']")
    for element in process.iter(f"{{{BPMN_NS}}}*"):
        name = element.get("name")
        names = (
            translations.LANES_ID if element.tag == f"{{{BPMN_NS}}}lane" else translations.NAMES_ID
        )
        if name in names and element.get("id") and not _has_label(element, "id"):
            _label(element, "id", names[name])
        if element.tag == f"{{{BPMN_NS}}}startEvent":
            _form_labels(element, "en", translations.FORM_EN)
        elif element.tag == f"{{{BPMN_NS}}}userTask":
            _form_labels(element, "id", translations.FORM_ID)
    for part, text in translations.STANDARD_EN.get(key, {}).items():
        _label(process, "en", text, f"standard.{part}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _form_labels(element, language: str, texts: dict[str, str]) -> None:
    """Labels in ``language`` for the form fields and options of ``element`` found in ``texts``."""
    for form_field in element.iter(f"{{{CAMUNDA_NS}}}formField"):
        field_id = form_field.get("id")
        if form_field.get("label", "") in texts:
            _label(element, language, texts[form_field.get("label")], field_id)
        for value in form_field.iter(f"{{{CAMUNDA_NS}}}value"):
            if value.get("name", "") in texts:
                _label(element, language, texts[value.get("name")], f"{field_id}={value.get('id')}")


def _has_label(element, language: str) -> bool:
    """Whether ``element`` already names itself in ``language`` (e.g. set by :mod:`bundle`)."""
    return any(
        label.get("{http://www.w3.org/XML/1998/namespace}lang") == language and not label.get("for")
        for label in element.findall(f"{{{BPMN_NS}}}extensionElements/{{{PF_NS}}}label")
    )


def _label(element, language: str, text: str, target: str | None = None) -> None:
    extensions = element.find(f"{{{BPMN_NS}}}extensionElements")
    if extensions is None:
        extensions = etree.Element(f"{{{BPMN_NS}}}extensionElements")
        documentation = element.findall(f"{{{BPMN_NS}}}documentation")
        element.insert(len(documentation), extensions)
    label = etree.SubElement(extensions, f"{{{PF_NS}}}label")
    label.set("{http://www.w3.org/XML/1998/namespace}lang", language)
    if target:
        label.set("for", target)
    label.text = text


def with_requirement_fields(key: str, xml: bytes) -> bytes:
    """``xml`` with each ``pf:requirement`` naming the start-form field that asks for it."""
    fields = translations.REQUIREMENT_FIELDS.get(key)
    if not fields:
        return xml
    root = etree.fromstring(xml, etree.XMLParser(remove_blank_text=True))
    requirements = list(root.iter(f"{{{PF_NS}}}requirement"))
    assert len(requirements) == len(fields), f"{key}: one field per requirement"
    for requirement, field_id in zip(requirements, fields, strict=True):
        requirement.set("field", field_id)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def render_all() -> dict[Path, bytes]:
    """The content of every ``processes/<id>.bpmn`` as this script defines it."""
    return {
        PROCESSES_DIR / f"{key}.bpmn": with_requirement_fields(
            key,
            with_labels(
                key,
                bundle.finish_xml(  # call mappings, the loop and the decision of the bundle
                    key, with_documents(key, process_to_bpmn(build(), messages=MESSAGES))
                ),
            ),
        )
        for key, build in PROCEDURES.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only report files that are out of date"
    )
    args = parser.parse_args(argv)
    stale = []
    for path, content in render_all().items():
        if path.exists() and path.read_bytes() == content:
            continue
        stale.append(path)
        if not args.check:
            path.write_bytes(content)
            print(f"wrote {path.relative_to(PROCESSES_DIR.parent)}")
    if args.check and stale:
        print("out of date: " + ", ".join(p.name for p in stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The one-stop bundle for a small business, and the small signage permit it calls.

``small_business_bundle``: the applicant applies once (identity, business, site data and
documents) for the business licence, the building approval and a signage permit. The
agencies concerned review the application in parallel (one multi-instance task over
``agencies``), a decision table computes the fees (``small_business_fees.dmn``), then
the three deployed procedures run side by side as call activities, each given only the
data it needs (``camunda:in``) and giving back its decision (``camunda:out``).

Written by :mod:`processes.author` (the builder does not write call mappings, loops or
decision references, so :func:`finish_xml` adds them to the written XML).
"""

from __future__ import annotations

from lxml import etree

from engine.bpmn.builder import ProcessBuilder
from engine.bpmn.model import Fee, FormField, Process, ServiceStandard
from engine.bpmn.xml import BPMN_NS, CAMUNDA_NS, PF_NS
from processes.fields import COMPLAINT_CHANNEL, applicant_fields, choice, field

AGENCIES = '["dinas_perdagangan", "dinas_pupr", "bapenda"]'
#: what each call activity passes in (target <- source) and takes back (source -> target)
APPLICANT_IN = ("applicant_name", "nik", "phone", "email")
CALLS = {
    "call_business_license": (
        "business_license",
        APPLICANT_IN
        + ("company_name", "nib", "kbli", "risk_level", "business_category", "zone")
        + ("business_address",),
        ("technical_decision", "business_license_decision"),
    ),
    "call_building_approval": (
        "building_approval",
        APPLICANT_IN + ("building_function", "floors", "floor_area"),
        ("technical_decision", "building_approval_decision"),
    ),
    "call_signage_permit": (
        "signage_permit",
        APPLICANT_IN + ("business_address", "sign_text", "sign_area", "sign_type", "signage_fee"),
        ("sign_decision", "signage_permit_decision"),
    ),
}
#: target <- source: the building retribution of the fee table comes filled in as the
#: building approval's assessed fee (the cashier confirms it; the bill is the called one's)
CALL_IN_RENAMED = {
    "call_building_approval": {"building_address": "business_address", "fee_amount": "building_fee"}
}


SIGN_TYPES = [("papan", "Papan nama"), ("neon_box", "Neon box"), ("baliho", "Baliho")]


def _sign_fields() -> tuple[FormField, ...]:
    return (
        field("sign_text", "Teks reklame", minlength=2, maxlength=200),
        field("sign_area", "Luas bidang reklame (m2)", "long", min=1, max=100),
        choice("sign_type", "Jenis reklame", SIGN_TYPES),
    )


# --- the signage permit ----------------------------------------------------------------------


def signage_permit_standard() -> ServiceStandard:
    return ServiceStandard(
        code="REKLAME",
        name="Izin Penyelenggaraan Reklame",
        description="Izin memasang reklame (papan nama, neon box, baliho) di lokasi usaha.",
        legal_basis=[
            "Undang-Undang Nomor 1 Tahun 2022 tentang Hubungan Keuangan antara Pemerintah "
            "Pusat dan Pemerintahan Daerah",
            "Peraturan Daerah tentang Pajak Daerah dan Retribusi Daerah",
        ],
        requirements=["KTP-el pemohon", "Desain dan ukuran reklame"],
        procedure=(
            "1. Pemohon mengajukan permohonan. 2. Front office mendaftarkan permohonan. "
            "3. Verifikasi dokumen. 4. Tinjauan teknis lokasi dan ukuran reklame. "
            "5. Penandatanganan izin oleh Kepala Dinas."
        ),
        max_days=5,
        fee=Fee(0, "IDR", "Pajak reklame sesuai Perda"),
        product="Izin Penyelenggaraan Reklame",
        complaint_channel=COMPLAINT_CHANNEL,
    )


SIGNAGE_NUMBER = "REKLAME-{region}-{year}-{seq:06d}"
#: the signage permit's documents: the permit, the tax assessment (SKPD), the receipt
SIGNAGE_TEMPLATES = (
    ("permit", "templates/signage_permit.html"),
    ("skrd", "templates/signage_tax_assessment.html"),
    ("receipt", "templates/signage_tax_receipt.html"),
)
#: Indonesian names of the signage permit's payment steps (written as pf:label)
SIGNAGE_NAMES_ID = {
    "assess_signage_tax": "Penetapan pajak reklame",
    "confirm_signage_payment": "Menunggu dan memastikan pembayaran pajak reklame",
    "gw_signage_paid": "Sudah dibayar?",
    "end_signage_cancelled": "Dibatalkan karena pajak reklame tidak dibayar",
}


def signage_permit() -> Process:
    """A small permit: registration, one technical review, the signage tax assessed and
    paid, the head's signature, which issues the permit (a PDF with its own number)."""
    b = ProcessBuilder("signage_permit", "Izin Reklame", signage_permit_standard())
    front = b.role_lane("front_office", "Front Office")
    technical = b.role_lane("technical_team", "Technical Team")
    cashier = b.role_lane("cashier", "Cashier")
    head = b.role_lane("head_of_office", "Head of Office")
    form = (
        *applicant_fields(),
        field("business_address", "Alamat lokasi usaha", minlength=10, maxlength=300),
        *_sign_fields(),
        field("identity_document", "KTP-el pemohon", "file"),
        field("sign_design", "Desain dan ukuran reklame", "file"),
    )
    b.node("start", "startEvent", "Signage application received", front, form_fields=form)
    b.user_task(
        "register_signage",
        "Register signage application",
        front,
        field("signage_registered", "Application registered", "boolean"),
    )
    b.user_task(
        "review_signage",
        "Review sign location and size",
        technical,
        choice(
            "sign_decision",
            "Technical decision",
            [("approve", "Meets the rules"), ("reject", "Does not meet the rules")],
        ),
        field("sign_review_notes", "Review notes", required=False, maxlength=1000),
    )
    b.node("gw_sign_decision", "exclusiveGateway", "Approve sign?", technical)
    signage_payment(b, cashier)
    sign = b.user_task(
        "sign_signage_permit",
        "Sign signage permit",
        head,
        field("signature_note", "Conditions of the permit", required=False, maxlength=500),
        doc="Completing this task numbers, signs and stores the signage permit (pf:issues).",
    )
    sign.properties.update(
        {"issues": "permit", "object": "business_address", "numberFormat": SIGNAGE_NUMBER}
    )
    b.node("end_signage_issued", "endEvent", "Signage permit issued", head)
    b.node("end_signage_rejected", "endEvent", "Signage application rejected", technical)
    b.chain("start", "register_signage", "review_signage", "gw_sign_decision")
    b.flow("gw_sign_decision", "assess_signage_tax", 'sign_decision == "approve"', name="approve")
    b.flow("gw_sign_decision", "end_signage_rejected", name="reject", default=True)
    b.flow("sign_signage_permit", "end_signage_issued")
    return b.finish()


def signage_payment(b: ProcessBuilder, cashier: str) -> None:
    """The cashier assesses the signage tax (a bill with its SKPD; in the bundle the fee
    table's amount comes filled in) and confirms the payment; unpaid after 14 days the
    application lapses."""
    assess = b.user_task(
        "assess_signage_tax",
        "Assess signage tax",
        cashier,
        field("signage_fee", "Signage tax (IDR)", "long", min=0),
        field("signage_fee_basis", "Calculation basis", required=False, maxlength=500),
        doc="The amount becomes a bill with a billing code and its SKPD (pf:bill).",
    )
    assess.properties.update({"bill": "signage_fee", "billBasis": "signage_fee_basis"})
    confirm = b.user_task(
        "confirm_signage_payment",
        "Wait for and confirm signage tax payment",
        cashier,
        field("signage_paid", "Payment received", "boolean"),
        field("payment_reference", "Payment reference (NTPD)", required=False, maxlength=50),
        doc="Completed when the tax is paid; unpaid after 14 days the application lapses.",
    )
    confirm.properties["confirmsPayment"] = "signage_paid"
    b.timer(
        "signage_payment_deadline",
        "14 days without payment",
        cashier,
        "duration",
        "P14D",
        attached_to="confirm_signage_payment",
    )
    b.node("end_signage_cancelled", "endEvent", "Cancelled for unpaid signage tax", cashier)
    b.node("gw_signage_paid", "exclusiveGateway", "Paid?", cashier)
    b.chain("assess_signage_tax", "confirm_signage_payment", "gw_signage_paid")
    b.flow("gw_signage_paid", "sign_signage_permit", "signage_paid", name="paid")
    b.flow("gw_signage_paid", "confirm_signage_payment", name="not yet", default=True)
    b.flow("signage_payment_deadline", "end_signage_cancelled")


# --- the bundle --------------------------------------------------------------------------------


def bundle_standard() -> ServiceStandard:
    return ServiceStandard(
        code="PAKET-UMK",
        name="Paket Perizinan Usaha Kecil (satu pintu)",
        description=(
            "Satu permohonan untuk membuka usaha kecil: izin usaha, persetujuan bangunan "
            "gedung dan izin reklame. Data dan dokumen diisi sekali."
        ),
        legal_basis=[
            "Peraturan Presiden Nomor 97 Tahun 2014 tentang Penyelenggaraan Pelayanan "
            "Terpadu Satu Pintu",
            "Peraturan Pemerintah Nomor 28 Tahun 2025 tentang Penyelenggaraan Perizinan "
            "Berusaha Berbasis Risiko",
        ],
        requirements=[
            "KTP-el pemohon",
            "Nomor Induk Berusaha (NIB)",
            "Bukti kepemilikan tanah",
            "Gambar rencana bangunan",
            "Desain dan ukuran reklame",
        ],
        procedure=(
            "1. Pemohon mengisi satu formulir. 2. Front office mendaftarkan paket. "
            "3. Dinas terkait meninjau bersamaan. 4. Retribusi dihitung dengan tabel tarif. "
            "5. Izin usaha, PBG dan izin reklame diproses bersamaan."
        ),
        max_days=28,
        fee=Fee(0, "IDR", "Retribusi PBG dan pajak reklame dihitung dari tabel tarif"),
        product="Izin usaha, Persetujuan Bangunan Gedung dan Izin Reklame",
        complaint_channel=COMPLAINT_CHANNEL,
    )


def bundle_form() -> tuple[FormField, ...]:
    categories = [("perdagangan", "Perdagangan"), ("jasa", "Jasa"), ("industri", "Industri")]
    zones = [
        ("perumahan", "Zona perumahan"),
        ("perdagangan_jasa", "Zona perdagangan dan jasa"),
        ("campuran", "Zona campuran"),
        ("industri", "Zona/kawasan industri"),
    ]
    functions = [("usaha", "Usaha"), ("hunian", "Hunian")]
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
        choice("building_function", "Fungsi bangunan gedung", functions),
        field("floors", "Jumlah lantai", "long", min=1),
        field("floor_area", "Luas lantai (m2)", "long", min=1, max=100000),
        *_sign_fields(),
        field("identity_document", "KTP-el pemohon", "file"),
        field("land_certificate", "Bukti kepemilikan tanah (sertifikat)", "file"),
        field("building_plan", "Gambar rencana bangunan", "file"),
        field("sign_design", "Desain dan ukuran reklame", "file"),
    )


def small_business_bundle() -> Process:
    b = ProcessBuilder("small_business_bundle", "Paket Perizinan Usaha Kecil", bundle_standard())
    front = b.role_lane("front_office", "Front Office")
    technical = b.role_lane("technical_team", "Technical Team")
    b.node("start", "startEvent", "Bundle application received", front, form_fields=bundle_form())
    b.user_task(
        "register_bundle",
        "Register bundle application",
        front,
        field("bundle_registered", "Application registered", "boolean"),
    )
    b.script("list_agencies", f"agencies = {AGENCIES}", "List the agencies concerned", lane=front)
    b.user_task(
        "agency_review",
        "Agency review",
        technical,
        choice(
            "agency_opinion",
            "Opinion of the agency",
            [("agree", "No objection"), ("object", "Objection")],
        ),
        field("agency_note", "Note", required=False, maxlength=1000),
        doc="One review per agency in 'agencies', all at the same time.",
    )
    b.node("gw_agencies", "exclusiveGateway", "All agencies agree?", technical)
    b.node("compute_fees", "businessRuleTask", "Compute the fees", front)
    b.script("total_fee", "total_fee = building_fee + signage_fee", "Add up the fees", lane=front)
    b.node("gw_split", "parallelGateway", "", front)
    for call_id, name in (
        ("call_business_license", "Business licence"),
        ("call_building_approval", "Building approval"),
        ("call_signage_permit", "Signage permit"),
    ):
        b.node(call_id, "callActivity", name, front, called_element=CALLS[call_id][0])
        b.flow("gw_split", call_id)
        b.flow(call_id, "gw_join")
    b.node("gw_join", "parallelGateway", "", front)
    b.node("end_decided", "endEvent", "All permits decided", front)
    b.node("end_objected", "endEvent", "Objected by an agency", technical)
    b.chain("start", "register_bundle", "list_agencies", "agency_review", "gw_agencies")
    b.flow(
        "gw_agencies",
        "compute_fees",
        '"object" not in agency_opinions',
        name="all agree",
    )
    b.flow("gw_agencies", "end_objected", name="objection", default=True)
    b.chain("compute_fees", "total_fee", "gw_split")
    b.flow("gw_join", "end_decided")
    return b.finish()


def finish_xml(key: str, xml: bytes) -> bytes:
    """Add what the writer leaves out: the loop, the decision reference, call mappings;
    the signage permit's document templates and the Indonesian names of its payment."""
    if key == "signage_permit":
        return _finish_signage(xml)
    if key != "small_business_bundle":
        return xml
    root = etree.fromstring(xml, etree.XMLParser(remove_blank_text=True))
    process = root.find(f"{{{BPMN_NS}}}process[@id='{key}']")

    def bpmn(tag: str) -> str:
        return f"{{{BPMN_NS}}}{tag}"

    review = process.find(f"{bpmn('userTask')}[@id='agency_review']")
    loop = etree.SubElement(review, bpmn("multiInstanceLoopCharacteristics"))
    etree.SubElement(loop, bpmn("loopDataInputRef")).text = "agencies"
    etree.SubElement(loop, bpmn("loopDataOutputRef")).text = "agency_opinions"
    etree.SubElement(loop, bpmn("inputDataItem"), id="agency", name="agency")
    etree.SubElement(loop, bpmn("outputDataItem"), id="agency_opinion", name="agency_opinion")
    fees = process.find(f"{bpmn('businessRuleTask')}[@id='compute_fees']")
    fees.set(f"{{{CAMUNDA_NS}}}decisionRef", "small_business_fees")
    for call_id, (_key, names, (source, target)) in CALLS.items():
        call = process.find(f"{bpmn('callActivity')}[@id='{call_id}']")
        extensions = call.find(bpmn("extensionElements"))
        if extensions is None:
            extensions = etree.Element(bpmn("extensionElements"))
            call.insert(0, extensions)
        for name in names:
            etree.SubElement(extensions, f"{{{CAMUNDA_NS}}}in", source=name, target=name)
        for target_name, source_name in CALL_IN_RENAMED.get(call_id, {}).items():
            etree.SubElement(
                extensions, f"{{{CAMUNDA_NS}}}in", source=source_name, target=target_name
            )
        etree.SubElement(extensions, f"{{{CAMUNDA_NS}}}out", source=source, target=target)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _finish_signage(xml: bytes) -> bytes:
    root = etree.fromstring(xml, etree.XMLParser(remove_blank_text=True))
    process = root.find(f"{{{BPMN_NS}}}process[@id='signage_permit']")
    extensions = process.find(f"{{{BPMN_NS}}}extensionElements")
    for name, href in SIGNAGE_TEMPLATES:
        etree.SubElement(extensions, f"{{{PF_NS}}}documentTemplate", name=name, href=href)
    for element_id, text in SIGNAGE_NAMES_ID.items():
        element = process.find(f".//*[@id='{element_id}']")
        own = element.find(f"{{{BPMN_NS}}}extensionElements")
        if own is None:
            own = etree.Element(f"{{{BPMN_NS}}}extensionElements")
            element.insert(len(element.findall(f"{{{BPMN_NS}}}documentation")), own)
        label = etree.SubElement(own, f"{{{PF_NS}}}label")
        label.set("{http://www.w3.org/XML/1998/namespace}lang", "id")
        label.text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

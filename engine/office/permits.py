"""Issued permits: numbered, rendered from the version's template, signed, verifiable.

An element marked ``pf:issues="permit"`` issues the document when it completes (a task)
or is reached (an end event): the next number of the procedure's sequence
(:mod:`engine.office.numbering`), a random verification code, the template filled in
with the case data and the engine's names (``permit``, ``office``, ``signer``,
``qr_code``, ``verify_url``...), the PDF (WeasyPrint), the office's PAdES signature,
and a stored document with its SHA-256. Anyone can check a code or a PDF; the head of
office can revoke a permit or correct it (a new document naming the one it replaces).

Office settings come from the environment: ``PERMITFLOW_OFFICE_NAME``,
``PERMITFLOW_SIGNER_NAME``, ``PERMITFLOW_SIGNER_TITLE``, ``PERMITFLOW_PUBLIC_URL`` (the
base of the QR code's link) and ``PERMITFLOW_REGION`` (for numbers).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.users import roles_of
from engine.bpmn.model import Node, Process
from engine.calendar import clock
from engine.errors import EngineError, InvalidState, NotAllowed, NotFound
from engine.office import audit, documents, numbering, pdf, signing
from engine.office.validity import valid_until
from engine.storage import db
from engine.storage.tables import Case, Document, Permit, ProcessDefinition

if TYPE_CHECKING:
    from engine.office.steps import Step

HEAD_OF_OFFICE = "head_of_office"
ADMIN = "admin"
ISSUER = "permitflow"
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L


def office_name() -> str:
    return os.environ.get(
        "PERMITFLOW_OFFICE_NAME", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu"
    )


def signer() -> dict[str, str]:
    return {
        "name": os.environ.get("PERMITFLOW_SIGNER_NAME", "Kepala Dinas"),
        "title": os.environ.get("PERMITFLOW_SIGNER_TITLE", "Kepala Dinas"),
    }


def verify_url(code: str) -> str:
    base = os.environ.get("PERMITFLOW_PUBLIC_URL", "http://localhost:5000").rstrip("/")
    return f"{base}/verify/{code}"


def new_code() -> str:
    """A random verification code (100 bits): printed under the QR code, never guessable."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(20))


def normalize_code(text: str) -> str:
    return "".join(c for c in (text or "").upper() if c.isalnum())[:40]


def mask_name(name: str) -> str:
    """``Siti Rahayu`` -> ``S*** R***``: enough to recognise, too little to harvest."""
    return " ".join(word[0] + "***" for word in (name or "").split() if word)


# -- issuing ---------------------------------------------------------------------------


def display_data(process: Process, data: dict[str, Any]) -> dict[str, Any]:
    """The case data with enum values shown by their labels (no raw ids on a document)."""
    labels = {}
    for node in process.nodes.values():
        for field in node.form_fields:
            if field.enum_values:
                labels[field.id] = {v.id: v.name for v in field.enum_values}
    shown = {}
    for key, value in data.items():
        if isinstance(key, str) and not key.startswith("_"):
            shown[key] = labels.get(key, {}).get(value, value) if isinstance(value, str) else value
    return shown


def _template_text(definition: ProcessDefinition, name: str) -> str:
    stored = (definition.templates or {}).get(name)
    if not stored:
        raise EngineError(
            f"Version {definition.version} of {definition.key} has no template "
            f"{name!r}; deploy it with its pf:documentTemplate file."
        )
    return stored["text"]


@dataclass
class Issue:
    """What goes into one permit, before it is rendered."""

    case: Case
    process: Process
    node: Node
    data: dict[str, Any]
    actor: str
    replaces: Permit | None = None
    #: the deployed version whose element issues (a called procedure's); None: the case's
    definition: ProcessDefinition | None = None

    @property
    def source(self) -> ProcessDefinition:
        return self.definition or self.case.definition

    @property
    def process_key(self) -> str:
        return self.process.id


def issue(session: Session, request: Issue) -> Permit:
    """Number, render, sign and store the permit of ``request``; returns its row.

    A called procedure's permit is its own: its template, service standard and number
    sequence, and its process key in the register.
    """
    case, node = request.case, request.node
    properties = node.properties
    now = clock.now()
    today = today_wib()
    standard = request.source.service_standard or {}
    fmt = properties.get("numberFormat", numbering.DEFAULT_FORMAT)
    number = numbering.next_number(
        session, request.process_key, today.year, fmt, standard.get("code", "")
    )
    code = new_code()
    shown = display_data(request.process, request.data)
    holder = str(request.data.get(properties.get("holder", "applicant_name"), case.applicant_name))
    object_text = (
        str(shown.get(properties.get("object", ""), "")) if properties.get("object") else ""
    )
    until = valid_until(today, properties.get("validity"))
    title = standard.get("name") or request.source.name
    context = {
        **shown,
        "permit": {
            "number": number,
            "code": code,
            "title": title,
            "issued_on": today,
            "valid_until": until,
            "holder": holder,
            "object": object_text,
        },
        "office": {"name": office_name(), "region": numbering.region()},
        "signer": signer(),
        "verify_url": verify_url(code),
        "qr_code": pdf.qr_data_uri(verify_url(code)),
        "case": {"tracking_code": case.tracking_code},
        "today": today,
        "replaces": {"number": request.replaces.number} if request.replaces else None,
        "bill": None,
    }
    html = pdf.render_html(
        _template_text(request.source, properties["issues"]), context, case.language
    )
    data = pdf.html_to_pdf(html)
    signed = signing.is_configured()
    if signed:
        data = signing.sign(data, reason=f"{title} {number}", location=office_name())
    document = documents.store(
        session,
        case,
        f"{number.replace('/', '-')}.pdf",
        data,
        field_id=f"issued:{properties['issues']}",
        uploaded_by=ISSUER,
    )
    permit = Permit(
        case_id=case.id,
        process_key=request.process_key,
        kind=properties["issues"][:40],
        element_id=node.id,
        number=number,
        code=code,
        title=title[:300],
        holder_name=holder[:200],
        object_text=object_text[:500],
        office_name=office_name()[:200],
        signer=signer()["name"][:200],
        issued_at=now,
        valid_until=until,
        status="valid",
        document_id=document.id,
        sha256=document.sha256,
        signed=signed,
        replaces_id=request.replaces.id if request.replaces else None,
    )
    session.add(permit)
    session.flush()
    audit.record(
        session,
        "permit_issued",
        actor=request.actor,
        case_id=case.id,
        element_id=node.id,
        element_name=node.name,
        message=f"{title} {number} issued" + ("" if signed else " (unsigned: no signing key)"),
        data={"number": number, "sha256": document.sha256, "document_id": document.id},
    )
    return permit


def issue_due(session: Session, case: Case, completed: list[Step], actor: str) -> list[Permit]:
    """Issue the permits of completed issuing elements not issued yet for ``case``, the
    called procedures' included (each element once, named with its process key)."""
    rows = session.execute(
        select(Permit.process_key, Permit.element_id).where(Permit.case_id == case.id)
    )
    done = {(key, element_id) for key, element_id in rows}
    issued = []
    for step in completed:
        if "issues" not in step.node.properties or (step.process_key, step.element_id) in done:
            continue
        request = Issue(case, step.process, step.node, dict(step.data), actor)
        request.definition = step.definition
        issued.append(issue(session, request))
        done.add((step.process_key, step.element_id))
    return issued


# -- verification ----------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What the public verification page says about a permit."""

    status: str  # valid | revoked | replaced | expired | unknown
    permit: Permit | None = None
    replaced_by: Permit | None = None

    @property
    def holder_masked(self) -> str:
        return mask_name(self.permit.holder_name) if self.permit else ""


def status_of(session: Session, permit: Permit) -> Verdict:
    replaced_by = session.scalar(select(Permit).where(Permit.replaces_id == permit.id))
    if permit.status != "valid":
        return Verdict(permit.status, permit, replaced_by)
    today = clock.now().astimezone(pdf.WIB).date()
    if permit.valid_until is not None and permit.valid_until < today:
        return Verdict("expired", permit, replaced_by)
    return Verdict("valid", permit, replaced_by)


def verify_code(session: Session, code: str) -> Verdict:
    """The verdict on a verification code (``unknown`` for any code not issued)."""
    permit = session.scalar(select(Permit).where(Permit.code == normalize_code(code)))
    return status_of(session, permit) if permit else Verdict("unknown")


@dataclass(frozen=True)
class FileCheck:
    """The verdict on an uploaded PDF: genuine (one the office issued, unaltered) or not."""

    genuine: bool
    reason: str
    verdict: Verdict
    signature: signing.SignatureCheck | None = None


def verify_file(session: Session, data: bytes, code: str | None = None) -> FileCheck:
    """Whether ``data`` is exactly a document the office issued (and, if given, ``code``'s)."""
    digest = hashlib.sha256(data).hexdigest()
    permit = session.scalar(select(Permit).where(Permit.sha256 == digest))
    expected = verify_code(session, code) if code else None
    if permit is None:
        verdict = expected or Verdict("unknown")
        return FileCheck(False, "not_issued", verdict, signing.check(data) if data else None)
    verdict = status_of(session, permit)
    if expected is not None and expected.permit is not None and expected.permit.id != permit.id:
        return FileCheck(False, "other_permit", expected)
    check = signing.check(data) if permit.signed else None
    if check is not None and not check.valid:
        return FileCheck(False, "bad_signature", verdict, check)
    return FileCheck(True, "issued", verdict, check)


# -- revocation and correction ---------------------------------------------------------


class ReasonMissing(InvalidState):
    """A revocation or correction without the reason the verification page shows."""

    code = "reason_missing"


class PermitNotValid(InvalidState):
    """A revocation or correction of a permit already revoked or replaced."""

    code = "permit_not_valid"


def _check_head(session: Session, actor: str) -> None:
    roles = roles_of(session, actor)
    if HEAD_OF_OFFICE not in roles and ADMIN not in roles:
        raise NotAllowed(f"Only the head of office may revoke or correct a permit, not {actor}.")


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonMissing("Give the reason: it is shown on the public verification page.")
    return reason[:1000]


def get_permit(session: Session, code: str) -> Permit:
    permit = session.scalar(select(Permit).where(Permit.code == normalize_code(code)))
    if permit is None:
        raise NotFound(f"No permit with verification code {code!r}.")
    return permit


def case_permits(session: Session, case: Case) -> list[Permit]:
    return list(
        session.scalars(select(Permit).where(Permit.case_id == case.id).order_by(Permit.id))
    )


def revoke(session: Session, code: str, *, actor: str, reason: str) -> Permit:
    """Revoke a valid permit: the verification page says so, with the reason."""
    permit, reason = _valid_for_change(
        session, code, actor, reason, "Permit {number} is already {status}."
    )
    _close(permit, "revoked", reason, actor)
    audit.record(
        session,
        "permit_revoked",
        actor=actor,
        case_id=permit.case_id,
        message=f"{permit.number} revoked: {reason}",
        data={"number": permit.number, "code": permit.code},
    )
    return permit


def correct(
    session: Session, code: str, *, actor: str, reason: str, changes: dict[str, Any]
) -> Permit:
    """Issue a corrected permit (new number and document naming the old one), replacing it."""
    old, reason = _valid_for_change(
        session,
        code,
        actor,
        reason,
        "Permit {number} is {status}; only a valid one can be corrected.",
    )
    case = case_of(session, old.case_id)
    definition, process = _issuing_process(case, old)
    node = process.nodes[old.element_id]
    data = _issued_data(session, old)
    unknown = sorted(set(changes) - set(data))
    if unknown:
        raise InvalidState(f"{', '.join(unknown)} is not part of permit {old.number}.")
    data.update({k: str(v)[:2000] for k, v in changes.items()})
    new = issue(session, Issue(case, process, node, data, actor, old, definition))
    _close(old, "replaced", reason, actor)
    audit.record(
        session,
        "permit_corrected",
        actor=actor,
        case_id=case.id,
        message=f"{old.number} replaced by {new.number}: {reason}",
        data={"old": old.number, "new": new.number, "changes": sorted(changes)},
    )
    return new


def _valid_for_change(
    session: Session, code: str, actor: str, reason: str, refusal: str
) -> tuple[Permit, str]:
    """The permit ``code``, locked, when the head of office may revoke or correct it now
    (one change at a time: of two at once, the second finds it no longer valid)."""
    _check_head(session, actor)
    reason = _reason(reason)
    permit = get_permit(session, code)
    db.lock_row(session, permit)
    if permit.status != "valid":
        raise PermitNotValid(refusal.format(number=permit.number, status=permit.status))
    return permit, reason


def _issuing_process(case: Case, permit: Permit) -> tuple[ProcessDefinition, Process]:
    """The version and process whose element issued ``permit`` (a called one's too)."""
    from engine.office import steps  # definitions imports validation, which imports us

    return steps.sources(case.definition)[permit.process_key]


def _close(permit: Permit, status: str, reason: str, actor: str) -> None:
    permit.status, permit.status_reason = status, reason
    permit.status_by, permit.status_at = actor, clock.now()


def _issued_data(session: Session, permit: Permit) -> dict[str, Any]:
    """The data the permit was issued with: its issuing step's (a called procedure's own
    data in a bundle), else the case's current data."""
    from engine.office import steps  # definitions imports validation, which imports us
    from engine.office.cases import case_data
    from engine.workflow.runtime import peek_workflow

    case = case_of(session, permit.case_id)
    issuing = [
        step.data
        for step in steps.completed_steps(peek_workflow(case), case.definition)
        if (step.process_key, step.element_id) == (permit.process_key, permit.element_id)
    ]
    return dict(issuing[-1]) if issuing else dict(case_data(case))


def case_of(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"Case {case_id} no longer exists.")
    return case


def permit_pdf(session: Session, permit: Permit) -> tuple[Document, bytes]:
    if permit.document_id is None:
        raise NotFound(f"The document of permit {permit.number} is no longer stored.")
    document = documents.get_document(session, permit.document_id)
    return document, documents.read(document)


def today_wib() -> date:
    return clock.now().astimezone(pdf.WIB).date()


def file_verdict(session: Session, data: bytes) -> tuple[bool, str]:
    """``(valid, sentence)`` about a PDF: signature, register and status (for the CLI)."""
    signature = signing.check(data)
    digest = hashlib.sha256(data).hexdigest()
    permit = session.scalar(select(Permit).where(Permit.sha256 == digest))
    if permit is None:
        if signature.valid:
            return False, (
                "the signature is intact, but this office never issued this exact file "
                f"(SHA-256 {digest[:16]}...)"
            )
        return False, f"{signature.reason}; this office never issued this file"
    if permit.signed and not signature.valid:
        return False, signature.reason
    verdict = status_of(session, permit)
    what = f"{permit.title} {permit.number}"
    if verdict.status == "revoked":
        return False, f"{what} was revoked: {permit.status_reason}"
    if verdict.status == "replaced":
        newer = verdict.replaced_by.number if verdict.replaced_by else "a newer document"
        return False, f"{what} was replaced by {newer}: {permit.status_reason}"
    if verdict.status == "expired":
        return False, f"{what} expired on {permit.valid_until}"
    signed = f"signed by {signature.signer}" if permit.signed else "issued unsigned"
    return True, f"{what}, issued to {mask_name(permit.holder_name)}, {signed}, unaltered"


def correctable_fields(session: Session, permit: Permit) -> list[tuple[str, str, str]]:
    """``(field id, label, current value)`` a correction may change: holder, object, the
    issuing element's own fields."""
    case = case_of(session, permit.case_id)
    _definition, process = _issuing_process(case, permit)
    node = process.nodes.get(permit.element_id)
    if node is None:
        return []
    labels = {f.id: f.label for n in process.nodes.values() for f in n.form_fields}
    wanted = [node.properties.get("holder", "applicant_name"), node.properties.get("object", "")]
    wanted += [f.id for f in node.form_fields if f.type in ("string", "long", "double")]
    data = _issued_data(session, permit)
    fields = []
    for field_id in dict.fromkeys(w for w in wanted if w and w in data):
        fields.append((field_id, labels.get(field_id, field_id), str(data.get(field_id) or "")))
    return fields

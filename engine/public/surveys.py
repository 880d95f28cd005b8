"""The public satisfaction survey (IKM, PermenPANRB 14/2017).

Nine elements scored 1-4, once per finished case. Per service and period: the NRR of
each element (its mean score), the index as the weighted sum of the NRRs (weight 1/9,
and the 0.111 the regulation's worked examples use) times 25, and the grade.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.errors import InvalidFormData, InvalidState
from engine.office import audit
from engine.storage.tables import FINISHED_STATUSES, Case, SurveyResponse

ELEMENTS = (
    ("u1", "Persyaratan", "Requirements"),
    ("u2", "Sistem, mekanisme, dan prosedur", "Procedure"),
    ("u3", "Waktu penyelesaian", "Completion time"),
    ("u4", "Biaya/tarif", "Cost"),
    ("u5", "Produk spesifikasi jenis pelayanan", "Product"),
    ("u6", "Kompetensi pelaksana", "Staff competence"),
    ("u7", "Perilaku pelaksana", "Staff behaviour"),
    ("u8", "Penanganan pengaduan, saran dan masukan", "Complaint handling"),
    ("u9", "Sarana dan prasarana", "Facilities"),
)
KEYS = tuple(key for key, _id, _en in ELEMENTS)
# (lowest converted index, grade, Indonesian label, English label)
GRADES = (
    (88.31, "A", "Sangat Baik", "Very good"),
    (76.61, "B", "Baik", "Good"),
    (65.00, "C", "Kurang Baik", "Poor"),
    (25.00, "D", "Tidak Baik", "Very poor"),
)


@dataclass
class IkmResult:
    service: str | None
    responses: int
    nrr: dict[str, float]
    index: float | None  # weight 1/9, times 25
    index_0111: float | None  # weight 0.111, times 25
    grade: str | None
    grade_label: str | None


def submit(
    session: Session, case: Case, scores: dict[str, object], comment: str = ""
) -> SurveyResponse:
    """Record the survey of a finished case (once)."""
    if case.status not in FINISHED_STATUSES:
        raise InvalidState("The survey opens when the case is finished.")
    if session.scalar(select(SurveyResponse.id).where(SurveyResponse.case_id == case.id)):
        raise InvalidState("This case has already been rated. Terima kasih!")
    cleaned = _clean_scores(scores)
    response = SurveyResponse(
        case_id=case.id,
        service=case.process_key,
        submitted_at=clock.now(),
        scores=cleaned,
        comment=(comment or "")[:2000],
    )
    session.add(response)
    session.flush()
    audit.record(session, "survey_submitted", actor="applicant", case_id=case.id, data=cleaned)
    return response


def _clean_scores(scores: dict[str, object]) -> dict[str, int]:
    cleaned, errors = {}, {}
    for key, name_id, _name_en in ELEMENTS:
        raw = scores.get(key)
        try:
            value = int(str(raw))
        except (TypeError, ValueError):
            value = 0
        if value not in (1, 2, 3, 4):
            errors[key] = f"{name_id}: choose a score from 1 to 4"
        cleaned[key] = value
    if errors:
        raise InvalidFormData(errors)
    return cleaned


def grade_of(index: float) -> tuple[str, str]:
    for lowest, grade, label_id, _label_en in GRADES:
        if index >= lowest:
            return grade, label_id
    return "D", "Tidak Baik"


def compute(responses: list[dict[str, int]], service: str | None = None) -> IkmResult:
    """NRR per element, the index (x25) with both weights, and the grade."""
    if not responses:
        return IkmResult(service, 0, {}, None, None, None, None)
    nrr = {key: sum(r[key] for r in responses) / len(responses) for key in KEYS}
    index = sum(value / 9 for value in nrr.values()) * 25
    index_0111 = sum(value * 0.111 for value in nrr.values()) * 25
    grade, label = grade_of(round(index, 2))
    return IkmResult(
        service,
        len(responses),
        {k: round(v, 3) for k, v in nrr.items()},
        round(index, 2),
        round(index_0111, 2),
        grade,
        label,
    )


def ikm(
    session: Session,
    service: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> IkmResult:
    """The IKM of one service (or all) over a period."""
    query = select(SurveyResponse.scores)
    if service:
        query = query.where(SurveyResponse.service == service)
    if since:
        query = query.where(SurveyResponse.submitted_at >= since)
    if until:
        query = query.where(SurveyResponse.submitted_at < until)
    return compute(list(session.scalars(query)), service)

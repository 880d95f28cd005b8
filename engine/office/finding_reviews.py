"""Reformers' decisions on the analysis findings of a procedure version.

A reformer accepts a finding (the office will act on it) or dismisses it (it does not
hold here), always with a reason; the decision is kept per procedure version, shown to
the next reformer who opens the analysis, and audited. A later decision on the same
finding replaces the earlier one (the audit log keeps both). A new version starts
fresh: :func:`earlier_decisions` only offers the last version's decisions as hints.

A finding is known by its key, ``kind:sorted element ids``
(:func:`simulations.analysis.finding.finding_key` makes it), which stays the same
however the analysis words the finding.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.errors import InvalidFormData
from engine.office import audit
from engine.storage.tables import FindingReview

DECISIONS = ("accept", "dismiss")
_KEY_LENGTH = 500
_REASON_LENGTH = 1000


def _checked(finding_key: str, decision: str, reason: str) -> tuple[str, str, str]:
    errors = {}
    finding_key, reason = (finding_key or "").strip(), (reason or "").strip()
    if not finding_key or len(finding_key) > _KEY_LENGTH:
        errors["finding"] = "Name the finding (its key, at most 500 characters)."
    if decision not in DECISIONS:
        errors["decision"] = f"Decide 'accept' or 'dismiss', not {decision!r}."
    if not reason:
        errors["reason"] = "Give the reason: the next reformer reads it."
    elif len(reason) > _REASON_LENGTH:
        errors["reason"] = f"The reason is longer than {_REASON_LENGTH} characters."
    if errors:
        raise InvalidFormData(errors)
    return finding_key, decision, reason


def record(
    session: Session,
    key: str,
    version: int,
    finding_key: str,
    decision: str,
    reason: str,
    by: str,
) -> FindingReview:
    """Accept or dismiss one finding of procedure ``key`` version ``version``.

    Raises :class:`~engine.errors.InvalidFormData` (fields ``finding``, ``decision``,
    ``reason``) when the key is missing, the decision is not ``accept`` or ``dismiss``,
    or the reason is empty or too long.
    """
    finding_key, decision, reason = _checked(finding_key, decision, reason)
    review = session.scalars(
        select(FindingReview).where(
            FindingReview.process_key == key,
            FindingReview.version == version,
            FindingReview.finding_key == finding_key,
        )
    ).one_or_none()
    if review is None:
        review = FindingReview(process_key=key, version=version, finding_key=finding_key)
        session.add(review)
    review.decision, review.reason = decision, reason
    review.decided_by, review.decided_at = by, clock.now()
    audit.record(
        session,
        "finding_reviewed",
        actor=by,
        message=f"{key} v{version}: {decision} {finding_key}: {reason}"[:2000],
        data={"key": key, "version": version, "finding": finding_key, "decision": decision},
    )
    session.flush()
    return review


def decisions(session: Session, key: str, version: int) -> dict[str, FindingReview]:
    """The decisions on the findings of one version, by finding key."""
    rows = session.scalars(
        select(FindingReview).where(
            FindingReview.process_key == key, FindingReview.version == version
        )
    )
    return {r.finding_key: r for r in rows}


def earlier_decisions(session: Session, key: str, version: int) -> dict[str, FindingReview]:
    """For a new version: the latest decision on each finding in earlier versions, as hints."""
    rows = session.scalars(
        select(FindingReview)
        .where(FindingReview.process_key == key, FindingReview.version < version)
        .order_by(FindingReview.version, FindingReview.decided_at)
    )
    return {r.finding_key: r for r in rows}  # a later version's decision wins

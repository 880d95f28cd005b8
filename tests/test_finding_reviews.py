"""Reformers' decisions on findings: kept per procedure version with a reason, replaced by
a later decision, audited, and offered to a new version only as hints."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import services
from engine.errors import InvalidFormData
from engine.storage.tables import AuditEntry
from simulations.analysis.finding import Finding, finding_key

reviews = services.finding_reviews
KEY = "signage_permit"
FINDING = finding_key("no_effect_step", ["record_book"])


def test_a_decision_is_kept_for_its_version_with_who_and_why(session):
    reviews.record(
        session, KEY, 2, FINDING, "dismiss", "  The book is the legal register. ", "rina"
    )
    kept = reviews.decisions(session, KEY, 2)[FINDING]
    assert (kept.decision, kept.reason, kept.decided_by) == (
        "dismiss",
        "The book is the legal register.",
        "rina",
    )
    assert kept.decided_at is not None
    assert reviews.decisions(session, KEY, 3) == {}  # a new version starts fresh
    assert reviews.decisions(session, "other", 2) == {}


def test_a_later_decision_replaces_the_earlier_and_both_are_audited(session):
    reviews.record(session, KEY, 2, FINDING, "dismiss", "legal register", "rina")
    reviews.record(session, KEY, 2, FINDING, "accept", "the register moved online", "budi")
    kept = reviews.decisions(session, KEY, 2)
    assert len(kept) == 1
    assert (kept[FINDING].decision, kept[FINDING].decided_by) == ("accept", "budi")
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "finding_reviewed").order_by(AuditEntry.id)
    ).all()
    assert [(e.actor, e.data["decision"]) for e in entries] == [
        ("rina", "dismiss"),
        ("budi", "accept"),
    ]
    assert "legal register" in entries[0].message


@pytest.mark.parametrize(
    ("finding", "decision", "reason", "field"),
    [
        (FINDING, "dismiss", "   ", "reason"),
        (FINDING, "dismiss", "", "reason"),
        (FINDING, "ignore", "because", "decision"),
        ("", "accept", "because", "finding"),
        (FINDING, "accept", "x" * 1001, "reason"),
    ],
)
def test_bad_decisions_name_the_field(session, finding, decision, reason, field):
    with pytest.raises(InvalidFormData) as raised:
        reviews.record(session, KEY, 2, finding, decision, reason, "rina")
    assert field in raised.value.errors
    assert reviews.decisions(session, KEY, 2) == {}


def test_earlier_versions_give_hints_the_latest_version_winning(session):
    reviews.record(session, KEY, 1, FINDING, "accept", "first look", "rina")
    reviews.record(session, KEY, 2, FINDING, "dismiss", "legal register", "budi")
    hints = reviews.earlier_decisions(session, KEY, 3)
    assert (hints[FINDING].version, hints[FINDING].decision) == (2, "dismiss")
    assert reviews.earlier_decisions(session, KEY, 1) == {}


def test_the_key_is_the_kind_and_the_sorted_elements_whatever_the_wording():
    a = Finding("redundant_check", ["check_2", "check_1"], "A title", "An explanation")
    b = Finding("redundant_check", ["check_1", "check_2"], "Another title", "Other words")
    assert a.key == b.key == "redundant_check:check_1,check_2" == a.as_dict()["key"]
    assert Finding("no_effect_step", ["check_1"], "t", "e").key != a.key

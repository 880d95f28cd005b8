"""The access log's anchor against the red team's attacks (issue 13): the newest rows
deleted and the log grown again, and an anchor that could not be written."""

from __future__ import annotations

from sqlalchemy import text

from engine import services
from engine.privacy import access_log, anchor
from tests.test_privacy import _data_key, office, start  # noqa: F401  (fixtures)


def unmask(session, case, field, reason):
    services.privacy.unmask(session, "rina", case, field, reason)
    session.commit()


def test_deleted_newest_rows_are_reported_after_the_log_grows_again(office):  # noqa: F811
    case = start(office)
    for field in ("nik", "phone", "applicant_name"):
        unmask(office, case, field, "verifying identity")
    unmask(office, case, "nik", "snooping")
    unmask(office, case, "phone", "snooping")
    anchored = anchor.read(anchor.identity(office))
    office.execute(text("DELETE FROM access_log WHERE reason = 'snooping'"))
    office.commit()
    for i in range(3):  # ordinary traffic goes on past the anchored position
        unmask(office, case, "nik", f"later {i}")
    [broken] = access_log.verify(office)
    assert broken.entry_id == anchored.id and "rows were deleted" in broken.problem
    assert anchor.read(anchor.identity(office)) == anchored  # the anchor did not move on


def test_an_intact_log_moves_the_anchor_and_verifies(office):  # noqa: F811
    case = start(office)
    for i in range(3):
        unmask(office, case, "nik", f"check {i}")
    heads = anchor.lookup(anchor.identity(office), access_log.entries(office)[-1].hash).heads
    assert [h.rows for h in heads][-3:] == [1, 2, 3] and access_log.verify(office) == []


def test_the_entry_is_found_by_the_first_row_when_the_database_name_changes(
    office,  # noqa: F811
    monkeypatch,
):
    case = start(office)
    for field in ("nik", "phone", "applicant_name"):
        unmask(office, case, field, "verifying identity")
    office.execute(text("DELETE FROM access_log WHERE id > (SELECT min(id) FROM access_log)"))
    office.commit()
    # what switching PostgreSQL's search_path does to the database's name
    monkeypatch.setattr(anchor, "identity", lambda session: "postgresql://elsewhere#shadow")
    [broken] = access_log.verify(office)
    assert "2 newest row(s) were deleted" in broken.problem


def test_a_log_no_anchor_matches_is_reported(office, monkeypatch):  # noqa: F811
    unmask(office, start(office), "nik", "verifying identity")
    office.execute(text("UPDATE access_log SET hash = 'replaced'"))
    office.commit()
    monkeypatch.setattr(anchor, "identity", lambda session: "postgresql://elsewhere#shadow")
    breaks = access_log.verify(office)
    assert any("no anchor matches this access log" in b.problem for b in breaks)


def test_a_failed_anchor_write_is_reported_as_stale(office, monkeypatch):  # noqa: F811
    case = start(office)
    unmask(office, case, "nik", "verifying identity")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(anchor, "write", full_disk)
        for i in range(3):
            unmask(office, case, "phone", f"snooping {i}")
    office.execute(text("DELETE FROM access_log WHERE reason LIKE 'snooping%'"))
    office.commit()
    unmask(office, case, "nik", "later")  # a later successful write does not clear it
    [stale] = access_log.verify(office)
    assert "the anchor may be stale" in stale.problem and "No space left" in stale.problem
    access_log.reset_anchor(office, actor="admin")
    office.commit()
    assert access_log.verify(office) == []

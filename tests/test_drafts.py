"""Drafts and reformer workspaces live in the database: every process and the CLI see them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine import services


def test_a_draft_saved_in_one_session_is_seen_by_another(db_engine):
    with Session(db_engine) as first:
        token = services.drafts.save_draft(first, b"<definitions/>", "revised.bpmn", "dina")
        first.commit()
    with Session(db_engine) as second:
        draft = services.drafts.load_draft(second, token)
        assert (draft.source, draft.uploaded_by, draft.data) == (
            "revised.bpmn",
            "dina",
            b"<definitions/>",
        )
        assert [d.token for d in services.drafts.list_drafts(second)] == [token]
        assert services.drafts.load_draft(second, "../../etc/passwd") is None
        assert services.drafts.load_draft(second, "B" * 24) is None


def test_a_workspace_is_kept_per_user_and_version(db_engine):
    with Session(db_engine) as session:
        assert services.drafts.load_workspace(session, "rudi", "pbg", 1) is None
        for name in ("first", "second"):
            services.drafts.save_workspace(
                session,
                "rudi",
                "pbg",
                1,
                name=name,
                params_yaml="x: 1\n",
                changes=[{"op": "staff"}],
            )
        session.commit()
    with Session(db_engine) as session:
        assert services.drafts.load_workspace(session, "rudi", "pbg", 1) == {
            "name": "second",
            "params_yaml": "x: 1\n",
            "changes": [{"op": "staff"}],
        }
        assert services.drafts.load_workspace(session, "rudi", "pbg", 2) is None
        assert services.drafts.load_workspace(session, "sari", "pbg", 1) is None

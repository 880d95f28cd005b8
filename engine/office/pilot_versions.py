"""Which procedure versions a pilot holds back from being current.

While a pilot runs (or after it was rolled back) its version is not the current one
for new applications, the catalogue or the designers' "newest"; once promoted it is.
:mod:`engine.office.definitions` asks here; :mod:`engine.office.pilots` runs pilots.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from engine.storage.tables import Pilot

RUNNING, PROMOTED, ROLLED_BACK = "running", "promoted", "rolled_back"
HOLDING = (RUNNING, ROLLED_BACK)  # statuses that keep the pilot version from being current


def held_back_versions(key: str) -> Select:
    """A query of the versions of ``key`` that may not be its current version."""
    promoted = select(Pilot.pilot_version).where(Pilot.process_key == key, Pilot.status == PROMOTED)
    return select(Pilot.pilot_version).where(
        Pilot.process_key == key,
        Pilot.status.in_(HOLDING),
        Pilot.pilot_version.not_in(promoted),
    )


def held_back(session: Session) -> set[tuple[str, int]]:
    """(key, version) of every held-back version (for lists of current versions)."""
    rows = session.execute(select(Pilot.process_key, Pilot.pilot_version, Pilot.status)).all()
    promoted = {(k, v) for k, v, status in rows if status == PROMOTED}
    return {(k, v) for k, v, status in rows if status in HOLDING} - promoted


def running_pilot(session: Session, key: str) -> Pilot | None:
    return session.scalar(
        select(Pilot).where(Pilot.process_key == key, Pilot.status == RUNNING).limit(1)
    )

"""Queue numbers for the counters: take a number per service, call the next, show the board.

Numbers restart every day (the office's local date). The estimated wait is the mean
service time of today's served tickets (or ``PERMITFLOW_QUEUE_MINUTES``, 10) times the
people ahead, divided by the counters calling today.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.calendar.working_days import default_calendar
from engine.errors import InvalidState
from engine.storage.tables import QueueTicket


@dataclass
class Board:
    service: str
    serving: list[QueueTicket]
    waiting: int
    next_number: int | None
    estimated_wait_minutes: float


def today() -> str:
    return default_calendar().local_date(clock.now()).isoformat()


def label(ticket: QueueTicket, prefix: str | None = None) -> str:
    """The number as shown: ``prefix`` (e.g. the service-standard code) and three digits.

    Without a prefix, the service's initial: ``B-007``.
    """
    return f"{(prefix or ticket.service[:1]).upper()}-{ticket.number:03d}"


def take_number(session: Session, service: str) -> QueueTicket:
    """A new number for ``service`` today (retried if two kiosks take one at once)."""
    for _attempt in range(5):
        day = today()
        last = session.scalar(
            select(func.max(QueueTicket.number)).where(
                QueueTicket.service == service, QueueTicket.day == day
            )
        )
        ticket = QueueTicket(service=service, day=day, number=(last or 0) + 1, taken_at=clock.now())
        try:
            with session.begin_nested():
                session.add(ticket)
            return ticket
        except IntegrityError:
            continue
    raise InvalidState("The queue is busy; please take a number again.")


def call_next(session: Session, service: str, counter: str) -> QueueTicket | None:
    """Mark the counter's current ticket served and call the next waiting one."""
    now = clock.now()
    for current in session.scalars(
        select(QueueTicket).where(
            QueueTicket.service == service,
            QueueTicket.day == today(),
            QueueTicket.status == "called",
            QueueTicket.counter == counter,
        )
    ):
        current.status, current.served_at = "served", now
    query = (
        select(QueueTicket)
        .where(
            QueueTicket.service == service,
            QueueTicket.day == today(),
            QueueTicket.status == "waiting",
        )
        .order_by(QueueTicket.number)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    ticket: QueueTicket | None = session.scalar(query)
    if ticket is None:
        return None
    ticket.status, ticket.counter, ticket.called_at = "called", counter, now
    session.flush()
    return ticket


def board(session: Session, service: str) -> Board:
    day = today()
    tickets = list(
        session.scalars(
            select(QueueTicket)
            .where(QueueTicket.service == service, QueueTicket.day == day)
            .order_by(QueueTicket.number)
        )
    )
    waiting = [t for t in tickets if t.status == "waiting"]
    serving = [t for t in tickets if t.status == "called"]
    return Board(
        service,
        serving,
        len(waiting),
        waiting[0].number if waiting else None,
        _estimate(tickets, len(waiting)),
    )


def _estimate(tickets: list[QueueTicket], ahead: int) -> float:
    durations = [
        (t.served_at - t.called_at).total_seconds() / 60
        for t in tickets
        if t.status == "served" and t.served_at and t.called_at
    ]
    minutes = (
        sum(durations) / len(durations)
        if durations
        else float(os.environ.get("PERMITFLOW_QUEUE_MINUTES", "10"))
    )
    counters = len({t.counter for t in tickets if t.counter}) or 1
    return round(minutes * ahead / counters, 1)


def position(session: Session, ticket: QueueTicket) -> int:
    """How many people wait before ``ticket``."""
    return (
        session.scalar(
            select(func.count())
            .select_from(QueueTicket)
            .where(
                QueueTicket.service == ticket.service,
                QueueTicket.day == ticket.day,
                QueueTicket.status == "waiting",
                QueueTicket.number < ticket.number,
            )
        )
        or 0
    )

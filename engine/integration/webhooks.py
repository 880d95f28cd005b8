"""Outbound events: other systems subscribe to case events, sent as signed webhooks.

Events (no personal data: the tracking code, the procedure, the outcome):

- ``started`` (a case was started), ``returned`` (sent back to the applicant),
- ``decided`` (the case finished, with its outcome), ``permit_issued``.

They are raised from the audit log: when an audit entry of one of these actions is
flushed, one delivery per active subscriber is queued in the same transaction (unique
per subscriber and entry). :func:`send_pending` (``permitflow tick``, the ticker)
claims each delivery with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and posts
it once, signed ``X-Permitflow-Signature: sha256=HMAC(secret, body)``; a failure is
retried with backoff (1, 2, 4... minutes) up to :data:`MAX_ATTEMPTS`, then "failed".
A subscriber's URL must be on a registered connector's host; redirects are not followed.
The secret is stored encrypted with the data key (:mod:`engine.privacy.crypto`, a
``SealedText`` column; migration 0018) and read back clear only to sign.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import CursorResult, and_, event, func, or_, select, update
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.errors import EngineError, NotFound
from engine.integration import registry
from engine.storage.tables import AuditEntry, Case, WebhookDelivery, WebhookSubscriber

log = logging.getLogger("permitflow.webhooks")
EVENTS = {
    "case_started": "started",
    "case_returned": "returned",
    "case_completed": "decided",
    "permit_issued": "permit_issued",
}
EVENT_NAMES = tuple(EVENTS.values())
MAX_ATTEMPTS = 8
BACKOFF = timedelta(minutes=1)
LEASE = timedelta(minutes=2)
TIMEOUT = 10.0


class InvalidSubscriber(EngineError):
    code = "invalid_subscriber"


def _registered_host(session: Session, url: str) -> str:
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidSubscriber(f"Webhook URL {url!r} must be http:// or https:// with a host.")
    if parts.username or parts.password or parts.fragment:
        raise InvalidSubscriber(f"Webhook URL {url!r} must not carry a user, password or #.")
    for connector in registry.list_connectors(session):
        base = urlsplit(connector.base_url)
        if (base.scheme, base.hostname, base.port) == (parts.scheme, parts.hostname, parts.port):
            return url.strip()
    raise InvalidSubscriber(
        f"{parts.scheme}://{parts.netloc} is not the host of a registered connector; "
        "register the receiving system as a connector first (only registered hosts are called)."
    )


def add_subscriber(
    session: Session, name: str, url: str, secret: str, events: list[str] | None = None
) -> WebhookSubscriber:
    """Subscribe ``url`` (on a registered host) to ``events`` (all when empty)."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise InvalidSubscriber("A subscriber needs a name (at most 80 characters).")
    if len(secret or "") < 16:
        raise InvalidSubscriber("The secret needs at least 16 characters (it signs every event).")
    chosen = [e for e in (events or []) if e]
    unknown = sorted(set(chosen) - set(EVENT_NAMES))
    if unknown:
        raise InvalidSubscriber(
            f"Unknown event(s) {', '.join(unknown)}; choose from {', '.join(EVENT_NAMES)}."
        )
    url = _registered_host(session, url)
    subscriber = session.scalar(select(WebhookSubscriber).where(WebhookSubscriber.name == name))
    if subscriber is None:
        subscriber = WebhookSubscriber(name=name, created_at=clock.now())
        session.add(subscriber)
    subscriber.url, subscriber.secret = url, secret
    subscriber.events, subscriber.active = chosen or list(EVENT_NAMES), True
    session.flush()
    return subscriber


def list_subscribers(session: Session) -> list[WebhookSubscriber]:
    return list(session.scalars(select(WebhookSubscriber).order_by(WebhookSubscriber.name)))


def get_subscriber(session: Session, subscriber_id: int | str) -> WebhookSubscriber:
    """The subscriber with this id, or (for the command line) this name."""
    number = int(subscriber_id) if str(subscriber_id).isdigit() else 0
    found = session.get(WebhookSubscriber, number) if 0 < number < 2**31 else None
    if found is None and not str(subscriber_id).isdigit():
        named = select(WebhookSubscriber).where(WebhookSubscriber.name == str(subscriber_id))
        found = session.scalar(named)
    if found is None:
        raise NotFound(f"No webhook subscriber {subscriber_id!r}.")
    return found


def delivery_counts(session: Session, subscriber_id: int) -> dict[str, int]:
    """How many of a subscriber's deliveries are in each status (sent, pending, failed...)."""
    query = (
        select(WebhookDelivery.status, func.count())
        .where(WebhookDelivery.subscriber_id == subscriber_id)
        .group_by(WebhookDelivery.status)
    )
    return {status: count for status, count in session.execute(query)}


def remove_subscriber(session: Session, subscriber_id: int | str) -> None:
    session.delete(get_subscriber(session, subscriber_id))
    session.flush()


def deliveries(session: Session, subscriber_id: int | str, limit: int = 100) -> list:
    """A subscriber's deliveries, newest first, with their status."""
    subscriber = get_subscriber(session, subscriber_id)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.subscriber_id == subscriber.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


@event.listens_for(Session, "before_flush")
def _queue_events(session: Session, _context, _instances) -> None:
    """One delivery per active subscriber for each new audit entry that is an event."""
    entries = [
        o for o in session.new if isinstance(o, AuditEntry) and o.action in EVENTS and o.case_id
    ]
    if not entries:
        return
    with session.no_autoflush:
        subscribers = list(
            session.scalars(select(WebhookSubscriber).where(WebhookSubscriber.active))
        )
        if not subscribers:
            return
        for entry in entries:
            name = EVENTS[entry.action]
            case = session.get(Case, entry.case_id)
            if case is None:
                continue
            payload = _payload(name, case, entry)
            event_id = f"{case.tracking_code}:{entry.action}:{uuid.uuid4().hex}"[:64]
            for subscriber in subscribers:
                if name in (subscriber.events or []):
                    session.add(
                        WebhookDelivery(
                            subscriber_id=subscriber.id,
                            event_id=event_id,
                            event=name,
                            payload=payload,
                            created_at=clock.now(),
                        )
                    )


def _payload(name: str, case: Case, entry: AuditEntry) -> dict[str, Any]:
    payload = {
        "event": name,
        "case": case.tracking_code,
        "procedure": case.process_key,
        "at": entry.at.isoformat(),
    }
    if name == "decided":
        payload["outcome"] = case.outcome or ""
    if name == "permit_issued":
        payload["permit"] = (entry.data or {}).get("number", "")
    return payload


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_pending(session: Session, limit: int = 100) -> int:
    """Send up to ``limit`` due deliveries one by one (commits ``session``)."""
    session.commit()
    handled = 0
    while handled < limit:
        delivery_id = _claim_next(session)
        session.commit()
        if delivery_id is None:
            break
        delivery = session.get(WebhookDelivery, delivery_id, populate_existing=True)
        subscriber = session.get(WebhookSubscriber, delivery.subscriber_id) if delivery else None
        if delivery is None or subscriber is None:
            continue
        try:
            _registered_host(session, subscriber.url)  # its connector may have been removed
            status = _post(subscriber, delivery)
        except EngineError as exc:
            _failed(delivery, str(exc))
        else:
            delivery.status, delivery.sent_at, delivery.last_status = "sent", clock.now(), status
            delivery.error = None
        delivery.claimed_until = None
        session.commit()
        handled += 1
    return handled


def _due():
    now = clock.now()
    return and_(
        or_(WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at <= now),
        or_(
            WebhookDelivery.status == "pending",
            and_(WebhookDelivery.status == "sending", WebhookDelivery.claimed_until < now),
        ),
    )


def _claim_next(session: Session) -> int | None:
    query = select(WebhookDelivery.id).where(_due()).order_by(WebhookDelivery.id).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    for _ in range(3):  # on SQLite another ticker may take the row between read and update
        delivery_id = session.scalar(query)
        if delivery_id is None:
            return None
        taken: CursorResult = session.execute(  # type: ignore[assignment]
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, _due())
            .values(
                status="sending",
                claimed_until=clock.now() + LEASE,
                attempts=WebhookDelivery.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount:
            return delivery_id
    return None


def _failed(delivery: WebhookDelivery, error: str) -> None:
    delivery.error = error[:2000]
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
        return
    delivery.status = "pending"
    delivery.next_attempt_at = clock.now() + BACKOFF * 2 ** (delivery.attempts - 1)


def _post(subscriber: WebhookSubscriber, delivery: WebhookDelivery) -> int:
    parts = urlsplit(subscriber.url)
    body = json.dumps(delivery.payload, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "permitflow",
        "X-Permitflow-Event": delivery.event,
        "X-Permitflow-Delivery": str(delivery.id),
        "X-Permitflow-Signature": signature(subscriber.secret, body),
    }
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname or "", parts.port, timeout=TIMEOUT)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(10_000)
    except (OSError, http.client.HTTPException) as exc:
        raise EngineError(f"{subscriber.name} did not answer: {type(exc).__name__}") from exc
    finally:
        connection.close()
    delivery.last_status = response.status
    if not 200 <= response.status < 300:
        raise EngineError(f"{subscriber.name} answered {response.status} (redirects not followed)")
    return response.status

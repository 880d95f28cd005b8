"""``POST /api/v1/payments/callback``: a payment channel reports a payment.

The channel signs the raw body: ``X-Payment-Channel: <name>`` and ``X-Payment-Signature:
<hex HMAC-SHA256 of the body with the channel's secret>`` (secrets in
``PERMITFLOW_PAYMENT_CHANNELS=name:secret,...``). The body is ``{"billing_code",
"amount", "reference"}``. A repeated reference answers as before (idempotent); a wrong
signature, amount or a late payment is refused and logged.
"""

from __future__ import annotations

import logging

from flask import jsonify, request

from engine.errors import EngineError, NotFound
from engine.services import payments, record_payment
from webapp.api import bp, json_body
from webapp.database import commit, get_session, rollback
from webapp.errors import api_error

log = logging.getLogger("permitflow.payments")


@bp.route("/payments/callback", methods=["POST"])
def payment_callback():
    channel = request.headers.get("X-Payment-Channel", "")[:40]
    if not payments.signature_ok(
        channel, request.get_data(), request.headers.get("X-Payment-Signature", "")
    ):
        log.warning(
            "payment callback refused: bad signature (channel %r, %s)", channel, request.remote_addr
        )
        return api_error(
            401, "The payment channel or its signature is not valid.", code="bad_signature"
        )
    body = json_body()
    try:
        result = record_payment(
            get_session(),
            str(body.get("billing_code", "")),
            body.get("amount"),
            str(body.get("reference", "")),
            channel=channel,
            actor=f"channel:{channel}",
        )
    except NotFound as exc:
        rollback()
        log.warning("payment callback refused (%s): %s", channel, exc.message)
        return api_error(404, exc.message, code="unknown_bill")
    except EngineError as exc:
        rollback()
        log.warning("payment callback refused (%s): %s", channel, exc.message)
        return api_error(409 if exc.code != "payment_refused" else 422, exc.message, code=exc.code)
    commit()
    bill = result.bill
    return jsonify(
        status="already_paid" if result.already else "paid",
        billing_code=bill.billing_code,
        amount=bill.amount,
        reference=bill.payment_reference,
        paid_at=bill.paid_at.isoformat() if bill.paid_at else None,
    )

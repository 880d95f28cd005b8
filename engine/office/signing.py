"""PAdES signatures on the office's documents (pyHanko), and checking them.

The office's signing certificate is configured by environment:
``PERMITFLOW_SIGNING_KEY`` and ``PERMITFLOW_SIGNING_CERT`` (PEM files),
``PERMITFLOW_SIGNING_CHAIN`` (optional PEM file of the issuing CA certificates),
``PERMITFLOW_SIGNING_PASSPHRASE`` (optional). Verification trusts the roots in
``PERMITFLOW_TRUST_ROOTS`` (PEM files separated by ``:``), else the signing chain.
Without a signing key documents are issued unsigned and say so on verification.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from engine.errors import EngineError

log = logging.getLogger("permitflow.signing")


class SigningError(EngineError):
    code = "signing_error"


@dataclass(frozen=True)
class SignatureCheck:
    """The verdict on a PDF's signature: ``valid`` and a reason a person can read."""

    valid: bool
    reason: str
    signer: str = ""
    signed_at: str = ""


def _outside_event_loop(function, *args):
    """Run ``function`` where no asyncio loop runs (pyHanko's sync API calls asyncio.run).

    A caller inside a running loop (an async server, Playwright's sync API in tests)
    gets it run on a worker thread.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


def is_configured() -> bool:
    return bool(
        os.environ.get("PERMITFLOW_SIGNING_KEY") and os.environ.get("PERMITFLOW_SIGNING_CERT")
    )


def _signer():
    from pyhanko.sign import signers

    key, cert = os.environ["PERMITFLOW_SIGNING_KEY"], os.environ["PERMITFLOW_SIGNING_CERT"]
    chain = [p for p in os.environ.get("PERMITFLOW_SIGNING_CHAIN", "").split(":") if p]
    passphrase = os.environ.get("PERMITFLOW_SIGNING_PASSPHRASE")
    for path in [key, cert, *chain]:
        if not Path(path).is_file():
            raise SigningError(
                f"The signing file {path} does not exist; check PERMITFLOW_SIGNING_*."
            )
    signer = signers.SimpleSigner.load(
        key,
        cert,
        ca_chain_files=chain or None,
        key_passphrase=passphrase.encode() if passphrase else None,
    )
    if signer is None:
        raise SigningError(
            "The signing key or certificate cannot be read; check PERMITFLOW_SIGNING_*."
        )
    return signer


def sign(pdf: bytes, *, reason: str, location: str = "") -> bytes:
    """``pdf`` signed PAdES (B-B) with the office's certificate."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name="OfficeSignature",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason[:200],
        location=location[:200] or None,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    signed = _outside_event_loop(signers.sign_pdf, writer, meta, _signer())
    return signed.getvalue()


def _trust_roots():
    from pyhanko.keys import load_certs_from_pemder

    paths = os.environ.get("PERMITFLOW_TRUST_ROOTS") or os.environ.get(
        "PERMITFLOW_SIGNING_CHAIN", ""
    )
    files = [p for p in paths.split(":") if p and Path(p).is_file()]
    return list(load_certs_from_pemder(files)) if files else []


def check(pdf: bytes) -> SignatureCheck:
    """Whether ``pdf`` carries an intact signature, by a trusted certificate, over all of it."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        return SignatureCheck(False, f"the file cannot be read as a PDF ({exc})")
    if not signatures:
        return SignatureCheck(False, "the PDF carries no electronic signature")
    context = ValidationContext(trust_roots=_trust_roots(), allow_fetching=False)
    try:
        status = _outside_event_loop(validate_pdf_signature, signatures[-1], context)
    except Exception as exc:  # noqa: BLE001 - any unreadable signature is an invalid one
        return SignatureCheck(False, f"the signature cannot be checked ({exc})")
    signer = status.signing_cert.subject.human_friendly if status.signing_cert else ""
    when = status.signer_reported_dt.isoformat() if status.signer_reported_dt else ""
    if not status.intact or not status.valid:
        return SignatureCheck(False, "the document was altered after it was signed", signer, when)
    if status.coverage is None or status.coverage.name != "ENTIRE_FILE":
        return SignatureCheck(
            False, "content was added to the document after it was signed", signer, when
        )
    if not status.trusted:
        return SignatureCheck(
            False, "the signing certificate is not one the office trusts", signer, when
        )
    return SignatureCheck(True, "intact signature by a trusted certificate", signer, when)

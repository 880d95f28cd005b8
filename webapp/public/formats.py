"""How public pages show money and dates: Rupiah (Rp 1.500.000), days and WIB times."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import get_locale

from engine.services import called_definitions, labels_for

WIB = ZoneInfo("Asia/Jakarta")
MONTHS = {
    "id": "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember",
    "en": "January February March April May June July August September October November December",
}


def _language() -> str:
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "id"


def rupiah(value) -> str:
    """``1500000`` -> ``Rp 1.500.000`` (the Rupiah is written so in both languages)."""
    try:
        amount = round(float(value))
    except (TypeError, ValueError):
        return ""
    return "Rp " + f"{amount:,}".replace(",", ".")


def day(value) -> str:
    """A date (or a moment, taken in WIB) as ``1 Desember 2026`` / ``1 December 2026``."""
    if isinstance(value, datetime):
        value = value.astimezone(WIB).date()
    if not isinstance(value, date):
        return ""
    months = MONTHS[_language()].split()
    return f"{value.day} {months[value.month - 1]} {value.year}"


def wib(value) -> str:
    """A moment as ``1 Desember 2026 14.30 WIB`` (``2:30 pm`` style is not used here)."""
    if not isinstance(value, datetime):
        return day(value)
    local = value.astimezone(WIB)
    separator = "." if _language() == "id" else ":"
    return f"{day(local)} {local.hour:02d}{separator}{local.minute:02d} WIB"


def step(case, text: str | None = None) -> str:
    """A case's current step (or ``text``: its outcome) in the reader's language; a step
    of a called procedure (a bundle's permit) by the labels of the version that runs it."""
    language, own = _language(), labels_for(case.definition)
    parts = []
    for part in (text or case.current_step or "").split(", "):
        name = part.removeprefix("Waiting: ").removeprefix("Incident: ")
        labels = own
        if name not in own.names:  # e.g. "Incident: <a step of a called procedure>"
            called = (labels_for(c) for c in called_definitions(case.definition))
            labels = next((found for found in called if name in found.names), own)
        parts.append(labels.step(part, language))
    return ", ".join(parts)


def called_rows(case, progress) -> list[dict]:
    """The procedures a case calls (a bundle's permits) with their progress, each step
    named in the reader's language by the labels of the version that runs it."""
    language, own = _language(), labels_for(case.definition)
    rows = []
    for item in progress:
        labels = labels_for(item.definition) if item.definition is not None else own
        rows.append(
            {
                "name": own.step(item.name, language),
                "process_key": item.process_key,
                "version": item.definition.version if item.definition is not None else None,
                "status": item.status,
                "steps": [labels.step(name, language) for name in item.steps],
                "outcome": labels.step(item.outcome, language) if item.outcome else "",
            }
        )
    return rows


def standard_text(definition, key: str, fallback: str) -> str:
    """A service-standard text in the reader's language (the BPMN's text otherwise)."""
    if not fallback:
        return fallback
    return labels_for(definition).standard(definition.key, key, _language(), fallback)


def translate_fields(views, definition) -> list:
    """Form field views with their labels and options in the reader's language."""
    language, labels = _language(), labels_for(definition)
    for view in views:
        view.label = labels.form_label(view.id, language, view.label)
        view.options = [
            {
                **option,
                "name": labels.form_label(f"{view.id}={option['id']}", language, option["name"]),
            }
            for option in view.options
        ]
    return views


def init_app(app) -> None:
    app.jinja_env.filters.update(rupiah=rupiah, day=day, wib=wib, step=step)
    app.jinja_env.globals.update(standard_text=standard_text)

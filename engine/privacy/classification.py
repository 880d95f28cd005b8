"""Which form fields hold personal data, and what kind (for masking and validation).

A designer marks a field ``pf:personal="true"`` or ``pf:sensitive="true"`` (on the
``camunda:formField`` or as a ``camunda:property`` of that name); :class:`FormField`
reads it. :func:`looks_personal` is the heuristic behind the validation warning for a
field that looks personal (its id, label or pattern) but is not marked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from engine.bpmn.model import FormField, Process

# kind -> words in a field id or label that suggest it (Indonesian and English)
_HINTS: dict[str, tuple[str, ...]] = {
    "nik": ("nik", "nomor induk kependudukan", "ktp", "identity number", "national id"),
    "kk": ("kk", "kartu keluarga", "family card", "no_kk", "kk_number"),
    "phone": ("phone", "telepon", "telp", "hp", "whatsapp", "wa", "ponsel", "mobile"),
    "email": ("email", "e-mail", "surel", "mail"),
    "address": ("address", "alamat", "domisili", "street", "jalan"),
    "name": ("applicant_name", "nama lengkap", "full name", "nama pemohon"),
}
_SIXTEEN_DIGITS = re.compile(r"\{16\}|\\d\{16\}|\[0-9\]\{16\}")


def _words(text: str) -> set[str]:
    return set(re.split(r"[^a-z0-9]+", text.lower())) - {""}


def kind_of(field_id: str, label: str = "", pattern: str = "") -> str | None:
    """The kind of personal data a field's id, label or pattern suggests, or None."""
    if pattern and _SIXTEEN_DIGITS.search(pattern):
        return "kk" if "kk" in _words(field_id) | _words(label) else "nik"
    text = f"{field_id} {label}".lower()
    words = _words(field_id) | _words(label)
    for kind, hints in _HINTS.items():
        for hint in hints:
            if (" " in hint or "_" in hint or "-" in hint) and hint in text:
                return kind
            if hint in words:
                return kind
    return None


def looks_personal(field: FormField) -> str | None:
    """The kind of personal data ``field`` looks like holding, or None (files excepted)."""
    if field.type in ("file", "boolean", "enum", "date"):
        return None
    return kind_of(field.id, field.label, field.constraints.get("pattern", ""))


def personal_fields(process: Process) -> dict[str, FormField]:
    """Field id -> the marked (personal or sensitive) field, over every form of ``process``."""
    return {f.id: f for f in _fields(process.nodes.values()) if f.personal}


def _fields(nodes: Iterable) -> Iterable[FormField]:
    for node in nodes:
        yield from node.form_fields


def unmarked_personal_fields(process: Process) -> list[tuple[object, FormField, str]]:
    """(node, field, kind) for each field that looks personal but is not marked."""
    found: list[tuple[object, FormField, str]] = []
    for node in process.nodes.values():
        for field in node.form_fields:
            kind = looks_personal(field)
            if kind and not field.personal:
                found.append((node, field, kind))
    return found

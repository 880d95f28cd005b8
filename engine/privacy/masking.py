"""Masking personal values for people and pages that do not need them.

``3174********0001`` (NIK, KK: the region code and the last four digits stay),
``S*** R***`` (names: initials), ``a***@mail.go.id`` (emails), ``0812****890`` (phones),
``Jl. ***`` (addresses: the first word). Anything else personal becomes ``***``.
"""

from __future__ import annotations

import re
from collections.abc import Set
from typing import Any

from engine.bpmn.model import FormField
from engine.privacy.classification import looks_personal

MASK = "***"


def mask_nik(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if len(digits) < 8:
        return MASK
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def mask_name(value: str) -> str:
    return " ".join(f"{word[0]}***" for word in value.split()) or MASK


def mask_email(value: str) -> str:
    local, at, domain = value.partition("@")
    if not at:
        return MASK
    return f"{local[:1]}***@{domain}"


def mask_phone(value: str) -> str:
    digits = re.sub(r"[^\d+]", "", value)
    if len(digits) < 7:
        return MASK
    return digits[:4] + "*" * (len(digits) - 7) + digits[-3:]


def mask_address(value: str) -> str:
    first = value.split()[0] if value.split() else ""
    return f"{first} {MASK}" if first else MASK


_BY_KIND = {
    "nik": mask_nik,
    "kk": mask_nik,
    "name": mask_name,
    "email": mask_email,
    "phone": mask_phone,
    "address": mask_address,
}


def mask(value: Any, kind: str | None) -> Any:
    """``value`` masked as a ``kind`` (``nik``, ``name``...); None and empty stay."""
    if value is None or value == "":
        return value
    if isinstance(value, dict) and isinstance(value.get("name"), str):  # a document
        return {**value, "name": MASK}
    masker = _BY_KIND.get(kind or "")
    return masker(str(value)) if masker else MASK


def kind_of_field(field: FormField) -> str | None:
    """The masking kind of a marked field (by its look; a name field masks as a name)."""
    kind = looks_personal(field)
    if kind is None and field.id.endswith("name"):
        return "name"
    return kind


def mask_data(
    data: dict[str, Any], personal: dict[str, FormField], needed: Set[str] = frozenset()
) -> dict[str, Any]:
    """``data`` with every personal field masked except those in ``needed``."""
    return {
        key: value
        if key not in personal or key in needed
        else mask(value, kind_of_field(personal[key]))
        for key, value in data.items()
    }

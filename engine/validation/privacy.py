"""Form fields that look personal (NIK, KK, phone, email, address) must be marked.

A field marked ``pf:personal``/``pf:sensitive`` is masked outside the tasks that need
it, encrypted at rest and anonymised at the end of its retention period
(:mod:`engine.privacy`); an unmarked one is none of these, so validation warns.
"""

from __future__ import annotations

from engine.bpmn.model import Process
from engine.privacy.classification import unmarked_personal_fields

_KINDS = {
    "nik": "a NIK",
    "kk": "a family card (KK) number",
    "phone": "a phone number",
    "email": "an email address",
    "address": "an address",
    "name": "a person's name",
}


def privacy_issues(process: Process) -> list[tuple[str, object]]:
    """(message, node) for each unmarked field that looks like personal data."""
    return [
        (
            f"Form field {field.id!r} ({field.label}) of {getattr(node, 'label', node)!r} looks "
            f'like {_KINDS[kind]} but is not marked personal; add pf:personal="true" '
            '(or pf:sensitive="true") so it is masked, encrypted and anonymised (UU 27/2022)',
            node,
        )
        for node, field, kind in unmarked_personal_fields(process)
    ]

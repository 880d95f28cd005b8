"""The fields every shipped procedure's forms are made of: the applicant's identity,
fields and choices with their Camunda constraints, and which fields hold personal data.

``processes/author.py`` and ``processes/bundle.py`` both build their forms from these,
so a value the bundle passes to a called procedure has the same field on both sides.
"""

from __future__ import annotations

from engine.bpmn.model import EnumValue, FormField

NIK_PATTERN = "^[0-9]{16}$"
# fields holding personal data (UU 27/2022): masked, encrypted, anonymised (docs/privacy.md)
PERSONAL_FIELDS = frozenset(
    {
        "applicant_name",
        "nik",
        "kk_number",
        "birth_date",
        "phone",
        "email",
        "building_address",
        "business_address",
        "complainant_name",
        "contact",
        "kk_scan",
        "registry_name",  # from the population registry (engine/integration)
        "registry_birth_date",
        "registry_address",
    }
)
PHONE_PATTERN = "^\\+?[0-9]{8,15}$"
COMPLAINT_CHANNEL = (
    "SP4N-LAPOR! (www.lapor.go.id, SMS 1708), loket pengaduan Mal Pelayanan Publik, "
    "surel pengaduan kantor"
)


def field(
    field_id: str, label: str, type_: str = "string", *, required: bool = True, **constraints
) -> FormField:
    """A form field; ``constraints`` are Camunda validation constraints (``min="1"``)."""
    checks = {"required": ""} if required else {}
    checks.update({name: str(value) for name, value in constraints.items()})
    marks = {"pf:personal": "true"} if field_id in PERSONAL_FIELDS else {}
    return FormField(field_id, label, type_, constraints=checks, properties=marks)


def choice(
    field_id: str, label: str, options: list[tuple[str, str]], *, required: bool = True
) -> FormField:
    """An enum form field with ``(id, name)`` options."""
    values = tuple(EnumValue(value_id, name) for value_id, name in options)
    checks = {"required": ""} if required else {}
    return FormField(field_id, label, "enum", constraints=checks, enum_values=values)


def applicant_fields() -> tuple[FormField, ...]:
    """Identity fields every applicant's start form begins with."""
    return (
        field("applicant_name", "Nama lengkap pemohon", minlength=3, maxlength=100),
        field("nik", "NIK (16 digit)", pattern=NIK_PATTERN),
        field("phone", "Nomor telepon/WhatsApp", pattern=PHONE_PATTERN),
        field("email", "Alamat surel", required=False, maxlength=100),
    )

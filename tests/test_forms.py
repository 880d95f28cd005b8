"""Form validation: what a clerk or applicant sees when a submitted value is wrong."""

from __future__ import annotations

import json
from datetime import date

import pytest

from engine.bpmn.model import EnumValue, FormField
from engine.errors import InvalidFormData
from engine.office.forms import describe_field, form_initial_values, validate_form

FLOOR_AREA = FormField(
    "floor_area", "Floor area (m2)", "long", constraints={"required": "", "min": "1"}
)
DECISION = FormField(
    "decision",
    "Decision",
    "enum",
    default="approve",
    constraints={"required": ""},
    enum_values=(EnumValue("approve", "Approve"), EnumValue("revise", "Ask for revision")),
)
COMPLETE = FormField("documents_complete", "Documents complete?", "boolean")
VERIFY_FORM = (COMPLETE, DECISION, FLOOR_AREA)


def errors_of(fields, submitted, **kwargs) -> dict[str, str]:
    with pytest.raises(InvalidFormData) as caught:
        validate_form(fields, submitted, **kwargs)
    return caught.value.errors


def error_of(field: FormField, value) -> str:
    return errors_of([field], {field.id: value})[field.id]


def test_a_web_form_submission_is_cleaned_to_json_values():
    cleaned = validate_form(
        VERIFY_FORM, {"documents_complete": "on", "decision": "revise", "floor_area": " 120 "}
    )
    assert cleaned == {"documents_complete": True, "decision": "revise", "floor_area": 120}
    assert json.loads(json.dumps(cleaned)) == cleaned


def test_an_api_submission_with_json_types_is_accepted():
    cleaned = validate_form(
        VERIFY_FORM, {"documents_complete": False, "decision": "approve", "floor_area": 120.0}
    )
    assert cleaned == {"documents_complete": False, "decision": "approve", "floor_area": 120}
    assert isinstance(cleaned["floor_area"], int)


def test_every_wrong_field_gets_one_message_naming_its_label():
    errors = errors_of(VERIFY_FORM, {"documents_complete": "maybe", "decision": "reject"})
    assert errors == {
        "documents_complete": "Documents complete? must be yes or no",
        "decision": "Decision must be one of: Approve, Ask for revision",
        "floor_area": "Floor area (m2) is required",
    }


def test_the_error_message_lists_the_wrong_fields():
    with pytest.raises(InvalidFormData, match="Floor area \\(m2\\) must be at least 1"):
        validate_form([FLOOR_AREA], {"floor_area": "0"})


def test_unknown_keys_are_dropped():
    cleaned = validate_form([FLOOR_AREA], {"floor_area": "3", "is_admin": True, "x": "y"})
    assert cleaned == {"floor_area": 3}


def test_readonly_fields_are_not_taken_from_the_submission():
    fee = FormField("fee", "Fee", "long", default="0", constraints={"readonly": ""})
    assert validate_form([fee, FLOOR_AREA], {"fee": "999", "floor_area": "2"}) == {"floor_area": 2}


# -- required, defaults, drafts ------------------------------------------------------


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_an_empty_required_value_is_missing(empty):
    assert error_of(FLOOR_AREA, empty) == "Floor area (m2) is required"


def test_partial_skips_the_required_check_for_drafts():
    assert validate_form([FLOOR_AREA], {}, partial=True) == {}
    assert validate_form(VERIFY_FORM, {}, partial=True) == {
        "documents_complete": False,
        "decision": "approve",
    }


def test_partial_still_checks_the_values_given():
    errors = errors_of([FLOOR_AREA], {"floor_area": "lots"}, partial=True)
    assert errors == {"floor_area": "Floor area (m2) must be a whole number"}


def test_a_missing_optional_field_gets_its_default_or_is_left_out():
    storeys = FormField("storeys", "Storeys", "long", default="2")
    note = FormField("note", "Note")
    assert validate_form([storeys, note], {}) == {"storeys": 2}
    assert validate_form([storeys, note], {"storeys": "", "note": None}) == {"storeys": 2}


def test_a_required_field_with_a_default_must_still_be_submitted():
    assert errors_of([DECISION], {}) == {"decision": "Decision is required"}


# -- types ---------------------------------------------------------------------------


def test_string_values_are_trimmed_and_numbers_accepted_as_text():
    phone = FormField("phone", "Phone")
    assert validate_form([phone], {"phone": "  0812 "}) == {"phone": "0812"}
    assert validate_form([phone], {"phone": 812}) == {"phone": "812"}
    assert error_of(phone, ["0812"]) == "Phone must be text"


@pytest.mark.parametrize(
    ("value", "expected"), [("12", 12), ("-3", -3), ("+4", 4), (12, 12), (7.0, 7)]
)
def test_long_accepts_whole_numbers(value, expected):
    field = FormField("n", "Count", "long")
    assert validate_form([field], {"n": value}) == {"n": expected}


@pytest.mark.parametrize("value", ["1.5", "12a", "1e3", 1.5, True, "ten", {"n": 1}])
def test_long_refuses_anything_else(value):
    assert error_of(FormField("n", "Count", "long"), value) == "Count must be a whole number"


def test_long_refuses_numbers_beyond_a_java_long():
    field = FormField("n", "Count", "long")
    assert error_of(field, 2**63) == "Count is too large a number"


@pytest.mark.parametrize(
    ("value", "expected"), [("1.5", 1.5), ("-2", -2.0), (".5", 0.5), (3, 3.0), (2.25, 2.25)]
)
def test_double_accepts_numbers(value, expected):
    field = FormField("x", "Width (m)", "double")
    cleaned = validate_form([field], {"x": value})
    assert cleaned == {"x": expected}
    assert isinstance(cleaned["x"], float)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1,5", "must be a number"),
        ("abc", "must be a number"),
        ("nan", "must be a number"),
        (False, "must be a number"),
        (float("nan"), "must be a number"),
        ("1e999", "is too large a number"),
        (10**400, "is too large a number"),
    ],
)
def test_double_refuses_anything_else(value, message):
    assert error_of(FormField("x", "Width (m)", "double"), value) == f"Width (m) {message}"


@pytest.mark.parametrize("value", ["true", "TRUE", "on", "1", "yes", "ya", True, 1])
def test_boolean_truthy_values(value):
    assert validate_form([COMPLETE], {"documents_complete": value}) == {"documents_complete": True}


@pytest.mark.parametrize("value", ["false", "0", "off", "", "no", False, 0, None])
def test_boolean_falsy_values(value):
    assert validate_form([COMPLETE], {"documents_complete": value}) == {"documents_complete": False}


def test_an_unticked_checkbox_is_false_and_satisfies_required():
    agreed = FormField("agreed", "Agreed", "boolean", constraints={"required": ""})
    assert validate_form([COMPLETE, agreed], {}) == {"documents_complete": False, "agreed": False}


def test_boolean_refuses_other_values():
    assert error_of(COMPLETE, 2) == "Documents complete? must be yes or no"


@pytest.mark.parametrize(
    ("value", "expected"), [("2026-12-31", "2026-12-31"), (date(2026, 2, 1), "2026-02-01")]
)
def test_date_values_are_kept_as_iso_strings(value, expected):
    field = FormField("d", "Inspection date", "date")
    assert validate_form([field], {"d": value}) == {"d": expected}


@pytest.mark.parametrize("value", ["31/12/2026", "2026-02-30", "2026-12-31T10:00", 20261231])
def test_date_refuses_other_forms(value):
    field = FormField("d", "Inspection date", "date")
    assert error_of(field, value) == "Inspection date must be a date like 2026-12-31"


def test_enum_takes_value_ids_not_names():
    assert validate_form([DECISION], {"decision": " approve "}) == {"decision": "approve"}
    assert error_of(DECISION, "Approve") == "Decision must be one of: Approve, Ask for revision"


def test_enum_ids_may_arrive_as_numbers():
    zone = FormField("zone", "Zone", "enum", enum_values=(EnumValue("1", "Residential"),))
    assert validate_form([zone], {"zone": 1}) == {"zone": "1"}


def test_file_fields_keep_the_reference_given():
    permit = FormField("land_title", "Land title", "file")
    reference = {"document_id": 42, "name": "sertifikat.pdf"}
    assert validate_form([permit], {"land_title": reference}) == {"land_title": reference}
    assert validate_form([permit], {"land_title": "doc-42"}) == {"land_title": "doc-42"}
    assert error_of(permit, {}) == "Land title must be an uploaded document"
    assert error_of(permit, 42) == "Land title must be an uploaded document"


def test_a_field_without_a_label_is_named_by_its_id():
    assert error_of(FormField("nik", "", "long"), "x") == "nik must be a whole number"


# -- constraints ---------------------------------------------------------------------


def test_minimum_and_maximum_of_numbers():
    storeys = FormField("s", "Storeys", "long", constraints={"min": "1", "max": "8"})
    assert validate_form([storeys], {"s": "8"}) == {"s": 8}
    assert error_of(storeys, "0") == "Storeys must be at least 1"
    assert error_of(storeys, 9) == "Storeys must be at most 8"
    height = FormField("h", "Height (m)", "double", constraints={"max": "12.5"})
    assert error_of(height, "12.6") == "Height (m) must be at most 12.5"


def test_minimum_and_maximum_of_dates():
    field = FormField("d", "Start", "date", constraints={"min": "2026-01-01", "max": "2026-12-31"})
    assert validate_form([field], {"d": "2026-06-01"}) == {"d": "2026-06-01"}
    assert error_of(field, "2025-12-31") == "Start must be on or after 2026-01-01"
    assert error_of(field, "2027-01-01") == "Start must be on or before 2026-12-31"


def test_text_length():
    name = FormField("name", "Name", constraints={"minlength": "3", "maxlength": "200"})
    assert validate_form([name], {"name": "Ani"}) == {"name": "Ani"}
    assert error_of(name, "Al") == "Name must be at least 3 characters"
    assert error_of(name, "x" * 201) == "Name must be at most 200 characters"


def test_pattern_must_match_the_whole_value():
    nik = FormField("nik", "NIK", constraints={"pattern": r"\d{16}"})
    assert validate_form([nik], {"nik": "3171234567890123"}) == {"nik": "3171234567890123"}
    assert error_of(nik, "3171234567890123x") == "NIK does not match the required format"
    assert error_of(nik, "317") == "NIK does not match the required format"


def test_overlong_values_are_not_matched():
    anything = FormField("t", "Text", constraints={"pattern": ".*"})
    assert validate_form([anything], {"t": "a" * 10_000}) == {"t": "a" * 10_000}
    assert error_of(anything, "a" * 10_001) == "Text does not match the required format"


@pytest.mark.parametrize("pattern", ["(unclosed", "a" * 201])
def test_unusable_patterns_are_refused(pattern):
    field = FormField("t", "Text", constraints={"pattern": pattern})
    assert error_of(field, "a") == "Text cannot be checked: the form's pattern is invalid"


def test_a_malformed_constraint_configuration_does_not_block_submission():
    field = FormField("n", "Count", "long", constraints={"min": "one"})
    assert validate_form([field], {"n": "0"}) == {"n": 0}


def test_only_the_first_broken_rule_is_reported():
    field = FormField("c", "Code", constraints={"minlength": "5", "pattern": "[A-Z]+"})
    assert error_of(field, "ab") == "Code must be at least 5 characters"


# -- pre-filling and describing ------------------------------------------------------


def test_initial_values_come_from_case_data_then_defaults():
    storeys = FormField("storeys", "Storeys", "long", default="2")
    values = form_initial_values(
        [DECISION, FLOOR_AREA, storeys, COMPLETE], {"floor_area": 120, "other": 1}
    )
    assert values == {"decision": "approve", "floor_area": 120, "storeys": 2}


def test_initial_values_prefer_case_data_over_defaults():
    assert form_initial_values([DECISION], {"decision": "revise"}) == {"decision": "revise"}


def test_describe_field_for_the_web_app_and_api():
    description = describe_field(DECISION)
    assert description == {
        "id": "decision",
        "label": "Decision",
        "type": "enum",
        "required": True,
        "readonly": False,
        "constraints": {},
        "options": [
            {"id": "approve", "name": "Approve"},
            {"id": "revise", "name": "Ask for revision"},
        ],
        "default": "approve",
        "properties": {},
    }
    assert json.loads(json.dumps(description)) == description


def test_describe_field_gives_numeric_constraints_as_numbers():
    field = FormField(
        "h",
        "Height (m)",
        "double",
        default="4",
        constraints={"readonly": "", "min": "0.5", "max": "x", "maxlength": "10"},
    )
    description = describe_field(field)
    # an unreadable number is left out: the checker ignores it too (validation reports it)
    assert description["constraints"] == {"min": 0.5, "maxlength": 10}
    assert description["readonly"] is True
    assert description["default"] == 4.0
    assert description["options"] == []

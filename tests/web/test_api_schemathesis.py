"""schemathesis runs every operation of the OpenAPI document against the test app, with a
valid (admin) token and a bounded number of examples: no answer may be a server error.

Positive and negative examples (data that breaks the schema) are both sent. The
operations are driven with hypothesis directly (schemathesis's pytest plugin does not
support this pytest version).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from engine import services
from tests.web.conftest import BUILDING_START

EXAMPLES = 25


@pytest.fixture
def schema(app, db):
    services.start_case(db, "building_approval", BUILDING_START)
    db.commit()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_operation_answers_with_a_server_error(schema, api_token, mode):
    headers = api_token("admin")
    checked = []
    for operation in operations(schema):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.headers = {**(case.headers or {}), **headers}
            response = case.call()
            case.validate_response(response, checks=[not_a_server_error])

        run()
        checked.append(operation.label)
    assert len(checked) == 12  # with POST /payments/callback

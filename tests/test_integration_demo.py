"""`make run`'s demo: both connectors on the local stubs, and the procedure using them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request

from engine import demo, services


def test_the_demo_registers_the_connectors_and_deploys_the_procedure(session):
    line = demo.add_demo_connectors(session)
    assert "identity_check v1 deployed" in line and "business_identity v1 deployed" in line
    names = [c.name for c in services.connectors.list_connectors(session)]
    assert names == ["oss", "population"]
    assert demo.add_demo_connectors(session).endswith("already deployed")


def test_the_stubs_run_as_a_program():
    process = subprocess.Popen(
        [sys.executable, "-m", "engine.integration.stubs", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline()).group(0)
        with urllib.request.urlopen(f"{url}/nib/9120001234567", timeout=5) as answer:
            body = json.load(answer)
        assert body["business_name"] == "CV MAJU BERSAMA" and body["kbli"] == ["47111", "56101"]
    finally:
        process.terminate()
        process.wait(timeout=5)

"""The documented backup and restore (scripts/backup.sh, scripts/restore.sh) give back an
identical, working office; the check notices a lost document. Needs the local PostgreSQL."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import POSTGRES_URL, REPO

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _check(*args: str) -> subprocess.CompletedProcess:
    if not POSTGRES_URL:
        pytest.skip("needs PERMITFLOW_TEST_POSTGRES_URL")
    if not shutil.which("pg_dump"):
        pytest.skip("needs pg_dump and pg_restore")
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / "check_backup_restore.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )


def test_a_restored_backup_is_identical_and_works():
    done = _check("--database", POSTGRES_URL)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the restored office is identical" in done.stdout
    assert "1 document file(s) checked" in done.stdout and "claimed and completed" in done.stdout


def test_the_check_notices_a_lost_document():
    done = _check("--database", POSTGRES_URL, "--lose-a-document")
    assert done.returncode == 1
    assert "PROBLEM: document site-plan.pdf: file missing or changed" in done.stdout

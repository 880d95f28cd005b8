"""The data key file is read once per process, and read again when it changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from engine.privacy import crypto


@pytest.fixture
def key_path(tmp_path, monkeypatch):
    monkeypatch.delenv("PERMITFLOW_DATA_KEY", raising=False)
    path = tmp_path / "data.key"
    monkeypatch.setenv("PERMITFLOW_DATA_KEY_FILE", str(path))
    crypto.reset()
    yield path
    crypto.reset()


@pytest.fixture
def reads(monkeypatch, key_path):
    """How often the key file has been read."""
    counted = []
    original = Path.read_text

    def read_text(self, *args, **kwargs):
        if self == key_path:
            counted.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text)
    return counted


def _replace_from_elsewhere(path: Path, keys: list[str]) -> None:
    """Another process's rotation: a new file put in place, this process not told."""
    tmp = path.with_name(".other")
    tmp.write_text("\n".join(keys) + "\n")
    os.replace(tmp, path)


def test_the_key_file_is_read_once_for_many_values(key_path, reads):
    sealed = [crypto.seal_text(f"Siti {n}") for n in range(50)]
    assert [crypto.open_text(v) for v in sealed] == [f"Siti {n}" for n in range(50)]
    assert len(reads) == 1


def test_a_file_changed_by_another_process_is_read_again(key_path, reads, monkeypatch):
    old = crypto.primary_key_text()
    new = crypto.generate_key()
    _replace_from_elsewhere(key_path, [new, old])
    monkeypatch.setattr(crypto, "RECHECK_SECONDS", 0.0)  # the recheck interval has passed
    assert crypto.primary_key_text() == new
    assert crypto.open_text(crypto.seal_text("Budi")) == "Budi"
    assert len(reads) == 2


def test_an_unchanged_file_is_checked_but_not_read_again(key_path, reads, monkeypatch):
    crypto.seal_text("Budi")
    monkeypatch.setattr(crypto, "RECHECK_SECONDS", 0.0)
    for _ in range(5):
        crypto.primary_key_text()
    assert len(reads) == 1


def test_a_value_sealed_under_a_newer_key_opens_within_the_recheck_interval(key_path):
    old = crypto.primary_key_text()
    new = crypto.generate_key()
    _replace_from_elsewhere(key_path, [new, old])
    sealed_elsewhere = crypto.TEXT_PREFIX + Fernet(new.encode()).encrypt(b"Ani").decode()
    assert crypto.open_text(sealed_elsewhere) == "Ani"
    assert crypto.primary_key_text() == new


def test_a_value_under_an_unknown_key_is_still_refused(key_path):
    crypto.seal_text("x")
    stranger = crypto.TEXT_PREFIX + Fernet(Fernet.generate_key()).encrypt(b"Ani").decode()
    with pytest.raises(crypto.DataKeyError, match="keys rotate"):
        crypto.open_text(stranger)


def test_a_rotation_in_this_process_takes_effect_at_once(key_path):
    old = crypto.primary_key_text()
    new = crypto.generate_key()
    crypto.write_key_file(key_path, [new, old])
    assert crypto.primary_key_text() == new

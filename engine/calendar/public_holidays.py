"""Public holidays of one country, without importing every country's module.

``holidays.country_holidays("ID")`` imports ``holidays.countries``, whose ``__init__``
imports all ~250 country modules: a second or more of CPU in each process (its first
due date), for one country's table. :func:`country_holidays` puts a lazy
``holidays.countries`` package in place first (a country is imported when named, as
``holidays``' own registry does for ``holidays.ID``), so only the office's country loads;
``from holidays.countries import X`` still works, importing X's module alone.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any

import holidays
from holidays.registry import COUNTRIES

_PACKAGE = "holidays.countries"
_lock = threading.Lock()


def country_holidays(country: str, year: int, language: str) -> dict[Any, str]:
    """The public holidays of ``country`` (a ``holidays`` code) in ``year``, by date."""
    module = _country_module(country)
    if module is None:  # an unknown code: holidays names it in its error
        return dict(holidays.country_holidays(country, years=year, language=language))
    return dict(getattr(module, country)(years=year, language=language))


def _country_module(country: str) -> ModuleType | None:
    name = next((m for m, codes in COUNTRIES.items() if country in codes), None)
    if name is None:
        return None
    with _lock:
        _lazy_package()
        return importlib.import_module(f"{_PACKAGE}.{name}")


def _lazy_package() -> None:
    """``holidays.countries`` without running its ``__init__`` (which imports them all)."""
    if _PACKAGE in sys.modules:
        return
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or spec.submodule_search_locations is None:
        return
    package = importlib.util.module_from_spec(spec)
    package.__dict__["__getattr__"] = _entity  # PEP 562: a country imported when named
    sys.modules[_PACKAGE] = package
    holidays.countries = package


def _entity(name: str) -> Any:
    """``holidays.countries.<name>``: a country class or a country module, imported now."""
    for module_name, codes in COUNTRIES.items():
        if name == module_name or name in codes:
            module = importlib.import_module(f"{_PACKAGE}.{module_name}")
            return module if name == module_name else getattr(module, name)
    raise AttributeError(f"module {_PACKAGE!r} has no attribute {name!r}")

"""Probability distributions for task durations, arrival gaps and timers.

A :class:`Distribution` is plain data read from a parameters file. The event loop
never calls numpy per sample: :meth:`Distribution.sampler` returns a zero-argument
callable that hands out values drawn in blocks, which keeps one draw at ~50 ns.

All values are seconds. Draws outside ``[low, high]`` (and negative draws) are
redrawn, as Prosimos does.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

UNITS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}
KINDS = (
    "fixed",
    "exponential",
    "normal",
    "lognormal",
    "gamma",
    "triangular",
    "uniform",
    "empirical",
    "histogram",
    "sum",
)
_ALIASES = {
    "fix": "fixed",
    "constant": "fixed",
    "expon": "exponential",
    "exp": "exponential",
    "norm": "normal",
    "lognorm": "lognormal",
    "triang": "triangular",
}
_REQUIRED = {
    "fixed": ("value",),
    "exponential": ("mean",),
    "normal": ("mean", "std"),
    "lognormal": ("mean", "std"),
    "gamma": ("mean", "std"),
    "triangular": ("min", "mode", "max"),
    "uniform": ("min", "max"),
    "empirical": ("values",),
    "histogram": ("cdf", "values"),
    "sum": ("parts",),
}
_BLOCK = 2048


class ParamsError(ValueError):
    """A simulation parameter is missing or wrong; the message names the key."""


@dataclass(frozen=True)
class Distribution:
    """A distribution of non-negative values in seconds.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    params : dict
        The kind's parameters in seconds (``mean``, ``std``, ``value``, ``min``,
        ``mode``, ``max``, ``values``, ``weights``, ``cdf``, ``shift``).
    low, high : float
        Draws outside this range are redrawn.

    Examples
    --------
    >>> d = Distribution.from_spec({"type": "exponential", "mean": 2, "unit": "hours"})
    >>> d.mean
    7200.0
    >>> draw = Distribution.fixed(60).sampler(np.random.default_rng(1))
    >>> draw()
    60.0
    """

    kind: str
    params: dict = field(default_factory=dict)
    low: float = 0.0
    high: float = math.inf

    @classmethod
    def fixed(cls, seconds: float) -> Distribution:
        """A constant ``seconds``."""
        return cls("fixed", {"value": float(seconds)})

    @classmethod
    def exponential(cls, mean: float, shift: float = 0.0) -> Distribution:
        """Exponential with the given ``mean`` (shifted right by ``shift``)."""
        return cls("exponential", {"mean": float(mean), "shift": float(shift)})

    @classmethod
    def total(cls, parts: list[Distribution]) -> Distribution:
        """The sum of independent draws of ``parts`` (merged tasks)."""
        flat: list[Distribution] = []
        for part in parts:
            flat.extend(part.params["parts"] if part.kind == "sum" else [part])
        return cls("sum", {"parts": tuple(flat)})

    @classmethod
    def from_spec(cls, spec, where: str = "distribution") -> Distribution:
        """Read a parameters-file mapping such as ``{type: normal, mean: 30, std: 5}``.

        A bare number is a fixed value. ``unit`` (seconds, minutes, hours, days)
        scales every parameter. Raises :class:`ParamsError` naming ``where``.
        """
        if isinstance(spec, int | float) and not isinstance(spec, bool):
            return cls.fixed(float(spec))
        if not isinstance(spec, dict):
            raise ParamsError(f"{where}: expected a mapping with 'type', got {spec!r}")
        kind = str(spec.get("type", spec.get("distribution", ""))).lower()
        kind = _ALIASES.get(kind, kind)
        if kind not in KINDS:
            raise ParamsError(f"{where}.type: unknown distribution {kind!r}; use one of {KINDS}")
        if kind == "sum":
            parts = spec.get("parts")
            if not isinstance(parts, list) or not parts:
                raise ParamsError(f"{where}.parts: expected a list of distributions")
            return cls.total([cls.from_spec(x, f"{where}.parts[{i}]") for i, x in enumerate(parts)])
        unit = spec.get("unit", "seconds")
        if unit not in UNITS:
            raise ParamsError(f"{where}.unit: unknown unit {unit!r}; use one of {tuple(UNITS)}")
        scale = UNITS[unit]
        known = set(_REQUIRED[kind]) | {"type", "distribution", "unit", "min", "max", "weights"}
        known |= {"shift"}
        for key in spec:
            if key not in known:
                raise ParamsError(f"{where}.{key}: not a parameter of a {kind} distribution")
        params = {}
        for key in _REQUIRED[kind]:
            if key not in spec:
                raise ParamsError(f"{where}.{key}: required for a {kind} distribution")
        for key, value in spec.items():
            if key in ("type", "distribution", "unit"):
                continue
            params[key] = _scaled(value, 1.0 if key in ("cdf", "weights") else scale, where, key)
        low = params.pop("min", 0.0) if kind not in ("triangular", "uniform") else params["min"]
        high = (
            params.pop("max", math.inf) if kind not in ("triangular", "uniform") else params["max"]
        )
        dist = cls(kind, params, max(0.0, float(low)), float(high))
        dist._validate(where)
        return dist

    def _validate(self, where: str) -> None:
        p = self.params
        if self.high < self.low:
            raise ParamsError(f"{where}.max: smaller than min")
        if self.kind in ("exponential", "lognormal", "gamma") and p["mean"] <= 0:
            raise ParamsError(f"{where}.mean: must be positive")
        if self.kind in ("normal", "lognormal", "gamma") and p["std"] < 0:
            raise ParamsError(f"{where}.std: must not be negative")
        if self.kind == "triangular" and not p["min"] <= p["mode"] <= p["max"]:
            raise ParamsError(f"{where}.mode: must lie between min and max")
        if self.kind in ("empirical", "histogram") and not p["values"]:
            raise ParamsError(f"{where}.values: must not be empty")
        if self.kind == "histogram" and len(p["cdf"]) != len(p["values"]):
            raise ParamsError(f"{where}.cdf: needs as many entries as values")

    @property
    def mean(self) -> float:
        """The mean before truncation (exact for fixed, exponential, uniform...)."""
        p = self.params
        if self.kind == "fixed":
            return p["value"]
        if self.kind in ("triangular",):
            return (p["min"] + p["mode"] + p["max"]) / 3.0
        if self.kind == "uniform":
            return (p["min"] + p["max"]) / 2.0
        if self.kind == "empirical":
            return float(np.average(p["values"], weights=p.get("weights")))
        if self.kind == "sum":
            return sum(part.mean for part in p["parts"])
        if self.kind == "histogram":
            probs = np.diff(np.concatenate([[0.0], p["cdf"]]))
            return float(np.dot(probs, p["values"]))
        return p["mean"] + p.get("shift", 0.0)

    def as_spec(self) -> dict:
        """The mapping :meth:`from_spec` reads back (seconds)."""
        if self.kind == "sum":
            return {"type": "sum", "parts": [part.as_spec() for part in self.params["parts"]]}
        spec: dict[str, Any] = {"type": self.kind}
        spec.update(
            {k: (list(v) if isinstance(v, tuple | list) else v) for k, v in self.params.items()}
        )
        if self.kind not in ("triangular", "uniform"):
            if self.low > 0:
                spec["min"] = self.low
            if math.isfinite(self.high):
                spec["max"] = self.high
        return spec

    def scaled(self, factor: float) -> Distribution:
        """The same shape with every value multiplied by ``factor``."""
        if self.kind == "sum":
            return Distribution.total([part.scaled(factor) for part in self.params["parts"]])
        params = {
            k: (tuple(x * factor for x in v) if k == "values" else v)
            if k in ("values", "cdf", "weights")
            else v * factor
            for k, v in self.params.items()
        }
        return Distribution(self.kind, params, self.low * factor, self.high * factor)

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        p, kind = self.params, self.kind
        if kind == "exponential":
            return p.get("shift", 0.0) + rng.exponential(p["mean"], n)
        if kind == "normal":
            return rng.normal(p["mean"], p["std"], n)
        if kind == "lognormal":
            mean, var = p["mean"], p["std"] ** 2
            sigma2 = math.log1p(var / (mean * mean))
            return rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2), n)
        if kind == "gamma":
            if p["std"] == 0:
                return np.full(n, p["mean"])
            shape = (p["mean"] / p["std"]) ** 2
            return rng.gamma(shape, p["mean"] / shape, n)
        if kind == "triangular":
            if p["min"] == p["max"]:
                return np.full(n, p["min"])
            return rng.triangular(p["min"], p["mode"], p["max"], n)
        if kind == "uniform":
            return rng.uniform(p["min"], p["max"], n)
        if kind == "empirical":
            weights = p.get("weights")
            probs = None if weights is None else np.asarray(weights) / np.sum(weights)
            return rng.choice(np.asarray(p["values"], dtype=float), n, p=probs)
        if kind == "sum":
            return np.sum([part.sample(rng, n) for part in p["parts"]], axis=0)
        if kind == "histogram":
            idx = np.searchsorted(np.asarray(p["cdf"]), rng.random(n))
            return np.asarray(p["values"], dtype=float)[np.minimum(idx, len(p["values"]) - 1)]
        return np.full(n, p["value"])

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws within ``[low, high]`` (redrawn; clipped after 100 tries)."""
        out = np.empty(0)
        for _ in range(100):
            raw = self._raw(rng, max(n - len(out), 16) * 2)
            out = np.concatenate([out, raw[(raw >= self.low) & (raw <= self.high)]])
            if len(out) >= n:
                return out[:n]
        return np.clip(self._raw(rng, n), self.low, self.high)

    def sampler(self, rng: np.random.Generator) -> Callable[[], float]:
        """A fast zero-argument callable that returns one draw per call."""
        if self.kind == "fixed":
            return itertools.repeat(min(max(self.params["value"], self.low), self.high)).__next__

        def blocks():
            while True:
                yield from self.sample(rng, _BLOCK).tolist()

        return blocks().__next__


def _scaled(value, scale: float, where: str, key: str):
    if isinstance(value, list | tuple):
        try:
            return tuple(float(v) * scale for v in value)
        except (TypeError, ValueError):
            raise ParamsError(f"{where}.{key}: expected a list of numbers") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParamsError(f"{where}.{key}: expected a number, got {value!r}")
    return float(value) * scale

"""Precision and recall of the procedure analysis on the accuracy corpus.

    .venv/bin/python benchmarks/analysis_accuracy.py [--split all|tuning|heldout]
                                                     [--verbose] [--no-xml] [--min 0.9]

Runs :func:`simulations.analysis.procedure.analyze` on every ``.bpmn`` file of
``tests/data/analysis_corpus/`` and compares its findings with the ``.expected.yaml``
beside it (see that folder's README for what each kind means).

Matching: a finding matches an expected finding when the kinds are equal and the two
element sets overlap with a Jaccard index of at least 0.5 (``|A & B| / |A | B|``). Each
expected finding is matched at most once and each finding matches at most one
expectation, best overlap first. Per kind: precision = matched findings / findings
reported, recall = matched expectations / expectations; "overall" pools all kinds.
Kinds the corpus does not cover (``bottleneck`` needs simulation figures) are left out.

``--split heldout`` measures only the procedures written after the analysis was tuned;
``--no-xml`` analyses the loaded model alone, as callers that do not pass the file do
(documents drawn as data objects are then invisible). ``--min X`` exits with status 1
when a kind with expectations has precision or recall below X.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine.validation.process  # noqa: E402,F401  (imported before timing)
import simulations.scenarios.changes  # noqa: E402,F401  (imported before timing)
from engine.bpmn.reader import load_bpmn  # noqa: E402
from simulations.analysis.finding import KINDS  # noqa: E402
from simulations.analysis.procedure import analyze  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "analysis_corpus"
MATCH = 0.5
NOT_IN_CORPUS = {"bottleneck"}


def jaccard(a, b) -> float:
    a, b = set(a), set(b)
    return len(a & b) / len(a | b) if a | b else 1.0


def match(expected: list[dict], found: list[dict]) -> tuple[list, list, list]:
    """(matched pairs, unmatched expected, unmatched found), greedy by overlap per kind."""
    candidates = [
        (jaccard(e["elements"], f["elements"]), i, j)
        for i, e in enumerate(expected)
        for j, f in enumerate(found)
        if e["kind"] == f["kind"]
    ]
    pairs, used_e, used_f = [], set(), set()
    for score, i, j in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if score >= MATCH and i not in used_e and j not in used_f:
            used_e.add(i)
            used_f.add(j)
            pairs.append((expected[i], found[j]))
    missed = [e for i, e in enumerate(expected) if i not in used_e]
    extra = [f for j, f in enumerate(found) if j not in used_f]
    return pairs, missed, extra


@dataclass
class Tally:
    expected: int = 0
    found: int = 0
    matched_expected: int = 0
    matched_found: int = 0

    @property
    def precision(self) -> float | None:
        return self.matched_found / self.found if self.found else None

    @property
    def recall(self) -> float | None:
        return self.matched_expected / self.expected if self.expected else None


@dataclass
class Result:
    tallies: dict = field(default_factory=dict)
    missed: list = field(default_factory=list)  # (file, expectation)
    extra: list = field(default_factory=list)  # (file, finding)
    errors: list = field(default_factory=list)  # (file, message)
    files: int = 0
    seconds: float = 0.0
    slowest: tuple = ("", 0.0)

    def tally(self, kind: str) -> Tally:
        return self.tallies.setdefault(kind, Tally())

    @property
    def overall(self) -> Tally:
        total = Tally()
        for t in self.tallies.values():
            total.expected += t.expected
            total.found += t.found
            total.matched_expected += t.matched_expected
            total.matched_found += t.matched_found
        return total


def corpus_files(split: str = "all") -> list[Path]:
    files = []
    for path in sorted(CORPUS.glob("*.bpmn")):
        expected = yaml.safe_load(path.with_suffix(".expected.yaml").read_text(encoding="utf-8"))
        if split == "all" or expected.get("split", "tuning") == split:
            files.append(path)
    return files


def expected_of(path: Path) -> list[dict]:
    document = yaml.safe_load(path.with_suffix(".expected.yaml").read_text(encoding="utf-8"))
    return [
        {"kind": e["kind"], "elements": list(e["elements"]), "names": e.get("names", [])}
        for e in document.get("findings") or []
        if e["kind"] not in NOT_IN_CORPUS
    ]


def findings_of(path: Path, with_xml: bool = True) -> list[dict]:
    data = path.read_bytes()
    model = load_bpmn(data, path.name)
    kwargs = {}
    if with_xml and "xml" in inspect.signature(analyze).parameters:
        kwargs["xml"] = data
    report = analyze(model, **kwargs)
    return [
        {"kind": f.kind, "elements": list(f.elements), "title": f.title, "finding": f}
        for f in report.findings
        if f.kind not in NOT_IN_CORPUS
    ]


def evaluate(files: list[Path], with_xml: bool = True) -> Result:
    result = Result()
    for path in files:
        expected = expected_of(path)
        started = time.perf_counter()
        try:
            found = findings_of(path, with_xml)
        except Exception as exc:  # a crash counts as no findings, and is listed
            result.errors.append((path.name, f"{type(exc).__name__}: {exc}"))
            found = []
        took = time.perf_counter() - started
        result.seconds += took
        if took > result.slowest[1]:
            result.slowest = (path.name, took)
        result.files += 1
        pairs, missed, extra = match(expected, found)
        for e in expected:
            result.tally(e["kind"]).expected += 1
        for f in found:
            result.tally(f["kind"]).found += 1
        for e, f in pairs:
            result.tally(e["kind"]).matched_expected += 1
            result.tally(f["kind"]).matched_found += 1
        result.missed += [(path.name, e) for e in missed]
        result.extra += [(path.name, f) for f in extra]
    return result


def _ratio(value: float | None) -> str:
    return "   -" if value is None else f"{value:.2f}"


def table(result: Result) -> str:
    lines = [
        f"{'kind':<24} {'expected':>8} {'found':>6} {'matched':>7} {'precision':>9} {'recall':>6}"
    ]
    for kind in [k for k in KINDS if k in result.tallies]:
        t = result.tallies[kind]
        lines.append(
            f"{kind:<24} {t.expected:>8} {t.found:>6} {t.matched_expected:>7} "
            f"{_ratio(t.precision):>9} {_ratio(t.recall):>6}"
        )
    t = result.overall
    lines.append(
        f"{'overall':<24} {t.expected:>8} {t.found:>6} {t.matched_expected:>7} "
        f"{_ratio(t.precision):>9} {_ratio(t.recall):>6}"
    )
    return "\n".join(lines)


def details(result: Result) -> str:
    lines = []
    for name, e in result.missed:
        lines.append(f"missed  {name}: {e['kind']} {e['elements']} {e.get('names')}")
    for name, f in result.extra:
        lines.append(f"extra   {name}: {f['kind']} {f['elements']} {f['title']}")
    return "\n".join(lines)


def below(result: Result, minimum: float) -> list[str]:
    failing = []
    for kind, t in result.tallies.items():
        if not t.expected:
            if t.found:
                failing.append(f"{kind}: {t.found} findings where none are expected")
            continue
        if (t.precision or 0.0) < minimum or (t.recall or 0.0) < minimum:
            failing.append(f"{kind}: precision {_ratio(t.precision)}, recall {_ratio(t.recall)}")
    return failing


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("all", "tuning", "heldout"), default="all")
    parser.add_argument("--verbose", action="store_true", help="list misses and extra findings")
    parser.add_argument("--no-xml", action="store_true", help="analyse the model alone")
    parser.add_argument("--min", type=float, default=None, help="fail below this ratio")
    args = parser.parse_args(argv)
    files = corpus_files(args.split)
    result = evaluate(files, with_xml=not args.no_xml)
    print(
        f"{result.files} procedures ({args.split}), analysed in {result.seconds:.2f} s "
        f"(slowest {result.slowest[0]}: {result.slowest[1]:.3f} s)"
    )
    print(table(result))
    for name, message in result.errors:
        print(f"error   {name}: {message}")
    if args.verbose:
        print(details(result))
    if args.min is not None:
        failing = below(result, args.min)
        for line in failing:
            print(f"below {args.min}: {line}")
        return 1 if failing else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

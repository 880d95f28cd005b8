"""Analyse a generated 2,000-node procedure and report the time (goal: under 2 s).

    .venv/bin/python benchmarks/analysis_scale.py [--nodes 2000] [--seed 7] [--repeat 3]

The procedure is built in code from :mod:`engine.bpmn.model` objects: eight lanes, straight
sequences, exclusive and parallel blocks, rework loops, and forms whose fields are
read by later steps and conditions. Exits with status 1 when the best run is slower
than the goal.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.bpmn.builder import ProcessBuilder, form_field  # noqa: E402
from simulations.analysis.procedure import analyze  # noqa: E402

GOAL_SECONDS = 2.0
VERBS = ["Verifikasi", "Periksa", "Kajian", "Input", "Survei", "Hitung", "Catat", "Review"]
OBJECTS = [
    "teknis",
    "lingkungan",
    "tata ruang",
    "retribusi",
    "struktur",
    "lalu lintas",
    "air",
    "kebakaran",
    "sanitasi",
    "parkir",
    "drainase",
    "kelistrikan",
]
DOCUMENTS = ["ktp", "npwp", "sertifikat_tanah", "gambar_teknis", "amdal", "akta"]


class _Generator:
    def __init__(self, builder: ProcessBuilder, seed: int, lanes: int = 8):
        self.b = builder
        self.rng = random.Random(seed)
        self.lanes = [builder.lane(f"lane_{i}", f"Bidang {i}").id for i in range(lanes)]
        self.count = 0
        self.fields: list[str] = []

    def _id(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}_{self.count}"

    def task(self) -> str:
        rng, node_id = self.rng, self._id("task")
        fields = [form_field(f"{node_id}_data", "enum" if rng.random() < 0.3 else "string")]
        if self.fields and rng.random() < 0.7:
            fields.append(form_field(rng.choice(self.fields[-30:]), readonly=True))
        if rng.random() < 0.1:
            fields.append(form_field(rng.choice(DOCUMENTS), "file", readonly=True))
        self.fields.append(fields[0].id)
        name = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(OBJECTS)}"
        self.b.task(node_id, name, lane=rng.choice(self.lanes), fields=fields)
        return node_id

    def sequence(self, last: str) -> str:
        for _ in range(self.rng.randint(2, 5)):
            node = self.task()
            self.b.flow(last, node)
            last = node
        return last

    def block(self, last: str, kind: str) -> str:
        split, join = self._id("split"), self._id("join")
        self.b.gateway(split, kind)
        self.b.gateway(join, kind)
        self.b.flow(last, split)
        for branch in range(self.rng.randint(2, 3)):
            condition = f"{self.fields[-1]} == 'b{branch}'" if kind == "exclusiveGateway" else None
            head = self.task()
            self.b.flow(split, head, condition)
            self.b.flow(self.sequence(head), join)
        return join

    def loop(self, last: str) -> str:
        merge, decide = self._id("merge"), self._id("decide")
        self.b.gateway(merge)
        self.b.gateway(decide)
        self.b.flow(last, merge)
        self.b.flow(self.sequence(merge), decide)
        self.b.flow(decide, merge, f"{self.fields[-1]} == 'revise'")
        return decide


def generate_procedure(nodes: int = 2000, seed: int = 7):
    """A BpmnModel with about ``nodes`` flow nodes, reproducible from ``seed``."""
    builder = ProcessBuilder("generated", "Generated procedure", requirements=DOCUMENTS)
    generator = _Generator(builder, seed)
    builder.start("start", fields=[form_field(d, "file") for d in DOCUMENTS])
    last = "start"
    while len(builder.process.nodes) < nodes - 1:
        choice = generator.rng.random()
        if choice < 0.4:
            last = generator.sequence(last)
        elif choice < 0.65:
            last = generator.block(last, "exclusiveGateway")
        elif choice < 0.85:
            last = generator.block(last, "parallelGateway")
        else:
            last = generator.loop(last)
    builder.end("end")
    builder.flow(last, "end")
    return builder.model()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    model = generate_procedure(args.nodes, args.seed)
    process = model.main_process()
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        report = analyze(model)
        times.append(time.perf_counter() - started)
    kinds: dict[str, int] = {}
    for finding in report.findings:
        kinds[finding.kind] = kinds.get(finding.kind, 0) + 1
    best = min(times)
    print(
        f"nodes {len(process.nodes)}, flows {len(process.flows)}, steps {report.complexity['steps']}"
    )
    print(f"findings {len(report.findings)}: {kinds}")
    print(f"analyze(): best {best:.3f} s of {args.repeat} (goal < {GOAL_SECONDS:.1f} s)")
    load, check = _load_and_validate(model, args.repeat)
    print(f"load_bpmn(): best {load:.3f} s; validate_file(): best {check:.3f} s (both on the XML)")
    return 0 if best < GOAL_SECONDS else 1


def _load_and_validate(model, repeat: int) -> tuple[float, float]:
    """Best seconds to read the procedure's BPMN back, and to validate it (data flow too)."""
    from engine.bpmn.reader import load_bpmn
    from engine.bpmn.writer import write_bpmn
    from engine.validation.process import validate_file

    data = write_bpmn(model)
    loads, checks = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        load_bpmn(data, "scale.bpmn")
        loads.append(time.perf_counter() - started)
        started = time.perf_counter()
        validate_file(data, "scale.bpmn")
        checks.append(time.perf_counter() - started)
    return min(loads), min(checks)


if __name__ == "__main__":
    sys.exit(main())

"""Measure how fast the conformance suite runs, and print and save a table.

    python benchmarks/bench.py [--json benchmarks/results.json] [--impl NAME ...]

The framework implementations run the hand-driven suite (``-m "not fit"``):
the tests that train a real model measure the framework, not the suite.

Each measurement is a separate ``python -m pytest`` process, timed from outside
(wall clock, interpreter start and framework import included) and from inside
by ``bench_probe.py`` (collection time, time from the first test to the last,
peak memory of each process, whether TensorFlow was imported). The targets are
those stated in the README; a row reports its figure, the target and whether it
is met. Run it on an otherwise idle machine: the figures are only as steady as
the machine.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]


@dataclass
class Run:
    """One pytest process and what its probe recorded."""

    label: str
    wall: float
    cpu: float
    records: list[dict]
    returncode: int

    @property
    def main(self) -> dict:
        """The record of the process that ran the tests (serial runs)."""
        return next(r for r in self.records if r["process"] == "controller")

    @property
    def workers(self) -> list[dict]:
        return [r for r in self.records if r["process"] != "controller"]

    @property
    def tests(self) -> int:
        return self.main["tests"]


def measure(label: str, args: list[str], cwd: Path) -> Run:
    """Run pytest with ``args`` in ``cwd`` and collect the probe's records."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "probe.jsonl"
        env = dict(os.environ)
        env["CONFORMANCE_BENCH_OUT"] = str(out)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(HERE)] + [p for p in [env.get("PYTHONPATH")] if p]
        )
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            [*PYTEST, "-p", "bench_probe", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        records = [json.loads(line) for line in out.read_text().splitlines()]
    if done.returncode not in (0, 5):
        tail = "\n".join(done.stdout.splitlines()[-15:])
        raise SystemExit(f"{label}: pytest exited with {done.returncode}\n{tail}")
    print(f"  {label}: {wall:.1f} s wall, {cpu:.1f} s CPU", file=sys.stderr)
    return Run(label, wall, cpu, records, done.returncode)


def trivial_suite(folder: Path, count: int) -> Path:
    """Write a test file of ``count`` empty tests (the baseline of ratio 1)."""
    path = folder / "test_trivial.py"
    body = "".join(f"def test_{i}():\n    pass\n\n\n" for i in range(count))
    path.write_text(body)
    return path


def row(name: str, value: float, unit: str, target: str, met: bool | None) -> dict:
    return {
        "measure": name,
        "value": round(value, 3),
        "unit": unit,
        "target": target,
        "met": met,
    }


def benchmark(impls: list[str]) -> dict:
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        outside = Path(tmp)
        collect = measure("collect reference", ["--impl=reference", "--co"], outside)
        ref = measure("reference serial", ["--impl=reference"], outside)
        trivial = measure(
            "trivial tests", [str(trivial_suite(outside, ref.tests))], outside
        )
        ref_n2 = measure("reference -n 2", ["--impl=reference", "-n", "2"], outside)
        framework = {}
        for name in impls:
            # The hand-driven suite: the fit-level tests train real models,
            # and their cost is the framework's, not the suite's.
            args = [f"--impl={name}", "-m", "not fit"]
            framework[name] = (
                measure(f"{name} serial", args, outside),
                measure(f"{name} -n 2", [*args, "-n", "2"], outside),
            )

    ratio1 = ref.wall / trivial.wall
    rows.append(
        row(
            f"suite vs {ref.tests} empty tests, reference, serial "
            f"({ref.wall:.1f} s vs {trivial.wall:.1f} s)",
            ratio1,
            "ratio",
            "<= 3",
            ratio1 <= 3,
        )
    )
    rows.append(
        row(
            f"the same in CPU time ({ref.cpu:.1f} s vs {trivial.cpu:.1f} s)",
            ref.cpu / trivial.cpu,
            "ratio",
            "",
            None,
        )
    )
    ref_case = ref.main["run_seconds"] / ref.tests
    rows.append(row("per case, reference", ref_case * 1000, "ms", "", None))
    for name, (serial, _) in framework.items():
        case = serial.main["run_seconds"] / serial.tests
        ratio2 = case / ref_case
        rows.append(
            row(
                f"per case after import, {name} vs reference ({case * 1000:.2f} ms)",
                ratio2,
                "ratio",
                "<= 3",
                ratio2 <= 3,
            )
        )
    for name, (serial, parallel) in framework.items():
        speedup = serial.wall / parallel.wall
        rows.append(
            row(
                f"serial vs -n 2, {name} ({serial.wall:.1f} s vs "
                f"{parallel.wall:.1f} s)",
                speedup,
                "speed-up",
                ">= 1.6",
                speedup >= 1.6,
            )
        )
    speedup = ref.wall / ref_n2.wall
    rows.append(
        row(
            f"serial vs -n 2, reference ({ref.wall:.1f} s vs {ref_n2.wall:.1f} s)",
            speedup,
            "speed-up",
            "",
            None,
        )
    )
    if "keras" in framework:
        parallel = framework["keras"][1]
        cases = sum(w["tests"] for w in parallel.workers)
        rows.append(
            row(
                f"{cases} cases against keras, -n 2, wall with import",
                parallel.wall,
                "s",
                "<= 30 s with >= 2,000 cases",
                parallel.wall <= 30 and cases >= 2000,
            )
        )
    rows.append(
        row(
            "collection, --impl=reference",
            collect.main["collect_seconds"],
            "s",
            "< 2 s",
            collect.main["collect_seconds"] < 2,
        )
    )
    rows.append(
        row(
            f"collection command wall ({collect.wall:.1f} s)",
            collect.wall,
            "s",
            "",
            None,
        )
    )
    imported = ref.main["tensorflow_imported"] or collect.main["tensorflow_imported"]
    rows.append(
        row(
            "TensorFlow imported by the reference run",
            float(imported),
            "bool",
            "0",
            not imported,
        )
    )
    runs = [ref_n2] + [p for _, p in framework.values()]
    for run in runs:
        peak = max(w["peak_rss_mib"] for w in run.workers)
        rows.append(row(f"peak memory per worker, {run.label}", peak, "MiB", "", None))
    return {
        "date": datetime.date.today().isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "rows": rows,
    }


def table(result: dict) -> str:
    lines = ["| measure | value | target | met |", "|---|---:|---|---|"]
    for r in result["rows"]:
        met = {True: "yes", False: "**no**", None: ""}[r["met"]]
        value = f"{r['value']:.2f}" if r["unit"] != "bool" else str(bool(r["value"]))
        unit = "" if r["unit"] in ("ratio", "bool", "speed-up") else f" {r['unit']}"
        lines.append(f"| {r['measure']} | {value}{unit} | {r['target']} | {met} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--json",
        type=Path,
        default=HERE / "results.json",
        help="where to write the table as JSON",
    )
    parser.add_argument(
        "--impl",
        action="append",
        dest="impls",
        help="framework implementations to measure (default: tf_keras and keras)",
    )
    args = parser.parse_args(argv)
    result = benchmark(args.impls or ["tf_keras", "keras"])
    print(table(result))
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {args.json}", file=sys.stderr)
    return 0 if all(r["met"] is not False for r in result["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())

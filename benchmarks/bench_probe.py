"""A pytest plugin the benchmark loads into every process it measures.

It writes one JSON line per process (the controller and each xdist worker) to
the file named by ``CONFORMANCE_BENCH_OUT``: when collection started and ended,
when the first test started and the last one ended, how many tests ran, the
process's peak resident memory, and whether TensorFlow was imported.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

_marks: dict[str, float] = {}
_ran = 0


def _now() -> float:
    return time.perf_counter()


def pytest_collection(session) -> None:
    _marks.setdefault("collect_start", _now())


def pytest_collection_finish(session) -> None:
    _marks["collect_end"] = _now()


def pytest_runtest_logstart(nodeid, location) -> None:
    _marks.setdefault("first_test", _now())


def pytest_runtest_logfinish(nodeid, location) -> None:
    global _ran
    _ran += 1
    _marks["last_test"] = _now()


def pytest_sessionfinish(session, exitstatus) -> None:
    out = os.environ.get("CONFORMANCE_BENCH_OUT")
    if not out:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "controller")
    record = {
        "process": worker,
        "pid": os.getpid(),
        "collect_seconds": _marks.get("collect_end", 0.0)
        - _marks.get("collect_start", 0.0),
        "run_seconds": _marks.get("last_test", 0.0) - _marks.get("first_test", 0.0),
        # Under xdist the controller counts the reports of every worker.
        "tests": _ran,
        # Linux reports ru_maxrss in KiB.
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "tensorflow_imported": "tensorflow" in sys.modules,
    }
    with open(out, "a", encoding="utf-8") as stream:
        stream.write(json.dumps(record) + "\n")

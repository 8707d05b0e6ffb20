"""Runs of the installed suite that write a conformance report, for the tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Run:
    """One subprocess run of the installed suite, and what it wrote."""

    returncode: int
    output: str
    folder: Path

    @property
    def report(self) -> dict:
        return json.loads((self.folder / "report.json").read_text(encoding="utf-8"))

    def clause(self, clause_id: str) -> dict:
        return next(c for c in self.report["clauses"] if c["id"] == clause_id)


def run(folder: Path, *args: str) -> Run:
    """``pytest ARGS --conformance-report=report.json``, from ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    hidden = {"PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
        + ["--conformance-report=report.json"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        env={name: value for name, value in os.environ.items() if name not in hidden},
    )
    return Run(done.returncode, done.stdout + done.stderr, folder)

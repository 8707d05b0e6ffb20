"""Shared fixtures for the project's own tests: pytester, a scripted callback, runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance.harness import Harness
from conformance.implementations import Implementation
from conformance.plugin import SUITE

pytest_plugins = ["pytester"]

#: Written into a pytester folder and loaded with ``-p``: at the end of the
#: session it records which frameworks the process has imported.
FRAMEWORK_PROBE = '''
"""Records which frameworks were imported by the end of the session."""
import json
import os
import sys

FRAMEWORKS = ("tensorflow", "keras", "tf_keras")


def pytest_sessionfinish(session):
    imported = sorted(name for name in FRAMEWORKS if name in sys.modules)
    with open(os.environ["FRAMEWORK_PROBE_OUT"], "w") as file:
        json.dump(imported, file)
'''


# -- a callback whose hooks do what the test says -------------------------------


class Scripted:
    """A callback whose hooks run the actions given to its constructor.

    ``Scripted(on_epoch_end=lambda cb, epoch, logs: ...)``; every hook without
    an action does nothing, so the harness can drive it through any lifecycle.
    """

    def __init__(self, **actions: Callable[..., Any]) -> None:
        self.actions = actions
        self.model: Any = None
        self.calls: list[str] = []

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def __getattr__(self, name: str) -> Callable[..., None]:
        if not name.startswith("on_"):
            raise AttributeError(name)
        action = self.actions.get(name)

        def hook(*args: Any) -> None:
            self.calls.append(name)
            if action is not None:
                action(self, *args)

        return hook


@pytest.fixture
def scripted(tmp_path: Path) -> Harness:
    """A harness for :class:`Scripted`, tagged with the made-up clause TEST-1."""
    implementation = Implementation("scripted", Scripted, origin="tests")
    return Harness(implementation, tmp_path, ["TEST-1"])


# -- the installed suite --------------------------------------------------------


def suite_modules() -> list[Path]:
    """The test modules of the installed suite, the one ``--impl`` runs."""
    return sorted(SUITE.glob("test_*.py"))


@pytest.fixture
def suite_module() -> str:
    """The name of the installed suite's first module, to run a short slice."""
    modules = suite_modules()
    if not modules:
        pytest.skip(f"the installed suite at {SUITE} has no test modules yet")
    return modules[0].stem


@dataclass(frozen=True)
class SuiteRun:
    """One subprocess run of the installed suite against the reference."""

    returncode: int
    output: str
    outcomes: dict[str, int]
    results: dict[str, str]
    frameworks: list[str]


def _results(junit: Path) -> dict[str, str]:
    """Test id -> outcome, from a JUnit XML report.

    JUnit has no outcome for an expected failure: it is a ``skipped`` element
    whose type, ``pytest.xfail``, tells it apart from a skip.
    """
    results = {}
    for case in ET.parse(junit).iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in {"failure", "error", "skipped"}:
                outcome = f"{child.tag} {child.get('type', '')}".strip()
        results[f"{case.get('classname')}::{case.get('name')}"] = outcome
    return results


def _clean_env() -> dict[str, str]:
    # The outer run's options and xdist identity must not leak into the runs.
    hidden = {"PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST"}
    return {name: value for name, value in os.environ.items() if name not in hidden}


def run_suite(folder: Path, *args: str) -> SuiteRun:
    """Run ``pytest --impl=reference`` from ``folder``, outside the repository."""
    folder.mkdir(parents=True)
    (folder / "framework_probe.py").write_text(FRAMEWORK_PROBE, encoding="utf-8")
    junit, probe = folder / "junit.xml", folder / "frameworks.json"
    command = [sys.executable, "-m", "pytest", "--impl=reference", "-q"]
    command += ["-p", "framework_probe", "-p", "no:cacheprovider"]
    done = subprocess.run(
        [*command, f"--junitxml={junit}", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        env={**_clean_env(), "FRAMEWORK_PROBE_OUT": str(probe)},
    )

    try:
        outcomes = pytest.RunResult.parse_summary_nouns(done.stdout.splitlines())
    except ValueError:  # no summary line: the run broke before it
        outcomes = {}
    return SuiteRun(
        done.returncode,
        done.stdout + done.stderr,
        outcomes,
        _results(junit) if junit.exists() else {},
        json.loads(probe.read_text()) if probe.exists() else ["(probe did not run)"],
    )


@pytest.fixture(scope="session")
def reference_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SuiteRun]:
    """The whole installed suite against the reference: serially and with -n 2.

    Shared by the xdist and framework-import tests, since a whole run is the
    slowest thing these tests do.
    """
    if not suite_modules():
        pytest.skip(f"the installed suite at {SUITE} has no test modules yet")
    base = tmp_path_factory.mktemp("reference_runs")
    return {
        "serial": run_suite(base / "serial"),
        "xdist": run_suite(base / "xdist", "-n", "2"),
    }


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "slow: installs a package or runs the whole suite in a subprocess; "
        "CI runs these, `-m 'not slow'` leaves them out while developing",
    )

"""Reporting a run of the suite: per-clause results, reports, expectations.

Loaded by :mod:`conformance.plugin`. Every test's clause ids travel in its
reports' ``user_properties`` (so pytest's ``--junitxml`` writes them as
``clause`` properties, and pytest-xdist carries them to the controller), and
the process that sees every report (the only one, or the xdist controller)
sums them up per clause:

- ``--conformance-report=PATH`` writes a JSON report in the format of
  ``conformance/schemas/report.schema.json``;
- ``--write-expectations=PATH`` writes the run's failures as an expectations
  file, so a team can adopt the suite and gate on new failures;
- the terminal summary counts clauses by outcome per area and names the
  failures that no declared difference covers.
"""

from __future__ import annotations

import datetime
import functools
import importlib.metadata
import json
import os
import re
import stat
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hypothesis
import pytest

from conformance import implementations, plugin, spec

#: Frameworks whose versions a report records, by module name.
FRAMEWORKS = ("tensorflow", "tf_keras", "keras", "jax", "torch")

#: What the outcome of a test is called, worst first: a clause takes the worst
#: of its tests. ``unexpected_pass`` is a declared difference that passed,
#: which fails a run as a failure does.
TEST_OUTCOMES = ("failed", "unexpected_pass", "xfailed", "passed", "skipped")
CLAUSE_OUTCOMES = ("passed", "failed", "declared", "not_applicable")

#: Failures listed by name in the terminal summary, at most; the report and
#: pytest's own summary name them all.
LISTED_FAILURES = 20
#: The width of the summary's "by clause" lines, which wrap between clauses.
SUMMARY_WIDTH = 88

DISTRIBUTION = "modelcheckpoint-conformance"

#: The ``module.Class: `` prefix of a failure raised by the suite's own code.
OWN_FAILURE = re.compile(r"^conformance\.[\w.]+: ")

RESULTS = pytest.StashKey[dict[str, "TestResult"]]()
WRITE_ERRORS = pytest.StashKey[list[str]]()
WORKER_FRAMEWORKS = pytest.StashKey[set[str]]()
REPORT_PATH = pytest.StashKey[Path]()
EXPECTATIONS_PATH = pytest.StashKey[Path]()


# -- options and configuration ------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "ModelCheckpoint conformance")
    group.addoption(
        "--conformance-report",
        default=None,
        metavar="PATH",
        help=(
            "write a JSON report of the run: the implementation, the versions, "
            "and every clause's outcome with its tests "
            "(render it with python -m conformance.report)"
        ),
    )
    group.addoption(
        "--write-expectations",
        default=None,
        metavar="PATH",
        help=(
            "write the run's failures as an expectations file (the format of "
            "--expectations), one entry per failing test, to gate later runs on "
            "new failures"
        ),
    )


def _output_path(config: pytest.Config, option: str) -> Path | None:
    value = config.getoption(option)
    if value is None:
        return None
    path = Path(config.invocation_params.dir, value)
    if not value.strip() or path.is_dir():
        suffix = "json" if option == "conformance_report" else "toml"
        raise pytest.UsageError(
            f"--{option.replace('_', '-')}={value!r} is not a file path; give the "
            f"path of the file to write, e.g. out/conformance.{suffix}"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise pytest.UsageError(
            f"--{option.replace('_', '-')}={value}: cannot create the folder "
            f"{path.parent}: {error}"
        ) from None
    return path


def pytest_configure(config: pytest.Config) -> None:
    config.stash[RESULTS] = {}
    config.stash[WORKER_FRAMEWORKS] = set()
    config.stash[WRITE_ERRORS] = []
    if not _is_worker(config):
        config.pluginmanager.register(Collector(config), "conformance-collector")
    for option, key in (
        ("conformance-report", REPORT_PATH),
        ("write-expectations", EXPECTATIONS_PATH),
    ):
        path = _output_path(config, option.replace("-", "_"))
        if path is not None:
            config.stash[key] = path


# -- pure functions -------------------------------------------------------------


@dataclass
class TestResult:
    """How one test ended, from all of its reports."""

    __test__ = False  # not a test class, despite its name

    key: str
    clauses: tuple[str, ...]
    outcome: str
    message: str | None = None
    declared_by: str | None = None
    #: False for a test no expectations file applies to (the differential
    #: test), which --write-expectations leaves out.
    declarable: bool = True


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def key_of(nodeid: str) -> str:
    """``file.py::name[params]``, the name expectations files use, from a node id."""
    path, _, name = nodeid.partition("::")
    return f"{Path(path).name}::{name}" if name else Path(path).name


def first_line(text: str | None) -> str | None:
    if not text:
        return None
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else None


def gist(text: str | None) -> str | None:
    """A failure in one line: its first, and for the suite's own failures,
    which part of the trace differs and the first difference found."""
    head = first_line(text)
    if not head or not head.endswith("does not conform"):
        return head
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    body = (
        lines[1 : lines.index("callback and lifecycle:")]
        if ("callback and lifecycle:" in lines)
        else lines[1:]
    )
    parts = [head]
    if body:
        parts.append(body[0].rstrip(":"))
        parts += [line for line in body[1:] if line.startswith("at ")][:1]
    return "; ".join(parts)


def _outcome_of(report: pytest.TestReport) -> tuple[str, str | None] | None:
    """A report's contribution to its test's outcome, with the message."""
    longrepr = report.longrepr
    if report.failed:
        text = str(longrepr) if isinstance(longrepr, str) else None
        if text is not None and text.startswith("[XPASS(strict)]"):
            return "unexpected_pass", first_line(text)
        crash = getattr(longrepr, "reprcrash", None)
        message = crash.message if crash is not None else str(longrepr)
        # The suite's own failures say what failed; their class name adds nothing.
        return "failed", gist(OWN_FAILURE.sub("", message, count=1))
    if hasattr(report, "wasxfail"):
        if report.skipped:
            return "xfailed", first_line(report.wasxfail)
        return "passed", None  # a non-strict expected failure that passed
    if report.skipped:
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        return "skipped", first_line(reason)
    if report.when == "call":
        return "passed", None
    return None


@functools.cache
def _distributions() -> Mapping[str, list[str]]:
    """Top-level module -> the distributions that provide it (read once)."""
    return importlib.metadata.packages_distributions()


def version_of_module(module: str) -> str | None:
    """The version of the installed distribution that provides ``module``."""
    for distribution in _distributions().get(module, []):
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def suite_version() -> str:
    return importlib.metadata.version(DISTRIBUTION)


def loaded_as(name: str) -> str:
    """How ``--impl=name`` is loaded: builtin, zoo, module:Class or entry point."""
    if name in implementations.BUILTIN:
        return "builtin"
    if name.startswith(implementations.ZOO_PREFIX):
        return "zoo"
    if ":" in name:
        return "module:Class"
    return "entry point"


#: The package of a built-in implementation whose name is not its package's:
#: Keras 3 on another backend is the keras package all the same.
BUILTIN_PACKAGES = {
    "reference": "reference_impl",
    "keras_jax": "keras",
    "keras_torch": "keras",
}


def implementation_version(
    name: str, implementation: implementations.Implementation | None
) -> str | None:
    """The version of what ``--impl=name`` runs, when it can be found.

    A built-in framework's package version; the suite's own for the reference
    and the zoo; otherwise the version of the distribution that registered the
    entry point or that holds the class's package; None when there is none.
    """
    kind = loaded_as(name)
    if kind == "builtin":
        return version_of_module(BUILTIN_PACKAGES.get(name, name))
    if kind == "zoo":
        return suite_version()
    if kind == "entry point":
        point = implementations.registered().get(name)
        if point is not None and point.dist is not None:
            return point.dist.version
    if implementation is not None:
        return version_of_module(implementation.callback.__module__.partition(".")[0])
    return None


def frameworks(imported: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Each framework's installed version (None if not installed) and whether
    the run imported it; read from package metadata, never by importing."""
    imported = set(imported)
    return {
        module: {"version": version_of_module(module), "imported": module in imported}
        for module in FRAMEWORKS
    }


def imported_frameworks() -> set[str]:
    return {module for module in FRAMEWORKS if module in sys.modules}


def clause_outcome(results: Iterable[TestResult]) -> str:
    """A clause fails if a test fails; is declared if one is a declared
    difference; passes if one passes; is not applicable otherwise."""
    outcomes = {result.outcome for result in results}
    if outcomes & {"failed", "unexpected_pass"}:
        return "failed"
    if "xfailed" in outcomes:
        return "declared"
    if "passed" in outcomes:
        return "passed"
    return "not_applicable"


def by_clause(
    clauses: Iterable[spec.Clause], results: Iterable[TestResult]
) -> dict[str, list[TestResult]]:
    """The results of each clause's tests, for each of ``clauses``."""
    grouped: dict[str, list[TestResult]] = {clause.id: [] for clause in clauses}
    for result in results:
        for clause in result.clauses:
            if clause in grouped:
                grouped[clause].append(result)
    return grouped


def _read_spec() -> tuple[str | None, dict[str, str], list[spec.Clause]]:
    text = spec.SPEC.read_text(encoding="utf-8") if spec.SPEC.is_file() else ""
    areas, clauses = spec.read_spec(text)
    return spec.version(text), areas, clauses


def build_report(
    config: pytest.Config, *, exit_status: int, created: datetime.datetime
) -> dict[str, Any]:
    """The JSON report of this run, as ``report.schema.json`` describes it."""
    name = plugin._impl_name(config)
    implementation = config.stash.get(plugin.IMPLEMENTATION, None)
    profile = config.stash[plugin.PROFILE]
    spec_version, areas, clauses = _read_spec()
    applicable = spec.for_profile(clauses, profile)
    results = list(config.stash[RESULTS].values())
    grouped = by_clause(applicable, results)
    known = {clause.id for clause in applicable}

    def test_entry(result: TestResult) -> dict[str, Any]:
        return {
            "test": result.key,
            "outcome": result.outcome,
            "message": result.message,
        }

    return {
        "format": "modelcheckpoint-conformance report",
        "format_version": 1,
        "created": created.isoformat(timespec="seconds"),
        "suite_version": suite_version(),
        "spec_version": spec_version,
        "implementation": {
            "name": name,
            "loaded_as": loaded_as(name),
            "class": (
                None
                if implementation is None
                else f"{implementation.callback.__module__}."
                f"{implementation.callback.__qualname__}"
            ),
            "version": implementation_version(name, implementation),
        },
        "frameworks": frameworks(
            imported_frameworks() | config.stash[WORKER_FRAMEWORKS]
        ),
        "profile": profile,
        "hypothesis_profile": hypothesis.settings.get_current_profile_name(),
        "exit_status": int(exit_status),
        "tests": dict(sorted(Counter(r.outcome for r in results).items())),
        "clauses": [
            {
                "id": clause.id,
                "area": clause.area,
                "area_title": areas.get(clause.area, ""),
                "level": clause.level,
                "outcome": clause_outcome(grouped[clause.id]),
                "tests": [test_entry(result) for result in grouped[clause.id]],
            }
            for clause in applicable
        ],
        "other_tests": [
            test_entry(result)
            for result in results
            if not known.intersection(result.clauses)
        ],
    }


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the new one.

    A regular file (new, or the one a symbolic link points to, which stays a
    link) is written through a temporary file in its folder and moved over
    it; it keeps its permissions, and a new one gets those the umask allows.
    Anything else that exists at ``path`` (a FIFO, ``/dev/stdout``) is
    written to directly, since moving a file over it would replace it. An
    OSError names ``path`` as given, not a temporary file.
    """
    target = Path(os.path.realpath(path))
    try:
        if target.exists() and not target.is_file():
            with open(target, "w", encoding="utf-8") as file:
                file.write(text)
        else:
            _replace(target, text)
    except OSError as error:
        if error.errno is None:
            raise
        raise OSError(error.errno, error.strerror, str(path)) from error


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _replace(target: Path, text: str) -> None:
    if target.is_file():
        mode = stat.S_IMODE(target.stat().st_mode)
    else:
        mode = 0o666 & ~_umask()
    with tempfile.NamedTemporaryFile(
        "w",
        encoding="utf-8",
        dir=target.parent,
        prefix=f".{target.name}.",
        suffix=".tmp",
        delete=False,
    ) as file:
        temporary = file.name
    try:
        with open(temporary, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except OSError:
        os.unlink(temporary)
        raise


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string."""
    escapes = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
    body = "".join(
        escapes.get(char)
        or (f"\\u{ord(char):04x}" if ord(char) < 0x20 or ord(char) == 0x7F else char)
        for char in text
    )
    return f'"{body}"'


def expectations_text(
    results: Iterable[TestResult],
    *,
    user_sources: Iterable[str],
    implementation: str,
    profile: str,
    date: datetime.date,
) -> str:
    """An expectations file declaring every failing test of a run.

    Tests already declared by one of the user's own expectations files (not a
    built-in one) keep their reason, so that the new file replaces the old.
    """
    user_sources = set(user_sources)
    lines = [
        f"# Declared differences of {implementation} under profile {profile}, "
        f"written by --write-expectations on {date.isoformat()}.",
        "# Each entry is a failure the run observed; edit its reason to say what "
        "the implementation does instead.",
    ]
    for result in sorted(results, key=lambda result: result.key):
        if not result.declarable:
            continue
        if result.outcome == "failed" and result.clauses:
            failure = result.message or "(no failure message)"
            reason = (
                f"Recorded as the failure observed on {date.isoformat()}: {failure}"
            )
        elif result.outcome == "xfailed" and result.declared_by in user_sources:
            reason = (result.message or "").removeprefix("declared difference: ")
        else:
            continue
        lines += [
            "",
            f"# {', '.join(result.clauses)}",
            "[[difference]]",
            f"test = {toml_string(result.key)}",
            f"reason = {toml_string(reason.strip() or 'Recorded as a failure.')}",
        ]
    return "\n".join(lines) + "\n"


# -- hooks ----------------------------------------------------------------------


@pytest.hookimpl(trylast=True)  # after the plugin has deselected and declared
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    differences = config.stash.get(plugin.DIFFERENCES, [])
    for item in items:
        clauses = plugin.clauses_of(item)
        item.user_properties.extend(("clause", clause) for clause in sorted(clauses))
        if not plugin.takes_expectations(item):
            item.user_properties.append(("expectations", "not applied"))
            continue
        key = plugin.test_key(item)
        # The plugin marks a test with the first difference that matches it.
        declared = next((d for d in differences if d.match(key, clauses)), None)
        if declared is not None:
            item.user_properties.append(("declared_by", declared.source))


class Collector:
    """Keeps every test's result, in the process that sees every report."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        #: Each test's properties, from the first report that carried them.
        self.properties: dict[str, list[tuple[str, str]]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        properties = [(str(k), str(v)) for k, v in report.user_properties]
        if properties:
            self.properties.setdefault(report.nodeid, properties)
        else:
            # The report pytest-xdist makes for a test whose worker died has
            # none; the test's setup report, sent before the crash, had them.
            properties = self.properties.get(report.nodeid, [])
        contribution = _outcome_of(report)
        if contribution is None:
            return
        outcome, message = contribution
        results = self.config.stash[RESULTS]
        key = key_of(report.nodeid)
        result = results.get(key)
        if result is None:
            results[key] = TestResult(
                key,
                tuple(value for name, value in properties if name == "clause"),
                outcome,
                message,
                next((v for name, v in properties if name == "declared_by"), None),
                ("expectations", "not applied") not in properties,
            )
        elif TEST_OUTCOMES.index(outcome) < TEST_OUTCOMES.index(result.outcome):
            result.outcome, result.message = outcome, message

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """Note the frameworks an xdist worker imported."""
        output = getattr(node, "workeroutput", None) or {}
        self.config.stash[WORKER_FRAMEWORKS].update(
            output.get("conformance_frameworks", ())
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if _is_worker(config):
        config.workeroutput["conformance_frameworks"] = sorted(imported_frameworks())
        return
    if plugin.PROFILE not in config.stash:
        return
    now = datetime.datetime.now(datetime.UTC)
    if REPORT_PATH in config.stash:
        report = build_report(config, exit_status=exitstatus, created=now)
        text = json.dumps(report, indent=1, ensure_ascii=False) + "\n"
        _write(session, "--conformance-report", config.stash[REPORT_PATH], text)
    if EXPECTATIONS_PATH in config.stash:
        text = expectations_text(
            config.stash[RESULTS].values(),
            user_sources={str(Path(p)) for p in config.getoption("expectations")},
            implementation=plugin._impl_name(config),
            profile=config.stash[plugin.PROFILE],
            date=now.date(),
        )
        _write(session, "--write-expectations", config.stash[EXPECTATIONS_PATH], text)


def _write(session: pytest.Session, option: str, path: Path, text: str) -> None:
    try:
        write_atomically(path, text)
    except OSError as error:
        session.config.stash[WRITE_ERRORS].append(
            f"{option}: cannot write {path}: {error.strerror or error}"
        )
        session.exitstatus = pytest.ExitCode.INTERNAL_ERROR


# -- report ---------------------------------------------------------------------


def pytest_report_header(config: pytest.Config) -> list[str]:
    if not plugin.is_conformance_run(config):
        return []
    name = plugin._impl_name(config)
    implementation = config.stash.get(plugin.IMPLEMENTATION, None)
    installed = [
        f"{module} {info['version']}"
        for module, info in frameworks(()).items()
        if info["version"] is not None
    ]
    return [
        f"conformance implementation version: "
        f"{implementation_version(name, implementation) or 'unknown'} "
        f"({name}, loaded as {loaded_as(name)})",
        "conformance frameworks installed: " + (", ".join(installed) or "none"),
    ]


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    if _is_worker(config) or plugin.PROFILE not in config.stash:
        return
    write = terminalreporter.write_line
    for error in config.stash[WRITE_ERRORS]:
        write(error, red=True)
    results = [r for r in config.stash[RESULTS].values() if r.clauses]
    if not results:
        return  # not a run of the suite: no test names a clause

    profile = config.stash[plugin.PROFILE]
    spec_version, areas, clauses = _read_spec()
    applicable = spec.for_profile(clauses, profile)
    grouped = by_clause(applicable, results)
    terminalreporter.write_sep(
        "=", f"conformance to SPEC.md version {spec_version}, profile {profile}"
    )
    width = max((len(area) for area in areas), default=0)
    title_width = max((len(title) for title in areas.values()), default=0)
    for area, title in areas.items():
        outcomes = Counter(
            clause_outcome(grouped[c.id]) for c in applicable if c.area == area
        )
        counts = ", ".join(
            f"{outcomes[o]} {o.replace('_', ' ')}"
            for o in CLAUSE_OUTCOMES
            if outcomes[o] or o != "not_applicable"
        )
        line = f"{area:<{width}}  {title:<{title_width}}  {counts}"
        write(line, red=bool(outcomes["failed"]))

    for outcome, heading in (
        ("failed", "new failures (no declared difference)"),
        ("unexpected_pass", "unexpected passes (declared differences that passed)"),
    ):
        listed = [r for r in config.stash[RESULTS].values() if r.outcome == outcome]
        if not listed:
            continue
        write(f"{heading}: {len(listed)}", red=True)
        if outcome == "failed":
            # One fault can fail tests of many clauses; the count of each, in
            # SPEC.md's order, shows every clause at once, the fault's own too.
            per_clause = Counter(c for r in listed for c in r.clauses)
            line = "  by clause:"
            for clause in applicable:
                if per_clause[clause.id]:
                    item = f" {clause.id} {per_clause[clause.id]},"
                    if len(line) + len(item) > SUMMARY_WIDTH:
                        write(line)
                        line = "   "
                    line += item
            write(line.rstrip(","))
        if outcome == "unexpected_pass":
            write(
                "  each now conforms: take it out of the expectations file named, "
                "and the run passes again"
            )
        for result in listed[:LISTED_FAILURES]:
            clauses = ", ".join(result.clauses) or "no clause"
            where = ""
            if outcome == "unexpected_pass" and result.declared_by:
                where = f" (declared in {result.declared_by})"
            write(f"  [{clauses}] {result.key}{where}")
        if len(listed) > LISTED_FAILURES:
            write(f"  ... and {len(listed) - LISTED_FAILURES} more")

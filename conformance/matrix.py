"""The coverage matrix: which SPEC.md clauses the suite tests, and how they fared.

``python -m conformance.matrix [pytest args...]`` runs the suite in this
process, as ``pytest --impl=...`` would (the reference by default, the
installed suite unless test paths are given), then prints one row per clause
of SPEC.md, grouped by area: its level, how many tests are tagged with it, and
their outcomes. The last line gives the totals and the clauses no test names.

The exit status is pytest's when the run fails, else 1 when a clause has no
test, else 0. The run is serial: the matrix reads the clause markers of every
collected test, which pytest-xdist workers do not send back.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from conformance.spec import SPEC, Clause, read_spec

#: Outcomes, in the order of the columns.
OUTCOMES = ("passed", "failed", "xfailed", "skipped", "deselected")
HEADINGS = {"xfailed": "xfailed (declared)"}

#: Exit status when the run passed but some clause has no test.
UNTESTED = 1


class Collector:
    """A pytest plugin keeping every test's clauses and outcome."""

    def __init__(self) -> None:
        self.clauses: dict[str, frozenset[str]] = {}
        self.outcomes: dict[str, str] = {}
        self.profile: str | None = None

    def pytest_configure(self, config: pytest.Config) -> None:
        # Imported only now: the plugin imports Hypothesis, which pytest
        # cannot rewrite for assertions once something imported it first.
        from conformance import plugin

        self.plugin = plugin

    def pytest_itemcollected(self, item: pytest.Item) -> None:
        self.clauses[item.nodeid] = self.plugin.clauses_of(item)

    def pytest_deselected(self, items: Sequence[pytest.Item]) -> None:
        for item in items:
            self.outcomes[item.nodeid] = "deselected"

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.profile = session.config.stash.get(self.plugin.PROFILE, None)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            outcome = "failed"  # a failing setup or teardown fails the test
        elif hasattr(report, "wasxfail"):
            outcome = "xfailed" if report.skipped else "passed"
        elif report.skipped:
            outcome = "skipped"
        elif report.when == "call":
            outcome = "passed"
        else:
            return
        if self.outcomes.get(report.nodeid) != "failed":
            self.outcomes[report.nodeid] = outcome


def _cell(count: int) -> str:
    return str(count) if count else "."


def render(
    areas: dict[str, str], clauses: Sequence[Clause], collector: Collector
) -> tuple[list[str], list[str]]:
    """The lines of the matrix, and the ids of the clauses with no test."""
    width = max(len(name) for name in ["clause", *(c.id for c in clauses)])
    columns = ["tests", *(HEADINGS.get(o, o) for o in OUTCOMES)]
    lines = [f"  {'clause':<{width}}  level   " + "  ".join(columns)]
    untested = []
    for area in dict.fromkeys(clause.area for clause in clauses):
        lines.append(f"{area}: {areas.get(area, '(no heading)')}")
        for clause in (c for c in clauses if c.area == area):
            tests = [n for n, tags in collector.clauses.items() if clause.id in tags]
            if not tests:
                untested.append(clause.id)
            counts = Counter(collector.outcomes.get(test) for test in tests)
            _, _, variant = clause.id.partition("/")
            if variant and collector.profile and variant != collector.profile:
                # A test that checks both variants checks only this run's.
                counts = Counter({"deselected": len(tests)})
            cells = [_cell(len(tests)), *(_cell(counts[o]) for o in OUTCOMES)]
            aligned = [f"{c:>{len(h)}}" for c, h in zip(cells, columns, strict=True)]
            lines.append(
                f"  {clause.id:<{width}}  {clause.level:<6}  " + "  ".join(aligned)
            )

    unknown = set().union(*collector.clauses.values()) - {c.id for c in clauses}
    if unknown:
        lines += [
            "",
            f"tagged with clauses SPEC.md does not have: {', '.join(sorted(unknown))}",
        ]
    totals = Counter(collector.outcomes.get(test) for test in collector.clauses)
    lines += [
        "",
        f"total: {len(clauses)} clauses, {len(collector.clauses)} tests "
        f"({', '.join(f'{totals[o]} {o}' for o in OUTCOMES)}); "
        f"clauses with no test: {', '.join(untested) or 'none'}",
    ]
    return lines, untested


def main(argv: Sequence[str] | None = None, *, spec: Path = SPEC) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not spec.is_file():
        print(
            f"conformance.matrix: SPEC.md not found at {spec}; the package "
            "ships it, so this installation is incomplete: reinstall "
            "modelcheckpoint-conformance.",
            file=sys.stderr,
        )
        return pytest.ExitCode.USAGE_ERROR
    areas, clauses = read_spec(spec.read_text(encoding="utf-8"))

    if not any(arg == "--impl" or arg.startswith("--impl=") for arg in args):
        args.append("--impl=reference")  # and so the installed suite, by default
    collector = Collector()
    code = pytest.main(["-p", "no:xdist", *args], plugins=[collector])
    if not collector.clauses:
        return code  # nothing collected: pytest has said why

    lines, untested = render(areas, clauses, collector)
    profile = f", profile {collector.profile}" if collector.profile else ""
    print(f"\ncoverage matrix of {spec}{profile}")
    print("\n".join(lines))
    if code != pytest.ExitCode.OK:
        return code  # failures, or nothing selected (5), as pytest says
    return UNTESTED if untested else pytest.ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())

"""The fault zoo: the suite catches every member, on a clause the member breaks.

The installed suite runs in this process (``pytest.main`` with a small plugin
that records the clauses of failed tests), far quicker than a subprocess per
member; ``-n 2`` spreads the members over two workers. A member runs only the
tests of the clauses it breaks: any of them failing fails the whole suite too,
and a failure elsewhere could not show that the suite catches the fault where
it lies.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.plugin import SUITE, clauses_of
from conformance.zoo import ALL
from reference_impl import ModelCheckpoint

SPEC = Path(__file__).parents[1] / "SPEC.md"
CLAUSES = set(
    re.findall(r"^\*\*([A-Z]+-\d+(?:/[a-z0-9]+)?)\*\*", SPEC.read_text(), re.M)
)
AREAS = {clause.partition("-")[0] for clause in CLAUSES}

#: Members the suite does not catch yet: what is missing, and why.
UNCAUGHT: dict[str, str] = {}


def members() -> list[pytest.param]:
    """Every member, an uncaught one as a strict expected failure."""
    return [
        pytest.param(
            name,
            marks=[pytest.mark.xfail(reason=UNCAUGHT[name], strict=True)]
            if name in UNCAUGHT
            else [],
            id=name,
        )
        for name in sorted(ALL)
    ]


class Outcomes:
    """A pytest plugin recording the clauses of every test and which ones failed.

    With ``only``, it deselects the tests that check none of those clauses.
    """

    def __init__(self, only: frozenset[str] | None = None) -> None:
        self.only = only
        self.clauses: dict[str, frozenset[str]] = {}
        self.failed: list[str] = []

    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        self.clauses.update((item.nodeid, clauses_of(item)) for item in items)
        if self.only is None:
            return
        keep = [item for item in items if self.clauses[item.nodeid] & self.only]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            self.failed.append(report.nodeid)

    def failed_clauses(self) -> set[str]:
        return {clause for nodeid in self.failed for clause in self.clauses[nodeid]}


def run_suite(
    impl: str,
    folder: Path,
    only: frozenset[str] | None = None,
    *,
    profile: str | None = None,
) -> tuple[int, Outcomes]:
    """Run the installed suite against ``impl`` in this process."""
    outcomes = Outcomes(only)
    args = [str(SUITE), f"--impl={impl}", "-q", "--tb=no", "--no-header"]
    args += [f"--profile={profile}"] if profile else []
    args += ["-p", "no:cacheprovider", f"--basetemp={folder}"]
    # This process imported the plugin already, so pytest cannot rewrite it.
    args += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    return pytest.main(args, plugins=[outcomes]), outcomes


@pytest.fixture(scope="module")
def suite() -> None:
    if not list(SUITE.glob("test_*.py")):
        pytest.skip(f"the installed suite at {SUITE} has no test modules yet")


# -- the registry ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ALL))
def test_a_member_is_a_reference_subclass_naming_its_clauses(name: str) -> None:
    member = ALL[name]

    assert issubclass(member, ModelCheckpoint)
    assert member.__doc__ and member.__doc__.strip().count(". ") == 0
    assert member.breaks and set(member.breaks) <= CLAUSES, member.breaks


#: Areas whose tests train a real model, which a zoo member has not: they run
#: for the real implementations only, so no member could be caught there.
TRAINING_ONLY = {"DIST"}


def test_the_zoo_has_a_member_for_every_area_of_the_spec() -> None:
    covered = {clause.partition("-")[0] for m in ALL.values() for clause in m.breaks}

    assert covered == AREAS - TRAINING_ONLY


# -- the suite against the zoo -----------------------------------------------------


@pytest.mark.usefixtures("suite")
@pytest.mark.parametrize(
    ("impl", "profile"),
    [
        ("reference", None),
        ("reference", "keras3"),
        ("conformance.zoo._base:Checkpoint", None),
    ],
    ids=["reference", "reference,profile=keras3", "base"],
)
def test_a_conforming_implementation_passes_the_suite(
    impl: str, profile: str | None, tmp_path: Path
) -> None:
    code, outcomes = run_suite(impl, tmp_path, profile=profile)

    assert outcomes.clauses, "the suite collected no test"
    assert outcomes.failed == []
    assert code == pytest.ExitCode.OK


@pytest.mark.usefixtures("suite")
@pytest.mark.parametrize("name", members())
def test_the_suite_catches_the_member_on_a_clause_it_breaks(
    name: str, tmp_path: Path
) -> None:
    breaks = frozenset(ALL[name].breaks)

    code, outcomes = run_suite(f"zoo.{name}", tmp_path, only=breaks)

    assert code in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), code
    assert outcomes.failed, (
        f"no test of {', '.join(sorted(breaks))} fails against zoo.{name}, "
        f"whose fault is: {ALL[name].__doc__}"
    )
    assert outcomes.failed_clauses() & breaks

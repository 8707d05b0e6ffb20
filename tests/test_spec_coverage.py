"""SPEC.md and the suite agree: every clause is tested, every test names a clause."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.plugin import SUITE, clauses_of

SPEC = Path(__file__).parents[1] / "SPEC.md"
CLAUSE_HEADING = re.compile(r"^\*\*([A-Z]+-\d+)\*\* \((must|should); ([^)]+)\)\.", re.M)


class _Collected:
    """A plugin keeping the clause markers of every collected suite test."""

    def __init__(self) -> None:
        self.clauses: dict[str, frozenset[str]] = {}

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.clauses = {item.nodeid: clauses_of(item) for item in items}


@pytest.fixture(scope="module")
def spec_clauses() -> dict[str, tuple[str, str]]:
    found = CLAUSE_HEADING.findall(SPEC.read_text(encoding="utf-8"))
    return {clause: (level, source) for clause, level, source in found}


@pytest.fixture(scope="module")
def suite_clauses() -> dict[str, frozenset[str]]:
    collected = _Collected()
    code = pytest.main(
        ["--collect-only", "-q", "-p", "no:cacheprovider", str(SUITE)],
        plugins=[collected],
    )
    assert code == pytest.ExitCode.OK
    return collected.clauses


def test_spec_clause_ids_are_unique() -> None:
    ids = re.findall(r"^\*\*([A-Z]+-\d+)\*\*", SPEC.read_text(encoding="utf-8"), re.M)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_every_clause_states_its_level_and_source(spec_clauses) -> None:
    bare = re.findall(r"^\*\*([A-Z]+-\d+)\*\*", SPEC.read_text(encoding="utf-8"), re.M)
    assert sorted(spec_clauses) == sorted(bare)


def test_every_suite_test_names_a_clause(suite_clauses) -> None:
    untagged = sorted(node for node, clauses in suite_clauses.items() if not clauses)
    assert not untagged, f"suite tests without @pytest.mark.clause: {untagged[:10]}"


def test_every_clause_a_test_names_exists_in_the_spec(
    suite_clauses, spec_clauses
) -> None:
    named = set().union(*suite_clauses.values())
    assert not named - set(spec_clauses), sorted(named - set(spec_clauses))


def test_every_clause_has_a_test(suite_clauses, spec_clauses) -> None:
    named = set().union(*suite_clauses.values())
    assert not set(spec_clauses) - named, sorted(set(spec_clauses) - named)

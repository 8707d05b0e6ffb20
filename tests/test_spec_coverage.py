"""SPEC.md and the suite agree: every clause is tested, every test names a clause."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.implementations import PROFILES
from conformance.plugin import SUITE, clauses_of

SPEC = Path(__file__).parents[1] / "SPEC.md"
#: A clause id: ``AREA-N``, or ``AREA-N/profile`` for a profile's variant.
CLAUSE_ID = r"[A-Z]+-\d+(?:/[a-z0-9]+)?"
CLAUSE_HEADING = re.compile(
    rf"^\*\*({CLAUSE_ID})\*\* \((must|should); ([^)]+)\)\.", re.M
)
CLAUSE_START = re.compile(rf"^\*\*({CLAUSE_ID})\*\*", re.M)


class _Collected:
    """A plugin keeping the clause markers of every collected suite test.

    It looks before the conformance plugin deselects the tests of the other
    profile, so that the tests of every profile count.
    """

    def __init__(self) -> None:
        self.clauses: dict[str, frozenset[str]] = {}

    @pytest.hookimpl(tryfirst=True)
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
    ids = CLAUSE_START.findall(SPEC.read_text(encoding="utf-8"))
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_every_clause_states_its_level_and_source(spec_clauses) -> None:
    bare = CLAUSE_START.findall(SPEC.read_text(encoding="utf-8"))
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


def test_a_variant_names_a_profile_and_replaces_the_plain_clause(spec_clauses) -> None:
    variants = [clause for clause in spec_clauses if "/" in clause]
    unknown = [c for c in variants if c.partition("/")[2] not in PROFILES]
    assert not unknown, f"variants of no known profile {PROFILES}: {unknown}"
    doubled = sorted({c.partition("/")[0] for c in variants} & set(spec_clauses))
    assert not doubled, f"clauses both plain and in variants: {doubled}"

"""Declared differences: where an implementation knowingly departs from the spec.

An expectations file is TOML with one ``[[difference]]`` table per entry::

    [[difference]]
    clause = "MODE-1"                 # every test of this clause, or
    test = "test_mode.py::test_auto_mode_infers_the_direction[monitor=auc -> min]"
    reason = "One sentence: what this implementation does instead."

``test`` matches a test by its file name and name, with or without its
parameter id (without it, every parameter matches); ``tests`` is a list of
such names sharing one reason. Given both a clause and tests, a test must
match both. Each matched test becomes a strict expected failure: it must
fail, and an unexpected pass fails the run.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from conformance import spec

CLAUSE_ID = re.compile(r"[A-Z]+-\d+(/[a-z0-9]+)?")


class ExpectationsError(Exception):
    """An expectations file is malformed; the text names the file and entry."""


@dataclass(frozen=True)
class Difference:
    """One declared difference, from ``source`` entry number ``number``."""

    reason: str
    source: str
    number: int
    clause: str | None = None
    tests: tuple[str, ...] = ()

    def match(self, key: str, clauses: frozenset[str]) -> str | None:
        """The selector (a test name, or the clause) that matches, if any."""
        if self.clause is not None and self.clause not in clauses:
            return None
        if not self.tests:
            return self.clause
        names = (key, key.partition("[")[0])
        return next((test for test in self.tests if test in names), None)

    def selectors(self) -> tuple[str, ...]:
        """Everything this entry names; each should match at least one test."""
        return self.tests or (self.clause or "",)

    def __str__(self) -> str:
        what = ", ".join(self.tests) if self.tests else f"clause {self.clause}"
        return f"{self.source} entry {self.number} ({what})"


def parse(text: str, source: str) -> list[Difference]:
    """Parse expectations TOML; ``source`` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ExpectationsError(f"{source}: not valid TOML: {error}") from error
    except RecursionError as error:
        raise ExpectationsError(
            f"{source}: not an expectations file: its values are nested too deeply "
            "to read"
        ) from error
    unknown = set(data) - {"difference"}
    if unknown:
        raise ExpectationsError(
            f"{source}: unknown top-level keys {sorted(unknown)}; "
            "only [[difference]] tables are accepted"
        )
    entries = data.get("difference", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ExpectationsError(
            f"{source}: 'difference' is not an array of tables; write each entry "
            "under its own [[difference]] header (double brackets)"
        )
    differences = []
    for number, entry in enumerate(entries, start=1):
        where = f"{source} entry {number}"
        extra = set(entry) - {"clause", "test", "tests", "reason"}
        if extra:
            raise ExpectationsError(
                f"{where}: unknown keys {sorted(extra)}; accepted are "
                "clause, test, tests and reason"
            )
        if not {"clause", "test", "tests"} & set(entry):
            raise ExpectationsError(f"{where}: give a clause, a test, or both")
        if "test" in entry and "tests" in entry:
            raise ExpectationsError(f"{where}: give test or tests, not both")
        clause = entry.get("clause")
        if isinstance(clause, str) and not CLAUSE_ID.fullmatch(clause):
            raise ExpectationsError(
                f"{where}: clause={clause!r} is not a clause id; ids look like "
                "BEST-3 or BEST-2/keras3 (see SPEC.md)"
            )
        for key in ("clause", "test"):
            # A list here would be unhashable and break matching later.
            if key in entry and (
                not isinstance(entry[key], str) or not entry[key].strip()
            ):
                raise ExpectationsError(
                    f"{where}: {key}={entry[key]!r}; give one string (use tests "
                    "= [...] for several tests)"
                )
        tests = entry.get("tests", [entry["test"]] if "test" in entry else [])
        if "tests" in entry and (
            not isinstance(tests, list)
            or not tests
            or not all(isinstance(test, str) and test.strip() for test in tests)
        ):
            raise ExpectationsError(
                f"{where}: tests={tests!r}; give a non-empty list of test names"
            )
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ExpectationsError(
                f"{where}: reason={reason!r}; every difference needs a sentence "
                "saying what the implementation does instead"
            )
        _check_known(where, entry.get("clause"))
        differences.append(
            Difference(
                reason.strip(), source, number, entry.get("clause"), tuple(tests)
            )
        )
    return differences


@functools.cache
def _spec_clauses() -> frozenset[str] | None:
    """The clause ids of the shipped SPEC.md; None when it is missing."""
    if not spec.SPEC.is_file():
        return None  # the matrix and the reports say so; matching still works
    _, clauses = spec.read_spec(spec.SPEC.read_text(encoding="utf-8"))
    return frozenset(clause.id for clause in clauses)


def _check_known(where: str, clause: str | None) -> None:
    known = _spec_clauses()
    if clause is None or known is None or clause in known:
        return
    variants = sorted(id for id in known if id.partition("/")[0] == clause)
    hint = (
        f"it has the variants {', '.join(variants)}"
        if variants
        else "see SPEC.md for the ids"
    )
    raise ExpectationsError(
        f"{where}: clause={clause!r} is not a clause of SPEC.md; {hint}"
    )


def load_file(path: Path) -> list[Difference]:
    """Read an expectations file from disk."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise ExpectationsError(f"cannot read expectations {path}: {error}") from error
    except UnicodeDecodeError as error:
        raise ExpectationsError(
            f"cannot read expectations {path}: not UTF-8 text ({error.reason} at "
            f"byte {error.start}); an expectations file is TOML, which is UTF-8"
        ) from error
    return parse(text, str(path))


def builtin(name: str) -> list[Difference]:
    """The declared differences shipped for a built-in implementation."""
    file = resources.files("conformance") / "expectations" / f"{name}.toml"
    if not file.is_file():
        return []
    return parse(file.read_text(encoding="utf-8-sig"), f"expectations/{name}.toml")

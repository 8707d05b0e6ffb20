"""Declared differences: where an implementation knowingly departs from the spec.

An expectations file is TOML with one ``[[difference]]`` table per entry::

    [[difference]]
    clause = "MODE-3"                 # every test of this clause, or
    test = "test_mode.py::test_auto_mode_infers_the_direction[monitor=auc -> min]"
    reason = "One sentence: what this implementation does instead."

``test`` matches a test by its file name and name, with or without its
parameter id (without it, every parameter matches). Each matched test becomes
a strict expected failure: it must fail, and an unexpected pass fails the run.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


class ExpectationsError(Exception):
    """An expectations file is malformed; the text names the file and entry."""


@dataclass(frozen=True)
class Difference:
    """One declared difference, from ``source`` entry number ``number``."""

    reason: str
    source: str
    number: int
    clause: str | None = None
    test: str | None = None

    def matches(self, key: str, clauses: frozenset[str]) -> bool:
        if self.clause is not None and self.clause not in clauses:
            return False
        if self.test is not None:
            return self.test in (key, key.partition("[")[0])
        return True

    def __str__(self) -> str:
        what = self.test or f"clause {self.clause}"
        return f"{self.source} entry {self.number} ({what})"


def parse(text: str, source: str) -> list[Difference]:
    """Parse expectations TOML; ``source`` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ExpectationsError(f"{source}: not valid TOML: {error}") from error
    unknown = set(data) - {"difference"}
    if unknown:
        raise ExpectationsError(
            f"{source}: unknown top-level keys {sorted(unknown)}; "
            "only [[difference]] tables are accepted"
        )
    differences = []
    for number, entry in enumerate(data.get("difference", []), start=1):
        where = f"{source} entry {number}"
        extra = set(entry) - {"clause", "test", "reason"}
        if extra:
            raise ExpectationsError(
                f"{where}: unknown keys {sorted(extra)}; accepted are "
                "clause, test and reason"
            )
        if "clause" not in entry and "test" not in entry:
            raise ExpectationsError(f"{where}: give a clause, a test, or both")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ExpectationsError(
                f"{where}: reason={reason!r}; every difference needs a sentence "
                "saying what the implementation does instead"
            )
        differences.append(
            Difference(
                reason.strip(), source, number, entry.get("clause"), entry.get("test")
            )
        )
    return differences


def load_file(path: Path) -> list[Difference]:
    """Read an expectations file from disk."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ExpectationsError(f"cannot read expectations {path}: {error}") from error
    return parse(text, str(path))


def builtin(name: str) -> list[Difference]:
    """The declared differences shipped for a built-in implementation."""
    file = resources.files("conformance") / "expectations" / f"{name}.toml"
    if not file.is_file():
        return []
    return parse(file.read_text(encoding="utf-8"), f"expectations/{name}.toml")

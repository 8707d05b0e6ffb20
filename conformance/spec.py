"""Reading SPEC.md: its version, its areas and its clauses.

The coverage matrix and the conformance reports both list clauses as SPEC.md
states them; this module is the one place that parses the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import conformance

#: SPEC.md, shipped inside the package (in a checkout, a link to the top-level
#: file).
SPEC = Path(conformance.__file__).parent / "SPEC.md"

VERSION = re.compile(r"^Version (\d+)\b", re.M)
AREA_HEADING = re.compile(r"^## ([A-Z]+): (.+)$", re.M)
CLAUSE_HEADING = re.compile(
    r"^\*\*([A-Z]+-\d+(?:/[a-z0-9]+)?)\*\* \((must|should); ([^)]+)\)\.[ \n]?", re.M
)


@dataclass(frozen=True)
class Clause:
    """One clause of SPEC.md: ``BEST-2/keras3``, ``must``, area ``BEST``.

    ``text`` is the clause's paragraph after its heading, on one line;
    ``source`` is where the clause comes from (``API page``, ``Keras 2 line``).
    """

    id: str
    level: str
    area: str
    text: str = ""
    source: str = ""

    @property
    def profile(self) -> str | None:
        """The profile a variant belongs to; None for a clause of every profile."""
        return self.id.partition("/")[2] or None

    def applies_to(self, profile: str) -> bool:
        return self.profile in (None, profile)


def read_spec(text: str) -> tuple[dict[str, str], list[Clause]]:
    """The areas of SPEC.md (id -> title) and its clauses, in document order."""
    areas = dict(AREA_HEADING.findall(text))
    clauses = []
    for match in CLAUSE_HEADING.finditer(text):
        clause, level, source = match.groups()
        paragraph = text[match.end() :].split("\n\n", 1)[0]
        clauses.append(
            Clause(
                clause,
                level,
                clause.partition("-")[0],
                " ".join(paragraph.split()),
                source,
            )
        )
    return areas, clauses


def version(text: str) -> str | None:
    """The version SPEC.md states in its opening ("Version 1, ..."), if any."""
    match = VERSION.search(text)
    return match.group(1) if match else None


def for_profile(clauses: Iterable[Clause], profile: str) -> list[Clause]:
    """The clauses that hold in ``profile``: shared ones and its own variants."""
    return [clause for clause in clauses if clause.applies_to(profile)]

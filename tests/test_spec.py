"""Reading SPEC.md: its version, and which clauses hold in which profile."""

from __future__ import annotations

from conformance import spec

TEXT = """# The specification

Version 7, in two profiles.

## ONE: the first area

**ONE-1** (must; API page). Holds in
every profile.

**ONE-2/keras3** (should; Keras 3). Holds in keras3 only.

## TWO: the second area

**TWO-1/keras2** (must; Keras 2 line). Holds in keras2 only.
"""


def test_the_version_is_the_one_the_opening_states() -> None:
    assert spec.version(TEXT) == "7"
    assert spec.version("# no version here\n") is None


def test_a_clause_text_is_its_paragraph_on_one_line() -> None:
    _, clauses = spec.read_spec(TEXT)

    assert clauses[0] == spec.Clause(
        "ONE-1", "must", "ONE", "Holds in every profile.", "API page"
    )


def test_a_profile_has_the_shared_clauses_and_its_own_variants() -> None:
    _, clauses = spec.read_spec(TEXT)

    assert [c.id for c in spec.for_profile(clauses, "keras2")] == [
        "ONE-1",
        "TWO-1/keras2",
    ]
    assert [c.id for c in spec.for_profile(clauses, "keras3")] == [
        "ONE-1",
        "ONE-2/keras3",
    ]

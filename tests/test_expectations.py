"""Expectations files: parsing declared differences and matching them to tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.expectations import (
    Difference,
    ExpectationsError,
    builtin,
    load_file,
    parse,
)

MALFORMED = {
    "invalid TOML": ("[[difference]\nclause = 'A-1'", "not valid TOML"),
    "no reason": ("[[difference]]\nclause = 'A-1'", "entry 1: reason=None"),
    "a blank reason": (
        "[[difference]]\nclause = 'A-1'\nreason = '  '",
        "entry 1: reason='  '",
    ),
    "an unknown entry key": (
        "[[difference]]\nclause = 'A-1'\nreason = 'r'\nwhy = 'w'",
        "entry 1: unknown keys ['why']",
    ),
    "an unknown top-level key": (
        "version = 1\n[[difference]]\nclause = 'A-1'\nreason = 'r'",
        "unknown top-level keys ['version']",
    ),
    "neither clause nor test": (
        "[[difference]]\nreason = 'r'",
        "entry 1: give a clause, a test, or both",
    ),
    "a single [difference] table": (
        "[difference]\nclause = 'A-1'\nreason = 'r'",
        "[[difference]] header",
    ),
    "a list of clauses": (
        "[[difference]]\nclause = ['A-1', 'A-2']\nreason = 'r'",
        "entry 1: clause=['A-1', 'A-2']",
    ),
    "a clause SPEC.md does not have": (
        "[[difference]]\nclause = 'ZZZ-99'\nreason = 'r'",
        "entry 1: clause='ZZZ-99' is not a clause of SPEC.md",
    ),
    "a clause that has only variants": (
        "[[difference]]\nclause = 'MODE-3'\nreason = 'r'",
        "it has the variants MODE-3/keras2, MODE-3/keras3",
    ),
}


@pytest.mark.parametrize(
    ("text", "fragment"),
    MALFORMED.values(),
    ids=[f"{what} -> error" for what in MALFORMED],
)
def test_a_malformed_file_is_an_error_naming_the_file_and_entry(
    text: str, fragment: str
) -> None:
    with pytest.raises(ExpectationsError, match="^mine.toml") as raised:
        parse(text, "mine.toml")

    assert fragment in str(raised.value)


def test_an_entry_keeps_its_stripped_reason_and_its_place() -> None:
    text = "[[difference]]\nclause = 'PATH-1'\nreason = 'r'\n"
    text += "[[difference]]\ntest = 'f.py::t'\nreason = ' Saves twice. '\n"

    assert parse(text, "mine.toml") == [
        Difference("r", "mine.toml", 1, clause="PATH-1"),
        Difference("Saves twice.", "mine.toml", 2, tests=("f.py::t",)),
    ]


def test_several_tests_can_share_one_reason() -> None:
    text = "[[difference]]\ntests = ['f.py::a', 'f.py::b[x]']\nreason = 'r'\n"

    (declared,) = parse(text, "mine.toml")

    assert declared.match("f.py::b[x]", frozenset()) == "f.py::b[x]"
    assert declared.match("f.py::a[y]", frozenset()) == "f.py::a"
    assert declared.match("f.py::c", frozenset()) is None
    assert declared.selectors() == ("f.py::a", "f.py::b[x]")


@pytest.mark.parametrize(
    "tests", [[], "f.py::a", [1], ["f.py::a", 2]], ids=lambda t: f"tests={t!r}"
)
def test_tests_must_be_a_non_empty_list_of_names(tests) -> None:
    text = f"[[difference]]\ntests = {tests!r}\nreason = 'r'\n".replace("'", '"')

    with pytest.raises(ExpectationsError, match="tests="):
        parse(text, "mine.toml")


def test_an_empty_file_declares_nothing() -> None:
    assert parse("", "mine.toml") == []


def difference(*, clause: str | None = None, test: str | None = None) -> Difference:
    return Difference("r", "mine.toml", 1, clause=clause, tests=(test,) if test else ())


#: A test key with a parameter id, as the plugin builds it for an item.
KEY = "test_mode.py::test_auto[auc]"

MATCHES = [
    (difference(clause="MODE-3"), {"MODE-1", "MODE-3"}, True),
    (difference(clause="MODE-3"), {"MODE-1"}, False),
    (difference(test=KEY), set(), True),
    (difference(test="test_mode.py::test_auto"), set(), True),
    (difference(test="test_mode.py::test_auto[acc]"), set(), False),
    (difference(test="test_mode.py::test_aut"), set(), False),
    (difference(test="test_other.py::test_auto"), set(), False),
    (difference(clause="MODE-3", test=KEY), {"MODE-3"}, True),
    (difference(clause="MODE-3", test=KEY), {"MODE-1"}, False),
]


def match_id(case: tuple[Difference, set[str], bool]) -> str:
    declared, clauses, expected = case
    what = ",".join(
        f"{name}={value}"
        for name, value in (("clause", declared.clause), ("test", declared.tests))
        if value is not None
    )
    tagged = ",".join(sorted(clauses)) or "no clause"
    return f"{what} vs {KEY} tagged {tagged} -> {'match' if expected else 'no match'}"


@pytest.mark.parametrize(
    ("declared", "clauses", "expected"), MATCHES, ids=map(match_id, MATCHES)
)
def test_a_difference_matches_by_clause_and_by_test_key(
    declared: Difference, clauses: set[str], expected: bool
) -> None:
    assert (declared.match(KEY, frozenset(clauses)) is not None) is expected


def test_a_builtin_name_without_a_file_declares_nothing() -> None:
    assert builtin("no-such-implementation") == []


def test_an_unreadable_file_is_an_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"

    with pytest.raises(ExpectationsError, match="cannot read expectations") as raised:
        load_file(missing)

    assert str(missing) in str(raised.value)


def test_a_file_that_is_not_utf8_is_an_error_naming_it(tmp_path: Path) -> None:
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00 not text")

    with pytest.raises(ExpectationsError, match="not UTF-8 text") as raised:
        load_file(binary)

    assert f"cannot read expectations {binary}" in str(raised.value)


def test_values_nested_too_deeply_are_an_error_naming_the_file() -> None:
    with pytest.raises(ExpectationsError, match="^mine.toml: .*nested too deeply"):
        parse("a = " + "[" * 100_000, "mine.toml")


def test_a_file_on_disk_is_named_by_its_path(tmp_path: Path) -> None:
    file = tmp_path / "mine.toml"
    file.write_text(
        "[[difference]]\nclause = 'PATH-1'\nreason = 'r'\n", encoding="utf-8"
    )

    [declared] = load_file(file)

    assert str(declared) == f"{file} entry 1 (clause PATH-1)"

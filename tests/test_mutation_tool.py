"""tools/mutation.py: the entries of survivors, the draw of a sample, the report."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

TOOL = Path(__file__).resolve().parent.parent / "tools" / "mutation.py"


def load_tool() -> ModuleType:
    """tools/mutation.py as a module; it needs mutmut only to run mutants."""
    spec = importlib.util.spec_from_file_location("mutation_tool", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


mutation = load_tool()

#: Mutant names by clause area, in the proportions of a small reference.
AREAS = {
    **{f"m.best_{number}": "BEST" for number in range(50)},
    **{f"m.mode_{number}": "MODE" for number in range(30)},
    **{f"m.hook_{number}": "HOOK" for number in range(20)},
}


def mutant(name: str, outcome: str, *, mutated: str = "x = 1") -> mutation.Mutant:
    return mutation.Mutant(
        name=name,
        source="reference_impl/callback.py",
        line=1,
        original="x = 0",
        mutated=mutated,
        area="BEST",
        outcome=outcome,
    )


@pytest.fixture
def listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Writes the given entries as the equivalents file the report reads."""

    def write(*entries: tuple[str, str]) -> None:
        path = tmp_path / "equivalent_mutants.toml"
        path.write_text(
            "".join(
                f'[[mutant]]\nname = "{name}"\nmutated = "{mutated}"\n'
                'kind = "equivalent"\nwhy = "Nothing observable differs."\n\n'
                for name, mutated in entries
            )
        )
        monkeypatch.setattr(mutation, "EQUIVALENTS", path)

    return write


# -- the entries ------------------------------------------------------------------


def write_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fields: str) -> None:
    path = tmp_path / "equivalent_mutants.toml"
    path.write_text(f'[[mutant]]\nname = "m.a"\nmutated = "x = 1"\n{fields}\n')
    monkeypatch.setattr(mutation, "EQUIVALENTS", path)


def test_an_open_entry_cites_an_item_of_the_spec(tmp_path, monkeypatch) -> None:
    write_entry(tmp_path, monkeypatch, 'kind = "open"\nopen = "OPEN-5"\nwhy = "W."')

    assert mutation.equivalents()["m.a"]["open"] == "OPEN-5"


@pytest.mark.parametrize(
    "fields, expected",
    [
        ('kind = "open"\nopen = "OPEN-99"\nwhy = "W."', "open='OPEN-99'; give the id"),
        ('kind = "open"\nwhy = "W."', "open=None; give the id"),
        ('kind = "unspecified"\nwhy = "W."', "needs kind= one of equivalent, open"),
        ('kind = "equivalent"', "needs kind= one of equivalent, open and a why="),
    ],
)
def test_a_malformed_entry_is_refused_with_what_to_write(
    tmp_path, monkeypatch, fields, expected
) -> None:
    write_entry(tmp_path, monkeypatch, fields)

    with pytest.raises(SystemExit) as refused:
        mutation.equivalents()
    assert expected in str(refused.value)
    assert "'m.a'" in str(refused.value)


def test_the_spec_lists_the_open_items_entries_cite() -> None:
    items = mutation.OPEN_ITEM.findall(mutation.SPEC.read_text())

    assert items == [f"OPEN-{number}" for number in range(1, len(items) + 1)]
    assert len(items) >= 1


# -- the draw ---------------------------------------------------------------------


def test_shares_are_proportional_to_the_areas_sizes() -> None:
    assert mutation.shares({"A": 50, "B": 30, "C": 20}, 10) == {"A": 5, "B": 3, "C": 2}


def test_shares_left_over_go_to_the_largest_remainder() -> None:
    # Exact shares 4/3 and 2/3: A keeps its whole 1, B's remainder is larger.
    assert mutation.shares({"A": 2, "B": 1}, 2) == {"A": 1, "B": 1}


def test_shares_of_more_than_all_are_all() -> None:
    assert mutation.shares({"A": 3, "B": 1}, 10) == {"A": 3, "B": 1}


def test_the_same_seed_draws_the_same_sample() -> None:
    reversed_areas = dict(reversed(AREAS.items()))

    first = mutation.pick(AREAS, 10, seed=7)

    assert mutation.pick(AREAS, 10, seed=7) == first
    assert mutation.pick(reversed_areas, 10, seed=7) == first


def test_another_seed_draws_another_sample() -> None:
    assert mutation.pick(AREAS, 10, seed=0) != mutation.pick(AREAS, 10, seed=1)


def test_a_sample_keeps_each_areas_share() -> None:
    picked = mutation.pick(AREAS, 10, seed=3)

    assert len(set(picked)) == 10
    assert Counter(AREAS[name] for name in picked) == {"BEST": 5, "MODE": 3, "HOOK": 2}


def test_a_sample_of_more_than_all_is_all() -> None:
    assert mutation.pick(AREAS, 500, seed=0) == sorted(AREAS)


def test_a_sample_is_saved_for_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mutation, "SAMPLE", tmp_path / "sample.json")
    assert mutation.Sample.of_last_run() is None

    mutation.Sample(size=2, seed=5, names=("m.a", "m.b")).save()

    again = mutation.Sample.of_last_run()
    assert again == mutation.Sample(size=2, seed=5, names=("m.a", "m.b"))
    assert again.command == "tox -e mutation -- run --sample 2 --seed 5"


#: Command lines that misplace --sample or --seed, and the error each gets.
MISPLACED = {
    "report --sample 3": "--sample=3 goes with run",
    "run --sample 0": "--sample=0: the number of mutants",
    "run --seed 4": "--seed=4 goes with --sample N",
}


@pytest.mark.parametrize(
    ("command", "error"), MISPLACED.items(), ids=[f"{c} -> error" for c in MISPLACED]
)
def test_a_misplaced_sample_option_is_refused(command, error, capsys) -> None:
    with pytest.raises(SystemExit):
        mutation.main(command.split())

    assert error in capsys.readouterr().err


# -- the report of a sample ---------------------------------------------------------


def test_a_sampled_report_ignores_survivors_not_sampled(listed, capsys) -> None:
    listed()
    found = [mutant("m.a", "killed"), mutant("m.b", "not checked")]

    assert mutation.report(found, sample=["m.a"]) == 0
    assert "m.b" not in capsys.readouterr().out


def test_a_report_without_a_sample_judges_every_mutant(listed, capsys) -> None:
    listed()
    found = [mutant("m.a", "killed"), mutant("m.b", "not checked")]

    assert mutation.report(found) == 1
    assert "not checked: m.b" in capsys.readouterr().out


def test_a_sampled_survivor_must_be_listed(listed, capsys) -> None:
    listed()
    found = [mutant("m.a", "survived"), mutant("m.b", "not checked")]

    assert mutation.report(found, sample=["m.a"]) == 1
    assert "survived: m.a" in capsys.readouterr().out


def test_an_entry_of_a_sampled_mutant_now_killed_is_stale(listed, capsys) -> None:
    listed(("m.a", "x = 1"))

    assert mutation.report([mutant("m.a", "killed")], sample=["m.a"]) == 1
    assert "listed but killed: m.a" in capsys.readouterr().out


def test_a_listed_mutant_that_times_out_keeps_its_entry(listed, capsys) -> None:
    listed(("m.a", "x = 1"))

    assert mutation.report([mutant("m.a", "timeout")], sample=["m.a"]) == 0
    out = capsys.readouterr().out
    assert "the listed m.a ran into the time limit" in out
    assert "1 sampled mutants of 1: 0 killed (0 by a timeout), 1 equivalent" in out


def test_an_entry_not_sampled_is_not_judged_on_outcome(listed) -> None:
    # Killed in an earlier run, say: outside the sample no outcome counts.
    listed(("m.b", "x = 1"))
    found = [mutant("m.a", "killed"), mutant("m.b", "killed")]

    assert mutation.report(found, sample=["m.a"]) == 0


def test_an_entry_not_sampled_must_match_its_mutant(listed, capsys) -> None:
    listed(("m.b", "x = 2"))
    found = [mutant("m.a", "killed"), mutant("m.b", "not checked")]

    assert mutation.report(found, sample=["m.a"]) == 1
    assert "stale entry: m.b now mutates 'x = 1'" in capsys.readouterr().out


def test_an_entry_of_no_generated_mutant_is_stale_in_a_sample(listed, capsys) -> None:
    listed(("m.gone", "x = 1"))

    assert mutation.report([mutant("m.a", "killed")], sample=["m.a"]) == 1
    assert "listed but not generated: m.gone" in capsys.readouterr().out


def test_a_sampled_report_counts_the_sample_only(listed, capsys) -> None:
    listed()
    found = [
        mutant("m.a", "killed"),
        mutant("m.b", "timeout"),
        mutant("m.c", "not checked"),
    ]

    mutation.report(found, sample=["m.a", "m.b"])

    out = capsys.readouterr().out
    assert "2 sampled mutants of 3: 2 killed (1 by a timeout)" in out
    assert "score 2/2 = 100.0%" in out


def test_a_sampled_mutant_the_run_did_not_generate_is_reported(listed, capsys) -> None:
    listed()

    assert mutation.report([mutant("m.a", "killed")], sample=["m.a", "m.x"]) == 1
    assert "sampled but not generated: m.x" in capsys.readouterr().out


# -- where a mutant lies ------------------------------------------------------------

#: A file as mutmut writes it: each copy of a function preceded by blank lines,
#: which its span (first and last line, 1-based) includes.
MUTATED_FILE = """\
import os


def x_f__mutmut_orig(a):
    b = a + 1
    return b


def x_f__mutmut_1(a):
    b = a - 1
    return b
""".splitlines()
SPANS = {"x_f__mutmut_orig": [2, 6], "x_f__mutmut_1": [7, 11]}


def test_a_change_is_placed_from_the_def_line_not_the_span_start() -> None:
    offset, original, mutated = mutation.changed_line(
        MUTATED_FILE, SPANS, "x_f__mutmut_1"
    )

    assert (offset, original, mutated) == (1, "b = a + 1", "b = a - 1")


def test_the_area_is_that_of_the_nearest_clause_id_above_in_the_function() -> None:
    lines = [
        "def f(a):",  # 1
        "    # The sum (PATH-2), not OPEN-5",  # 2
        "    b = a + 1",  # 3
        "    return b  # SAVE-6/keras2",  # 4
    ]

    assert mutation.clause_area(lines, 3, 1) == "PATH"
    assert mutation.clause_area(lines, 4, 1) == "SAVE"
    assert mutation.clause_area(["def f(a):", "    # OPEN-4", "    b = 1"], 3, 1) == (
        "none"
    )


def test_a_report_before_any_run_says_what_to_run(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(mutation, "WORK", tmp_path / "nothing")

    with pytest.raises(SystemExit) as refused:
        mutation.main(["report"])
    assert "run `tox -e mutation` first" in str(refused.value)


def test_max_children_below_one_is_refused(capsys) -> None:
    with pytest.raises(SystemExit):
        mutation.main(["run", "--max-children", "0"])
    assert "--max-children=0" in capsys.readouterr().err

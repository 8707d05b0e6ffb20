"""The coverage matrix: every clause of SPEC.md, its tests and their outcomes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import matrix

#: A small slice of the suite, fast to run: two clauses' worth of tests.
SELECTION = "test_only_a_strict_improvement_saves or test_every_epoch_end_saves_once"


def run_matrix(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.run(sys.executable, "-m", "conformance.matrix", "-q", *args)


def row(output: str, clause: str) -> dict[str, str]:
    """The cells of a clause's row, by column."""
    match = re.search(rf"^  {re.escape(clause)} +(.+)$", output, re.M)
    assert match, f"no row for {clause} in:\n{output}"
    return dict(zip(COLUMNS, match.group(1).split(), strict=True))


COLUMNS = ("level", "tests", *matrix.OUTCOMES)


@pytest.fixture(scope="module")
def spec_clauses() -> list[matrix.Clause]:
    return matrix.read_spec(matrix.SPEC.read_text(encoding="utf-8"))[1]


@pytest.fixture(scope="module")
def selected(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess:
    """The matrix of a small selection of the installed suite, on the reference."""
    hidden = {"PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST"}
    return subprocess.run(
        [sys.executable, "-m", "conformance.matrix", "-q", "-k", SELECTION],
        cwd=tmp_path_factory.mktemp("matrix"),
        capture_output=True,
        text=True,
        timeout=300,
        env={name: value for name, value in os.environ.items() if name not in hidden},
    )


def test_the_matrix_has_a_row_for_every_clause_with_its_level(
    selected, spec_clauses
) -> None:
    for clause in spec_clauses:
        assert row(selected.stdout, clause.id)["level"] == clause.level


def test_selected_tests_count_by_outcome_and_the_others_as_deselected(
    selected,
) -> None:
    best = row(selected.stdout, "BEST-1")
    assert int(best["passed"]) > 0
    assert int(best["tests"]) == int(best["passed"]) + int(best["deselected"])
    assert best["failed"] == best["xfailed"] == best["skipped"] == "."

    construction = row(selected.stdout, "CON-3")
    assert construction["deselected"] == construction["tests"] != "."


def test_the_variant_of_the_other_profile_counts_only_as_deselected(
    pytester: pytest.Pytester,
) -> None:
    # Under keras2, a test tagged with both variants checks only keras2's.
    result = run_matrix(pytester, "-k", "test_messages")
    output = result.stdout.str()
    ours, other = row(output, "MSG-3/keras2"), row(output, "MSG-3/keras3")

    assert ours["passed"] != "."
    assert other["deselected"] == other["tests"] != "."
    assert other["passed"] == other["failed"] == other["skipped"] == "."


def test_a_suite_testing_every_clause_exits_zero(selected) -> None:
    last = selected.stdout.splitlines()[-1]

    assert selected.returncode == 0, selected.stdout + selected.stderr
    assert re.fullmatch(
        r"total: \d+ clauses, \d+ tests \(\d+ passed, 0 failed, .*\); "
        r"clauses with no test: none",
        last,
    )


def test_clauses_without_a_test_are_listed_and_fail_the_run(pytester) -> None:
    pytester.makepyfile(
        test_few="""
        import pytest

        @pytest.mark.clause("BEST-1")
        def test_one(harness):
            pass

        @pytest.mark.clause("BEST-1", "NOPE-1")
        def test_two(harness):
            pass
        """
    )

    result = run_matrix(pytester, "test_few.py")

    assert result.ret == matrix.UNTESTED != 0
    assert row(result.stdout.str(), "BEST-1")["passed"] == "2"
    last = result.stdout.lines[-1]
    assert "clauses with no test: CON-1, CON-2" in last and "BEST-1," not in last
    result.stdout.fnmatch_lines(["tagged with clauses SPEC.md does not have: NOPE-1"])


def test_a_run_selecting_nothing_keeps_pytests_exit_status(pytester) -> None:
    result = run_matrix(pytester, "-k", "no_test_has_this_name")

    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_a_failing_run_keeps_pytests_exit_status(pytester) -> None:
    pytester.makepyfile(
        test_failing="""
        import pytest

        @pytest.mark.clause("BEST-1")
        def test_fails(harness):
            assert False
        """
    )

    result = run_matrix(pytester, "test_failing.py")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert row(result.stdout.str(), "BEST-1")["failed"] == "1"


def test_an_expectations_file_that_is_not_utf8_is_one_usage_error_line(
    pytester: pytest.Pytester,
) -> None:
    (pytester.path / "binary.toml").write_bytes(b"\xff\xfe\x00 not text")

    result = run_matrix(pytester, "--expectations=binary.toml")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = [line for line in result.outlines + result.errlines if line.strip()]
    assert len(lines) == 1
    assert "cannot read expectations binary.toml: not UTF-8 text" in lines[0]


def test_without_spec_md_the_matrix_says_so_and_runs_nothing(
    tmp_path: Path, capsys
) -> None:
    missing = tmp_path / "SPEC.md"

    code = matrix.main(["-k", SELECTION], spec=missing)

    assert code == pytest.ExitCode.USAGE_ERROR
    out, err = capsys.readouterr()
    assert f"SPEC.md not found at {missing}" in err
    assert out == ""


def test_the_spec_is_read_with_areas_levels_and_variants(spec_clauses) -> None:
    areas, _ = matrix.read_spec(matrix.SPEC.read_text(encoding="utf-8"))

    assert areas["BEST"] == "best-only mode"
    by_id = {clause.id: clause for clause in spec_clauses}
    clause = by_id["CON-5/keras2"]
    assert (clause.id, clause.level, clause.area) == ("CON-5/keras2", "should", "CON")
    assert clause.source == "API page, Keras 2 line"
    assert clause.text.startswith("Keyword arguments the constructor does not know")
    assert {clause.area for clause in spec_clauses} == set(areas)

"""Declared differences: matched tests become strict expected failures."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance import expectations, plugin

TESTS = """
import pytest


@pytest.mark.clause("SAVE-1")
def test_saves_once():
    pass


@pytest.mark.clause("PATH-1")
@pytest.mark.parametrize("epoch", [1, 2])
def test_formats_the_epoch(epoch):
    assert epoch == 1, "this implementation formats the epoch 0-based"
"""


@pytest.fixture
def declare(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str], None]:
    """Declare differences for the reference, as its built-in file would.

    Only built-in names have expectations files, and the reference ships none,
    so the plugin's lookup is replaced for the in-process run.
    """
    pytester.makepyfile(test_declared=TESTS)

    def declare(text: str) -> None:
        declared = expectations.parse(text, "expectations/reference.toml")
        monkeypatch.setattr(expectations, "builtin", lambda name: declared)

    return declare


def run(pytester: pytest.Pytester) -> pytest.RunResult:
    return pytester.runpytest_inprocess("--impl=reference", "-rxX", "test_declared.py")


def test_a_declared_difference_on_a_failing_test_is_an_expected_failure(
    pytester: pytest.Pytester, declare: Callable[[str], None]
) -> None:
    declare(
        "[[difference]]\n"
        "test = 'test_declared.py::test_formats_the_epoch[2]'\n"
        "reason = 'Formats the epoch 0-based.'\n"
    )

    result = run(pytester)

    result.assert_outcomes(passed=2, xfailed=1)
    result.stdout.fnmatch_lines(
        ["XFAIL *test_formats_the_epoch[[]2[]] - declared difference: Formats*"]
    )


def test_a_declared_difference_on_a_passing_test_fails_the_run(
    pytester: pytest.Pytester, declare: Callable[[str], None]
) -> None:
    declare("[[difference]]\nclause = 'SAVE-1'\nreason = 'Saves twice.'\n")

    result = run(pytester)

    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        ["*_ test_saves_once _*", "*XPASS(strict)* declared difference: Saves twice."]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_test_key_without_parameters_covers_every_parameter(
    pytester: pytest.Pytester, declare: Callable[[str], None]
) -> None:
    declare(
        "[[difference]]\n"
        "test = 'test_declared.py::test_formats_the_epoch'\n"
        "reason = 'Formats the epoch 0-based.'\n"
    )

    result = run(pytester)

    # epoch=1 passes, so its strict expected failure fails the run.
    result.assert_outcomes(passed=1, failed=1, xfailed=1)


def test_a_difference_that_matches_no_test_fails_a_whole_suite_run(
    pytester: pytest.Pytester,
) -> None:
    stale = pytester.makefile(
        ".toml",
        stale="[[difference]]\ntest = 'test_gone.py::test_it'\nreason = 'Gone.'\n",
    )

    result = pytester.runpytest_subprocess(
        "--impl=reference", f"--expectations={stale}", "-q"
    )

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*declared differences that matched no test*",
            f"*{stale} entry 1 (test_gone.py::test_it): Gone.",
            "*1 failed*",
        ]
    )


def test_an_entry_matching_a_test_an_earlier_entry_declared_is_in_use(
    pytester: pytest.Pytester,
    declare: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(plugin, "SUITE", pytester.path)  # test_declared.py: the suite
    declare(
        "[[difference]]\n"
        "clause = 'PATH-1'\n"
        "reason = 'Formats the epoch 0-based.'\n"
        "[[difference]]\n"
        "test = 'test_declared.py::test_formats_the_epoch[2]'\n"
        "reason = 'Formats the epoch 0-based, this one too.'\n"
    )

    result = run(pytester)

    # epoch=1 passes, so its strict expected failure fails the run.
    result.assert_outcomes(passed=1, failed=1, xfailed=1)
    assert "matched no test" not in result.stdout.str()


def test_a_narrowed_run_does_not_judge_unused_differences(
    pytester: pytest.Pytester,
) -> None:
    stale = pytester.makefile(
        ".toml",
        stale="[[difference]]\ntest = 'test_gone.py::test_it'\nreason = 'Gone.'\n",
    )

    result = pytester.runpytest_subprocess(
        "--impl=reference", f"--expectations={stale}", "-q", "-k", "PATH-1"
    )

    assert result.ret == pytest.ExitCode.OK

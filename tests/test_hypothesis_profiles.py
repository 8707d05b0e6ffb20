"""Hypothesis profiles: quick by default, thorough on request, named in the header."""

from __future__ import annotations

import pytest

#: A property test that reports how many examples it was given.
COUNTING_TEST = """
from hypothesis import given, settings, strategies as st

calls = []

@settings(deadline=None)
@given(st.integers())
def test_counts(value):
    calls.append(value)

def test_report():
    print(f"examples={len(calls)}")
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_counting=COUNTING_TEST)
    return pytester.runpytest_subprocess("--impl=reference", "-s", *args)


def test_the_quick_profile_is_the_default_and_named_in_the_header(pytester) -> None:
    result = run(pytester, "test_counting.py")

    result.stdout.fnmatch_lines(
        [
            "hypothesis profile: quick (max_examples=50, *derandomize=True)",
            "*examples=50*",
        ]
    )
    assert result.ret == pytest.ExitCode.OK


def test_hypothesis_own_option_chooses_the_thorough_profile(pytester) -> None:
    result = run(pytester, "test_counting.py", "--hypothesis-profile=thorough")

    result.stdout.fnmatch_lines(
        ["hypothesis profile: thorough (max_examples=500, *)", "*examples=500*"]
    )
    assert result.ret == pytest.ExitCode.OK


def test_an_unknown_profile_is_one_usage_error_line(pytester) -> None:
    result = run(pytester, "test_counting.py", "--hypothesis-profile=quik")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: --hypothesis-profile=quik is not a registered Hypothesis profile;*"]
    )
    assert "INTERNALERROR" not in result.stderr.str()

"""A run spread over pytest-xdist workers has the outcome of a serial run."""

from __future__ import annotations

OUTCOMES = ("passed", "failed", "xfailed", "xpassed", "skipped", "errors")


def test_the_serial_reference_run_runs_tests(reference_runs) -> None:
    # Without this the comparisons below could agree on two empty runs.
    serial = reference_runs["serial"]
    assert serial.results, serial.output


def test_xdist_gives_the_serial_counts(reference_runs) -> None:
    serial, xdist = reference_runs["serial"], reference_runs["xdist"]

    counts = {name: serial.outcomes.get(name, 0) for name in OUTCOMES}
    assert {name: xdist.outcomes.get(name, 0) for name in OUTCOMES} == counts
    assert xdist.returncode == serial.returncode


def test_xdist_runs_the_same_tests_with_the_same_outcomes(reference_runs) -> None:
    serial, xdist = reference_runs["serial"], reference_runs["xdist"]

    assert xdist.results.keys() == serial.results.keys()
    assert xdist.results == serial.results

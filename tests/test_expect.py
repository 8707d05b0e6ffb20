"""expect(): checking a trace, and the failure message when it does not conform."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from conformance.expect import ConformanceFailure, expect, raises
from conformance.harness import (
    MAX_DESCRIBED_LINES,
    Harness,
    Trace,
    saved_at_epoch_end,
)
from conformance.lifecycle import fit


def save_and_report(callback: Any, epoch: int, logs: Any) -> None:
    """Epoch end of a plain checkpoint: one save, one line, one warning."""
    print(f"Epoch {epoch + 1}: saving model to m.keras")
    callback.model.save("m.keras")
    warnings.warn("Can save best model only with val_loss available", stacklevel=2)


@pytest.fixture
def trace(scripted: Harness) -> Trace:
    """One epoch of :func:`save_and_report`, tagged with clause TEST-1."""
    return scripted.run(fit(1, 2), filepath="m.keras", on_epoch_end=save_and_report)


def fail_for_lack_of_val_loss(*_: Any) -> None:
    raise KeyError("no val_loss in logs")


@pytest.fixture
def failed(scripted: Harness) -> Trace:
    """A run whose first epoch end raises KeyError('no val_loss in logs')."""
    return scripted.run(fit(1), on_epoch_end=fail_for_lack_of_val_loss)


CONFORMING: dict[str, Any] = {
    "saves": [saved_at_epoch_end(0, "m.keras")],
    "lines": ["Epoch 1: saving model to m.keras"],
    "warnings": [["best model", "val_loss"]],
    "files": ["m.keras"],
    "error": None,
}

MISMATCHES: dict[str, Any] = {
    "saves": [saved_at_epoch_end(1, "m.keras")],
    "lines": [],
    "warnings": [],
    "files": ["other.keras"],
    "error": raises(KeyError, at="on_epoch_end"),
}


def test_a_conforming_trace_passes_every_check(trace: Trace) -> None:
    expect(trace, **CONFORMING)


@pytest.mark.parametrize(
    "part", MISMATCHES, ids=[f"{part} mismatch -> failure" for part in MISMATCHES]
)
def test_a_mismatch_names_the_clause_what_differs_and_the_lifecycle(
    trace: Trace, part: str
) -> None:
    with pytest.raises(ConformanceFailure) as raised:
        expect(trace, **{**CONFORMING, part: MISMATCHES[part]})

    message = str(raised.value)
    assert message.startswith("[TEST-1] the run does not conform")
    assert "expected" in message and "observed" in message
    assert "epoch_begin(0)  train_batch 0..1  epoch_end(0)" in message
    assert "Scripted(filepath='m.keras'" in message


@pytest.mark.parametrize(
    ("lines", "said"),
    [
        (
            ["Epoch 1: saving model to m.h5"],
            "line 1 is 'Epoch 1: saving model to m.keras', expected "
            "'Epoch 1: saving model to m.h5'",
        ),
        (["Epoch 1: saving model to m.keras", "done"], "line 2 is missing"),
        ([], "line 1 is one too many"),
    ],
    ids=["a changed line", "a missing line", "an extra line"],
)
def test_a_lines_mismatch_says_where_the_lines_part(
    trace: Trace, lines: list[str], said: str
) -> None:
    with pytest.raises(ConformanceFailure) as raised:
        expect(trace, **{**CONFORMING, "lines": lines})

    assert f"printed lines differ: {said}" in str(raised.value)


def test_an_unexpected_error_is_a_mismatch_showing_it(failed: Trace) -> None:
    with pytest.raises(ConformanceFailure) as raised:
        expect(failed, saves=[])

    message = str(raised.value)
    assert "expected: no error" in message
    assert "observed: KeyError: 'no val_loss in logs' (at epoch_end(0))" in message


def test_a_mismatch_after_an_expected_error_says_the_run_stopped(
    failed: Trace,
) -> None:
    with pytest.raises(ConformanceFailure, match="the run stopped early: KeyError"):
        expect(failed, error=raises(KeyError), saves=[saved_at_epoch_end(0, "m")])


MATCHING_ERRORS = [
    raises(KeyError),
    raises(KeyError, "val_loss"),
    raises(KeyError, at="on_epoch_end"),
    raises((ValueError, LookupError)),
]

OTHER_ERRORS = [
    raises(KeyError, "val_acc"),
    raises(KeyError, at="construction"),
    raises(ValueError),
]


@pytest.mark.parametrize(
    "expected", MATCHING_ERRORS, ids=[f"{e} -> conforms" for e in MATCHING_ERRORS]
)
def test_an_expected_error_matches_by_type_message_and_place(
    failed: Trace, expected: Any
) -> None:
    expect(failed, error=expected)


@pytest.mark.parametrize(
    "expected", OTHER_ERRORS, ids=[f"{e} -> wrong error" for e in OTHER_ERRORS]
)
def test_another_error_is_a_wrong_error(failed: Trace, expected: Any) -> None:
    with pytest.raises(ConformanceFailure, match="wrong error"):
        expect(failed, error=expected)


def test_parts_left_out_are_not_checked(trace: Trace) -> None:
    expect(trace)


def test_a_saves_mismatch_draws_the_timeline_with_both_paths(trace: Trace) -> None:
    with pytest.raises(ConformanceFailure) as raised:
        expect(trace, saves=[saved_at_epoch_end(0, "other.keras")])

    message = str(raised.value)
    assert "saves differ (1 expected, 1 observed):" in message
    assert "  epoch 0   . .  !" in message
    assert (
        "at epoch_end(0): expected save('other.keras'), observed save('m.keras')"
        in message
    )


def test_a_long_lifecycle_is_described_up_to_a_bound(scripted: Harness) -> None:
    trace = scripted.run(fit(500, 3))

    described = trace.describe().splitlines()

    assert len(described) == 1 + MAX_DESCRIBED_LINES + 1
    assert described[-1] == f"  ... and {500 + 2 - MAX_DESCRIBED_LINES} more lines"

"""The timeline of a failure about saves: which cell gets which mark."""

from __future__ import annotations

import pytest

from conformance.harness import Save, saved_at_batch_end, saved_at_epoch_end
from conformance.lifecycle import fit
from conformance.timeline import LEGEND, MAX_COLUMNS, MAX_ROWS, draw


def row(lines: list[str], label: str) -> list[str]:
    """The marks of the line labelled ``label``, one per cell."""
    (line,) = [text for text in lines if text.split("  ")[1].strip() == label]
    return line.removeprefix(f"  {label}").split()


def test_a_batch_save_at_the_wrong_batch_is_expected_only_then_observed_only() -> None:
    expected = [saved_at_batch_end(0, 2, "b1.h5"), saved_at_batch_end(1, 1, "b2.h5")]
    observed = [saved_at_batch_end(0, 2, "b1.h5"), saved_at_batch_end(1, 2, "b2.h5")]

    lines = draw(fit(2, 4), expected, observed)

    assert row(lines, "batch") == ["0", "1", "2", "3", "end"]
    assert row(lines, "epoch 0") == [".", ".", "=", ".", "."]
    assert row(lines, "epoch 1") == [".", "E", "O", ".", "."]


def test_a_save_at_the_right_moment_with_another_path_shows_both_paths() -> None:
    lines = draw(
        fit(2), [saved_at_epoch_end(0, "m-1.h5")], [saved_at_epoch_end(0, "m-0.h5")]
    )

    assert row(lines, "epoch 0") == ["!"]
    assert row(lines, "epoch 1") == ["."]
    assert (
        "  at epoch_end(0): expected save('m-1.h5'), observed save('m-0.h5')" in lines
    )


def test_another_method_at_the_right_moment_differs() -> None:
    expected = [saved_at_epoch_end(0, "w.h5", "save_weights")]

    lines = draw(fit(1), expected, [saved_at_epoch_end(0, "w.h5")])

    assert row(lines, "epoch 0") == ["!"]
    assert any(
        "save_weights('w.h5')" in line and "save('w.h5')" in line for line in lines
    )


def test_the_legend_names_every_mark() -> None:
    lines = draw(fit(1), [], [saved_at_epoch_end(0, "m.h5")])

    assert f"  ({LEGEND})" in lines
    assert row(lines, "epoch 0") == ["O"]


def test_a_save_outside_the_epochs_gets_a_line_of_its_own() -> None:
    observed = [Save("save", "late.h5", "on_train_end"), Save("save", "early.h5")]

    lines = draw(fit(1), [], observed)

    assert row(lines, "train_end") == ["O"]
    assert row(lines, "outside any hook") == ["O"]
    assert "  outside any hook: expected nothing, observed save('early.h5')" in lines


def test_a_save_in_an_epoch_begin_or_a_validation_pass_gets_a_column() -> None:
    expected = [Save("save", "v.h5", "on_test_end", 0)]
    observed = [Save("save", "b.h5", "on_epoch_begin", 0, None)]

    lines = draw(fit(1, 2, validation=True), expected, observed)

    assert row(lines, "batch") == ["begin", "0", "1", "val", "end"]
    assert row(lines, "epoch 0") == ["O", ".", ".", "E", "."]


def test_two_fits_put_each_save_in_its_own_run() -> None:
    lifecycle = fit(1) + fit(1)

    lines = draw(
        lifecycle, [saved_at_epoch_end(0, "a.h5")] * 2, [saved_at_epoch_end(0, "a.h5")]
    )

    assert [row_ for row_ in lines if row_.startswith("  epoch 0")] == [
        "  epoch 0   =",
        "  epoch 0   E",
    ]


def test_long_runs_of_quiet_batches_and_epochs_fold() -> None:
    expected = [saved_at_epoch_end(epoch, "m.h5") for epoch in range(100)]
    observed = [*expected[:50], *expected[51:], saved_at_batch_end(99, 150, "x.h5")]

    lines = draw(fit(100, 200), expected, observed)

    assert row(lines, "batch") == ["0..149", "150", "151..199", "end"]
    assert row(lines, "epochs 0..49") == ["~", "~", "~", "~"]
    assert row(lines, "epoch 50") == ["~", ".", "~", "E"]
    assert row(lines, "epoch 99") == ["~", "O", "~", "="]
    assert len(lines) < 12


@pytest.mark.parametrize("epochs,batches", [(3, 1000), (500, 3)], ids=["wide", "tall"])
def test_a_run_differing_everywhere_stays_bounded(epochs: int, batches: int) -> None:
    observed = [
        saved_at_batch_end(epoch, batch, "m.h5")
        for epoch in range(epochs)
        for batch in range(0, batches, 2)
    ]

    lines = draw(fit(epochs, batches), [], observed, max_details=10)

    assert len(lines) <= MAX_ROWS + 1 + 1 + 11
    assert max(len(line) for line in lines) < 20 + 3 * MAX_COLUMNS + 40


def test_jumping_batch_indices_are_the_columns() -> None:
    lifecycle = fit(2, [2, 5, 8])

    lines = draw(lifecycle, [saved_at_batch_end(1, 5, "m.h5")], [])

    assert row(lines, "batch") == ["2", "5", "8", "end"]
    assert row(lines, "epoch 1") == [".", "E", ".", "."]

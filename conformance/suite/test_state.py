"""STATE: what one instance carries across fit calls, and a new one does not."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from conformance.expect import expect
from conformance.harness import Save, saved_at_batch_end, saved_at_epoch_end
from conformance.lifecycle import fit


def best_only_saves(
    fits: Sequence[Sequence[float]], mode: str, *, template: str = "m{epoch}.h5"
) -> list[Save]:
    """The oracle: best-only saves over several fits, one value per epoch,
    with one best for the whole sequence."""
    best = math.inf if mode == "min" else -math.inf
    saves = []
    for values in fits:
        for epoch, value in enumerate(values):
            if value < best if mode == "min" else value > best:
                best = value
                saves.append(
                    saved_at_epoch_end(epoch, template.format(epoch=epoch + 1))
                )
    return saves


def counted_batch_saves(fits: Sequence[tuple[int, int]], save_freq: int) -> list[Save]:
    """The oracle: batch-level saves when every training batch counts one and
    the count goes on across epochs and fits; ``fits`` holds (epochs, batches
    per epoch) for each fit."""
    saves, count = [], 0
    for epochs, batches in fits:
        for epoch in range(epochs):
            for batch in range(batches):
                count += 1
                if count >= save_freq:
                    count = 0
                    saves.append(saved_at_batch_end(epoch, batch, f"m{epoch + 1}.h5"))
    return saves


# -- STATE-1: nothing resets between fits ----------------------------------------------

#: (mode, the values of each fit, one per epoch)
BEST_RUNS = [
    ("min", [(0.5, 0.3), (0.4, 0.2)]),
    ("min", [(0.5, 0.3), (0.31, 0.35)]),
    ("min", [(0.5,), (0.6,), (0.4,)]),
    ("max", [(0.5, 0.7), (0.6, 0.8)]),
    ("max", [(0.5, 0.7), (0.69, 0.1)]),
    ("max", [(0.1, 0.2, 0.3), (0.25,), (0.35, 0.3)]),
]


def _fits_id(fits: Sequence[Sequence[float]]) -> str:
    return " then ".join("fit" + str(list(values)) for values in fits)


@pytest.mark.clause("STATE-1")
@pytest.mark.parametrize(
    ("mode", "fits"),
    BEST_RUNS,
    ids=[f"mode={mode},{_fits_id(fits)} -> one best" for mode, fits in BEST_RUNS],
)
def test_the_best_value_carries_across_fits(harness, mode, fits):
    lifecycle = [
        event
        for values in fits
        for event in fit(len(values), epoch_logs=[{"loss": v} for v in values])
    ]

    trace = harness.run(
        lifecycle,
        filepath="m{epoch}.h5",
        monitor="loss",
        mode=mode,
        save_best_only=True,
    )

    expect(trace, saves=best_only_saves(fits, mode))


@pytest.mark.clause("STATE-1")
def test_the_best_value_carries_into_a_resumed_fit(harness):
    # The second fit resumes at epoch index 2, as fit(initial_epoch=2) does.
    lifecycle = [
        *fit(2, epoch_logs=[{"loss": 0.5}, {"loss": 0.3}]),
        *fit(2, epoch_logs=[{"loss": 0.4}, {"loss": 0.2}], initial_epoch=2),
    ]

    trace = harness.run(
        lifecycle,
        filepath="m{epoch}.h5",
        monitor="loss",
        mode="min",
        save_best_only=True,
    )

    expect(
        trace,
        saves=[
            saved_at_epoch_end(0, "m1.h5"),
            saved_at_epoch_end(1, "m2.h5"),
            saved_at_epoch_end(3, "m4.h5"),
        ],
    )


#: (save_freq, (epochs, batches per epoch) of each fit)
COUNT_RUNS = [
    (3, [(1, 4), (1, 4)]),
    (5, [(1, 3), (1, 3)]),
    (4, [(2, 3), (1, 3)]),
    (6, [(1, 2), (1, 2), (1, 2)]),
    (2, [(1, 3), (1, 1), (1, 3)]),
    (7, [(2, 4), (2, 4)]),
]


def _batches_id(fits: Sequence[tuple[int, int]]) -> str:
    return " then ".join(f"fit of {e}x{b} batches" for e, b in fits)


@pytest.mark.clause("STATE-1")
@pytest.mark.parametrize(
    ("save_freq", "fits"),
    COUNT_RUNS,
    ids=[f"save_freq={f},{_batches_id(fits)} -> one count" for f, fits in COUNT_RUNS],
)
def test_the_batch_count_carries_across_fits(harness, save_freq, fits):
    lifecycle = [
        event
        for epochs, batches in fits
        for event in fit(epochs, batches, epoch_logs={"loss": 0.5})
    ]

    trace = harness.run(lifecycle, filepath="m{epoch}.h5", save_freq=save_freq)

    expect(trace, saves=counted_batch_saves(fits, save_freq))


#: (period, the epochs of each fit)
PERIOD_RUNS = [(2, [3, 3]), (3, [2, 2, 2]), (2, [1, 1, 1, 1]), (4, [3, 3])]


# STATE-1 for the epoch count of `period`, which FREQ-7/keras2 words: only
# profile keras2 has `period` (CON-6/keras3).
@pytest.mark.clause("FREQ-7/keras2")
@pytest.mark.parametrize(
    ("period", "fits"),
    PERIOD_RUNS,
    ids=[
        f"period={p},fits of {fits} epochs -> one save per {p} epoch ends, across fits"
        for p, fits in PERIOD_RUNS
    ],
)
def test_the_period_count_carries_across_fits(harness, period, fits):
    lifecycle = [
        event for epochs in fits for event in fit(epochs, epoch_logs={"loss": 0.5})
    ]
    epoch_ends = [epoch for epochs in fits for epoch in range(epochs)]
    expected = [
        saved_at_epoch_end(epoch, f"m{epoch + 1}.h5")
        for n, epoch in enumerate(epoch_ends, 1)
        if n % period == 0
    ]

    trace = harness.run(lifecycle, filepath="m{epoch}.h5", period=period)

    # The deprecation warning is CON-6's business.
    expect(trace, saves=expected)


# -- STATE-2: a new instance starts afresh ---------------------------------------------

FRESH_BEST = [
    ("min", "m{epoch}.h5", (0.1, 0.2), (0.5, 0.4)),
    ("min", "m.h5", (0.1,), (0.5,)),
    ("max", "m{epoch}.h5", (0.9, 0.8), (0.5, 0.6)),
    ("max", "m.h5", (0.9,), (0.5,)),
]


@pytest.mark.clause("STATE-2")
@pytest.mark.parametrize(
    ("mode", "template", "first", "second"),
    FRESH_BEST,
    ids=[
        f"mode={mode},filepath={t!r},{list(a)} then a new instance {list(b)} -> saves"
        for mode, t, a, b in FRESH_BEST
    ],
)
def test_a_new_instance_starts_with_a_fresh_best(
    harness, mode, template, first, second
):
    kwargs = {
        "filepath": template,
        "monitor": "loss",
        "mode": mode,
        "save_best_only": True,
    }
    harness.run(fit(len(first), epoch_logs=[{"loss": v} for v in first]), **kwargs)

    trace = harness.run(
        fit(len(second), epoch_logs=[{"loss": v} for v in second]), **kwargs
    )

    expect(trace, saves=best_only_saves([second], mode, template=template))


OVERWRITES = [("m.h5", False), ("m{epoch}.h5", False), ("m.weights.h5", True)]
OVERWRITES += [("m{epoch}.weights.h5", True)]


@pytest.mark.clause("STATE-2")
@pytest.mark.parametrize(
    ("template", "weights_only"),
    OVERWRITES,
    ids=[
        f"filepath={t!r},save_weights_only={w},a new instance -> saves over them"
        for t, w in OVERWRITES
    ],
)
def test_a_new_instance_saves_over_existing_files(harness, template, weights_only):
    method = "save_weights" if weights_only else "save"
    kwargs = {"filepath": template, "save_weights_only": weights_only}
    harness.run(fit(2, epoch_logs={"loss": 0.5}), **kwargs)
    expected = [
        saved_at_epoch_end(e, template.format(epoch=e + 1), method) for e in (0, 1)
    ]

    trace = harness.run(fit(2, epoch_logs={"loss": 0.5}), **kwargs)

    expect(trace, saves=expected, files=sorted({save.path for save in expected}))


@pytest.mark.clause("STATE-2")
@pytest.mark.parametrize("save_freq", [2, 3, 5], ids=lambda f: f"save_freq={f}")
def test_a_new_instance_starts_with_a_fresh_batch_count(harness, save_freq):
    # Each instance sees one batch short of a save: together they would save.
    lifecycle = fit(1, save_freq - 1, epoch_logs={"loss": 0.5})
    harness.run(lifecycle, filepath="m{epoch}.h5", save_freq=save_freq)

    trace = harness.run(lifecycle, filepath="m{epoch}.h5", save_freq=save_freq)

    expect(trace, saves=[])


# STATE-2 for the epoch count of `period`; only profile keras2 has it.
@pytest.mark.clause("FREQ-7/keras2")
@pytest.mark.parametrize("period", [2, 3], ids=lambda p: f"period={p}")
def test_a_new_instance_starts_with_a_fresh_period_count(harness, period):
    lifecycle = fit(period - 1, epoch_logs={"loss": 0.5})
    harness.run(lifecycle, filepath="m{epoch}.h5", period=period)

    trace = harness.run(lifecycle, filepath="m{epoch}.h5", period=period)

    expect(trace, saves=[])

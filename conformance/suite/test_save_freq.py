"""FREQ: when saves happen, per epoch or every N training batches (SPEC.md FREQ)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib.resources import files

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.expect import expect
from conformance.harness import Save, saved_at_batch_end, saved_at_epoch_end
from conformance.lifecycle import Event, Lifecycle, fit

EPOCH_TEMPLATE = "m-e{epoch}.h5"
BATCH_TEMPLATE = "m-e{epoch}-b{batch}.h5"

SCHEDULES = json.loads(
    files("conformance.fixtures").joinpath("save_freq_schedules.json").read_text()
)

#: One fit call: how many epochs, and the batch indices each epoch reports.
FitShape = tuple[int, Sequence[int]]


# -- the oracle ----------------------------------------------------------------


def counted_saves(save_freq: int, fits: Sequence[FitShape]) -> list[tuple[int, ...]]:
    """(fit, epoch, batch) of every batch-level save attempt FREQ-3 calls for.

    The count is kept here from scratch, as the clause words it, so the suite
    does not borrow the arithmetic of the implementation it checks.
    """
    attempts = []
    count, previous = 0, None
    for number, (epochs, indices) in enumerate(fits):
        for epoch in range(epochs):
            for batch in indices:
                if previous is None or batch <= previous:
                    count += batch + 1
                else:
                    count += batch - previous
                previous = batch
                if count >= save_freq:
                    attempts.append((number, epoch, batch))
                    count = 0
    return attempts


def batch_path(epoch: int, batch: int) -> str:
    return BATCH_TEMPLATE.format(epoch=epoch + 1, batch=batch + 1)


def epoch_path(epoch: int) -> str:
    return EPOCH_TEMPLATE.format(epoch=epoch + 1)


def fits_lifecycle(fits: Sequence[FitShape]) -> Lifecycle:
    return tuple(
        event for epochs, indices in fits for event in fit(epochs, list(indices))
    )


def batch_saves(save_freq: int, fits: Sequence[FitShape]) -> list[Save]:
    return [
        saved_at_batch_end(epoch, batch, batch_path(epoch, batch))
        for _, epoch, batch in counted_saves(save_freq, fits)
    ]


def saves_text(attempts: Sequence[tuple[int, ...]], *, fits: int = 1) -> str:
    if not attempts:
        return "no save"
    prefix = (lambda n: f"fit{n + 1}:") if fits > 1 else (lambda n: "")
    return "saves at " + ",".join(f"{prefix(n)}e{e}b{b}" for n, e, b in attempts)


def indices_text(indices: Sequence[int]) -> str:
    """``4`` for batches 0..3, the list itself when indices jump."""
    if list(indices) == list(range(len(indices))):
        return str(len(indices))
    return "[" + ",".join(map(str, indices)) + "]"


def fits_text(fits: Sequence[FitShape]) -> str:
    return "+".join(f"{indices_text(ix)}x{epochs}" for epochs, ix in fits)


def freq_case(save_freq: int, fits: Sequence[FitShape]) -> pytest.param:
    fits = [(epochs, list(indices)) for epochs, indices in fits]
    label = "fits" if len(fits) > 1 else "batches"
    attempts = counted_saves(save_freq, fits)
    outcome = saves_text(attempts, fits=len(fits))
    return pytest.param(
        save_freq,
        fits,
        id=f"save_freq={save_freq},{label}={fits_text(fits)} -> {outcome}",
    )


# -- FREQ-1 and FREQ-2: save_freq='epoch' --------------------------------------


@pytest.mark.clause("FREQ-1")
@pytest.mark.parametrize(
    ("epochs", "weights_only"),
    [
        pytest.param(
            epochs,
            weights_only,
            id=f"save_weights_only={weights_only},epochs={epochs} -> {epochs} saves",
        )
        for weights_only in (False, True)
        for epochs in range(1, 7)
    ],
)
def test_every_epoch_end_saves_once(harness, epochs, weights_only):
    template = "w-e{epoch}.weights.h5" if weights_only else EPOCH_TEMPLATE
    method = "save_weights" if weights_only else "save"

    trace = harness.run(
        fit(epochs, epoch_logs={"loss": 0.5}),
        filepath=template,
        save_weights_only=weights_only,
    )

    paths = [template.format(epoch=epoch + 1) for epoch in range(epochs)]
    expect(
        trace,
        saves=[saved_at_epoch_end(e, path, method) for e, path in enumerate(paths)],
    )


@pytest.mark.clause("FREQ-1")
@pytest.mark.parametrize(
    ("epochs", "mode"),
    [
        pytest.param(
            epochs, mode, id=f"mode={mode},improving epochs={epochs} -> {epochs} saves"
        )
        for mode in ("min", "max")
        for epochs in range(1, 6)
    ],
)
def test_every_epoch_end_decides_once_in_best_only_mode(harness, epochs, mode):
    # Values that improve at every epoch turn each decision into a save, so
    # one decision per epoch end shows as one save per epoch end.
    step = -0.1 if mode == "min" else 0.1
    logs = [{"val_loss": 1.0 + step * epoch} for epoch in range(epochs)]

    trace = harness.run(
        fit(epochs, epoch_logs=logs),
        filepath=EPOCH_TEMPLATE,
        save_best_only=True,
        mode=mode,
    )

    expect(trace, saves=[saved_at_epoch_end(e, epoch_path(e)) for e in range(epochs)])


@pytest.mark.clause("FREQ-2")
@pytest.mark.parametrize(
    ("batches", "epochs"),
    [
        pytest.param(
            batches,
            epochs,
            id=f"batches={indices_text(batches)}x{epochs} -> saves at epoch ends only",
        )
        for batches in ([0], [0, 1], [0, 1, 2], [0, 1, 2, 3, 4], [1, 3, 5])
        for epochs in (1, 3)
    ],
)
def test_epoch_frequency_saves_only_at_epoch_ends(harness, batches, epochs):
    trace = harness.run(
        fit(
            epochs,
            batches,
            epoch_logs={"loss": 0.5},
            batch_logs={"loss": 0.5, "batch": 7},
        ),
        filepath=EPOCH_TEMPLATE,
    )

    expect(trace, saves=[saved_at_epoch_end(e, epoch_path(e)) for e in range(epochs)])


@pytest.mark.clause("FREQ-2")
@pytest.mark.parametrize(
    ("batches", "save_best_only"),
    [
        pytest.param(
            batches,
            save_best_only,
            id=f"save_best_only={save_best_only},batches={batches} -> no save",
        )
        for save_best_only in (False, True)
        for batches in (1, 4, 12)
    ],
)
def test_epoch_frequency_batch_hooks_never_save(harness, batches, save_best_only):
    # An epoch that has begun and run its batches but not yet ended: whatever
    # the batch logs hold, nothing may have been saved so far.
    events = [Event("on_train_begin", logs={}), Event("on_epoch_begin", 0, {}, 0)]
    for batch in range(batches):
        logs = {"val_loss": 1.0 / (batch + 1), "loss": 0.5}
        events.append(Event("on_train_batch_begin", batch, {}, 0))
        events.append(Event("on_train_batch_end", batch, logs, 0))

    trace = harness.run(
        events,
        filepath=EPOCH_TEMPLATE,
        save_best_only=save_best_only,
        mode="min",
    )

    expect(trace, saves=[])


# -- FREQ-3: counting batches --------------------------------------------------


@pytest.mark.clause("FREQ-3")
@pytest.mark.parametrize(
    ("save_freq", "fits"),
    [
        freq_case(save_freq, [(3, range(batches))])
        for save_freq in range(1, 10)
        for batches in range(1, 6)
    ],
)
def test_integer_save_freq_saves_every_n_batches_across_epochs(
    harness, save_freq, fits
):
    trace = harness.run(
        fits_lifecycle(fits), filepath=BATCH_TEMPLATE, save_freq=save_freq
    )

    expect(trace, saves=batch_saves(save_freq, fits))


@pytest.mark.clause("FREQ-3")
@pytest.mark.parametrize(
    ("save_freq", "fits"),
    [
        freq_case(case["save_freq"], [(case["epochs"], case["indices"])])
        for case in SCHEDULES["jumps"]
    ],
)
def test_jumping_batch_indices_count_every_batch_they_skip(harness, save_freq, fits):
    trace = harness.run(
        fits_lifecycle(fits), filepath=BATCH_TEMPLATE, save_freq=save_freq
    )

    expect(trace, saves=batch_saves(save_freq, fits))


@pytest.mark.clause("FREQ-3")
@pytest.mark.parametrize(
    ("save_freq", "fits"),
    [
        freq_case(
            case["save_freq"],
            [(epochs, range(batches)) for epochs, batches in case["fits"]],
        )
        for case in SCHEDULES["fits"]
    ],
)
def test_the_batch_count_carries_across_fit_calls(harness, save_freq, fits):
    trace = harness.run(
        fits_lifecycle(fits), filepath=BATCH_TEMPLATE, save_freq=save_freq
    )

    expect(trace, saves=batch_saves(save_freq, fits))


@st.composite
def training_runs(draw: st.DrawFn) -> list[FitShape]:
    """Fit calls as a training loop reports them, with steps_per_execution."""
    runs = []
    for _ in range(draw(st.integers(1, 3))):
        steps = draw(st.integers(1, 9))
        per_execution = draw(st.integers(1, 4))
        # Each execution reports its last batch: k-1, 2k-1, ..., steps-1.
        indices = sorted(
            {
                min(start + per_execution, steps) - 1
                for start in range(0, steps, per_execution)
            }
        )
        runs.append((draw(st.integers(1, 3)), indices))
    return runs


@pytest.mark.clause("FREQ-3")
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(save_freq=st.integers(1, 12), fits=training_runs())
def test_batch_counting_matches_the_rule_for_any_training_run(harness, save_freq, fits):
    # The harness runs in one folder for every example; each example saves to
    # its own files in it and checks only its own saves, so leftovers do not
    # matter.
    trace = harness.run(
        fits_lifecycle(fits), filepath=BATCH_TEMPLATE, save_freq=save_freq
    )

    expect(trace, saves=batch_saves(save_freq, fits))


# -- FREQ-4 and FREQ-5 ---------------------------------------------------------


@pytest.mark.clause("FREQ-4")
@pytest.mark.parametrize(
    ("save_freq", "save_best_only"),
    [
        pytest.param(
            save_freq,
            save_best_only,
            id=f"save_freq={save_freq!r},save_best_only={save_best_only},"
            "epochs=3 without batches -> no save",
        )
        for save_best_only in (False, True)
        for save_freq in (1, 2, 3, 100, 0, -1, True, False)
    ],
)
def test_integer_save_freq_never_saves_at_epoch_end(harness, save_freq, save_best_only):
    # No batch runs, so any save could only come from on_epoch_end; the epoch
    # logs improve every time, so best-only mode would save if it were asked.
    logs = [{"val_loss": 1.0 - 0.1 * epoch, "loss": 0.5} for epoch in range(3)]

    trace = harness.run(
        fit(3, 0, epoch_logs=logs),
        filepath=EPOCH_TEMPLATE,
        save_freq=save_freq,
        save_best_only=save_best_only,
        mode="min",
    )

    expect(trace, saves=[])


@pytest.mark.clause("FREQ-5")
@pytest.mark.parametrize(
    ("save_freq", "batches"),
    [
        pytest.param(
            save_freq,
            batches,
            id=f"save_freq={save_freq!r},batches={indices_text(batches)}x2"
            " -> saves at every batch",
        )
        for save_freq in (0, -1, -2, -100, False)
        for batches in ([0, 1, 2], [1, 3, 5], [0], [4])
    ],
)
def test_a_save_freq_of_zero_or_less_saves_at_every_batch(harness, save_freq, batches):
    trace = harness.run(fit(2, batches), filepath=BATCH_TEMPLATE, save_freq=save_freq)

    expect(
        trace,
        saves=[
            saved_at_batch_end(epoch, batch, batch_path(epoch, batch))
            for epoch in range(2)
            for batch in batches
        ],
    )


# -- FREQ-6: the epoch of a batch-level save -----------------------------------


def epoch_runs_case(save_freq: int, initial_epochs: Sequence[int]) -> pytest.param:
    starts = "+".join(map(str, initial_epochs))
    return pytest.param(
        save_freq,
        list(initial_epochs),
        id=f"save_freq={save_freq},initial_epoch={starts},batches=3x2",
    )


@pytest.mark.clause("FREQ-6")
@pytest.mark.parametrize(
    ("save_freq", "initial_epochs"),
    [
        epoch_runs_case(save_freq, starts)
        for save_freq in (1, 2)
        for starts in [(0,), (4,), (99,), (0, 0), (3, 1), (5, 12)]
    ],
)
def test_batch_level_saves_number_the_epoch_of_the_latest_epoch_begin(
    harness, save_freq, initial_epochs
):
    lifecycle = tuple(
        event for start in initial_epochs for event in fit(2, 3, initial_epoch=start)
    )

    trace = harness.run(lifecycle, filepath=BATCH_TEMPLATE, save_freq=save_freq)

    # The epochs the loop reports, in order; the count runs over all of them.
    attempts = counted_saves(save_freq, [(2 * len(initial_epochs), range(3))])
    epochs = [start + offset for start in initial_epochs for offset in range(2)]
    expect(
        trace,
        saves=[
            saved_at_batch_end(epochs[n], batch, batch_path(epochs[n], batch))
            for _, n, batch in attempts
        ],
    )


# -- FREQ-7: the deprecated period (keras2 only) -------------------------------


def period_case(period: int, fits: Sequence[int]) -> pytest.param:
    ends = [
        (number, epoch) for number, epochs in enumerate(fits) for epoch in range(epochs)
    ]
    chosen = ends[period - 1 :: period]
    prefix = (lambda n: f"fit{n + 1}:") if len(fits) > 1 else (lambda n: "")
    where = ",".join(f"{prefix(n)}e{e}" for n, e in chosen) or "none"
    shape = "+".join(map(str, fits))
    return pytest.param(
        period, list(fits), id=f"period={period},epochs={shape} -> saves at {where}"
    )


@pytest.mark.clause("FREQ-7/keras2")
@pytest.mark.parametrize(
    ("period", "fits"),
    [
        period_case(period, fits)
        for period in range(1, 5)
        for fits in [(5,), (3, 3), (2, 2, 2), (1, 1, 1, 1, 1)]
    ],
)
def test_period_saves_at_every_pth_epoch_end_across_fits(harness, period, fits):
    lifecycle = tuple(
        event for epochs in fits for event in fit(epochs, epoch_logs={"loss": 0.5})
    )

    trace = harness.run(lifecycle, filepath=EPOCH_TEMPLATE, period=period)

    ends = [epoch for epochs in fits for epoch in range(epochs)]
    expect(
        trace,
        saves=[
            saved_at_epoch_end(e, epoch_path(e)) for e in ends[period - 1 :: period]
        ],
    )


# -- FREQ-3: the logs the API page describes do not change the count ----------------


@pytest.mark.clause("FREQ-3")
@pytest.mark.parametrize(
    "save_freq",
    [2, 3, 5, 8],
    ids=lambda n: f"save_freq={n},batch logs size=32 -> a save every {n} batches",
)
def test_a_size_in_the_batch_logs_does_not_change_the_count(harness, save_freq):
    # The API page gives batch logs a ``size`` key, and the TF 2.1 callback
    # counted samples through it. Only batches count.
    trace = harness.run(
        fit(2, 4, batch_logs={"size": 32, "loss": 0.5}),
        filepath="g-e{epoch}-b{batch}.h5",
        save_freq=save_freq,
    )

    batches = [(epoch, batch) for epoch in range(2) for batch in range(4)]
    expect(
        trace,
        saves=[
            saved_at_batch_end(epoch, batch, f"g-e{epoch + 1}-b{batch + 1}.h5")
            for number, (epoch, batch) in enumerate(batches, start=1)
            if number % save_freq == 0
        ],
    )

"""BEST: which values save in best-only mode, and the best kept (SPEC.md BEST)."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from importlib.resources import files
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.expect import expect, raises
from conformance.harness import saved_at_batch_end, saved_at_epoch_end
from conformance.lifecycle import Event, Lifecycle, fit

MONITOR = "val_loss"
TEMPLATE = "m-{epoch}.h5"
BATCH_TEMPLATE = "m-{epoch}-{batch}.h5"

SEQUENCES = json.loads(
    files("conformance.fixtures").joinpath("best_only_sequences.json").read_text()
)

#: A value the monitor does not have: the key is absent from the logs.
MISSING = None


# -- the oracle ----------------------------------------------------------------


def best_saves(
    values: Sequence[float | None], mode: str, start: float | None = None
) -> list[int]:
    """Positions that save: a strict improvement on a running best (BEST-1..5).

    ``None`` is a missing monitor: no save, and the best stays (BEST-4).
    Python's comparisons are false for NaN, which is what BEST-3 asks.
    """
    best = start if start is not None else (math.inf if mode == "min" else -math.inf)
    saved = []
    for position, value in enumerate(values):
        if value is None:
            continue
        if (value < best) if mode == "min" else (value > best):
            saved.append(position)
            best = value
    return saved


def saves_without_a_start(values: Sequence[float], mode: str) -> list[int]:
    """Positions that save when no best comes before the first value.

    BEST-2/keras3: the first value that is not NaN saves, whatever it is, and
    strict improvements on it follow (BEST-1, BEST-3).
    """
    best, saved = None, []
    for position, value in enumerate(values):
        if math.isnan(value):
            continue
        if best is None or ((value < best) if mode == "min" else (value > best)):
            saved.append(position)
            best = value
    return saved


def text(value: Any) -> str:
    return "missing" if value is None else repr(value)


def values_text(values: Sequence[Any]) -> str:
    return ",".join(text(value) for value in values)


def saves_text(positions: Sequence[int], unit: str = "epochs") -> str:
    if not positions:
        return "no save"
    return f"saves at {unit} " + ",".join(map(str, positions))


def path(epoch: int) -> str:
    return TEMPLATE.format(epoch=epoch + 1)


def epoch_logs(values: Sequence[float | None], monitor: str = MONITOR) -> list[dict]:
    """One logs dict per value; other keys are there so logs are never empty."""
    return [
        {"loss": 0.25} if value is None else {"loss": 0.25, monitor: value}
        for value in values
    ]


def epoch_saves(positions: Sequence[int]) -> list:
    return [saved_at_epoch_end(epoch, path(epoch)) for epoch in positions]


def sequence_case(mode: str, values: Sequence[Any], **extra: Any) -> pytest.param:
    start = extra.get("start")
    prefix = f"mode={mode}" + ("" if start is None else f",threshold={start!r}")
    outcome = saves_text(best_saves(values, mode, start))
    return pytest.param(
        mode, list(values), id=f"{prefix},{MONITOR}={values_text(values)} -> {outcome}"
    )


def run_values(harness, values, mode, **kwargs):
    return harness.run(
        fit(len(values), epoch_logs=epoch_logs(values)),
        filepath=TEMPLATE,
        monitor=MONITOR,
        save_best_only=True,
        mode=mode,
        **kwargs,
    )


def with_value_at(values: Sequence[float], position: int, value: float) -> list:
    return [*values[:position], value, *values[position:]]


# -- BEST-1: strict improvement ------------------------------------------------


@pytest.mark.clause("BEST-1")
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        sequence_case(mode, values)
        for values in SEQUENCES["finite"]
        for mode in ("min", "max")
    ],
)
def test_only_a_strict_improvement_saves(harness, mode, values):
    trace = run_values(harness, values, mode)

    expect(trace, saves=epoch_saves(best_saves(values, mode)))


@pytest.mark.clause("BEST-1")
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        sequence_case(mode, with_value_at(base, position, infinity))
        for base in SEQUENCES["with_infinity"]
        for position in range(1, len(base) + 1)
        for infinity in (math.inf, -math.inf)
        for mode in ("min", "max")
    ],
)
def test_infinite_values_compare_strictly_like_any_other(harness, mode, values):
    # The first position is BEST-2's: there an implementation's starting best
    # decides, not the comparison.
    trace = run_values(harness, values, mode)

    expect(trace, saves=epoch_saves(best_saves(values, mode)))


FEW_VALUES = st.sampled_from([-1.0, 0, 0.5, 1, 1.0, 1.5, 2])
# Subnormal values have their own test below, so a failure there is not
# mistaken for a failure of the running best.
ANY_FINITE = st.floats(
    allow_nan=False, allow_infinity=False, allow_subnormal=False, width=32
)


@pytest.mark.clause("BEST-1")
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    mode=st.sampled_from(["min", "max"]),
    values=st.lists(st.one_of(FEW_VALUES, ANY_FINITE), min_size=1, max_size=8),
)
def test_saves_follow_the_running_strict_best_for_any_finite_values(
    harness, mode, values
):
    # Values drawn from a small set make ties frequent.
    trace = run_values(harness, values, mode)

    expect(trace, saves=epoch_saves(best_saves(values, mode)))


@pytest.mark.clause("BEST-1")
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        sequence_case(mode, values)
        for mode, values in [
            *[
                (mode, values)
                for values in ([1e300, -1e300, 0], [1e39, 1e38, 1e39], [-1e300, 1e300])
                for mode in ("min", "max")
            ],
            ("min", [1e-40, 0, -1e-42]),
            ("max", [-1.3470962397247331e-40, 0, 1e-45]),
        ]
    ],
)
def test_values_outside_the_normal_float32_range_compare_as_python_floats(
    harness, mode, values
):
    # Logs from a training loop hold float32 values, but the clause is about
    # the values given, and these are ordinary Python floats: too large for
    # float32, or too small to be a normal float32 (subnormal values).
    trace = run_values(harness, values, mode)

    expect(trace, saves=epoch_saves(best_saves(values, mode)))


# -- BEST-2: the infinite start (keras2) or none (keras3) ----------------------


@pytest.mark.clause("BEST-2/keras2", "BEST-2/keras3")
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        sequence_case(mode, [first])
        for first in (0.0, -0.0, 1.5, -3, 7, 1e300, -1e300, 5e-324)
        for mode in ("min", "max")
    ],
)
def test_any_finite_first_value_saves(harness, mode, values):
    trace = run_values(harness, values, mode)

    expect(trace, saves=epoch_saves([0]))


@pytest.mark.clause("BEST-2/keras2")
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        sequence_case(mode, [first, *rest])
        for mode, first in [
            ("min", math.inf),
            ("min", math.nan),
            ("max", -math.inf),
            ("max", math.nan),
        ]
        for rest in ([], [1.0], [1.0, 1.0])
    ],
)
def test_a_first_value_that_cannot_beat_the_infinite_start_is_not_saved(
    harness, mode, values
):
    trace = run_values(harness, values, mode)

    expect(trace, saves=epoch_saves(best_saves(values, mode)))


@pytest.mark.clause("BEST-2/keras3")
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        pytest.param(
            mode,
            values,
            id=f"mode={mode},{MONITOR}={values_text(values)} -> "
            + saves_text(saves_without_a_start(values, mode)),
        )
        for mode, values in [
            ("min", [math.inf]),
            ("min", [math.inf, 1.0]),
            ("min", [math.inf, math.inf, 1e30]),
            ("min", [1e30, 2e30, 5e29]),
            ("min", [5.0, 7.0, 5.0, 4.0]),
            ("max", [-math.inf]),
            ("max", [-math.inf, 1.0]),
            ("max", [-math.inf, -math.inf, -1e30]),
            ("max", [-1e30, -2e30, -5e29]),
            ("max", [5.0, 3.0, 5.0, 6.0]),
        ]
    ],
)
def test_the_first_value_saves_whatever_it_is(harness, mode, values):
    # Values stay within the float32 range, which BEST-1's own tests go beyond.
    trace = run_values(harness, values, mode)

    expect(trace, saves=epoch_saves(saves_without_a_start(values, mode)))


@pytest.mark.clause("BEST-2/keras2", "BEST-2/keras3")
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        sequence_case(mode, [first, *rest])
        for mode, first, rest in [
            ("min", -math.inf, [-1e30, -math.inf]),
            ("max", math.inf, [1e30, math.inf]),
        ]
    ],
)
def test_an_infinite_first_value_in_the_right_direction_saves_and_stays_best(
    harness, mode, values
):
    trace = run_values(harness, values, mode)

    expect(trace, saves=epoch_saves([0]))


# -- BEST-3: NaN ---------------------------------------------------------------


def nan_cases() -> list[pytest.param]:
    cases = []
    for base in SEQUENCES["with_nan"]:
        for position in range(1, len(base) + 1):
            cases.append(with_value_at(base, position, math.nan))
        cases.append([base[0], math.nan, math.nan, *base[1:]])
    return [sequence_case(mode, values) for values in cases for mode in ("min", "max")]


@pytest.mark.clause("BEST-3")
@pytest.mark.parametrize(("mode", "values"), nan_cases())
def test_nan_never_improves_nor_becomes_the_best(harness, mode, values):
    trace = run_values(harness, values, mode)

    expect(trace, saves=epoch_saves(best_saves(values, mode)))


@pytest.mark.clause("BEST-3")
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        sequence_case(mode, values)
        for values in ([math.nan, 0.5], [math.nan, math.nan, 2, 1], [math.nan, -1, 3])
        for mode in ("min", "max")
    ],
)
def test_a_leading_nan_does_not_block_later_saves(harness, mode, values):
    trace = run_values(harness, values, mode)

    expect(trace, saves=epoch_saves(best_saves(values, mode)))


# -- BEST-4: a missing monitor -------------------------------------------------

#: The ways logs can lack the monitor.
WITHOUT_MONITOR = ("absent", "None", "empty logs")


def missing_logs(how: str, monitor: str) -> dict[str, Any]:
    if how == "absent":
        return {"other": 0.25}
    if how == "None":
        return {"other": 0.25, monitor: None}
    return {}


@pytest.mark.clause("BEST-4/keras2")
@pytest.mark.parametrize(
    ("monitor", "mode", "how"),
    [
        pytest.param(
            monitor, mode, how, id=f"monitor={monitor},mode={mode},{how} x3 -> no save"
        )
        for monitor in ("val_loss", "loss", "my_score")
        for mode in ("min", "max")
        for how in WITHOUT_MONITOR
    ],
)
def test_a_missing_monitor_saves_nothing(harness, monitor, mode, how):
    trace = harness.run(
        fit(3, epoch_logs=[missing_logs(how, monitor)] * 3),
        filepath=TEMPLATE,
        monitor=monitor,
        save_best_only=True,
        mode=mode,
    )

    expect(trace, saves=[])


@pytest.mark.clause("BEST-4/keras3")
@pytest.mark.parametrize(
    ("monitor", "mode", "how"),
    [
        pytest.param(
            monitor,
            mode,
            how,
            id=f"monitor={monitor},mode={mode},{how} x3 -> 3 saves, 3 warnings",
        )
        for monitor in ("val_loss", "loss", "my_score")
        for mode in ("min", "max")
        for how in WITHOUT_MONITOR
    ],
)
def test_a_missing_monitor_saves_all_the_same(harness, monitor, mode, how):
    trace = harness.run(
        fit(3, epoch_logs=[missing_logs(how, monitor)] * 3),
        filepath=TEMPLATE,
        monitor=monitor,
        save_best_only=True,
        mode=mode,
    )

    expect(trace, saves=epoch_saves(range(3)), warnings=[[monitor]] * 3)


MIXED = [
    [MISSING],
    [0.5, MISSING, 0.4],
    [MISSING, MISSING, 0.5],
    [0.5, MISSING, MISSING, 0.5, MISSING],
]


@pytest.mark.clause("BEST-4/keras2", "BEST-4/keras3")
@pytest.mark.parametrize(
    ("monitor", "how", "values"),
    [
        pytest.param(
            monitor,
            how,
            values,
            id=f"monitor={monitor},{values_text(values).replace('missing', how)}"
            f" -> {values.count(MISSING)} warning(s) naming {monitor}",
        )
        for monitor in ("val_loss", "my_score")
        for how in ("absent", "None")
        for values in MIXED
    ],
)
def test_a_missing_monitor_warns_once_naming_it(harness, monitor, how, values):
    logs = [
        missing_logs(how, monitor) if value is MISSING else {monitor: value}
        for value in values
    ]

    trace = harness.run(
        fit(len(values), epoch_logs=logs),
        filepath=TEMPLATE,
        monitor=monitor,
        save_best_only=True,
        mode="min",
    )

    expect(trace, warnings=[[monitor]] * values.count(MISSING))


@pytest.mark.clause("BEST-4/keras2", "BEST-4/keras3")
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        sequence_case(mode, values)
        for values in (
            [0.5, MISSING, 0.5],
            [0.5, MISSING, 0.6],
            [0.5, MISSING, 0.4],
            [-0.5, MISSING, MISSING, -0.5, -0.6],
            [1, MISSING, 2, MISSING, 0],
        )
        for mode in ("min", "max")
    ],
)
def test_a_missing_monitor_leaves_the_best_unchanged(harness, mode, values):
    trace = run_values(harness, values, mode)

    # Only epochs with a value speak to the best; what happens at the others
    # is the business of the tests above, and differs between the profiles.
    valued = {epoch for epoch, value in enumerate(values) if value is not MISSING}
    trace = dataclasses.replace(
        trace, saves=[save for save in trace.saves if save.epoch in valued]
    )
    expect(trace, saves=epoch_saves(best_saves(values, mode)))


@pytest.mark.clause("BEST-4/keras2")
@pytest.mark.parametrize("save_freq", [1, 2], ids=lambda n: f"save_freq={n}")
def test_a_missing_monitor_in_batch_logs_saves_nothing(harness, save_freq):
    trace = harness.run(
        fit(2, 4, batch_logs={"loss": 0.25}, epoch_logs={MONITOR: 0.5}),
        filepath=BATCH_TEMPLATE,
        save_best_only=True,
        mode="min",
        save_freq=save_freq,
    )

    expect(trace, saves=[], warnings=[[MONITOR]] * (8 // save_freq))


@pytest.mark.clause("BEST-4/keras3")
@pytest.mark.parametrize(
    "save_freq",
    [1, 2],
    ids=lambda n: f"save_freq={n},batch logs without {MONITOR} x8 -> {8 // n} saves",
)
def test_a_missing_monitor_in_batch_logs_saves_all_the_same(harness, save_freq):
    trace = harness.run(
        fit(2, 4, batch_logs={"loss": 0.25}, epoch_logs={MONITOR: 0.5}),
        filepath=BATCH_TEMPLATE,
        save_best_only=True,
        mode="min",
        save_freq=save_freq,
    )

    decisions = [
        (epoch, batch)
        for epoch in range(2)
        for batch in range(4)
        if (4 * epoch + batch + 1) % save_freq == 0
    ]
    expect(
        trace,
        saves=[
            saved_at_batch_end(e, b, BATCH_TEMPLATE.format(epoch=e + 1, batch=b + 1))
            for e, b in decisions
        ],
        warnings=[[MONITOR]] * len(decisions),
    )


# -- BEST-5: initial_value_threshold -------------------------------------------


@pytest.mark.clause("BEST-5")
@pytest.mark.parametrize(
    ("mode", "values", "threshold"),
    [
        pytest.param(
            case["mode"],
            case["values"],
            case["threshold"],
            id=sequence_case(case["mode"], case["values"], start=case["threshold"]).id,
        )
        for case in SEQUENCES["thresholds"]
    ]
    + [
        pytest.param(
            mode,
            [0.5, -1e30, 1e30],
            threshold,
            id=sequence_case(mode, [0.5, -1e30, 1e30], start=threshold).id,
        )
        for mode, threshold in [("min", -math.inf), ("max", math.inf)]
    ],
)
def test_the_threshold_is_the_best_to_beat_first(harness, mode, values, threshold):
    trace = run_values(harness, values, mode, initial_value_threshold=threshold)

    expect(trace, saves=epoch_saves(best_saves(values, mode, start=threshold)))


# -- BEST-6: the best across fit calls -----------------------------------------


def fits_case(mode: str, fits: Sequence[Sequence[float]]) -> pytest.param:
    flat = [value for values in fits for value in values]
    positions = set(best_saves(flat, mode))
    where, offset = [], 0
    for number, values in enumerate(fits):
        where += [
            f"fit{number + 1}:e{epoch}"
            for epoch in range(len(values))
            if offset + epoch in positions
        ]
        offset += len(values)
    shape = " | ".join(values_text(values) for values in fits)
    return pytest.param(
        mode,
        fits,
        id=f"mode={mode},{MONITOR}={shape} -> saves at {','.join(where) or 'none'}",
    )


@pytest.mark.clause("BEST-6")
@pytest.mark.parametrize(
    ("mode", "fits"),
    [fits_case(mode, fits) for fits in SEQUENCES["fits"] for mode in ("min", "max")],
)
def test_the_best_carries_across_fit_calls(harness, mode, fits):
    lifecycle = tuple(
        event
        for values in fits
        for event in fit(len(values), epoch_logs=epoch_logs(values))
    )

    trace = harness.run(
        lifecycle, filepath=TEMPLATE, monitor=MONITOR, save_best_only=True, mode=mode
    )

    flat = [value for values in fits for value in values]
    epochs = [epoch for values in fits for epoch in range(len(values))]
    expect(trace, saves=epoch_saves([epochs[n] for n in best_saves(flat, mode)]))


# -- BEST-7: batch-level best-only ---------------------------------------------


def batch_value_fit(per_epoch: Sequence[Sequence[float]]) -> Lifecycle:
    """Batch ``i`` of epoch ``e`` reports ``per_epoch[e][i]``; epoch logs lie.

    The epoch logs carry the monitor too, always better than any batch value,
    so a callback reading them instead of the batch logs would be caught.
    """
    events = [Event("on_train_begin", logs={})]
    for epoch, values in enumerate(per_epoch):
        events.append(Event("on_epoch_begin", epoch, {}, epoch))
        for batch, value in enumerate(values):
            events.append(Event("on_train_batch_begin", batch, {}, epoch))
            events.append(
                Event("on_train_batch_end", batch, {MONITOR: value, "loss": 1}, epoch)
            )
        events.append(Event("on_epoch_end", epoch, {MONITOR: math.nan}, epoch))
    events.append(Event("on_train_end", logs={}))
    return tuple(events)


def batch_attempts(save_freq: int, per_epoch: Sequence[Sequence[float]]) -> list:
    """(epoch, batch, value) of each batch-level decision: every Nth batch."""
    attempts, count = [], 0
    for epoch, values in enumerate(per_epoch):
        for batch, value in enumerate(values):
            count += 1
            if count >= save_freq:
                attempts.append((epoch, batch, value))
                count = 0
    return attempts


#: Four batches per epoch, so even the first epoch makes several decisions.
#: The first decision that is not NaN is finite at every ``save_freq`` used,
#: so the starting best of either profile (BEST-2) lets it save.
BATCH_VALUES = [
    [[0.5, 0.4, 0.45, 0.3], [0.3, 0.2, 0.25, 0.1]],
    [[0.1, 0.2, 0.3, 0.4], [0.4, 0.5, 0.6, 0.7]],
    [[1, 1, 1, 1], [1, 0.5, 0.5, 0.4]],
    [[math.nan, 0.5, 0.4, math.inf], [math.inf, 0.3, -1, math.nan]],
]


def batch_case(mode: str, save_freq: int, per_epoch) -> pytest.param:
    attempts = batch_attempts(save_freq, per_epoch)
    chosen = best_saves([value for _, _, value in attempts], mode)
    where = ",".join(f"e{attempts[n][0]}b{attempts[n][1]}" for n in chosen)
    shape = " | ".join(values_text(values) for values in per_epoch)
    return pytest.param(
        mode,
        save_freq,
        per_epoch,
        id=f"mode={mode},save_freq={save_freq},batch {MONITOR}={shape}"
        f" -> {'saves at ' + where if where else 'no save'}",
    )


@pytest.mark.clause("BEST-7")
@pytest.mark.parametrize(
    ("mode", "save_freq", "per_epoch"),
    [
        batch_case(mode, save_freq, per_epoch)
        for per_epoch in BATCH_VALUES
        for save_freq in (1, 2)
        for mode in ("min", "max")
    ],
)
def test_batch_level_saves_follow_the_best_of_the_batch_logs(
    harness, mode, save_freq, per_epoch
):
    trace = harness.run(
        batch_value_fit(per_epoch),
        filepath=BATCH_TEMPLATE,
        monitor=MONITOR,
        save_best_only=True,
        mode=mode,
        save_freq=save_freq,
    )

    attempts = batch_attempts(save_freq, per_epoch)
    chosen = best_saves([value for _, _, value in attempts], mode)
    expect(
        trace,
        saves=[
            saved_at_batch_end(
                attempts[n][0],
                attempts[n][1],
                BATCH_TEMPLATE.format(
                    epoch=attempts[n][0] + 1, batch=attempts[n][1] + 1
                ),
            )
            for n in chosen
        ],
    )


# -- BEST-8: without best-only -------------------------------------------------

#: Epoch logs that best-only mode would refuse to save, for one reason or another.
INDIFFERENT_LOGS = {
    "worsening": [{MONITOR: 0.1}, {MONITOR: 0.5}, {MONITOR: 0.9}],
    "equal": [{MONITOR: 0.5}, {MONITOR: 0.5}],
    "nan": [{MONITOR: math.nan}, {MONITOR: math.nan}],
    "inf": [{MONITOR: math.inf}, {MONITOR: -math.inf}],
    "None": [{MONITOR: None}],
    "absent": [{"loss": 0.5}, {"acc": 0.5}],
    "empty": [{}, {}],
    "a string": [{MONITOR: "not a number"}],
}

MONITOR_SETUPS = [
    ("val_loss", "auto"),
    ("val_loss", "min"),
    ("val_loss", "max"),
    ("loss", "auto"),
    ("my_score", "max"),
]


def indifferent_case(monitor: str, mode: str, name: str) -> pytest.param:
    logs = [
        {monitor if key == MONITOR else key: value for key, value in entry.items()}
        for entry in INDIFFERENT_LOGS[name]
    ]
    return pytest.param(
        monitor,
        mode,
        logs,
        id=f"monitor={monitor},mode={mode},{name} logs x{len(logs)}"
        f" -> {len(logs)} saves",
    )


@pytest.mark.clause("BEST-8/keras2", "BEST-8/keras3")
@pytest.mark.parametrize(
    ("monitor", "mode", "logs"),
    [
        indifferent_case(monitor, mode, name)
        for monitor, mode in MONITOR_SETUPS
        for name in INDIFFERENT_LOGS
    ],
)
def test_without_best_only_every_epoch_end_saves_whatever_the_logs_hold(
    harness, monitor, mode, logs
):
    trace = harness.run(
        fit(len(logs), epoch_logs=logs), filepath=TEMPLATE, monitor=monitor, mode=mode
    )

    expect(trace, saves=epoch_saves(range(len(logs))))


@pytest.mark.clause("BEST-8/keras2", "BEST-8/keras3")
@pytest.mark.parametrize(
    ("monitor", "mode", "logs"),
    [
        indifferent_case(monitor, mode, name)
        for monitor, mode in MONITOR_SETUPS
        for name in ("None", "absent", "empty")
    ],
)
def test_without_best_only_a_missing_monitor_gives_no_warning(
    harness, monitor, mode, logs
):
    trace = harness.run(
        fit(len(logs), epoch_logs=logs), filepath=TEMPLATE, monitor=monitor, mode=mode
    )

    expect(trace, warnings=[])


@pytest.mark.clause("BEST-8/keras2", "BEST-8/keras3")
@pytest.mark.parametrize(
    "batch_logs",
    [{MONITOR: math.nan}, {"loss": 0.5}, {MONITOR: 1.0}],
    ids=lambda logs: f"batch logs {logs} -> saves at every batch",
)
def test_without_best_only_batch_level_saves_ignore_the_monitor(harness, batch_logs):
    trace = harness.run(
        fit(2, 2, batch_logs=batch_logs), filepath=BATCH_TEMPLATE, save_freq=1
    )

    expect(
        trace,
        saves=[
            saved_at_batch_end(e, b, BATCH_TEMPLATE.format(epoch=e + 1, batch=b + 1))
            for e in range(2)
            for b in range(2)
        ],
        warnings=[],
    )


@pytest.mark.clause("BEST-8/keras2", "BEST-8/keras3")
@pytest.mark.parametrize(
    ("mode", "threshold"),
    [
        pytest.param(
            mode,
            threshold,
            id=f"mode={mode},threshold={threshold!r} -> saves every epoch",
        )
        for mode, threshold in [("min", -1e9), ("max", 1e9), ("min", -math.inf)]
    ],
)
def test_without_best_only_the_threshold_changes_nothing(harness, mode, threshold):
    logs = [{MONITOR: 0.5}, {MONITOR: 0.4}]

    trace = harness.run(
        fit(2, epoch_logs=logs),
        filepath=TEMPLATE,
        mode=mode,
        initial_value_threshold=threshold,
    )

    expect(trace, saves=epoch_saves([0, 1]))


@pytest.mark.clause("BEST-8/keras2")
@pytest.mark.parametrize(
    "monitor",
    ["auc", "val_f1", "custom_metric"],
    ids=lambda m: f"mode=auto,monitor={m} -> saves every epoch",
)
def test_without_best_only_a_monitor_of_any_name_is_accepted(harness, monitor):
    trace = harness.run(
        fit(2, epoch_logs={monitor: 0.5}), filepath=TEMPLATE, monitor=monitor
    )

    expect(trace, saves=epoch_saves([0, 1]))


@pytest.mark.clause("BEST-8/keras3")
@pytest.mark.parametrize(
    "monitor",
    ["auc", "val_f1", "custom_metric"],
    ids=lambda m: f"mode=auto,monitor={m} -> ValueError at the first epoch end",
)
def test_without_best_only_an_auto_monitor_with_no_direction_raises(harness, monitor):
    # No test model is compiled with these metrics, so mode='auto' finds no
    # direction for them (MODE-2/keras3), needed or not.
    trace = harness.run(
        fit(2, epoch_logs={monitor: 0.5}), filepath=TEMPLATE, monitor=monitor
    )

    expect(
        trace,
        saves=[],
        error=raises(
            ValueError, monitor, "mode='max'", "mode='min'", at="on_epoch_end"
        ),
    )


# -- BEST-9: a monitored value that is not a scalar ---------------------------

NON_SCALARS = [
    pytest.param(lambda np: np.array([0.1, 0.2]), id="array([0.1, 0.2])"),
    pytest.param(lambda np: np.array([[0.5], [0.4]]), id="array([[0.5], [0.4]])"),
    pytest.param(lambda np: np.zeros(3), id="zeros(3)"),
]


@pytest.mark.clause("BEST-9/keras2")
@pytest.mark.parametrize("make_value", NON_SCALARS)
@pytest.mark.parametrize("mode", ["min", "max"])
def test_a_non_scalar_monitor_cannot_be_compared(harness, make_value, mode):
    import numpy as np

    trace = harness.run(
        fit(1, epoch_logs={"val_loss": make_value(np)}),
        filepath="m-{epoch}.h5",
        mode=mode,
        save_best_only=True,
    )

    expect(trace, saves=[], error=raises((ValueError, TypeError), at="on_epoch_end"))


@pytest.mark.clause("BEST-9/keras3")
@pytest.mark.parametrize("make_value", NON_SCALARS)
@pytest.mark.parametrize("mode", ["min", "max"])
def test_a_non_scalar_monitor_warns_and_saves(harness, make_value, mode):
    import numpy as np

    trace = harness.run(
        fit(2, epoch_logs={"val_loss": make_value(np)}),
        filepath="m-{epoch}.h5",
        mode=mode,
        save_best_only=True,
    )

    expect(
        trace,
        saves=[saved_at_epoch_end(0, "m-1.h5"), saved_at_epoch_end(1, "m-2.h5")],
        warnings=[(str(make_value(np)),)] * 2,
    )

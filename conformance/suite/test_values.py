"""Values: numbers of every type, infinities, NaN, tiny gaps and -0.0 in logs."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from conformance.expect import expect
from conformance.harness import Save, saved_at_batch_end, saved_at_epoch_end
from conformance.lifecycle import Event, Lifecycle, fit

MONITOR = "val_loss"
TEMPLATE = "m-{epoch}.h5"
BATCH_TEMPLATE = "m-{epoch}-{batch}.h5"

# -- value types ---------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A type a log value can have, and how to make one from a Python number."""

    name: str
    make: Callable[[Any], Any]
    integral: bool = False

    def __str__(self) -> str:
        return self.name


FLOAT_KINDS = [
    Kind("float", float),
    Kind("np.float32", np.float32),
    Kind("np.float64", np.float64),
    Kind("0-d float64 array", lambda v: np.array(v, dtype=np.float64)),
    Kind("0-d float32 array", lambda v: np.array(v, dtype=np.float32)),
]
INT_KINDS = [
    Kind("int", int, integral=True),
    Kind("np.int64", np.int64, integral=True),
    Kind("np.int32", np.int32, integral=True),
    Kind("0-d int64 array", lambda v: np.array(v, dtype=np.int64), integral=True),
]
BOOL_KINDS = [Kind("bool", bool), Kind("np.bool_", np.bool_)]
NUMERIC_KINDS = FLOAT_KINDS + INT_KINDS
NUMPY_FLOAT_KINDS = [kind for kind in FLOAT_KINDS if kind.name != "float"]


def python_number(value: Any) -> Any:
    """The Python number a NumPy scalar or 0-d array stands for."""
    if isinstance(value, np.generic | np.ndarray):
        return value.item()
    return value


def show(value: Any) -> str:
    """A short, unambiguous text of a value for parametrize ids."""
    if isinstance(value, np.ndarray):
        return f"array({value.item()!r},{value.dtype})"
    if isinstance(value, np.generic):
        return f"np.{type(value).__name__}({value.item()!r})"
    return repr(value)


def values_text(values: Sequence[Any]) -> str:
    return ",".join(show(value) for value in values)


# -- the oracle ----------------------------------------------------------------


def best_saves(values: Sequence[Any], mode: str, start: Any = None) -> list[int]:
    """Positions that save: each a strict improvement on the running best.

    Values are compared as the Python numbers they stand for (BEST-1); NaN
    compares false either way, so it neither saves nor becomes the best. The
    runs here start with a finite value or a threshold, so the starting best
    of either profile (BEST-2) gives the same saves.
    """
    if start is None:
        best = math.inf if mode == "min" else -math.inf
    else:
        best = python_number(start)
    saved = []
    for position, value in enumerate(map(python_number, values)):
        if value < best if mode == "min" else value > best:
            saved.append(position)
            best = value
    return saved


def decision_lines(
    values: Sequence[Any], mode: str, start: Any = None, profile: str = "keras2"
) -> list[str]:
    """The lines of one epoch-level best-only decision per value (MSG-3, MSG-4).

    ``profile`` picks the variants that differ: the best before any value
    (BEST-2: ``±inf``, or none under keras3) and the line after a save (MSG-8).
    """
    keras3 = profile == "keras3"
    if start is not None:
        best = python_number(start)
    else:
        best = None if keras3 else (math.inf if mode == "min" else -math.inf)
    lines = []
    for epoch, value in enumerate(map(python_number, values)):
        shown = "None" if best is None else f"{best:.5f}"
        if best is None:
            better = not math.isnan(value)
        else:
            better = value < best if mode == "min" else value > best
        if better:
            path = TEMPLATE.format(epoch=epoch + 1)
            lines.append(
                f"Epoch {epoch + 1}: {MONITOR} improved from {shown} to "
                f"{value:.5f}, saving model to {path}"
            )
            if keras3:
                lines.append(f"Epoch {epoch + 1}: finished saving model to {path}")
            best = value
        else:
            lines.append(f"Epoch {epoch + 1}: {MONITOR} did not improve from {shown}")
    return lines


#: The clauses of a run of best-only decisions, improving and not, printed.
DECISION_MESSAGES = (
    "MSG-3/keras2",
    "MSG-3/keras3",
    "MSG-4",
    "MSG-8/keras2",
    "MSG-8/keras3",
)


def verdicts(values: Sequence[Any], mode: str, start: Any = None) -> str:
    """``improved,did not improve,...``: the decisions, the same in both profiles
    for runs that do not start with NaN."""
    saved = set(best_saves(values, mode, start))
    return ",".join(
        "improved" if n in saved else "did not improve" for n in range(len(values))
    )


def epoch_saves(positions: Sequence[int]) -> list[Save]:
    return [saved_at_epoch_end(e, TEMPLATE.format(epoch=e + 1)) for e in positions]


def batch_saves(positions: Sequence[int]) -> list[Save]:
    """Saves at batches of epoch 1, as :func:`batch_run` lays them out."""
    return [
        saved_at_batch_end(1, b, BATCH_TEMPLATE.format(epoch=2, batch=b + 1))
        for b in positions
    ]


def saves_text(positions: Sequence[int], unit: str = "epochs") -> str:
    if not positions:
        return "no save"
    return f"saves at {unit} " + ",".join(map(str, positions))


# -- runs ----------------------------------------------------------------------


def epoch_run(harness, values: Sequence[Any], mode: str, **kwargs):
    """One epoch-level best-only decision per value."""
    return harness.run(
        fit(len(values), epoch_logs=[{MONITOR: value} for value in values]),
        filepath=TEMPLATE,
        monitor=MONITOR,
        save_best_only=True,
        mode=mode,
        **kwargs,
    )


def batch_lifecycle(values: Sequence[Any]) -> Lifecycle:
    """Epoch 0 runs no batch; batch ``i`` of epoch 1 reports ``values[i]``.

    The empty first epoch puts every batch-level decision after an epoch end;
    decisions before it are the business of the BEST-7 tests alone.
    """
    events = [
        Event("on_train_begin", logs={}),
        Event("on_epoch_begin", 0, {}, 0),
        Event("on_epoch_end", 0, {"loss": 1.0}, 0),
        Event("on_epoch_begin", 1, {}, 1),
    ]
    for batch, value in enumerate(values):
        events.append(Event("on_train_batch_begin", batch, {}, 1))
        events.append(Event("on_train_batch_end", batch, {MONITOR: value}, 1))
    events += [
        Event("on_epoch_end", 1, {"loss": 1.0}, 1),
        Event("on_train_end", logs={}),
    ]
    return tuple(events)


def batch_run(harness, values: Sequence[Any], mode: str, **kwargs):
    """One batch-level best-only decision per value (``save_freq=1``)."""
    return harness.run(
        batch_lifecycle(values),
        filepath=BATCH_TEMPLATE,
        monitor=MONITOR,
        save_best_only=True,
        mode=mode,
        save_freq=1,
        **kwargs,
    )


def negated(value: Any) -> Any:
    """``-value``, of the same type (a 0-d array stays one)."""
    if isinstance(value, np.ndarray):
        return np.array(-value.item(), dtype=value.dtype)
    return -value


def mirrored(values: Sequence[Any], mode: str) -> list[Any]:
    """Values written for min mode, negated for max mode (ties stay ties)."""
    return list(values) if mode == "min" else [negated(value) for value in values]


# -- monitored values of every numeric type ------------------------------------

#: Sequences in min mode, in eighths for float kinds (exact in float32) and as
#: they are for integer kinds.
NUMBER_RUNS = [(3, 1, 2, 1, 0, 4), (1, 1, 2, 0, 3, 3), (2, -1, 0, -3, -3, 5)]


def scaled(kind: Kind, numbers: Sequence[int]) -> list[Any]:
    return [kind.make(n if kind.integral else n / 8) for n in numbers]


def kind_case(
    kind: Kind, numbers: Sequence[int], mode: str, unit: str = "epochs"
) -> pytest.param:
    values = scaled(kind, mirrored(numbers, mode))
    return pytest.param(
        mode,
        values,
        id=f"{kind},mode={mode},{MONITOR}={values_text(values)}"
        f" -> {saves_text(best_saves(values, mode), unit)}",
    )


@pytest.mark.clause("BEST-1")
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        kind_case(kind, numbers, mode)
        for kind in NUMERIC_KINDS
        for numbers in NUMBER_RUNS
        for mode in ("min", "max")
    ],
)
def test_a_monitored_value_of_any_numeric_type_compares_by_its_value(
    harness, mode, values
):
    trace = epoch_run(harness, values, mode)

    expect(trace, saves=epoch_saves(best_saves(values, mode)))


@pytest.mark.clause("BEST-7")
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        kind_case(kind, NUMBER_RUNS[0], mode, "batches")
        for kind in NUMERIC_KINDS
        for mode in ("min", "max")
    ],
)
def test_a_batch_level_value_of_any_numeric_type_compares_by_its_value(
    harness, mode, values
):
    trace = batch_run(harness, values, mode)

    expect(trace, saves=batch_saves(best_saves(values, mode)))


#: The same numbers in different types tie; the type never makes a value better.
MIXED_RUNS = [
    [4, np.float32(3.5), np.float64(3.5), np.array(3.5), 3, np.int64(3), 3.0],
    [np.int32(2), 2.0, np.array(2, dtype=np.int64), np.float32(1.75), 1.75, 1],
    [np.array(0.5, dtype=np.float32), 0.25, np.int64(0), np.float32(0.0), -0.125],
]


@pytest.mark.clause("BEST-1")
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        pytest.param(
            mode,
            values,
            id=f"mode={mode},{MONITOR}={values_text(values)}"
            f" -> {saves_text(best_saves(values, mode))}",
        )
        for run in MIXED_RUNS
        for mode in ("min", "max")
        for values in [mirrored(run, mode)]
    ],
)
def test_values_of_mixed_types_compare_by_value_and_equal_values_tie(
    harness, mode, values
):
    trace = epoch_run(harness, values, mode)

    expect(trace, saves=epoch_saves(best_saves(values, mode)))


BOOL_RUNS = [
    [False, True, True, False],
    [True, False, False, True],
    [True, 1, 1.0, 0, False, 2],
]


@pytest.mark.clause("BEST-1")
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        pytest.param(
            mode,
            values,
            id=f"mode={mode},{MONITOR}={values_text(values)}"
            f" -> {saves_text(best_saves(values, mode))}",
        )
        for kind in BOOL_KINDS
        for run in BOOL_RUNS
        for values in [[kind.make(v) if isinstance(v, bool) else v for v in run]]
        for mode in ("min", "max")
    ],
)
def test_a_boolean_monitored_value_compares_as_zero_or_one(harness, mode, values):
    trace = epoch_run(harness, values, mode)

    expect(trace, saves=epoch_saves(best_saves(values, mode)))


def threshold_case(kind: Kind, mode: str) -> pytest.param:
    """Python values, and a threshold of ``kind`` among them (2 or 2/8)."""
    numbers = mirrored(NUMBER_RUNS[0], mode)
    values = [n if kind.integral else n / 8 for n in numbers]
    threshold = kind.make(mirrored([2], mode)[0] / (1 if kind.integral else 8))
    positions = best_saves(values, mode, threshold)
    return pytest.param(
        mode,
        values,
        threshold,
        id=f"mode={mode},threshold={show(threshold)},{MONITOR}="
        f"{values_text(values)} -> {saves_text(positions)}",
    )


@pytest.mark.clause("BEST-5")
@pytest.mark.parametrize(
    ("mode", "values", "threshold"),
    [threshold_case(kind, mode) for kind in NUMERIC_KINDS for mode in ("min", "max")],
)
def test_a_threshold_of_any_numeric_type_is_the_best_to_beat(
    harness, mode, values, threshold
):
    trace = epoch_run(harness, values, mode, initial_value_threshold=threshold)

    expect(trace, saves=epoch_saves(best_saves(values, mode, threshold)))


def message_values(kind: Kind, mode: str) -> list[Any]:
    """Better, worse, better again: lines of both kinds, for values of ``kind``."""
    if kind in BOOL_KINDS:
        run = (True, False, True) if mode == "min" else (False, True, False)
        return [kind.make(value) for value in run]
    return scaled(kind, mirrored((3, 1, 2), mode))


@pytest.mark.clause(*DECISION_MESSAGES)
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        pytest.param(
            mode,
            values,
            id=f"{kind},mode={mode},{MONITOR}={values_text(values)} -> "
            + verdicts(values, mode),
        )
        for kind in NUMERIC_KINDS + BOOL_KINDS
        for mode in ("min", "max")
        for values in [message_values(kind, mode)]
    ],
)
def test_messages_print_values_of_any_numeric_type_with_five_decimals(
    harness, profile, mode, values
):
    trace = epoch_run(harness, values, mode, verbose=1)

    expect(trace, lines=decision_lines(values, mode, profile=profile))


# -- values of every numeric type as formatted fields --------------------------

FIELD_CASES = (
    [
        (kind, value, spec)
        for kind in FLOAT_KINDS
        for value, specs in [
            (0.625, ("", ".2f", ".3e", "+.1f", ".0%")),
            (-2.5, ("", ".2f")),
        ]
        for spec in specs
    ]
    + [(kind, 42, spec) for kind in INT_KINDS for spec in ("", "03d", "x", ".2f")]
    + [
        (kind, value, spec)
        for kind in BOOL_KINDS
        for value in (True, False)
        for spec in ("", "d")
    ]
)


def field_template(spec: str) -> str:
    return "m-{score" + (":" + spec if spec else "") + "}-{epoch}.h5"


@pytest.mark.clause("PATH-2")
@pytest.mark.parametrize(
    ("template", "value"),
    [
        pytest.param(
            field_template(spec),
            kind.make(value),
            id=f"{field_template(spec)},score={show(kind.make(value))} -> "
            + field_template(spec).format(epoch=1, score=value),
        )
        for kind, value, spec in FIELD_CASES
    ],
)
def test_a_log_value_of_any_numeric_type_fills_its_field_as_its_number_would(
    harness, template, value
):
    trace = harness.run(fit(1, epoch_logs={"score": value}), filepath=template)

    path = template.format(epoch=1, score=python_number(value))
    expect(trace, saves=[saved_at_epoch_end(0, path)])


@pytest.mark.clause("PATH-2", "PATH-4")
@pytest.mark.parametrize(
    "value",
    [
        pytest.param(
            kind.make(number),
            id=f"batch logs score={show(kind.make(number))}"
            f" -> m-b1-{number:.3f}.h5,m-b2-{number:.3f}.h5",
        )
        for kind, number in [(kind, 0.375) for kind in FLOAT_KINDS]
        + [(kind, 3) for kind in INT_KINDS]
        + [(kind, True) for kind in BOOL_KINDS]
    ],
)
def test_a_batch_log_value_of_any_numeric_type_fills_its_field(harness, value):
    template = "m-b{batch}-{score:.3f}.h5"

    trace = harness.run(
        fit(1, 2, batch_logs={"score": value}), filepath=template, save_freq=1
    )

    number = python_number(value)
    expect(
        trace,
        saves=[
            saved_at_batch_end(0, b, template.format(batch=b + 1, score=number))
            for b in range(2)
        ],
    )


# -- infinities and NaN --------------------------------------------------------

SPECIALS = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}
SPECIAL_BASE = [0.5, 0.25, 0.375]


def special_clause(name: str) -> str:
    return "BEST-3" if name == "nan" else "BEST-1"


def with_special(special: float, position: int, mode: str) -> list[float]:
    """The base run of ``mode`` with ``special`` put in at ``position``."""
    base = mirrored(SPECIAL_BASE, mode)
    return [*base[:position], special, *base[position:]]


@pytest.mark.parametrize(
    ("mode", "values"),
    [
        pytest.param(
            mode,
            values,
            marks=pytest.mark.clause(special_clause(name)),
            id=f"{kind},mode={mode},{MONITOR}={values_text(values)}"
            f" -> {saves_text(best_saves(values, mode))}",
        )
        for kind in NUMPY_FLOAT_KINDS
        for name, special in SPECIALS.items()
        for position in range(1, len(SPECIAL_BASE) + 1)
        for mode in ("min", "max")
        for values in [[kind.make(v) for v in with_special(special, position, mode)]]
    ],
)
def test_numpy_infinities_and_nan_after_the_first_value_compare_like_floats(
    harness, mode, values
):
    # The first position is BEST-2's; these follow a finite first value.
    trace = epoch_run(harness, values, mode)

    expect(trace, saves=epoch_saves(best_saves(values, mode)))


@pytest.mark.parametrize(
    ("mode", "values"),
    [
        pytest.param(
            mode,
            values,
            marks=pytest.mark.clause("BEST-7", special_clause(name)),
            id=f"batch-level,mode={mode},{MONITOR}={values_text(values)}"
            f" -> {saves_text(best_saves(values, mode), 'batches')}",
        )
        for name, special in SPECIALS.items()
        for position in range(1, len(SPECIAL_BASE) + 1)
        for mode in ("min", "max")
        for values in [with_special(special, position, mode)]
    ],
)
def test_batch_level_infinities_and_nan_compare_like_epoch_level_ones(
    harness, mode, values
):
    trace = batch_run(harness, values, mode)

    expect(trace, saves=batch_saves(best_saves(values, mode)))


@pytest.mark.clause("PATH-2")
@pytest.mark.parametrize(
    ("template", "value"),
    [
        pytest.param(
            field_template(spec),
            kind.make(special),
            id=f"{field_template(spec)},score={show(kind.make(special))} -> "
            + field_template(spec).format(epoch=1, score=special),
        )
        for kind in (FLOAT_KINDS[0], FLOAT_KINDS[1])
        for special in SPECIALS.values()
        for spec in ("", ".2f", "+.1f", "e")
    ],
)
def test_infinities_and_nan_fill_fields_as_python_formats_them(
    harness, template, value
):
    trace = harness.run(fit(1, epoch_logs={"score": value}), filepath=template)

    path = template.format(epoch=1, score=python_number(value))
    expect(trace, saves=[saved_at_epoch_end(0, path)])


@pytest.mark.clause("BEST-5")
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        pytest.param(
            mode,
            values,
            id=f"mode={mode},threshold=nan,{MONITOR}={values_text(values)} -> no save",
        )
        for mode in ("min", "max")
        for values in ([0.5, 0.25], [-1e30, 1e30, 0], [math.inf, -math.inf])
    ],
)
def test_a_nan_threshold_is_never_beaten(harness, mode, values):
    trace = epoch_run(harness, values, mode, initial_value_threshold=math.nan)

    expect(trace, saves=[])


#: Runs whose lines mention an infinity or NaN: (mode, threshold, values).
SPECIAL_MESSAGES = [
    ("min", None, [0.5, -math.inf, 0.25, math.nan, -math.inf]),
    ("max", None, [0.5, math.inf, 0.75, math.nan, math.inf]),
    ("min", 0.5, [math.nan, math.inf, 0.25]),
    ("max", 0.5, [math.nan, -math.inf, 0.75]),
]


@pytest.mark.parametrize(
    ("mode", "threshold", "values"),
    [
        pytest.param(
            mode,
            threshold,
            values,
            marks=pytest.mark.clause(
                *(
                    DECISION_MESSAGES
                    if best_saves(values, mode, threshold)
                    else ("MSG-4",)
                )
            ),
            id=f"{kind},mode={mode},threshold={threshold!r},"
            f"{MONITOR}={values_text(values)} -> " + verdicts(values, mode, threshold),
        )
        for kind in (FLOAT_KINDS[0], FLOAT_KINDS[1])
        for mode, threshold, run in SPECIAL_MESSAGES
        for values in [[kind.make(v) for v in run]]
    ],
)
def test_messages_print_infinities_and_nan_as_python_does(
    harness, profile, mode, threshold, values
):
    trace = epoch_run(
        harness, values, mode, verbose=1, initial_value_threshold=threshold
    )

    expect(trace, lines=decision_lines(values, mode, threshold, profile))


# -- values 1e-12 apart --------------------------------------------------------

TINY = 1e-12

#: (base, steps): the values are base + step * 1e-12 in min mode, base - step *
#: 1e-12 in max mode, so each step down is an improvement.
TINY_RUNS = [
    (1.0, (0, -1, -1, -2, -1, -3)),
    (0.0, (1, 0, -1, -1, 0, -2)),
    (0.1, (0, -1, 1, -2)),
]
TINY_KINDS = [FLOAT_KINDS[0], FLOAT_KINDS[2], FLOAT_KINDS[3]]


def tiny_values(base: float, steps: Sequence[int], mode: str) -> list[float]:
    sign = 1 if mode == "min" else -1
    return [base + sign * step * TINY for step in steps]


@pytest.mark.clause("BEST-1")
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        pytest.param(
            mode,
            values,
            id=f"{kind},mode={mode},{MONITOR}={values_text(values)}"
            f" -> {saves_text(best_saves(values, mode))}",
        )
        for kind in TINY_KINDS
        for base, steps in TINY_RUNS
        for mode in ("min", "max")
        for values in [[kind.make(v) for v in tiny_values(base, steps, mode)]]
    ],
)
def test_values_1e_12_apart_are_told_apart(harness, mode, values):
    trace = epoch_run(harness, values, mode)

    expect(trace, saves=epoch_saves(best_saves(values, mode)))


# Also BEST-1: "strictly better" is a comparison of Python numbers.
@pytest.mark.clause("BEST-5", "BEST-1")
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        pytest.param(
            mode,
            values,
            id=f"{kind},mode={mode},threshold=0.5,{MONITOR}={values_text(values)}"
            f" -> {saves_text(best_saves(values, mode, 0.5))}",
        )
        for kind in TINY_KINDS
        for mode in ("min", "max")
        for values in [[kind.make(v) for v in tiny_values(0.5, (1, 0, -1), mode)]]
    ],
)
def test_a_value_1e_12_better_than_the_threshold_beats_it(harness, mode, values):
    trace = epoch_run(harness, values, mode, initial_value_threshold=0.5)

    expect(trace, saves=epoch_saves(best_saves(values, mode, 0.5)))


@pytest.mark.clause("BEST-7", "BEST-1")
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        pytest.param(
            mode,
            values,
            id=f"batch-level,mode={mode},{MONITOR}={values_text(values)}"
            f" -> {saves_text(best_saves(values, mode), 'batches')}",
        )
        for mode in ("min", "max")
        for values in [tiny_values(1.0, (0, -1, -1, -2), mode)]
    ],
)
def test_batch_level_values_1e_12_apart_are_told_apart(harness, mode, values):
    trace = batch_run(harness, values, mode)

    expect(trace, saves=batch_saves(best_saves(values, mode)))


@pytest.mark.clause("PATH-2")
@pytest.mark.parametrize(
    "value",
    [1.0 - TINY, 1.0 + TINY, TINY, np.float64(0.1 + TINY)],
    ids=lambda v: (
        f"m-{{score:.13f}}-{{epoch}}.h5,score={show(v)} -> "
        f"m-{python_number(v):.13f}-1.h5"
    ),
)
def test_a_field_shows_a_1e_12_difference_when_its_spec_asks(harness, value):
    template = "m-{score:.13f}-{epoch}.h5"

    trace = harness.run(fit(1, epoch_logs={"score": value}), filepath=template)

    path = template.format(epoch=1, score=python_number(value))
    expect(trace, saves=[saved_at_epoch_end(0, path)])


@pytest.mark.clause(*DECISION_MESSAGES)
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        pytest.param(
            mode,
            values,
            id=f"mode={mode},{MONITOR}={values_text(values)} -> "
            + verdicts(values, mode),
        )
        for mode in ("min", "max")
        for values in [[np.float64(v) for v in tiny_values(1.0, (0, -1, -1), mode)]]
    ],
)
def test_an_improvement_of_1e_12_is_reported_although_five_decimals_hide_it(
    harness, profile, mode, values
):
    # NumPy float64 values, so that only the printing is at stake here; how
    # Python floats this close compare is BEST-1's test above.
    trace = epoch_run(harness, values, mode, verbose=1)

    expect(trace, lines=decision_lines(values, mode, profile=profile))


# -- negative zero -------------------------------------------------------------

#: In min mode; max mode negates them. -0.0 == 0.0, so neither beats the other.
ZERO_RUNS = [[1.0, 0.0, -0.0, 0.0], [1.0, -0.0, 0.0, -0.0]]
ZERO_KINDS = [FLOAT_KINDS[0], FLOAT_KINDS[1], FLOAT_KINDS[2], FLOAT_KINDS[3]]


@pytest.mark.clause("BEST-1")
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        pytest.param(
            mode,
            values,
            id=f"{kind},mode={mode},{MONITOR}={values_text(values)}"
            f" -> {saves_text(best_saves(values, mode))}",
        )
        for kind in ZERO_KINDS
        for run in ZERO_RUNS
        for mode in ("min", "max")
        for values in [[kind.make(v) for v in mirrored(run, mode)]]
    ],
)
def test_negative_zero_ties_with_zero(harness, mode, values):
    trace = epoch_run(harness, values, mode)

    expect(trace, saves=epoch_saves(best_saves(values, mode)))


@pytest.mark.clause("BEST-5")
@pytest.mark.parametrize(
    ("mode", "threshold", "value"),
    [
        pytest.param(
            mode,
            threshold,
            kind.make(value),
            id=f"mode={mode},threshold={threshold!r},{MONITOR}="
            f"{show(kind.make(value))} -> no save",
        )
        for kind in (FLOAT_KINDS[0], FLOAT_KINDS[1])
        for mode in ("min", "max")
        for threshold, value in [(0.0, -0.0), (-0.0, 0.0)]
    ],
)
def test_a_zero_threshold_is_not_beaten_by_the_other_zero(
    harness, mode, threshold, value
):
    trace = epoch_run(harness, [value], mode, initial_value_threshold=threshold)

    expect(trace, saves=[])


@pytest.mark.clause("PATH-2")
@pytest.mark.parametrize(
    ("template", "value"),
    [
        pytest.param(
            field_template(spec),
            kind.make(-0.0),
            id=f"{field_template(spec)},score={show(kind.make(-0.0))} -> "
            + field_template(spec).format(epoch=1, score=-0.0),
        )
        for kind in (FLOAT_KINDS[0], FLOAT_KINDS[1], FLOAT_KINDS[3])
        for spec in ("", ".2f", "+.1f", "z.2f", ".0e")
    ],
)
def test_negative_zero_fills_a_field_as_python_formats_it(harness, template, value):
    trace = harness.run(fit(1, epoch_logs={"score": value}), filepath=template)

    path = template.format(epoch=1, score=python_number(value))
    expect(trace, saves=[saved_at_epoch_end(0, path)])


@pytest.mark.clause(*DECISION_MESSAGES)
@pytest.mark.parametrize(
    ("mode", "values"),
    [
        pytest.param(
            mode,
            values,
            id=f"mode={mode},{MONITOR}={values_text(values)} -> "
            + verdicts(values, mode),
        )
        for mode, values in [("min", [1.0, -0.0, 0.0]), ("max", [-1.0, 0.0, -0.0])]
    ],
)
def test_messages_print_the_sign_of_zero(harness, profile, mode, values):
    trace = epoch_run(harness, values, mode, verbose=1)

    expect(trace, lines=decision_lines(values, mode, profile=profile))

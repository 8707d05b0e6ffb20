"""MSG: the messages printed at each save decision (SPEC.md MSG)."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from conformance.expect import ConformanceFailure, expect
from conformance.harness import Trace
from conformance.lifecycle import Event, Lifecycle, fit

TEMPLATE = "m-{epoch}.h5"


# -- the oracle ----------------------------------------------------------------


def saving(epoch: int, path: str) -> str:
    """MSG-2, for the 0-based ``epoch`` the save belongs to."""
    return f"Epoch {epoch + 1}: saving model to {path}"


def shown(best: float | None) -> str:
    """A best as MSG-3 and MSG-4 print it: five decimals, or ``None`` (keras3)."""
    return "None" if best is None else f"{best:.5f}"


def improved(
    epoch: int, monitor: str, best: float | None, value: float, path: str
) -> str:
    """MSG-3: five decimals, and Python's own ``inf`` and ``nan``."""
    return (
        f"Epoch {epoch + 1}: {monitor} improved from {shown(best)} to {value:.5f}, "
        f"saving model to {path}"
    )


def not_improved(epoch: int, monitor: str, best: float | None) -> str:
    """MSG-4."""
    return f"Epoch {epoch + 1}: {monitor} did not improve from {shown(best)}"


def finished(epoch: int, path: str) -> str:
    """MSG-8/keras3: the line that follows every save."""
    return f"Epoch {epoch + 1}: finished saving model to {path}"


#: The lines MSG-8 governs; the tests of the other clauses leave them out.
FINISHED = re.compile(r"Epoch \d+: finished saving model to .*")


def start_of(mode: str) -> float:
    """The starting best of BEST-2/keras2; in profile keras3 there is none."""
    return math.inf if mode == "min" else -math.inf


def decision_lines(
    values: Sequence[float],
    mode: str,
    *,
    start: float | None,
    monitor: str = "val_loss",
    epochs: Sequence[int] | None = None,
    template: str = TEMPLATE,
) -> list[str]:
    """The lines of best-only decisions, one per value, by a running best.

    ``start`` is the best before the first value: a threshold, the infinite
    start of BEST-2/keras2, or ``None`` for none at all (BEST-2/keras3).
    """
    best = start
    epochs = range(len(values)) if epochs is None else epochs
    lines = []
    for epoch, value in zip(epochs, values, strict=True):
        if math.isnan(value):
            better = False
        elif best is None:
            better = True
        else:
            better = (value < best) if mode == "min" else (value > best)
        if better:
            path = template.format(epoch=epoch + 1, **{monitor: value})
            lines.append(improved(epoch, monitor, best, value, path))
            best = value
        else:
            lines.append(not_improved(epoch, monitor, best))
    return lines


def values_text(values: Sequence[float]) -> str:
    return ",".join(repr(value) for value in values)


def without_finished_lines(trace: Trace) -> Trace:
    """The trace without the lines MSG-8 governs, for the other clauses' tests."""
    lines = [line for line in trace.lines if not FINISHED.fullmatch(line)]
    return dataclasses.replace(trace, lines=lines)


def assert_printed_in_order(trace: Trace, lines: Sequence[str]) -> None:
    """Each line is printed, in this order; other lines may come between."""
    __tracebackhide__ = True
    remaining = iter(trace.lines)
    missing = [line for line in lines if not any(line == seen for seen in remaining)]
    if missing:
        raise ConformanceFailure(
            "\n".join(
                [
                    f"[{', '.join(trace.clauses)}] the run does not conform",
                    "lines not printed (in this order):",
                    *(f"    {line!r}" for line in missing),
                    "  observed:",
                    *(f"    {line!r}" for line in trace.lines),
                    "callback and lifecycle:",
                    trace.describe(),
                ]
            )
        )


def batch_value_fit(
    per_epoch: Sequence[Sequence[Mapping[str, Any]]], *, epoch_logs=None
) -> Lifecycle:
    """Batch ``i`` of epoch ``e`` reports ``per_epoch[e][i]`` as its logs."""
    events = [Event("on_train_begin", logs={})]
    for epoch, batches in enumerate(per_epoch):
        events.append(Event("on_epoch_begin", epoch, {}, epoch))
        for batch, logs in enumerate(batches):
            events.append(Event("on_train_batch_begin", batch, {}, epoch))
            events.append(Event("on_train_batch_end", batch, logs, epoch))
        events.append(Event("on_epoch_end", epoch, epoch_logs or {"loss": 1}, epoch))
    events.append(Event("on_train_end", logs={}))
    return tuple(events)


# -- MSG-1: verbose ------------------------------------------------------------

#: Each way a decision can go, as constructor arguments and a lifecycle.
BRANCHES: dict[str, tuple[dict[str, Any], Lifecycle]] = {
    "plain saves": ({}, fit(2, epoch_logs={"loss": 0.5})),
    "improved, min": (
        {"save_best_only": True, "mode": "min"},
        fit(2, epoch_logs=[{"val_loss": 0.5}, {"val_loss": 0.4}]),
    ),
    "improved, max": (
        {"save_best_only": True, "mode": "max"},
        fit(2, epoch_logs=[{"val_loss": 0.4}, {"val_loss": 0.5}]),
    ),
    "did not improve, min": (
        {"save_best_only": True, "mode": "min", "initial_value_threshold": 0.1},
        fit(2, epoch_logs={"val_loss": 0.5}),
    ),
    "did not improve, max": (
        {"save_best_only": True, "mode": "max", "initial_value_threshold": 0.9},
        fit(2, epoch_logs={"val_loss": 0.5}),
    ),
    "batch-level saves": (
        {"save_freq": 1, "filepath": "m-{epoch}-{batch}.h5"},
        fit(1, 3, batch_logs={"loss": 0.5}),
    ),
    "batch-level improvement": (
        {"save_freq": 2, "save_best_only": True, "mode": "min"},
        fit(1, 2, batch_logs={"val_loss": 0.5}),
    ),
}


@pytest.mark.clause("MSG-1")
@pytest.mark.parametrize(
    ("verbose", "branch"),
    [
        pytest.param(verbose, branch, id=f"verbose={verbose!r},{branch} -> silent")
        for verbose in (0, -1, -3, False)
        for branch in BRANCHES
    ],
)
def test_a_verbose_of_zero_or_less_prints_nothing(harness, verbose, branch):
    kwargs, lifecycle = BRANCHES[branch]

    trace = harness.run(lifecycle, **{"filepath": TEMPLATE, **kwargs}, verbose=verbose)

    expect(trace, lines=[])


@pytest.mark.clause("MSG-1")
@pytest.mark.parametrize(
    ("verbose", "mode"),
    [
        pytest.param(verbose, mode, id=f"verbose={verbose},did not improve, {mode}")
        for verbose in (1, 2, 5)
        for mode in ("min", "max")
    ],
)
def test_a_positive_verbose_prints_the_decision(harness, verbose, mode):
    kwargs, lifecycle = BRANCHES[f"did not improve, {mode}"]

    trace = harness.run(lifecycle, filepath=TEMPLATE, verbose=verbose, **kwargs)

    best = kwargs["initial_value_threshold"]
    expect(trace, lines=[not_improved(e, "val_loss", best) for e in range(2)])


@pytest.mark.clause("MSG-1")
@pytest.mark.parametrize(
    "verbose", [1, 2, 5], ids=lambda verbose: f"verbose={verbose},plain saves"
)
def test_a_positive_verbose_prints_the_saving_message(harness, verbose):
    # Only the presence of the lines is MSG-1's; their exact set is MSG-2's.
    trace = harness.run(
        fit(2, epoch_logs={"loss": 0.5}), filepath=TEMPLATE, verbose=verbose
    )

    assert_printed_in_order(trace, [saving(0, "m-1.h5"), saving(1, "m-2.h5")])


# -- MSG-2: saving outside best-only mode --------------------------------------

PLAIN_CASES = [
    # (template, epoch logs, extra constructor arguments, initial epoch)
    ("m-{epoch}.h5", [{"loss": 0.5}] * 3, {}, 0),
    ("out/m-{epoch:02d}-{loss:.2f}.h5", [{"loss": 0.5}, {"loss": 0.25}], {}, 0),
    ("w.weights.h5", [{"loss": 0.5}] * 2, {"save_weights_only": True}, 0),
    ("m.h5", [{"loss": 0.5}], {}, 0),
    ("m-{epoch}.h5", [{"val_loss": 0.1}, {"val_loss": 0.9}], {"mode": "min"}, 0),
    ("m-{epoch}.h5", [{}, {"val_loss": math.nan}], {}, 0),
    ("m-{epoch:03d}.h5", [{"loss": 0.5}] * 2, {}, 4),
    ("m-{tag}.h5", [{"tag": "a b"}], {}, 0),
]


def plain_case(template, logs, kwargs, initial_epoch, verbose) -> pytest.param:
    lines = [
        saving(initial_epoch + n, template.format(epoch=initial_epoch + n + 1, **entry))
        for n, entry in enumerate(logs)
    ]
    extra = "".join(f",{key}={value!r}" for key, value in kwargs.items())
    return pytest.param(
        template,
        logs,
        kwargs,
        initial_epoch,
        verbose,
        id=f"verbose={verbose},{template}{extra},initial_epoch={initial_epoch}"
        f" -> {' | '.join(lines)}",
    )


@pytest.mark.clause("MSG-2")
@pytest.mark.parametrize(
    ("template", "logs", "kwargs", "initial_epoch", "verbose"),
    [plain_case(*case, verbose) for case in PLAIN_CASES for verbose in (1, 2)],
)
def test_a_plain_save_prints_saving_model_to_the_path(
    harness, template, logs, kwargs, initial_epoch, verbose
):
    # Folders in the path are PATH-8's business; here they already exist.
    (harness.folder / template).parent.mkdir(parents=True, exist_ok=True)

    trace = harness.run(
        fit(len(logs), epoch_logs=logs, initial_epoch=initial_epoch),
        filepath=template,
        verbose=verbose,
        **kwargs,
    )

    expect(
        without_finished_lines(trace),
        lines=[
            saving(
                initial_epoch + n,
                template.format(epoch=initial_epoch + n + 1, **entry),
            )
            for n, entry in enumerate(logs)
        ],
    )


@pytest.mark.clause("MSG-7")
@pytest.mark.parametrize(
    ("best_only", "values"),
    [
        (False, [0.5, 0.4, 0.6]),
        (True, [0.5, 0.4, 0.6]),
        (True, [0.5, 0.3, 0.2]),
    ],
    ids=lambda v: f"save_best_only={v}" if isinstance(v, bool) else f"values={v}",
)
def test_the_message_announcing_a_save_comes_before_it(harness, best_only, values):
    # A message printed after the save would report a save that may have failed.
    trace = harness.run(
        fit(len(values), epoch_logs=[{"val_loss": value} for value in values]),
        filepath=TEMPLATE,
        mode="min",
        save_best_only=best_only,
        verbose=1,
    )

    expect(trace, error=None)
    for save in trace.saves:
        announced = [
            number
            for number, line in enumerate(trace.lines)
            if line.endswith(f"saving model to {save.path}")
            and not line.split(": ", 1)[1].startswith("finished")
        ]
        if not announced or announced[0] >= save.printed_before:
            raise ConformanceFailure(
                f"[{', '.join(trace.clauses)}] {save} was not announced before it "
                f"was made; lines printed before it: "
                f"{trace.lines[: save.printed_before]}\n{trace.describe()}"
            )


# -- MSG-3: improvements -------------------------------------------------------

IMPROVING = [
    ("min", [0.5, 0.4, 0.3]),
    ("min", [3, 2, 1]),
    ("min", [1e-06, 0, -1e-06]),
    ("min", [123456.789123, -0.123456789]),
    ("min", [0.123455, 0.123454]),
    ("max", [0.3, 0.4, 0.5]),
    ("max", [1, 2, 3]),
    ("max", [-1e-06, 0, 1e-06]),
    ("max", [-0.123456789, 123456.789123]),
]


def first_best(mode: str, threshold: float | None, profile: str) -> float | None:
    """The best before any value: the threshold (BEST-5), else the profile's."""
    if threshold is not None:
        return threshold
    return start_of(mode) if profile == "keras2" else None


def decisions_case(
    mode, values, *, monitor="val_loss", start=None, profile="keras2"
) -> pytest.param:
    """A case of decisions; ``start`` is a threshold, if any."""
    best = first_best(mode, start, profile)
    lines = decision_lines(values, mode, monitor=monitor, start=best)
    prefix = f"mode={mode},monitor={monitor}"
    if start is not None:
        prefix += f",threshold={start!r}"
    return pytest.param(
        mode,
        values,
        monitor,
        start,
        id=f"{prefix},values={values_text(values)} -> {' | '.join(lines)}",
    )


def _improvement_cases(profile: str) -> list[pytest.param]:
    return [
        decisions_case(mode, values, monitor=monitor, profile=profile)
        for mode, values in IMPROVING
        for monitor in ("val_loss", "my_score")
    ]


def run_improvements(harness, mode, values, monitor):
    return harness.run(
        fit(len(values), epoch_logs=[{monitor: value} for value in values]),
        filepath=TEMPLATE,
        monitor=monitor,
        mode=mode,
        save_best_only=True,
        verbose=1,
    )


@pytest.mark.clause("MSG-3/keras2")
@pytest.mark.parametrize(
    ("mode", "values", "monitor", "start"), _improvement_cases("keras2")
)
def test_an_improvement_prints_the_previous_best_and_the_new_value(
    harness, mode, values, monitor, start
):
    trace = run_improvements(harness, mode, values, monitor)

    lines = decision_lines(values, mode, monitor=monitor, start=start_of(mode))
    expect(without_finished_lines(trace), lines=lines)


@pytest.mark.clause("MSG-3/keras3")
@pytest.mark.parametrize(
    ("mode", "values", "monitor", "start"), _improvement_cases("keras3")
)
def test_an_improvement_prints_the_previous_best_or_none_and_the_new_value(
    harness, mode, values, monitor, start
):
    trace = run_improvements(harness, mode, values, monitor)

    lines = decision_lines(values, mode, monitor=monitor, start=None)
    expect(without_finished_lines(trace), lines=lines)


@pytest.mark.clause("MSG-3/keras2", "MSG-3/keras3")
@pytest.mark.parametrize(
    ("mode", "values", "monitor", "start"),
    [
        decisions_case(mode, values, start=start)
        for mode, start, values in [
            ("min", 0.5, [0.4]),
            ("min", 0.123456789, [0.1, 0.05]),
            ("min", 2, [1.5]),
            ("max", 0.5, [0.6]),
            ("max", -3, [-2.5, 7]),
        ]
    ],
)
def test_the_first_improvement_on_a_threshold_reports_the_threshold(
    harness, mode, values, monitor, start
):
    trace = harness.run(
        fit(len(values), epoch_logs=[{monitor: value} for value in values]),
        filepath="m-{epoch}-{val_loss:.2f}.h5",
        monitor=monitor,
        mode=mode,
        save_best_only=True,
        initial_value_threshold=start,
        verbose=1,
    )

    expect(
        without_finished_lines(trace),
        lines=decision_lines(
            values, mode, start=start, template="m-{epoch}-{val_loss:.2f}.h5"
        ),
    )


#: Runs mixing improvements and not (MSG-4), NaN and infinities after the first.
MIXED_DECISIONS = [
    ("min", [0.5, 0.6, 0.4, 0.4]),
    ("min", [1, math.nan, 0.5, math.inf]),
    ("max", [0.5, 0.4, 0.6, 0.6]),
    ("max", [1, math.nan, 2, -math.inf]),
]


def run_decisions(harness, mode, values):
    return harness.run(
        fit(len(values), epoch_logs=[{"val_loss": value} for value in values]),
        filepath=TEMPLATE,
        mode=mode,
        save_best_only=True,
        verbose=1,
    )


# Also MSG-4's, whose lines print the best as the variants of MSG-3 say.
@pytest.mark.clause("MSG-3/keras2")
@pytest.mark.parametrize(
    ("mode", "values", "monitor", "start"),
    [decisions_case(mode, values) for mode, values in MIXED_DECISIONS],
)
def test_each_decision_prints_one_message_against_the_best_so_far(
    harness, mode, values, monitor, start
):
    trace = run_decisions(harness, mode, values)

    lines = decision_lines(values, mode, start=start_of(mode))
    expect(without_finished_lines(trace), lines=lines)


@pytest.mark.clause("MSG-3/keras3")
@pytest.mark.parametrize(
    ("mode", "values", "monitor", "start"),
    [
        decisions_case(mode, values, profile="keras3")
        for mode, values in MIXED_DECISIONS
    ],
)
def test_each_decision_prints_one_message_against_the_best_so_far_or_none(
    harness, mode, values, monitor, start
):
    trace = run_decisions(harness, mode, values)

    expect(
        without_finished_lines(trace), lines=decision_lines(values, mode, start=None)
    )


# -- MSG-4: no improvement -----------------------------------------------------

NOT_IMPROVING = [
    ("min", 0.5, [0.7, 0.5, math.nan, math.inf]),
    ("min", 0.123456789, [0.2]),
    ("min", 2, [2, 3]),
    ("min", -1e-07, [0]),
    ("max", 0.5, [0.3, 0.5, math.nan, -math.inf]),
    ("max", 0.987654321, [0.5]),
    ("max", -2, [-2, -3]),
]


@pytest.mark.clause("MSG-4")
@pytest.mark.parametrize(
    ("mode", "values", "monitor", "start", "verbose"),
    [
        pytest.param(
            *decisions_case(mode, values, start=start).values,
            verbose,
            id=f"verbose={verbose}," + decisions_case(mode, values, start=start).id,
        )
        for mode, start, values in NOT_IMPROVING
        for verbose in (1, 2)
    ],
)
def test_no_improvement_prints_did_not_improve_from_the_best(
    harness, mode, values, monitor, start, verbose
):
    trace = harness.run(
        fit(len(values), epoch_logs=[{monitor: value} for value in values]),
        filepath=TEMPLATE,
        mode=mode,
        save_best_only=True,
        initial_value_threshold=start,
        verbose=verbose,
    )

    expect(trace, lines=[not_improved(e, monitor, start) for e in range(len(values))])


#: First values of a run with no threshold, which the profiles' starting bests
#: (BEST-2) treat differently.
FIRST_VALUES = [
    ("min", math.inf),
    ("min", math.nan),
    ("max", -math.inf),
    ("max", math.nan),
]


# How the infinite start prints is MSG-3/keras2's (MSG-4 prints it the same way).
@pytest.mark.clause("MSG-3/keras2")
@pytest.mark.parametrize(
    ("mode", "value"),
    [
        pytest.param(
            mode,
            value,
            id=f"mode={mode},first value {value!r} -> "
            + decision_lines([value], mode, start=start_of(mode))[0],
        )
        for mode, value in FIRST_VALUES
    ],
)
def test_no_improvement_before_any_best_reports_the_infinite_start(
    harness, mode, value
):
    trace = harness.run(
        fit(1, epoch_logs={"val_loss": value}),
        filepath=TEMPLATE,
        mode=mode,
        save_best_only=True,
        verbose=1,
    )

    expect(trace, lines=[not_improved(0, "val_loss", start_of(mode))])


@pytest.mark.clause("MSG-3/keras3")
@pytest.mark.parametrize(
    ("mode", "value"),
    [
        pytest.param(
            mode,
            value,
            id=f"mode={mode},first value {value!r} -> "
            + decision_lines([value], mode, start=None)[0],
        )
        for mode, value in [*FIRST_VALUES, ("min", 0.5), ("max", 0.5)]
    ],
)
def test_the_first_value_is_reported_against_none(harness, mode, value):
    trace = harness.run(
        fit(1, epoch_logs={"val_loss": value}),
        filepath=TEMPLATE,
        mode=mode,
        save_best_only=True,
        verbose=1,
    )

    expect(
        without_finished_lines(trace),
        lines=decision_lines([value], mode, start=None),
    )


# -- MSG-5: a missing monitor --------------------------------------------------


@pytest.mark.clause("MSG-5")
@pytest.mark.parametrize(
    ("verbose", "mode", "logs"),
    [
        pytest.param(
            verbose,
            mode,
            logs,
            id=f"verbose={verbose},mode={mode},logs={logs} -> no decision printed",
        )
        for verbose in (1, 2)
        for mode in ("min", "max")
        for logs in ({"loss": 0.5}, {"val_loss": None}, {})
    ],
)
def test_a_missing_monitor_prints_no_decision(harness, verbose, mode, logs):
    trace = harness.run(
        fit(2, epoch_logs=logs),
        filepath=TEMPLATE,
        mode=mode,
        save_best_only=True,
        verbose=verbose,
    )

    # What follows a save, if the profile makes one, is MSG-8's business.
    expect(without_finished_lines(trace), lines=[])


@pytest.mark.clause("MSG-5")
@pytest.mark.parametrize(
    "save_freq", [1, 2], ids=lambda n: f"save_freq={n},batch logs without val_loss"
)
def test_a_missing_monitor_in_batch_logs_prints_no_decision(harness, save_freq):
    trace = harness.run(
        fit(1, 4, batch_logs={"loss": 0.5}),
        filepath=TEMPLATE,
        mode="min",
        save_best_only=True,
        save_freq=save_freq,
        verbose=1,
    )

    expect(without_finished_lines(trace), lines=[])


# -- MSG-6: batch-level saves --------------------------------------------------


def batch_plain_case(save_freq: int, template: str) -> pytest.param:
    return pytest.param(
        save_freq, template, id=f"save_freq={save_freq},{template},batches=3x2"
    )


@pytest.mark.clause("MSG-6")
@pytest.mark.parametrize(
    ("save_freq", "template"),
    [
        batch_plain_case(save_freq, template)
        for save_freq in (1, 2, 3)
        for template in ("m-{epoch}-{batch}.h5", "m.h5", "m-{batch:02d}.h5")
    ],
)
def test_a_batch_level_save_prints_the_epoch_number_only(harness, save_freq, template):
    trace = harness.run(
        fit(2, 3, batch_logs={"loss": 0.5}),
        filepath=template,
        save_freq=save_freq,
        verbose=1,
    )

    # Every save_freq-th batch over 2 epochs of 3 batches.
    batches = [(n // 3, n % 3) for n in range(6) if (n + 1) % save_freq == 0]
    expect(
        without_finished_lines(trace),
        lines=[
            saving(epoch, template.format(epoch=epoch + 1, batch=batch + 1))
            for epoch, batch in batches
        ],
    )


# One batch per epoch and save_freq=2: every decision comes in an odd epoch,
# after an epoch has ended, as decisions do in most real runs. A threshold
# gives every run a best to print: before any value, the profiles print it
# differently (MSG-3).
BATCH_DECISIONS = [
    ("min", 1.0, [0.5, 0.4, 0.45]),
    ("max", 0.0, [0.5, 0.6, 0.55]),
    ("min", 0.1, [0.5, math.nan]),
    ("max", 0.9, [0.5, 0.9]),
]


@pytest.mark.clause("MSG-6")
@pytest.mark.parametrize(
    ("mode", "start", "values"),
    [
        pytest.param(
            mode,
            start,
            values,
            id=f"save_freq=2,mode={mode},threshold={start!r},val_loss at epochs "
            + ",".join(str(2 * n + 1) for n in range(len(values)))
            + f"={values_text(values)}",
        )
        for mode, start, values in BATCH_DECISIONS
    ],
)
def test_a_batch_level_decision_prints_the_epoch_number_only(
    harness, mode, start, values
):
    per_epoch = []
    for value in values:
        per_epoch += [[{"loss": 1}], [{"val_loss": value}]]

    trace = harness.run(
        batch_value_fit(per_epoch),
        filepath=TEMPLATE,
        mode=mode,
        save_best_only=True,
        save_freq=2,
        initial_value_threshold=start,
        verbose=1,
    )

    epochs = [2 * n + 1 for n in range(len(values))]
    expect(
        without_finished_lines(trace),
        lines=decision_lines(values, mode, start=start, epochs=epochs),
    )


# -- MSG-8: what follows a save ------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SaveKind:
    """A way of reaching saves, and every line each profile prints for it."""

    name: str
    kwargs: Mapping[str, Any]
    lifecycle: Lifecycle
    keras2: Sequence[str]
    keras3: Sequence[str]


SAVE_KINDS = [
    SaveKind(
        "plain saves",
        {},
        fit(2, epoch_logs={"loss": 0.5}),
        [saving(0, "m-1.h5"), saving(1, "m-2.h5")],
        [
            saving(0, "m-1.h5"),
            finished(0, "m-1.h5"),
            saving(1, "m-2.h5"),
            finished(1, "m-2.h5"),
        ],
    ),
    SaveKind(
        "improvements",
        {"save_best_only": True, "mode": "min"},
        fit(2, epoch_logs=[{"val_loss": 0.5}, {"val_loss": 0.4}]),
        [
            improved(0, "val_loss", math.inf, 0.5, "m-1.h5"),
            improved(1, "val_loss", 0.5, 0.4, "m-2.h5"),
        ],
        [
            improved(0, "val_loss", None, 0.5, "m-1.h5"),
            finished(0, "m-1.h5"),
            improved(1, "val_loss", 0.5, 0.4, "m-2.h5"),
            finished(1, "m-2.h5"),
        ],
    ),
    SaveKind(
        "an improvement, then no improvement",
        {"save_best_only": True, "mode": "max", "initial_value_threshold": 0.1},
        fit(2, epoch_logs=[{"val_loss": 0.5}, {"val_loss": 0.4}]),
        [
            improved(0, "val_loss", 0.1, 0.5, "m-1.h5"),
            not_improved(1, "val_loss", 0.5),
        ],
        [
            improved(0, "val_loss", 0.1, 0.5, "m-1.h5"),
            finished(0, "m-1.h5"),
            not_improved(1, "val_loss", 0.5),
        ],
    ),
    SaveKind(
        "a missing monitor",
        {"save_best_only": True, "mode": "min"},
        fit(2, epoch_logs={"loss": 0.5}),
        [],
        [finished(0, "m-1.h5"), finished(1, "m-2.h5")],
    ),
    SaveKind(
        "batch-level saves",
        {"save_freq": 2, "filepath": "m-{epoch}-{batch}.h5"},
        fit(1, 4, batch_logs={"loss": 0.5}),
        [saving(0, "m-1-2.h5"), saving(0, "m-1-4.h5")],
        [
            saving(0, "m-1-2.h5"),
            finished(0, "m-1-2.h5"),
            saving(0, "m-1-4.h5"),
            finished(0, "m-1-4.h5"),
        ],
    ),
    SaveKind(
        # One batch per epoch: the second decision follows an epoch end.
        "batch-level improvements",
        {"save_freq": 1, "save_best_only": True, "mode": "min"},
        batch_value_fit([[{"val_loss": 0.5}], [{"val_loss": 0.4}]]),
        [
            improved(0, "val_loss", math.inf, 0.5, "m-1.h5"),
            improved(1, "val_loss", 0.5, 0.4, "m-2.h5"),
        ],
        [
            improved(0, "val_loss", None, 0.5, "m-1.h5"),
            finished(0, "m-1.h5"),
            improved(1, "val_loss", 0.5, 0.4, "m-2.h5"),
            finished(1, "m-2.h5"),
        ],
    ),
]


def run_kind(harness, kind: SaveKind) -> Trace:
    return harness.run(
        kind.lifecycle, **{"filepath": TEMPLATE, **kind.kwargs}, verbose=1
    )


def assert_finished_after_each_save(trace: Trace) -> None:
    """Each save has its own finished line, printed once the save returned."""
    __tracebackhide__ = True
    cursor = 0
    for save in trace.saves:
        found = next(
            (
                number
                for number in range(max(cursor, save.printed_before), len(trace.lines))
                if trace.lines[number] == finished(save.epoch, save.path)
            ),
            None,
        )
        if found is None:
            raise ConformanceFailure(
                f"[{', '.join(trace.clauses)}] no finished line after {save}; "
                f"lines printed after it: {trace.lines[save.printed_before :]}\n"
                f"{trace.describe()}"
            )
        cursor = found + 1


@pytest.mark.clause("MSG-8/keras2")
@pytest.mark.parametrize(
    "kind", SAVE_KINDS, ids=lambda kind: f"verbose=1,{kind.name} -> no line after"
)
def test_nothing_is_printed_after_a_save(harness, kind):
    trace = run_kind(harness, kind)

    expect(trace, lines=kind.keras2)


@pytest.mark.clause("MSG-8/keras3")
@pytest.mark.parametrize(
    "kind",
    SAVE_KINDS,
    ids=lambda kind: f"verbose=1,{kind.name} -> a finished line after each save",
)
def test_every_save_is_followed_by_a_finished_line(harness, kind):
    trace = run_kind(harness, kind)

    expect(trace, lines=kind.keras3)
    assert_finished_after_each_save(trace)

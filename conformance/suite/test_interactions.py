"""Interactions: FREQ, BEST, SAVE, MSG, PATH and STATE crossed where they meet."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from conformance.expect import expect
from conformance.harness import Save, saved_at_batch_end, saved_at_epoch_end
from conformance.lifecycle import Event, Lifecycle

MONITOR = "loss"

# -- what is crossed -----------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """A ``save_freq`` and the batch indices each training epoch reports."""

    save_freq: str | int
    indices: tuple[int, ...] = (0, 1, 2)
    note: str = ""

    @property
    def batch_level(self) -> bool:
        return self.save_freq != "epoch"

    @property
    def clause(self) -> str:
        """The clause that says when this schedule makes save attempts."""
        if not self.batch_level:
            return "FREQ-1"
        return "FREQ-5" if self.save_freq <= 0 else "FREQ-3"

    def __str__(self) -> str:
        return f"save_freq={self.save_freq!r}{self.note}"


SCHEDULES = [
    Schedule("epoch"),
    Schedule(1),
    Schedule(2, note=" (< an epoch of 3)"),
    Schedule(4, note=" (> an epoch of 3)"),
    Schedule(7, note=" (> two epochs of 3)"),
    Schedule(3, (1, 3, 5), note=",batches 1,3,5 (jumps)"),
    Schedule(0),
]
BATCH_SCHEDULES = [schedule for schedule in SCHEDULES if schedule.batch_level]

#: Monitored values in min mode; max mode uses ``1 - value``. The zigzag has
#: improvements, ties and worse values in every stretch of a few decisions.
ZIGZAG = (0.5, 0.6, 0.45, 0.45, 0.7, 0.4, 0.42, 0.3, 0.3, 0.35, 0.2, 0.25, 0.1, 0.15)
PATTERNS = ("zigzag", "improving", "worsening")


def monitored_values(pattern: str, mode: str) -> Iterator[float]:
    """The value each successive logs dict of a run holds for the monitor."""
    for n in itertools.count():
        if pattern == "improving":
            value = round(0.9 - 0.02 * n, 4)
        elif pattern == "worsening":
            value = round(0.1 + 0.02 * n, 4)
        else:
            value = ZIGZAG[n % len(ZIGZAG)]
        yield value if mode == "min" else round(1 - value, 4)


@dataclass(frozen=True)
class Decision:
    """Plain saves, or best-only mode with a direction and a run of values."""

    best_only: bool
    mode: str = "min"
    pattern: str = "zigzag"

    def __str__(self) -> str:
        if not self.best_only:
            return "save_best_only=False"
        return f"save_best_only=True,mode={self.mode},{MONITOR} {self.pattern}"


PLAIN = Decision(False)
DECISIONS = [PLAIN] + [
    Decision(True, mode, pattern) for mode in ("min", "max") for pattern in PATTERNS
]


@dataclass(frozen=True)
class Setup:
    """Everything the constructor is given, as the oracle needs it too."""

    schedule: Schedule
    decision: Decision = PLAIN
    weights_only: bool = False
    threshold: float | None = None
    template: str | None = None

    @property
    def filepath(self) -> str:
        if self.template is not None:
            return self.template
        batch = "-b{batch}" if self.schedule.batch_level else ""
        suffix = ".weights.h5" if self.weights_only else ".h5"
        return f"m-e{{epoch}}{batch}{suffix}"

    @property
    def method(self) -> str:
        return "save_weights" if self.weights_only else "save"

    def kwargs(self, verbose: int = 0) -> dict[str, Any]:
        kwargs = {
            "filepath": self.filepath,
            "monitor": MONITOR,
            "verbose": verbose,
            "save_best_only": self.decision.best_only,
            "save_weights_only": self.weights_only,
            "mode": self.decision.mode,
            "save_freq": self.schedule.save_freq,
        }
        if self.threshold is not None:
            kwargs["initial_value_threshold"] = self.threshold
        return kwargs

    @property
    def best_clause(self) -> str:
        """The clause of best-only decisions at this schedule's saves."""
        return "BEST-7" if self.schedule.batch_level else "BEST-1"

    def clauses(self) -> tuple[str, ...]:
        """The clauses a run of this setup checks through its saves."""
        if not self.decision.best_only:
            return (self.schedule.clause, "SAVE-1")
        return (self.schedule.clause, self.best_clause, "SAVE-1")


# -- lifecycles ----------------------------------------------------------------

#: (epoch index, batch indices) of each epoch of one fit call.
FitPlan = Sequence[tuple[int, Sequence[int]]]


def standard_plan(schedule: Schedule) -> list[FitPlan]:
    """One fit: epoch 0 runs no training batch, epochs 1 to 3 run the schedule's.

    Epoch 0 ends before any batch-level decision, so every batch-level
    comparison of best-only mode follows an epoch end (decisions before the
    first epoch end are the business of the BEST-7 tests alone).
    """
    return [[(0, ()), *((epoch, schedule.indices) for epoch in (1, 2, 3))]]


def training(
    plan: Sequence[FitPlan],
    values: Iterator[Any],
    extra: Mapping[str, Any] | None = None,
) -> Lifecycle:
    """The hook calls of the fits in ``plan``; each logs dict takes the next value."""
    extra = dict(extra or {})
    events = []
    for epochs in plan:
        events.append(Event("on_train_begin", logs={}))
        for epoch, indices in epochs:
            events.append(Event("on_epoch_begin", epoch, {}, epoch))
            for batch in indices:
                logs = {**extra, MONITOR: next(values)}
                events.append(Event("on_train_batch_begin", batch, {}, epoch))
                events.append(Event("on_train_batch_end", batch, logs, epoch))
            logs = {**extra, MONITOR: next(values)}
            events.append(Event("on_epoch_end", epoch, logs, epoch))
        events.append(Event("on_train_end", logs={}))
    return tuple(events)


def lifecycle_of(
    setup: Setup,
    plan: Sequence[FitPlan] | None = None,
    *,
    extra: Mapping[str, Any] | None = None,
) -> Lifecycle:
    """The fits of ``plan`` (by default the standard one) with the setup's values."""
    decision = setup.decision
    values = monitored_values(decision.pattern, decision.mode)
    return training(plan or standard_plan(setup.schedule), values, extra)


# -- the oracle ----------------------------------------------------------------


@dataclass
class Outcome:
    """The saves and printed lines the clauses call for, in order."""

    saves: list[Save] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    improved: int = 0
    not_improved: int = 0

    def where(self) -> str:
        """``save at e1b0,e2b2``, for parametrize ids."""
        if not self.saves:
            return "no save"
        places = ",".join(
            f"e{save.epoch}" + ("" if save.batch is None else f"b{save.batch}")
            for save in self.saves
        )
        return f"{self.saves[0].method} at {places}"


def outcome(setup: Setup, lifecycle: Lifecycle, profile: str = "keras2") -> Outcome:
    """Walk the lifecycle as FREQ-3..6, BEST-1..7, PATH-1..4 and MSG-2..8 read.

    Written from the clauses, independently of any implementation: a running
    batch count, a running best, and Python's own ``str.format``. ``profile``
    picks the variants that differ: the best before any value (BEST-2, shown
    by MSG-3) and the line after each save (MSG-8). The runs here never start
    with NaN or an infinity, so the saves are the same in both profiles.
    """
    result = Outcome()
    schedule, decision = setup.schedule, setup.decision
    keras3 = profile == "keras3"
    if setup.threshold is not None:
        best = setup.threshold
    elif keras3:
        best = None
    else:
        best = math.inf if decision.mode == "min" else -math.inf
    count, previous, current_epoch = 0, None, None

    def saved(save: Save, epoch: int) -> None:
        result.saves.append(save)
        if keras3:
            result.lines.append(
                f"Epoch {epoch + 1}: finished saving model to {save.path}"
            )

    def attempt(epoch: int, batch: int | None, logs: Mapping[str, Any]) -> None:
        nonlocal best
        fields = dict(logs)
        if batch is not None:
            fields.setdefault("batch", batch + 1)
        path = setup.filepath.format(epoch=epoch + 1, **fields)
        if batch is None:
            save = saved_at_epoch_end(epoch, path, setup.method)
        else:
            save = saved_at_batch_end(epoch, batch, path, setup.method)
        if not decision.best_only:
            result.lines.append(f"Epoch {epoch + 1}: saving model to {path}")
            saved(save, epoch)
            return
        value = logs[MONITOR]
        shown = "None" if best is None else f"{best:.5f}"
        if best is None or (value < best if decision.mode == "min" else value > best):
            result.lines.append(
                f"Epoch {epoch + 1}: {MONITOR} improved from {shown} to "
                f"{value:.5f}, saving model to {path}"
            )
            result.improved += 1
            best = value
            saved(save, epoch)
        else:
            result.lines.append(
                f"Epoch {epoch + 1}: {MONITOR} did not improve from {shown}"
            )
            result.not_improved += 1

    for event in lifecycle:
        if event.hook == "on_epoch_begin":
            current_epoch = event.index
        elif event.hook == "on_train_batch_end" and schedule.batch_level:
            batch = event.index
            if previous is None or batch <= previous:
                count += batch + 1
            else:
                count += batch - previous
            previous = batch
            if count >= schedule.save_freq:
                count = 0
                attempt(current_epoch, batch, event.logs)
        elif event.hook == "on_epoch_end" and not schedule.batch_level:
            attempt(event.index, None, event.logs)
    return result


def message_clauses(setup: Setup, expected: Outcome) -> tuple[str, ...]:
    """The MSG clauses whose lines a run prints: only those are at stake.

    A clause with a variant per profile is named by both: the oracle follows
    the variant of the profile in force.
    """
    clauses = []
    if not setup.decision.best_only:
        clauses.append("MSG-2")
    if expected.improved:
        clauses += ["MSG-3/keras2", "MSG-3/keras3"]
    if expected.not_improved:
        clauses.append("MSG-4")
    if setup.schedule.batch_level:
        clauses.append("MSG-6")
    if expected.saves:
        clauses += ["MSG-8/keras2", "MSG-8/keras3"]
    return tuple(clauses)


def weights_text(weights_only: bool) -> str:
    return f"save_weights_only={weights_only}"


# -- saves: save_freq x save_best_only x save_weights_only x verbose -------------


def saves_case(setup: Setup, verbose: int) -> pytest.param:
    expected = outcome(setup, lifecycle_of(setup))
    return pytest.param(
        setup,
        verbose,
        marks=pytest.mark.clause(*setup.clauses()),
        id=f"{setup.schedule},{setup.decision},{weights_text(setup.weights_only)},"
        f"verbose={verbose} -> {expected.where()}",
    )


@pytest.mark.parametrize(
    ("setup", "verbose"),
    [
        saves_case(Setup(schedule, decision, weights_only), verbose)
        for schedule in SCHEDULES
        for decision in DECISIONS
        for weights_only in (False, True)
        for verbose in (0, 1)
    ],
)
def test_saves_follow_the_schedule_the_best_and_the_method(harness, setup, verbose):
    lifecycle = lifecycle_of(setup)

    trace = harness.run(lifecycle, **setup.kwargs(verbose))

    expect(trace, saves=outcome(setup, lifecycle).saves)


# -- messages: the same crossing, printed --------------------------------------


def message_case(setup: Setup, verbose: int) -> pytest.param:
    expected = outcome(setup, lifecycle_of(setup))
    counts = (
        f"{len(expected.saves)} saving"
        if not setup.decision.best_only
        else f"{expected.improved} improved, {expected.not_improved} did not improve"
    )
    return pytest.param(
        setup,
        verbose,
        marks=pytest.mark.clause(*message_clauses(setup, expected)),
        id=f"{setup.schedule},{setup.decision},{weights_text(setup.weights_only)},"
        f"verbose={verbose} -> {counts} lines",
    )


@pytest.mark.parametrize(
    ("setup", "verbose"),
    [
        message_case(Setup(schedule, decision, weights_only), verbose)
        for schedule in SCHEDULES
        for decision in DECISIONS
        for weights_only in (False, True)
        for verbose in (1, 2)
    ],
)
def test_each_attempt_prints_its_message_in_every_combination(
    harness, profile, setup, verbose
):
    lifecycle = lifecycle_of(setup)

    trace = harness.run(lifecycle, **setup.kwargs(verbose))

    expect(trace, lines=outcome(setup, lifecycle, profile).lines)


@pytest.mark.clause("MSG-1")
@pytest.mark.parametrize(
    ("setup", "verbose"),
    [
        pytest.param(
            Setup(schedule, decision, weights_only),
            verbose,
            id=f"{schedule},{decision},{weights_text(weights_only)},"
            f"verbose={verbose} -> silent",
        )
        for schedule in SCHEDULES
        for decision in (PLAIN, Decision(True, "min"), Decision(True, "max"))
        for weights_only in (False, True)
        for verbose in (0, -1)
    ],
)
def test_a_verbose_of_zero_or_less_is_silent_in_every_combination(
    harness, setup, verbose
):
    lifecycle = lifecycle_of(setup)

    trace = harness.run(lifecycle, **setup.kwargs(verbose))

    # Saves do happen here, so silence is not for want of anything to say.
    assert outcome(setup, lifecycle).saves
    expect(trace, lines=[])


# -- several fits on one instance ----------------------------------------------


def fit_plans(schedule: Schedule) -> dict[str, list[FitPlan]]:
    """Shapes of several fit calls; only the first fit opens with epoch 0 empty."""
    batches = schedule.indices
    return {
        "2 fits of 3 epochs": [
            [(0, ()), (1, batches), (2, batches)],
            [(0, batches), (1, batches), (2, batches)],
        ],
        "3 fits of 2 epochs": [
            [(0, ()), (1, batches)],
            [(0, batches), (1, batches)],
            [(0, batches), (1, batches)],
        ],
        "a fit of 2 epochs, then one resumed at epoch 2": [
            [(0, ()), (1, batches)],
            [(2, batches), (3, batches), (4, batches)],
        ],
    }


def fits_case(setup: Setup, shape: str) -> pytest.param:
    plan = fit_plans(setup.schedule)[shape]
    expected = outcome(setup, lifecycle_of(setup, plan))
    return pytest.param(
        setup,
        shape,
        marks=pytest.mark.clause("STATE-1", *setup.clauses()),
        id=f"{setup.schedule},{setup.decision},{weights_text(setup.weights_only)},"
        f"{shape} -> {expected.where()}",
    )


@pytest.mark.parametrize(
    ("setup", "shape"),
    [
        fits_case(Setup(schedule, decision, weights_only), shape)
        for schedule in SCHEDULES
        for decision in (PLAIN, Decision(True, "min"), Decision(True, "max"))
        for weights_only in (False, True)
        for shape in fit_plans(schedule)
    ],
)
def test_several_fits_go_on_with_one_count_and_one_best(harness, setup, shape):
    lifecycle = lifecycle_of(setup, fit_plans(setup.schedule)[shape])

    trace = harness.run(lifecycle, **setup.kwargs())

    expect(trace, saves=outcome(setup, lifecycle).saves)


# -- a new instance on the same path -------------------------------------------


@pytest.mark.parametrize(
    "setup",
    [
        pytest.param(
            setup,
            marks=pytest.mark.clause("STATE-2"),
            id=f"{schedule},{decision},{weights_text(weights_only)},"
            f"a second instance on {setup.filepath} -> "
            f"{outcome(setup, lifecycle_of(setup)).where()} again",
        )
        for schedule in SCHEDULES
        for decision in (PLAIN, Decision(True, "min"), Decision(True, "max"))
        for weights_only in (False, True)
        for setup in [Setup(schedule, decision, weights_only)]
    ],
)
def test_a_new_instance_on_the_same_path_repeats_the_first_run(harness, setup):
    lifecycle = lifecycle_of(setup)
    harness.run(lifecycle, **setup.kwargs())

    trace = harness.run(lifecycle, **setup.kwargs())

    # A fresh best and a fresh count give the first run's saves again, over
    # the same files.
    expected = outcome(setup, lifecycle).saves
    expect(trace, saves=expected, files=sorted({save.path for save in expected}))


# -- placeholders in batch-level saves -----------------------------------------

#: Extra keys in every logs dict, for log-key fields.
EXTRA_LOGS = {"acc": 0.75, "tag": "run"}

#: (template, the clauses it checks besides the count)
BATCH_TEMPLATES = [
    ("m-e{epoch}-b{batch}.h5", ("PATH-4", "FREQ-6")),
    ("m-{epoch:03d}-{batch:02d}.h5", ("PATH-4", "FREQ-6")),
    ("m-b{batch}-{loss:.4f}.h5", ("PATH-4", "PATH-2")),
    ("m-e{epoch}-{acc:.0%}-{tag}.h5", ("PATH-2", "FREQ-6")),
    ("e{epoch}/b{batch}/m.h5", ("PATH-8", "PATH-4")),
    ("m-{{epoch}}-{{batch}}-{batch}.h5", ("PATH-7", "PATH-4")),
    ("m-{epoch.real}-{batch.real:02d}.h5", ("PATH-7", "PATH-4", "FREQ-6")),
]


def placeholder_case(template, clauses, schedule, decision) -> pytest.param:
    setup = Setup(schedule, decision, template=template)
    lifecycle = lifecycle_of(setup, extra=EXTRA_LOGS)
    paths = [save.path for save in outcome(setup, lifecycle).saves]
    shown = ",".join(paths[:3]) + (",..." if len(paths) > 3 else "")
    return pytest.param(
        setup,
        marks=pytest.mark.clause(*clauses),
        id=f"{template},{schedule},{decision} -> {shown}",
    )


@pytest.mark.parametrize(
    "setup",
    [
        placeholder_case(template, clauses, schedule, decision)
        for template, clauses in BATCH_TEMPLATES
        for schedule in BATCH_SCHEDULES
        if schedule.save_freq != 7
        for decision in (PLAIN, Decision(True, "min"))
    ],
)
def test_batch_level_paths_fill_every_placeholder(harness, setup):
    lifecycle = lifecycle_of(setup, extra=EXTRA_LOGS)

    trace = harness.run(lifecycle, **setup.kwargs())

    saves = outcome(setup, lifecycle).saves
    expect(trace, saves=saves, files=sorted({save.path for save in saves}))


@pytest.mark.clause("PATH-4")
@pytest.mark.parametrize(
    ("setup", "value"),
    [
        pytest.param(
            Setup(schedule, decision, template="m-e{epoch}-b{batch}.h5"),
            value,
            id=f"{schedule},{decision},batch logs batch={value!r}"
            f" -> m-e{{epoch}}-b{value}.h5",
        )
        for schedule in BATCH_SCHEDULES
        if schedule.save_freq != 7
        for decision in (PLAIN, Decision(True, "max"))
        for value in (99, 0, "last")
    ],
)
def test_a_batch_key_in_the_batch_logs_fills_the_field_on_every_schedule(
    harness, setup, value
):
    lifecycle = lifecycle_of(setup, extra={"batch": value})

    trace = harness.run(lifecycle, **setup.kwargs())

    expect(trace, saves=outcome(setup, lifecycle).saves)


# -- initial_value_threshold with batch-level best-only ------------------------

#: Thresholds in min mode; max mode mirrors them as ``1 - threshold``.
THRESHOLDS = {
    "beaten by none": 0.01,
    "equal to a value": 0.45,
    "beaten by some": 0.3,
    "beaten by all": 1.0,
    "NaN, beaten by none": math.nan,
}


def mirrored(threshold: float, mode: str) -> float:
    return threshold if mode == "min" else round(1 - threshold, 4)


def threshold_setup(schedule, mode, name, **kw) -> Setup:
    threshold = mirrored(THRESHOLDS[name], mode)
    return Setup(schedule, Decision(True, mode), threshold=threshold, **kw)


@pytest.mark.parametrize(
    "setup",
    [
        pytest.param(
            setup,
            marks=pytest.mark.clause("BEST-5", "BEST-7"),
            id=f"{schedule},mode={mode},threshold={setup.threshold!r} ({name}),"
            f"{MONITOR} zigzag -> {outcome(setup, lifecycle_of(setup)).where()}",
        )
        for schedule in BATCH_SCHEDULES
        for mode in ("min", "max")
        for name in THRESHOLDS
        for setup in [threshold_setup(schedule, mode, name)]
    ],
)
def test_a_threshold_is_the_best_to_beat_in_batch_level_decisions(harness, setup):
    lifecycle = lifecycle_of(setup)

    trace = harness.run(lifecycle, **setup.kwargs())

    expect(trace, saves=outcome(setup, lifecycle).saves)


def threshold_message_case(schedule, mode, name) -> pytest.param:
    setup = threshold_setup(schedule, mode, name)
    expected = outcome(setup, lifecycle_of(setup))
    return pytest.param(
        setup,
        marks=pytest.mark.clause(*message_clauses(setup, expected)),
        id=f"{schedule},mode={mode},threshold={setup.threshold!r} ({name}) -> "
        f"{expected.improved} improved, {expected.not_improved} did not improve",
    )


@pytest.mark.parametrize(
    "setup",
    [
        threshold_message_case(schedule, mode, name)
        for schedule in (SCHEDULES[1], SCHEDULES[3], SCHEDULES[5])
        for mode in ("min", "max")
        for name in ("beaten by none", "equal to a value", "beaten by some")
    ],
)
def test_batch_level_messages_start_from_the_threshold(harness, profile, setup):
    lifecycle = lifecycle_of(setup)

    trace = harness.run(lifecycle, **setup.kwargs(verbose=1))

    expect(trace, lines=outcome(setup, lifecycle, profile).lines)


@pytest.mark.parametrize(
    ("setup", "shape"),
    [
        pytest.param(
            setup,
            shape,
            marks=pytest.mark.clause("BEST-5", "BEST-6", setup.best_clause),
            id=f"{schedule},mode={mode},threshold={setup.threshold!r},{shape} -> "
            + outcome(setup, lifecycle_of(setup, fit_plans(schedule)[shape])).where(),
        )
        for schedule in (SCHEDULES[0], SCHEDULES[2], SCHEDULES[5])
        for mode in ("min", "max")
        for name in ("equal to a value", "beaten by some")
        for setup in [threshold_setup(schedule, mode, name)]
        for shape in list(fit_plans(schedule))[:2]
    ],
)
def test_a_threshold_and_the_best_after_it_carry_across_fits(harness, setup, shape):
    lifecycle = lifecycle_of(setup, fit_plans(setup.schedule)[shape])

    trace = harness.run(lifecycle, **setup.kwargs())

    expect(trace, saves=outcome(setup, lifecycle).saves)

"""Whole lifecycles: one callback through random fits, checked at every step."""

from __future__ import annotations

import functools
import math
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conformance.expect import expect
from conformance.harness import Harness, Save, Session, saved_at_epoch_end
from conformance.lifecycle import Event, fit

MONITOR = "val_loss"
LOSS = 0.5

#: Monitored values: few, so that ties are frequent, and exact in float32, so
#: that a framework comparing in float32 sees the values given.
VALUES = st.sampled_from([k / 4 for k in range(-4, 5)])

#: How far a training loop moves the batch index per report: more than one
#: under ``steps_per_execution``.
STEPS = st.integers(1, 3)

#: Logs of hooks that never save; ``None`` too, as every hook accepts it.
QUIET_LOGS = st.sampled_from([{}, None, {"loss": LOSS}])

#: Logs of evaluation and prediction: anything, the monitor included.
ANY_LOGS = st.sampled_from(
    [{}, None, {MONITOR: -5.0}, {MONITOR: math.nan}, {MONITOR: None}, {"loss": LOSS}]
)

#: What the logs of a hook that may save say of the monitor: one of VALUES
#: half the time, else a tie with the best, an improvement on it, NaN, no key,
#: or the value None. LifecycleMachine.logs_of turns a reading into logs.
TIE, BETTER, NAN, ABSENT, NONE = "tie", "better", "nan", "absent", "None"
READINGS = st.one_of(VALUES, st.sampled_from([TIE, BETTER, NAN, ABSENT, NONE]))


# -- the model of SPEC.md --------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """One way to construct the callback; portable to every built-in line."""

    save_freq: str | int
    save_best_only: bool
    mode: str
    weights_only: bool
    verbose: int

    @property
    def template(self) -> str:
        # Keras 3 requires these suffixes; the other lines accept them.
        stem = "m-e{epoch}" if self.save_freq == "epoch" else "m-e{epoch}-b{batch}"
        return stem + (".weights.h5" if self.weights_only else ".h5")

    @property
    def method(self) -> str:
        return "save_weights" if self.weights_only else "save"

    def kwargs(self) -> dict[str, Any]:
        return {
            "filepath": self.template,
            "monitor": MONITOR,
            "verbose": self.verbose,
            "save_best_only": self.save_best_only,
            "save_weights_only": self.weights_only,
            "mode": self.mode,
            "save_freq": self.save_freq,
        }


@functools.cache  # one strategy per verbosity, not one per lifecycle
def configs(verbose: int) -> st.SearchStrategy[Config]:
    return st.builds(
        Config,
        save_freq=st.sampled_from(["epoch", 1, 2, 3, 5]),
        save_best_only=st.booleans(),
        mode=st.sampled_from(["min", "max"]),
        weights_only=st.booleans(),
        verbose=st.just(verbose),
    )


class Specified:
    """What SPEC.md says one callback does, kept up to date hook by hook.

    Written from the clauses, not from any implementation. ``profile`` picks
    the variant of each clause a lifecycle here reaches that has one: the best
    before any value (BEST-2), a missing monitor in best-only mode (BEST-4),
    how the best is printed (MSG-3) and the line after a save (MSG-8).
    """

    def __init__(self, config: Config, profile: str) -> None:
        self.config = config
        self.keras3 = profile == "keras3"
        self.best: float | None = None  # no value has been the best yet
        self.count, self.previous = 0, -1  # FREQ-3
        self.epoch = 0  # of the latest on_epoch_begin (FREQ-6)
        self.saves: list[Save] = []
        self.lines: list[str] = []
        self.warnings: list[list[str]] = []

    def epoch_begin(self, epoch: int) -> None:
        self.epoch = epoch

    def epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        if self.config.save_freq == "epoch":  # FREQ-1; FREQ-4 otherwise
            self._attempt(epoch, None, logs)

    def train_batch_end(self, batch: int, logs: Mapping[str, Any]) -> None:
        if self.config.save_freq == "epoch":
            return  # FREQ-2
        self.count += batch - self.previous if batch > self.previous else batch + 1
        self.previous = batch
        if self.count >= self.config.save_freq:  # FREQ-3
            self.count = 0
            self._attempt(self.epoch, batch, logs)

    def _improves(self, value: float) -> bool:
        if math.isnan(value):
            return False  # BEST-3
        if self.best is None:
            # BEST-2/keras2: a finite value beats the infinite start (values
            # here are finite); BEST-2/keras3: there is no start to beat.
            return True
        return value < self.best if self.config.mode == "min" else value > self.best

    def _best_text(self) -> str:
        if self.best is not None:
            return f"{self.best:.5f}"
        if self.keras3:
            return "None"  # MSG-3/keras3
        return "inf" if self.config.mode == "min" else "-inf"  # MSG-3/keras2

    def _attempt(self, epoch: int, batch: int | None, logs: Mapping[str, Any]) -> None:
        fields = {"epoch": epoch + 1}  # PATH-1
        if batch is not None:
            fields["batch"] = batch + 1  # PATH-4
        path = self.config.template.format(**fields)
        hook = "on_epoch_end" if batch is None else "on_train_batch_end"
        save = Save(self.config.method, path, hook, epoch, batch)  # SAVE-1
        heading = f"Epoch {epoch + 1}:"  # MSG-6: the epoch, never the batch

        if not self.config.save_best_only:  # BEST-8
            self._say(f"{heading} saving model to {path}")  # MSG-2
            self._save(heading, save)
            return
        value = logs.get(MONITOR)
        if value is None:  # BEST-4, MSG-5: the warning, and no line before
            self.warnings.append([MONITOR])
            if self.keras3:
                self._save(heading, save)  # BEST-4/keras3
        elif self._improves(value):  # BEST-1, BEST-6, STATE-1
            self._say(
                f"{heading} {MONITOR} improved from {self._best_text()} to "
                f"{value:.5f}, saving model to {path}"
            )  # MSG-3
            self.best = value
            self._save(heading, save)
        else:
            self._say(f"{heading} {MONITOR} did not improve from {self._best_text()}")

    def _save(self, heading: str, save: Save) -> None:
        self.saves.append(save)
        if self.keras3:  # MSG-8/keras3; MSG-8/keras2 prints nothing after
            self._say(f"{heading} finished saving model to {save.path}")

    def _say(self, line: str) -> None:
        if self.config.verbose > 0:  # MSG-1
            self.lines.append(line)


# -- the state machine ---------------------------------------------------------


def evaluation(kind: str, batches: int, logs: Any, epoch: int | None) -> list[Event]:
    """The hook calls of ``evaluate`` (``kind='test'``) or ``predict``."""
    events = [Event(f"on_{kind}_begin", logs=logs, epoch=epoch)]
    for batch in range(batches):
        events.append(Event(f"on_{kind}_batch_begin", batch, logs, epoch))
        events.append(Event(f"on_{kind}_batch_end", batch, logs, epoch))
    return [*events, Event(f"on_{kind}_end", logs=logs, epoch=epoch)]


def in_phase(*phases: str) -> Callable[[Callable], Callable]:
    """A precondition: the lifecycle is in one of ``phases``."""
    return precondition(lambda machine: machine.phase in phases)


class LifecycleMachine(RuleBasedStateMachine):
    """Drives one callback the way training loops do, and checks every step.

    Fits follow one another; inside an epoch, batches report indices that may
    jump, and validation may run before the epoch ends; evaluation and
    prediction may come at any time. After every step the saves, printed lines
    and warnings so far must be the model's.

    Two known defects of Keras 3, declared elsewhere, are kept out of reach so
    that this machine speaks about the rest: NaN is never the first value a
    best-only callback compares (BEST-3), and a batch-level best-only callback
    compares no value before the first epoch end (BEST-7).
    """

    def __init__(self, harness: Harness, profile: str, verbose: int) -> None:
        super().__init__()
        self.harness = harness
        self.profile = profile
        self.verbose = verbose
        self.session: Session
        self.specified: Specified
        self.phase = "idle"  # "idle", "fit" (between epochs) or "epoch"
        self.next_epoch = 0
        self.last_batch = -1
        self.epoch_ends = 0

    # -- starting -------------------------------------------------------------

    @initialize(data=st.data())
    def construct(self, data: st.DataObject) -> None:
        config = data.draw(configs(self.verbose), label="config")
        # Every lifecycle runs in the harness' one folder: the files another
        # left do not matter here, and their names repeat, so they stay few.
        self.session = self.harness.session(**config.kwargs())
        self.specified = Specified(config, self.profile)

    @property
    def config(self) -> Config:
        return self.specified.config

    def play(self, *events: Event) -> None:
        self.session.play(events)

    # -- what may happen now ----------------------------------------------------

    @property
    def may_compare(self) -> bool:
        """False while a comparison would reach Keras 3's BEST-7 defect."""
        return not (
            self.config.save_best_only
            and self.config.save_freq != "epoch"
            and self.epoch_ends == 0
        )

    @property
    def may_be_nan(self) -> bool:
        """False while NaN could be the first value compared (Keras 3, BEST-3)."""
        return not self.config.save_best_only or self.specified.best is not None

    def logs_of(self, reading: float | str) -> dict[str, Any]:
        """The logs a reading stands for, now.

        A value that would reach one of the Keras 3 defects this machine keeps
        clear of is left out of the logs, as if the monitor were missing.
        """
        if reading == ABSENT:
            return {"loss": LOSS}
        if reading == NONE:
            return {"loss": LOSS, MONITOR: None}
        value = self.value_of(reading)
        if not self.may_compare or (math.isnan(value) and not self.may_be_nan):
            return {"loss": LOSS}
        return {"loss": LOSS, MONITOR: value}

    def value_of(self, reading: float | str) -> float:
        best = self.specified.best
        if reading == NAN:
            return math.nan
        if reading not in (TIE, BETTER):
            return float(reading)
        if best is None:
            return 0.0  # nothing to tie with or to beat yet: any value
        if reading == TIE:
            return best
        return best - 0.25 if self.config.mode == "min" else best + 0.25

    # -- fit, epoch, batches ----------------------------------------------------

    # Most rules apply in any state: one that needs a fit or an epoch under way
    # starts it first, as a training loop would. Taking a step out of a failing
    # lifecycle then leaves the later steps meaning what they meant, which is
    # what Hypothesis needs to shrink it well.

    def start(self, phase: str) -> None:
        """Start a fit, and an epoch if ``phase`` is ``"epoch"``, unless under way."""
        if self.phase == "idle":
            self.begin_fit(0, {})
        if phase == "epoch" and self.phase == "fit":
            self.begin_epoch({})

    @in_phase("idle")
    @rule(initial_epoch=st.integers(0, 3), logs=QUIET_LOGS)
    def begin_fit(self, initial_epoch: int, logs: dict | None) -> None:
        self.next_epoch = initial_epoch
        self.play(Event("on_train_begin", logs=logs))
        self.phase = "fit"

    @in_phase("fit")
    @rule(logs=QUIET_LOGS)
    def end_fit(self, logs: dict | None) -> None:
        self.play(Event("on_train_end", logs=logs))
        self.phase = "idle"

    @in_phase("idle", "fit")
    @rule(logs=QUIET_LOGS)
    def begin_epoch(self, logs: dict | None) -> None:
        self.start("fit")
        epoch, self.next_epoch = self.next_epoch, self.next_epoch + 1
        self.play(Event("on_epoch_begin", epoch, logs, epoch))
        self.specified.epoch_begin(epoch)
        self.phase, self.last_batch = "epoch", -1

    @rule(reading=READINGS, validation=st.integers(0, 2), validation_logs=ANY_LOGS)
    def end_epoch(
        self, reading: float | str, validation: int, validation_logs: dict | None
    ) -> None:
        self.start("epoch")
        # With validation data, fit evaluates before each epoch end (HOOK-6).
        epoch, logs = self.specified.epoch, self.logs_of(reading)
        if validation:
            self.play(*evaluation("test", validation - 1, validation_logs, epoch))
        self.play(Event("on_epoch_end", epoch, logs, epoch))
        self.specified.epoch_end(epoch, logs)
        self.phase = "fit"
        self.epoch_ends += 1

    @rule(reports=st.lists(st.tuples(STEPS, READINGS), min_size=1, max_size=4))
    def train(self, reports: list[tuple[int, float | str]]) -> None:
        self.start("epoch")
        # A report covers the batches after the previous one: with
        # steps_per_execution, begin(first) .. end(last), as Keras 3 calls them.
        epoch, events = self.specified.epoch, []
        for step, reading in reports:
            first, last = self.last_batch + 1, self.last_batch + step
            logs = self.logs_of(reading)
            self.specified.train_batch_end(last, logs)
            events.append(Event("on_train_batch_begin", first, {}, epoch))
            events.append(Event("on_train_batch_end", last, logs, epoch))
            self.last_batch = last
        self.play(*events)

    # -- evaluation and prediction (HOOK-2, HOOK-6) -----------------------------

    @rule(
        kind=st.sampled_from(["test", "predict"]),
        batches=st.integers(0, 3),
        logs=ANY_LOGS,
    )
    def evaluate_or_predict(self, kind: str, batches: int, logs: dict | None) -> None:
        epoch = self.specified.epoch if self.phase == "epoch" else None
        self.play(*evaluation(kind, batches, logs, epoch))

    # -- the check ---------------------------------------------------------------

    @invariant()
    def behaves_as_specified(self) -> None:
        expect(
            self.session.trace(files=False),
            saves=self.specified.saves,
            lines=self.specified.lines,
            warnings=self.specified.warnings,
        )


def run_lifecycles(harness: Harness, profile: str, *, verbose: int) -> None:
    run_state_machine_as_test(
        lambda: LifecycleMachine(harness, profile, verbose),
        settings=settings(deadline=None),
    )


# The machines also check clauses whose variant depends on the profile (see
# Specified); they are tagged only with clauses both profiles share, so that
# a test never counts for a variant the profile in force does not have.


@pytest.mark.clause(
    "FREQ-1",
    "FREQ-2",
    "FREQ-3",
    "FREQ-6",
    "BEST-1",
    "BEST-3",
    "BEST-6",
    "STATE-1",
    "HOOK-2",
    "HOOK-6",
    "MSG-1",
)
def test_one_callback_saves_as_specified_through_any_lifecycle(harness, profile):
    run_lifecycles(harness, profile, verbose=0)


@pytest.mark.clause("MSG-2", "MSG-4", "MSG-5", "MSG-6")
def test_one_callback_prints_as_specified_through_any_lifecycle(harness, profile):
    run_lifecycles(harness, profile, verbose=1)


# -- properties of single runs ---------------------------------------------------


def strict_best_positions(values: Sequence[float], mode: str) -> list[int]:
    """Positions whose value beats every earlier value that is not NaN.

    Said without a running variable: since every improvement becomes the best
    (BEST-1) and NaN never does (BEST-3), the best before a position is the
    extreme of the values before it.
    """
    better = (lambda a, b: a < b) if mode == "min" else (lambda a, b: a > b)
    return [
        position
        for position, value in enumerate(values)
        if not math.isnan(value)
        and all(
            better(value, earlier)
            for earlier in values[:position]
            if not math.isnan(earlier)
        )
    ]


FLOAT32 = st.floats(
    allow_nan=False, allow_infinity=False, allow_subnormal=False, width=32
)


@pytest.mark.clause("BEST-1", "BEST-3")
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    mode=st.sampled_from(["min", "max"]),
    first=st.one_of(VALUES, FLOAT32),
    rest=st.lists(st.one_of(VALUES, FLOAT32, st.just(math.nan)), max_size=8),
)
def test_best_only_saves_exactly_where_a_value_beats_all_earlier_ones(
    harness, mode, first, rest
):
    # The first value is a number: a leading NaN is a declared Keras 3 defect
    # with a test of its own.
    values = [first, *rest]
    logs = [{"loss": LOSS, MONITOR: value} for value in values]

    trace = harness.run(
        fit(len(values), epoch_logs=logs),
        filepath="m-{epoch}.h5",
        monitor=MONITOR,
        save_best_only=True,
        mode=mode,
    )

    expect(
        trace,
        saves=[
            saved_at_epoch_end(epoch, f"m-{epoch + 1}.h5")
            for epoch in strict_best_positions(values, mode)
        ],
    )


#: Batch indices one epoch reports: increasing, with any gaps, from any start.
EPOCH_INDICES = st.lists(st.integers(0, 12), min_size=1, max_size=6, unique=True).map(
    sorted
)


def reaching_n(
    save_freq: int, epochs: Sequence[Sequence[int]]
) -> list[tuple[int, int]]:
    """(epoch, batch) where the batches counted since the last save reach N.

    The batches a report counts are what FREQ-3 says: the gap from the
    previous index, or the index plus one when it is not greater (a new
    epoch). The count at each report is a running sum; a save happens where
    the sum since the previous save reaches ``save_freq``.
    """
    reports = [
        (epoch, batch) for epoch, batches in enumerate(epochs) for batch in batches
    ]
    previous = [-1] + [batch for _, batch in reports[:-1]]
    counted = [
        batch - before if batch > before else batch + 1
        for (_, batch), before in zip(reports, previous, strict=True)
    ]
    saves, since = [], 0
    for report, batches in zip(reports, counted, strict=True):
        since += batches
        if since >= save_freq:
            saves.append(report)
            since = 0
    return saves


def one_fit(epochs: Sequence[Sequence[int]], initial_epoch: int) -> list[Event]:
    """The hook calls of a fit whose epochs report the batch indices given."""
    events = [Event("on_train_begin", logs={})]
    for epoch, indices in enumerate(epochs, start=initial_epoch):
        events.append(Event("on_epoch_begin", epoch, {}, epoch))
        for batch in indices:
            events.append(Event("on_train_batch_begin", batch, {}, epoch))
            events.append(Event("on_train_batch_end", batch, {"loss": LOSS}, epoch))
        events.append(Event("on_epoch_end", epoch, {"loss": LOSS}, epoch))
    return [*events, Event("on_train_end", logs={})]


@pytest.mark.clause("FREQ-3")
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    save_freq=st.integers(1, 8),
    epochs=st.lists(EPOCH_INDICES, min_size=1, max_size=4),
    split=st.integers(0, 4),
)
def test_any_increasing_batch_indices_save_where_the_count_reaches_n(
    harness, save_freq, epochs, split
):
    # Two fit calls share the epochs, cut at ``split``; the count carries over.
    lifecycle = one_fit(epochs[:split], 0) + one_fit(epochs[split:], split)
    template = "m-e{epoch}-b{batch}.h5"

    trace = harness.run(lifecycle, filepath=template, save_freq=save_freq)

    expect(
        trace,
        saves=[
            Save(
                "save",
                template.format(epoch=epoch + 1, batch=batch + 1),
                "on_train_batch_end",
                epoch,
                batch,
            )
            for epoch, batch in reaching_n(save_freq, epochs)
        ],
    )


FIELD_NAMES = st.text(string.ascii_lowercase + "_", min_size=1, max_size=6).filter(
    lambda name: name not in ("epoch", "batch")
)
FIELD_VALUES = st.one_of(
    st.integers(-999, 999),
    FLOAT32,
    st.text(string.ascii_letters + string.digits, min_size=1, max_size=5),
)
EPOCH_SPECS = st.sampled_from(["", ":03d", ":x", ":>5", ":.1f", ":+d"])


@st.composite
def epoch_log_templates(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A template with ``{epoch}`` and log fields, with specs that fit every value."""
    names = draw(st.lists(FIELD_NAMES, min_size=0, max_size=3, unique=True))
    fields = "".join(f"-{{{name}}}" for name in names)
    return f"m-{{epoch{draw(EPOCH_SPECS)}}}{fields}.h5", names


@pytest.mark.clause("PATH-1", "PATH-2")
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=epoch_log_templates(), initial_epoch=st.integers(0, 200), data=st.data())
def test_each_epoch_path_is_str_format_of_the_one_based_epoch_and_its_logs(
    harness, case, initial_epoch, data
):
    template, names = case
    epochs = data.draw(st.integers(1, 3), label="epochs")
    logs = [
        data.draw(st.fixed_dictionaries({name: FIELD_VALUES for name in names}))
        for _ in range(epochs)
    ]

    trace = harness.run(
        fit(epochs, epoch_logs=logs, initial_epoch=initial_epoch), filepath=template
    )

    expect(
        trace,
        saves=[
            saved_at_epoch_end(
                initial_epoch + n,
                template.format(epoch=initial_epoch + n + 1, **logs[n]),
            )
            for n in range(epochs)
        ],
    )

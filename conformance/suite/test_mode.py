"""MODE: which direction of the monitored value counts as an improvement."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from importlib import resources
from typing import Any

import pytest

from conformance.expect import Raises, expect, raises
from conformance.harness import (
    Harness,
    ProbeModel,
    Recorder,
    Save,
    Trace,
    saved_at_batch_end,
    saved_at_epoch_end,
)
from conformance.lifecycle import Event, fit

TEMPLATE = "m{epoch}.h5"

#: One value per epoch: the minimum and the maximum diverge from epoch 1 on,
#: so the saves tell the two directions apart.
VALUES = (0.5, 0.4, 0.6)

#: A longer walk for explicit modes: new lows at 1 and 5, new highs at 2 and 4.
WALK = (0.5, 0.4, 0.6, 0.45, 0.7, 0.3)


def improvements(direction: str, values: Sequence[float]) -> list[int]:
    """The oracle: the positions at which best-only mode saves.

    The first value here is always finite, so the starting best of either
    profile (BEST-2) lets it save.
    """
    best = math.inf if direction == "min" else -math.inf
    positions = []
    for position, value in enumerate(values):
        if (value < best) if direction == "min" else (value > best):
            best = value
            positions.append(position)
    return positions


def best_only_saves(direction: str, values: Sequence[float]) -> list[Save]:
    """The saves best-only mode makes, one value per epoch end."""
    return [
        saved_at_epoch_end(epoch, TEMPLATE.format(epoch=epoch + 1))
        for epoch in improvements(direction, values)
    ]


def run_best_only(harness, monitor: str, values: Sequence[float], **kwargs):
    epoch_logs = [{monitor: value} for value in values]
    return harness.run(
        fit(len(values), epoch_logs=epoch_logs),
        filepath=TEMPLATE,
        monitor=monitor,
        save_best_only=True,
        **kwargs,
    )


def shown(name: str) -> str:
    """A monitor name as a test id shows it: the empty name as ''."""
    return name or "''"


def _load_inference_table() -> list[tuple[str, str]]:
    text = resources.files("conformance.fixtures").joinpath("mode_inference.json")
    table = json.loads(text.read_text(encoding="utf-8"))
    return [(entry["monitor"], entry["direction"]) for entry in table["names"]]


AUTO_DIRECTIONS = _load_inference_table()

#: What ``mode='auto'`` gives in profile keras3 when the model has no direction
#: for the monitor: a ValueError at the first epoch end.
NO_DIRECTION = "ValueError"


def no_direction(monitor: str, at: str) -> Raises:
    """The error of MODE-2/keras3: it names the monitor and both explicit modes."""
    return raises(ValueError, monitor, "mode='max'", "mode='min'", at=at)


#: Monitors profile keras3 minimises under ``mode='auto'``: the loss, with or
#: without ``val_``.
LOSS_NAMES = ("loss", "val_loss")

#: Monitors no test model is compiled with (Keras 3's built-in test model has
#: ``accuracy`` and ``mae``), so that ``mode='auto'`` finds no direction for
#: them in profile keras3. Only one leading ``val_`` is removed, and the match
#: is case-sensitive.
UNRESOLVED_NAMES = (
    "val_acc",
    "auc",
    "val_auc",
    "my_metric",
    "accumulated_loss",
    "val_val_loss",
    "Loss",
    "my_loss",
    "",
)


#: Metrics the test models are compiled with (``metrics=["accuracy", "mae"]``,
#: the built-in framework models and the probe model alike), each with the
#: direction its ``_direction`` gives under ``mode='auto'`` in profile keras3.
COMPILED_DIRECTIONS = [
    (prefix + name, way)
    for name, way in (("accuracy", "max"), ("mae", "min"))
    for prefix in ("", "val_")
]


def expect_auto_outcome(trace: Trace, monitor: str, outcome: str) -> None:
    """Check a best-only run over :data:`VALUES`: the direction, or NO_DIRECTION."""
    __tracebackhide__ = True
    if outcome == NO_DIRECTION:
        expect(trace, saves=[], error=no_direction(monitor, "on_epoch_end"))
    else:
        expect(trace, saves=best_only_saves(outcome, VALUES))


# -- MODE-1: an explicit mode ----------------------------------------------------------

#: Names whose inferred direction (MODE-2) is sometimes the opposite of the
#: explicit mode, so a callback that ignores the explicit mode is caught.
ANY_NAMES = (
    "loss",
    "val_loss",
    "val_acc",
    "accuracy",
    "auc",
    "accumulated_loss",
    "fmeasure",
    "custom_score",
)


EXPLICIT_CASES = [(mode, name) for mode in ("min", "max") for name in ANY_NAMES]


@pytest.mark.clause("MODE-1")
@pytest.mark.parametrize(
    ("mode", "monitor"),
    EXPLICIT_CASES,
    ids=[f"mode={mode},monitor={name} -> {mode}" for mode, name in EXPLICIT_CASES],
)
def test_an_explicit_mode_sets_the_direction_whatever_the_name(harness, mode, monitor):
    trace = run_best_only(harness, monitor, WALK, mode=mode)

    expect(trace, saves=best_only_saves(mode, WALK))


# -- MODE-2: auto mode reads the name (keras2) or asks the model (keras3) --------------


@pytest.mark.clause("MODE-2/keras2")
@pytest.mark.parametrize(
    ("monitor", "direction"),
    AUTO_DIRECTIONS,
    ids=[f"mode=auto,monitor={shown(name)} -> {way}" for name, way in AUTO_DIRECTIONS],
)
def test_auto_mode_infers_the_direction(harness, monitor, direction):
    trace = run_best_only(harness, monitor, VALUES, mode="auto")

    expect(trace, saves=best_only_saves(direction, VALUES))


@pytest.mark.clause("MODE-2/keras3")
@pytest.mark.parametrize(
    "monitor", LOSS_NAMES, ids=lambda name: f"mode=auto,monitor={name} -> min"
)
def test_auto_mode_minimises_the_loss(harness, monitor):
    trace = run_best_only(harness, monitor, VALUES, mode="auto")

    expect_auto_outcome(trace, monitor, "min")


@pytest.mark.clause("MODE-2/keras3")
@pytest.mark.parametrize(
    ("monitor", "direction"),
    COMPILED_DIRECTIONS,
    ids=[f"mode=auto,monitor={name} -> {way}" for name, way in COMPILED_DIRECTIONS],
)
def test_auto_mode_takes_the_direction_of_the_compiled_metric(
    harness, monitor, direction
):
    trace = run_best_only(harness, monitor, VALUES, mode="auto")

    expect_auto_outcome(trace, monitor, direction)


@pytest.mark.clause("MODE-2/keras3")
@pytest.mark.parametrize(
    "monitor",
    UNRESOLVED_NAMES,
    ids=lambda name: f"mode=auto,monitor={shown(name)} -> ValueError at epoch end",
)
def test_auto_mode_raises_at_the_first_epoch_end_for_a_monitor_with_no_direction(
    harness, monitor
):
    trace = run_best_only(harness, monitor, VALUES, mode="auto")

    expect_auto_outcome(trace, monitor, NO_DIRECTION)


def model_without_metrics(recorder: Recorder) -> Any:
    """A probe model with no ``metrics`` attribute at all."""
    model = ProbeModel(recorder)
    del model.metrics
    return model


@pytest.mark.clause("MODE-2/keras3")
@pytest.mark.parametrize(
    "monitor",
    ["accuracy", "val_mae"],
    ids=lambda name: f"mode=auto,monitor={name},model without metrics -> ValueError",
)
def test_auto_mode_raises_for_a_model_that_has_no_metrics(harness, monitor):
    implementation = dataclasses.replace(
        harness.implementation, make_model=model_without_metrics
    )
    runner = Harness(implementation, harness.folder, harness.clauses)

    trace = run_best_only(runner, monitor, VALUES, mode="auto")

    expect_auto_outcome(trace, monitor, NO_DIRECTION)


@pytest.mark.clause("MODE-2/keras3")
@pytest.mark.parametrize(
    "monitor",
    ["val_acc", "my_metric"],
    ids=lambda name: (
        f"mode=auto,monitor={name},save_freq=1,2 batches"
        " -> 2 saves, then ValueError at epoch end"
    ),
)
def test_auto_mode_is_decided_at_the_first_epoch_end_whatever_save_freq(
    harness, monitor
):
    # Without best-only mode the batch-level saves need no direction, but the
    # epoch end decides it all the same.
    trace = harness.run(
        fit(2, 2, epoch_logs={monitor: 0.5}, batch_logs={monitor: 0.5}),
        filepath=TEMPLATE,
        monitor=monitor,
        save_freq=1,
    )

    expect(
        trace,
        saves=[saved_at_batch_end(0, 0, "m1.h5"), saved_at_batch_end(0, 1, "m1.h5")],
        error=no_direction(monitor, "on_epoch_end"),
    )


#: (monitor, its value at each batch of epoch 0, the outcome)
EARLY_DECISIONS = [
    ("loss", (0.5, 0.4, 0.6, 0.3), "min"),
    ("val_loss", (0.5, 0.6, 0.4, 0.4), "min"),
    ("val_acc", (0.5, 0.6, 0.7, 0.8), NO_DIRECTION),
    ("my_metric", (0.5, 0.6, 0.7, 0.8), NO_DIRECTION),
]


@pytest.mark.clause("MODE-2/keras3")
@pytest.mark.parametrize(
    ("monitor", "values", "outcome"),
    EARLY_DECISIONS,
    ids=[
        f"mode=auto,monitor={name},save_freq=1,epoch 0 batches={list(values)} -> "
        + ("ValueError at the first batch" if outcome == NO_DIRECTION else outcome)
        for name, values, outcome in EARLY_DECISIONS
    ],
)
def test_a_batch_level_decision_before_any_epoch_end_decides_the_direction(
    harness, monitor, values, outcome
):
    events = [Event("on_train_begin", logs={}), Event("on_epoch_begin", 0, {}, 0)]
    for batch, value in enumerate(values):
        events.append(Event("on_train_batch_begin", batch, {}, 0))
        events.append(Event("on_train_batch_end", batch, {monitor: value}, 0))

    trace = harness.run(
        events, filepath=TEMPLATE, monitor=monitor, save_best_only=True, save_freq=1
    )

    if outcome == NO_DIRECTION:
        error = no_direction(monitor, "on_train_batch_end")
        expect(trace, saves=[], error=error)
    else:
        batches = improvements(outcome, values)
        expect(trace, saves=[saved_at_batch_end(0, b, "m1.h5") for b in batches])


# -- MODE-3: the two names the API page states -----------------------------------------

PAGE_EXAMPLES = [
    (given, name, way)
    for given in (True, False)
    for name, way in (("val_acc", "max"), ("val_loss", "min"))
]


@pytest.mark.clause("MODE-3/keras2")
@pytest.mark.parametrize(
    ("mode_given", "monitor", "direction"),
    PAGE_EXAMPLES,
    ids=[
        f"{'mode=auto' if given else 'mode omitted'},monitor={name} -> {way}"
        for given, name, way in PAGE_EXAMPLES
    ],
)
def test_auto_mode_follows_the_api_page_examples(
    harness, mode_given, monitor, direction
):
    kwargs = {"mode": "auto"} if mode_given else {}

    trace = run_best_only(harness, monitor, VALUES, **kwargs)

    expect(trace, saves=best_only_saves(direction, VALUES))


PAGE_EXAMPLES_KERAS3 = [
    (given, name, outcome)
    for given in (True, False)
    for name, outcome in (("val_acc", NO_DIRECTION), ("val_loss", "min"))
]


@pytest.mark.clause("MODE-3/keras3")
@pytest.mark.parametrize(
    ("mode_given", "monitor", "outcome"),
    PAGE_EXAMPLES_KERAS3,
    ids=[
        f"{'mode=auto' if given else 'mode omitted'},monitor={name} -> {outcome}"
        for given, name, outcome in PAGE_EXAMPLES_KERAS3
    ],
)
def test_auto_mode_minimises_val_loss_but_cannot_read_val_acc(
    harness, mode_given, monitor, outcome
):
    kwargs = {"mode": "auto"} if mode_given else {}

    trace = run_best_only(harness, monitor, VALUES, **kwargs)

    expect_auto_outcome(trace, monitor, outcome)


# -- MODE-4: an unknown mode falls back to auto ----------------------------------------

#: Near misses of the valid modes (case, spelling, spacing) and non-strings.
UNKNOWN_MODES = ("MIN", "Max", "AUTO", "minimum", "max ", "", "foo", None)

#: Auto-mode directions (MODE-2) that differ from what each near miss suggests.
FALLBACK_NAMES = (("val_loss", "min"), ("val_acc", "max"), ("loss", "min"))
FALLBACK_NAMES += (("accuracy", "max"),)

FALLBACK_CASES = [
    (mode, name, way) for mode in UNKNOWN_MODES for name, way in FALLBACK_NAMES
]


@pytest.mark.clause("MODE-4/keras2")
@pytest.mark.parametrize(
    ("mode", "monitor", "direction"),
    FALLBACK_CASES,
    ids=[
        f"mode={mode!r},monitor={name} -> {way}" for mode, name, way in FALLBACK_CASES
    ],
)
def test_an_unknown_mode_behaves_as_auto(harness, mode, monitor, direction):
    trace = run_best_only(harness, monitor, VALUES, mode=mode)

    # The warning is CON-4's business; here only the direction counts.
    expect(trace, saves=best_only_saves(direction, VALUES))


#: Auto-mode outcomes of profile keras3 (MODE-2/keras3), two of each kind.
FALLBACK_OUTCOMES = (("val_loss", "min"), ("loss", "min"))
FALLBACK_OUTCOMES += (("val_acc", NO_DIRECTION), ("my_metric", NO_DIRECTION))

FALLBACK_CASES_KERAS3 = [
    (mode, name, outcome)
    for mode in UNKNOWN_MODES
    for name, outcome in FALLBACK_OUTCOMES
]


@pytest.mark.clause("MODE-4/keras3")
@pytest.mark.parametrize(
    ("mode", "monitor", "outcome"),
    FALLBACK_CASES_KERAS3,
    ids=[
        f"mode={mode!r},monitor={name} -> {outcome}"
        for mode, name, outcome in FALLBACK_CASES_KERAS3
    ],
)
def test_an_unknown_mode_behaves_as_auto_deciding_at_the_first_epoch_end(
    harness, mode, monitor, outcome
):
    trace = run_best_only(harness, monitor, VALUES, mode=mode)

    # The warning is CON-4's business; here only the direction counts.
    expect_auto_outcome(trace, monitor, outcome)

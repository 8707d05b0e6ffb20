"""HOOK: the callback protocol, hook by hook."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pytest

from conformance.expect import expect
from conformance.harness import Save, saved_at_batch_end, saved_at_epoch_end
from conformance.lifecycle import (
    ALL_HOOKS,
    INDEXED_HOOKS,
    NO_LOGS,
    Event,
    Lifecycle,
    fit,
)

# -- lifecycles ------------------------------------------------------------------------

#: The hooks a training loop calls before each hook, so that every hook is
#: reached the way a loop reaches it (SPEC.md leaves other orders open, OPEN-7).
BEFORE: dict[str, tuple[str, ...]] = {
    "on_train_begin": (),
    "on_train_end": ("on_train_begin",),
    "on_epoch_begin": ("on_train_begin",),
    "on_epoch_end": ("on_train_begin", "on_epoch_begin"),
    "on_train_batch_begin": ("on_train_begin", "on_epoch_begin"),
    "on_train_batch_end": ("on_train_begin", "on_epoch_begin", "on_train_batch_begin"),
    "on_batch_begin": ("on_train_begin", "on_epoch_begin"),
    "on_batch_end": ("on_train_begin", "on_epoch_begin", "on_batch_begin"),
    "on_test_begin": (),
    "on_test_end": ("on_test_begin",),
    "on_test_batch_begin": ("on_test_begin",),
    "on_test_batch_end": ("on_test_begin", "on_test_batch_begin"),
    "on_predict_begin": (),
    "on_predict_end": ("on_predict_begin",),
    "on_predict_batch_begin": ("on_predict_begin",),
    "on_predict_batch_end": ("on_predict_begin", "on_predict_batch_begin"),
}
# A hook added to the protocol must be given its place above.
assert set(BEFORE) == ALL_HOOKS

EVALUATION_HOOKS = sorted(h for h in ALL_HOOKS if h.startswith(("on_test", "on_pred")))


def call(hook: str, logs: Any = None, *, epoch: int | None = None) -> Event:
    """``hook`` with ``logs``: epoch hooks at ``epoch``, batch hooks at batch 0."""
    if hook in ("on_epoch_begin", "on_epoch_end"):
        index = epoch or 0
    else:
        index = 0 if hook in INDEXED_HOOKS else None
    return Event(hook, index, {} if logs is None else logs, epoch)


def reaching(hook: str, logs: Any, *, epoch: int | None = 0) -> Lifecycle:
    """The calls that lead to ``hook``, then ``hook`` itself with ``logs``."""
    return (
        *(call(h, epoch=epoch) for h in BEFORE[hook]),
        call(hook, logs, epoch=epoch),
    )


def during_an_epoch(events: Iterable[Event]) -> Lifecycle:
    """``events`` inside epoch 0 of a fit, before its end (as validation is)."""
    start = (call("on_train_begin"), call("on_epoch_begin", epoch=0))
    return (*start, *events)


def with_logs(event: Event, logs: Any) -> Event:
    """``event`` with other logs; ``None`` stays None (unlike in :func:`call`)."""
    return Event(event.hook, event.index, logs, event.epoch)


def evaluation(
    batches: int, logs: Mapping[str, Any], *, epoch: int | None
) -> Lifecycle:
    """An evaluation pass whose every hook reports ``logs``."""
    events = [Event("on_test_begin", logs=dict(logs), epoch=epoch)]
    for batch in range(batches):
        events.append(Event("on_test_batch_begin", batch, dict(logs), epoch))
        events.append(Event("on_test_batch_end", batch, dict(logs), epoch))
    events.append(Event("on_test_end", logs=dict(logs), epoch=epoch))
    return tuple(events)


def prediction(batches: int, logs: Mapping[str, Any]) -> Lifecycle:
    """A prediction pass whose every hook reports ``logs``."""
    events = [Event("on_predict_begin", logs=dict(logs))]
    for batch in range(batches):
        events.append(Event("on_predict_batch_begin", batch, dict(logs)))
        events.append(Event("on_predict_batch_end", batch, dict(logs)))
    events.append(Event("on_predict_end", logs=dict(logs)))
    return tuple(events)


def batch_attempts(batches_per_epoch: Sequence[int], save_freq: int) -> list[tuple]:
    """The oracle: (epoch, batch) of each batch-level attempt, counting across
    epochs, for epochs of consecutive batch indices from 0."""
    every = max(save_freq, 1)
    ends = [(e, b) for e, count in enumerate(batches_per_epoch) for b in range(count)]
    return [where for n, where in enumerate(ends, 1) if n % every == 0]


def best_only_epochs(values: Sequence[float], mode: str) -> list[int]:
    """The oracle: the epochs at which best-only mode saves one value per epoch."""
    best, saved = (math.inf if mode == "min" else -math.inf), []
    for epoch, value in enumerate(values):
        if value < best if mode == "min" else value > best:
            best = value
            saved.append(epoch)
    return saved


# -- HOOK-1: every hook exists and takes its arguments ---------------------------------

LOGS_GIVEN = {"loss": 0.5, "val_loss": 0.5}
HOOK_CALLS = [
    (hook, logs, freq)
    for hook in sorted(ALL_HOOKS)
    for logs in (LOGS_GIVEN, NO_LOGS)
    for freq in ("epoch", 1)
]


def _call_id(hook: str, logs: Any, freq: Any) -> str:
    index = "0" if hook in INDEXED_HOOKS else ""
    if logs is NO_LOGS:
        return f"save_freq={freq!r},{hook}({index}) with logs left out"
    return f"save_freq={freq!r},{hook}({', '.join(filter(None, (index, 'logs')))})"


@pytest.mark.clause("HOOK-1")
@pytest.mark.parametrize(
    ("hook", "logs", "save_freq"),
    HOOK_CALLS,
    ids=[f"{_call_id(*case)} -> callable" for case in HOOK_CALLS],
)
def test_every_hook_is_callable_with_and_without_logs(harness, hook, logs, save_freq):
    trace = harness.run(reaching(hook, logs), filepath="m.h5", save_freq=save_freq)

    expect(trace, error=None)


@pytest.mark.clause("HOOK-1")
def test_set_model_is_callable(harness):
    trace = harness.run((), set_model=True, filepath="m.h5")

    expect(trace, error=None, saves=[])


@pytest.mark.clause("HOOK-1")
def test_set_params_is_callable(harness):
    trace = harness.run((), params={"epochs": 1, "steps": 1}, filepath="m.h5")

    expect(trace, error=None, saves=[])


# -- HOOK-2: evaluation and prediction are inert ---------------------------------------

#: Logs an evaluation hook might carry; the first would be an improvement, the
#: second lacks the monitor (a warning, if it were a save decision).
TEMPTING_LOGS = {
    "an improving loss": {"loss": 0.1, "val_loss": 0.1},
    "no monitor": {"accuracy": 0.9},
    "a batch key": {"batch": 3, "size": 8, "loss": 0.1},
    "empty logs": {},
    "logs=None": None,
    "logs left out": NO_LOGS,
}
#: Best-only, verbose and monitored: any save decision would leave a trace.
WATCHFUL = {
    "filepath": "m{epoch}.h5",
    "verbose": 1,
    "save_best_only": True,
    "monitor": "loss",
    "mode": "min",
}
INERT_CASES = [
    (hook, name, freq)
    for hook in EVALUATION_HOOKS
    for name in TEMPTING_LOGS
    for freq in ("epoch", 1)
]


@pytest.mark.clause("HOOK-2")
@pytest.mark.parametrize(
    ("hook", "logs_name", "save_freq"),
    INERT_CASES,
    ids=[
        f"save_freq={freq!r},{hook} with {name} -> no save, print or warning"
        for hook, name, freq in INERT_CASES
    ],
)
def test_evaluation_and_prediction_hooks_never_save_print_or_warn(
    harness, hook, logs_name, save_freq
):
    *before, under_test = reaching(hook, None)
    events = [*before, with_logs(under_test, TEMPTING_LOGS[logs_name])]
    # Evaluation runs inside an epoch, as validation does; prediction on its own.
    lifecycle = during_an_epoch(events) if hook.startswith("on_test") else events

    trace = harness.run(lifecycle, save_freq=save_freq, **WATCHFUL)

    expect(trace, saves=[], lines=[], warnings=[])


# -- HOOK-3: the training hooks that never save ----------------------------------------

NON_SAVING = (
    "on_train_begin",
    "on_train_end",
    "on_epoch_begin",
    "on_train_batch_begin",
)
TRAINING_CONFIGS = {
    "save_freq='epoch'": {"filepath": "m.h5"},
    "save_freq=1": {"filepath": "m.h5", "save_freq": 1},
    "best-only,save_freq='epoch'": WATCHFUL,
    "best-only,save_freq=1": WATCHFUL | {"save_freq": 1},
}
NON_SAVING_CASES = [(hook, name) for hook in NON_SAVING for name in TRAINING_CONFIGS]


@pytest.mark.clause("HOOK-3")
@pytest.mark.parametrize(
    ("hook", "config"),
    NON_SAVING_CASES,
    ids=[f"{config},{hook} -> no save" for hook, config in NON_SAVING_CASES],
)
def test_begin_and_end_of_training_never_save(harness, hook, config):
    lifecycle = reaching(hook, {"loss": 0.1, "val_loss": 0.1, "batch": 1})

    trace = harness.run(lifecycle, **TRAINING_CONFIGS[config])

    expect(trace, saves=[])


# -- HOOK-4: the legacy batch hooks, called directly -----------------------------------

LEGACY = {
    "on_batch_begin": ("on_batch_begin",),
    "on_batch_end": ("on_batch_end",),
    "both": ("on_batch_begin", "on_batch_end"),
}
LEGACY_FREQS = (1, 2, 0, -1, True)
LEGACY_CASES = [(name, freq) for name in LEGACY for freq in LEGACY_FREQS]


def legacy_batches(hooks: Sequence[str], count: int, *, epoch: int) -> list[Event]:
    return [
        Event(hook, batch, {"loss": 0.1}, epoch)
        for batch in range(count)
        for hook in hooks
    ]


@pytest.mark.clause("HOOK-4")
@pytest.mark.parametrize(
    ("legacy", "save_freq"),
    LEGACY_CASES,
    ids=[f"save_freq={f!r},{name} x4 -> no save" for name, f in LEGACY_CASES],
)
def test_a_direct_legacy_batch_hook_does_not_save(harness, legacy, save_freq):
    lifecycle = during_an_epoch(legacy_batches(LEGACY[legacy], 4, epoch=0))

    trace = harness.run(lifecycle, filepath="m.h5", save_freq=save_freq)

    expect(trace, saves=[])


@pytest.mark.clause("HOOK-4")
@pytest.mark.parametrize("save_freq", [2, 3, 4], ids=lambda f: f"save_freq={f}")
def test_a_direct_legacy_batch_hook_does_not_count_a_batch(harness, save_freq):
    # N - 1 legacy batches in epoch 0: counted, they would bring the save of
    # epoch 1 forward from its N-th training batch to its first.
    lifecycle = (
        call("on_train_begin"),
        call("on_epoch_begin", epoch=0),
        *legacy_batches(LEGACY["both"], save_freq - 1, epoch=0),
        Event("on_epoch_end", 0, {"loss": 0.1}, 0),
        *fit(1, save_freq, initial_epoch=1)[1:],
    )

    trace = harness.run(lifecycle, filepath="m{epoch}.h5", save_freq=save_freq)

    expect(trace, saves=[saved_at_batch_end(1, save_freq - 1, "m2.h5")])


@pytest.mark.clause("HOOK-4")
@pytest.mark.parametrize("save_freq", [2, 3, 4], ids=lambda f: f"save_freq={f}")
def test_legacy_calls_beside_training_batches_do_not_count(harness, save_freq):
    epochs, batches = 2, 3
    events = [call("on_train_begin")]
    for epoch in range(epochs):
        events.append(call("on_epoch_begin", epoch=epoch))
        for batch in range(batches):
            events += [
                Event("on_train_batch_begin", batch, {}, epoch),
                Event("on_batch_begin", batch, {}, epoch),
                Event("on_train_batch_end", batch, {"loss": 0.1}, epoch),
                Event("on_batch_end", batch, {"loss": 0.1}, epoch),
            ]
        events.append(Event("on_epoch_end", epoch, {"loss": 0.1}, epoch))
    expected = [
        saved_at_batch_end(epoch, batch, f"m{epoch + 1}.h5")
        for epoch, batch in batch_attempts([batches] * epochs, save_freq)
    ]

    trace = harness.run(events, filepath="m{epoch}.h5", save_freq=save_freq)

    expect(trace, saves=expected)


# -- HOOK-5: logs=None -----------------------------------------------------------------


@pytest.mark.clause("HOOK-5")
@pytest.mark.parametrize(
    "hook", sorted(ALL_HOOKS), ids=lambda h: f"{h}(logs=None) -> accepted"
)
def test_every_hook_accepts_logs_none(harness, hook):
    *before, under_test = reaching(hook, None)
    lifecycle = (*before, with_logs(under_test, None))

    trace = harness.run(lifecycle, filepath="m.h5")

    expect(trace, error=None)


EPOCH_TEMPLATES = [
    ("m.h5", False),
    ("m{epoch}.h5", False),
    ("ckpt/m{epoch:02d}.h5", False),
    ("w{epoch}.weights.h5", True),
]


@pytest.mark.clause("HOOK-5")
@pytest.mark.parametrize(
    ("template", "weights_only"),
    EPOCH_TEMPLATES,
    ids=[
        f"filepath={t!r},on_epoch_end(logs=None) -> saves" for t, _ in EPOCH_TEMPLATES
    ],
)
def test_epoch_end_treats_logs_none_as_empty(harness, template, weights_only):
    method = "save_weights" if weights_only else "save"

    trace = harness.run(
        fit(2, epoch_logs=[None, None]),
        filepath=template,
        save_weights_only=weights_only,
    )

    expect(
        trace,
        saves=[
            saved_at_epoch_end(e, template.format(epoch=e + 1), method) for e in (0, 1)
        ],
    )


@pytest.mark.clause("HOOK-5")
def test_epoch_end_logs_none_among_dict_logs(harness):
    trace = harness.run(
        fit(3, epoch_logs=[{"loss": 0.5}, None, {"loss": 0.4}]),
        filepath="m{epoch}.h5",
    )

    expect(
        trace,
        saves=[saved_at_epoch_end(e, f"m{e + 1}.h5") for e in range(3)],
    )


BATCH_NONE_CASES = [
    (template, freq)
    for template in ("m{epoch}.h5", "m{epoch}-{batch}.h5")
    for freq in (1, 2)
]


@pytest.mark.clause("HOOK-5")
@pytest.mark.parametrize(
    ("template", "save_freq"),
    BATCH_NONE_CASES,
    ids=[
        f"filepath={t!r},save_freq={f},on_train_batch_end(logs=None) -> saves"
        for t, f in BATCH_NONE_CASES
    ],
)
def test_train_batch_end_treats_logs_none_as_empty(harness, template, save_freq):
    lifecycle = [
        with_logs(event, None) if event.hook == "on_train_batch_end" else event
        for event in fit(2, 2, epoch_logs={"loss": 0.5})
    ]
    expected = [
        saved_at_batch_end(
            epoch, batch, template.format(epoch=epoch + 1, batch=batch + 1)
        )
        for epoch, batch in batch_attempts([2, 2], save_freq)
    ]

    trace = harness.run(lifecycle, filepath=template, save_freq=save_freq)

    expect(trace, saves=expected)


# -- HOOK-6: evaluation and prediction do not disturb training -------------------------

COUNT_CASES = [(freq, k) for freq in (2, 3, 4, 5) for k in (1, 3)]


@pytest.mark.clause("HOOK-6")
@pytest.mark.parametrize(
    ("save_freq", "eval_batches"),
    COUNT_CASES,
    ids=[
        f"save_freq={f},validation of {k} batches -> training batches alone count"
        for f, k in COUNT_CASES
    ],
)
def test_evaluation_and_prediction_do_not_count_batches(
    harness, save_freq, eval_batches
):
    # Two fits of two epochs of three batches, each epoch validated, with a
    # prediction and an evaluation between the fits.
    def one_fit() -> list[Event]:
        events = [call("on_train_begin")]
        for epoch in range(2):
            events.append(call("on_epoch_begin", epoch=epoch))
            for batch in range(3):
                events.append(Event("on_train_batch_begin", batch, {}, epoch))
                events.append(Event("on_train_batch_end", batch, {"loss": 0.5}, epoch))
            events += evaluation(eval_batches, {"loss": 0.4}, epoch=epoch)
            logs = {"loss": 0.5, "val_loss": 0.4}
            events.append(Event("on_epoch_end", epoch, logs, epoch))
        events.append(call("on_train_end"))
        return events

    lifecycle = [
        *one_fit(),
        *prediction(eval_batches, {"outputs": [0.0]}),
        *evaluation(eval_batches, {"loss": 0.4}, epoch=None),
        *one_fit(),
    ]
    attempts = batch_attempts([3, 3, 3, 3], save_freq)
    expected = [saved_at_batch_end(n % 2, b, f"m{n % 2 + 1}.h5") for n, b in attempts]

    trace = harness.run(lifecycle, filepath="m{epoch}.h5", save_freq=save_freq)

    expect(trace, saves=expected)


#: (monitor, mode, values per epoch, a value evaluation reports, what it is)
BEST_CASES = [
    ("loss", "min", (0.5, 0.4, 0.45, 0.3), 0.01, "better"),
    ("loss", "min", (0.5, 0.4, 0.45, 0.3), 99.0, "worse"),
    ("val_loss", "min", (0.5, 0.4, 0.45, 0.3), 0.01, "better"),
    ("val_loss", "min", (0.5, 0.4, 0.45, 0.3), 99.0, "worse"),
    ("loss", "max", (0.5, 0.6, 0.55, 0.7), 99.0, "better"),
    ("loss", "max", (0.5, 0.6, 0.55, 0.7), -1.0, "worse"),
    ("val_loss", "max", (0.5, 0.6, 0.55, 0.7), 99.0, "better"),
    ("val_loss", "max", (0.5, 0.6, 0.55, 0.7), -1.0, "worse"),
]


@pytest.mark.clause("HOOK-6")
@pytest.mark.parametrize(
    ("monitor", "mode", "values", "reported", "kind"),
    BEST_CASES,
    ids=[
        f"mode={mode},monitor={m},evaluation reports a {kind} {m} -> best unchanged"
        for m, mode, _, _, kind in BEST_CASES
    ],
)
def test_evaluation_and_prediction_do_not_change_the_best(
    harness, monitor, mode, values, reported, kind
):
    logs = {monitor: reported}
    events = [call("on_train_begin")]
    for epoch, value in enumerate(values):
        events.append(call("on_epoch_begin", epoch=epoch))
        events += evaluation(2, logs, epoch=epoch)
        events += prediction(1, logs)
        events.append(Event("on_epoch_end", epoch, {monitor: value}, epoch))
    events.append(call("on_train_end"))

    trace = harness.run(
        events, filepath="m{epoch}.h5", monitor=monitor, mode=mode, save_best_only=True
    )

    expect(
        trace,
        saves=[
            saved_at_epoch_end(e, f"m{e + 1}.h5")
            for e in best_only_epochs(values, mode)
        ],
    )


BATCH_BEST_CASES = [c for c in BEST_CASES if c[0] == "loss"]


@pytest.mark.clause("HOOK-6")
@pytest.mark.parametrize(
    ("monitor", "mode", "values", "reported", "kind"),
    BATCH_BEST_CASES,
    ids=[
        f"save_freq=1,mode={mode},evaluation reports a {kind} {m} -> best unchanged"
        for m, mode, _, _, kind in BATCH_BEST_CASES
    ],
)
def test_evaluation_does_not_change_the_best_of_batch_level_saves(
    harness, monitor, mode, values, reported, kind
):
    # One training batch per epoch: each batch-level decision follows an epoch
    # end, as after the first epoch of any real fit.
    logs = {monitor: reported}
    events = [call("on_train_begin")]
    for epoch, value in enumerate(values):
        events.append(call("on_epoch_begin", epoch=epoch))
        events += evaluation(2, logs, epoch=epoch)
        events.append(Event("on_train_batch_begin", 0, {}, epoch))
        events.append(Event("on_train_batch_end", 0, {monitor: value}, epoch))
        events += evaluation(2, logs, epoch=epoch)
        events.append(Event("on_epoch_end", epoch, {monitor: value}, epoch))
    events.append(call("on_train_end"))

    trace = harness.run(
        events,
        filepath="m{epoch}.h5",
        monitor=monitor,
        mode=mode,
        save_best_only=True,
        save_freq=1,
    )

    expect(
        trace,
        saves=[
            saved_at_batch_end(e, 0, f"m{e + 1}.h5")
            for e in best_only_epochs(values, mode)
        ],
    )


# -- HOOK-7: set_params ----------------------------------------------------------------

PARAMS = {
    "fit's usual params": {"epochs": 3, "steps": 4, "verbose": 1},
    "unknown steps": {"epochs": 1, "steps": None, "verbose": 2},
    "Keras 2 era params": {
        "epochs": 10,
        "steps": 2,
        "batch_size": 32,
        "samples": 64,
        "do_validation": True,
        "metrics": ["loss", "val_loss"],
    },
    "empty params": {},
    "zero epochs and steps": {"epochs": 0, "steps": 0},
    "params named like arguments": {
        "save_freq": 1,
        "verbose": 1,
        "monitor": "val_loss",
    },
}
LOSSES = [{"loss": 0.5}, {"loss": 0.6}, {"loss": 0.4}]
PARAMS_CONFIGS: dict[str, tuple[dict[str, Any], list[Save]]] = {
    "save_freq='epoch'": (
        {"filepath": "m{epoch}.h5"},
        [saved_at_epoch_end(e, f"m{e + 1}.h5") for e in range(3)],
    ),
    "save_freq=2": (
        {"filepath": "m{epoch}.h5", "save_freq": 2},
        [
            saved_at_batch_end(e, b, f"m{e + 1}.h5")
            for e, b in batch_attempts([2, 2, 2], 2)
        ],
    ),
    "best-only": (
        {"filepath": "m{epoch}.h5", "save_best_only": True, "monitor": "loss"}
        | {"mode": "min"},
        [saved_at_epoch_end(e, f"m{e + 1}.h5") for e in (0, 2)],
    ),
}
PARAMS_CASES = [(p, c) for p in PARAMS for c in PARAMS_CONFIGS]


@pytest.mark.clause("HOOK-7")
@pytest.mark.parametrize(
    ("params_name", "config"),
    PARAMS_CASES,
    ids=[
        f"{config},set_params with {p} -> saves unchanged" for p, config in PARAMS_CASES
    ],
)
def test_set_params_does_not_change_the_saves(harness, params_name, config):
    kwargs, expected = PARAMS_CONFIGS[config]

    trace = harness.run(
        fit(3, 2, epoch_logs=LOSSES, batch_logs={"loss": 0.5}),
        params=PARAMS[params_name],
        **kwargs,
    )

    expect(trace, saves=expected)

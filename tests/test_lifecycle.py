"""Lifecycles: the hook calls fit, evaluate and predict make, and how they read."""

from __future__ import annotations

import numpy as np
import pytest

from conformance.lifecycle import NO_LOGS, Event, describe, evaluate, fit, predict


def calls(lifecycle: tuple[Event, ...]) -> list[tuple[str, int | None, int | None]]:
    """Each event as (hook, index, epoch), for comparing sequences at a glance."""
    return [(event.hook, event.index, event.epoch) for event in lifecycle]


def test_fit_calls_the_hooks_of_each_epoch_and_batch_in_order() -> None:
    assert calls(fit(2, 2)) == [
        ("on_train_begin", None, None),
        ("on_epoch_begin", 0, 0),
        ("on_train_batch_begin", 0, 0),
        ("on_train_batch_end", 0, 0),
        ("on_train_batch_begin", 1, 0),
        ("on_train_batch_end", 1, 0),
        ("on_epoch_end", 0, 0),
        ("on_epoch_begin", 1, 1),
        ("on_train_batch_begin", 0, 1),
        ("on_train_batch_end", 0, 1),
        ("on_train_batch_begin", 1, 1),
        ("on_train_batch_end", 1, 1),
        ("on_epoch_end", 1, 1),
        ("on_train_end", None, None),
    ]


def test_fit_numbers_epochs_from_the_initial_epoch() -> None:
    epochs = [e.index for e in fit(2, initial_epoch=3) if e.hook == "on_epoch_end"]

    assert epochs == [3, 4]


def test_fit_reports_the_batch_indices_it_is_given() -> None:
    batches = [e.index for e in fit(1, [2, 5]) if e.hook == "on_train_batch_end"]

    assert batches == [2, 5]


def test_fit_with_validation_evaluates_before_each_epoch_end() -> None:
    epoch = calls(fit(1, 1, validation=True))[1:-1]

    assert epoch == [
        ("on_epoch_begin", 0, 0),
        ("on_train_batch_begin", 0, 0),
        ("on_train_batch_end", 0, 0),
        ("on_test_begin", None, 0),
        ("on_test_batch_begin", 0, 0),
        ("on_test_batch_end", 0, 0),
        ("on_test_end", None, 0),
        ("on_epoch_end", 0, 0),
    ]


def test_fit_gives_each_epoch_its_own_logs() -> None:
    lifecycle = fit(3, epoch_logs=[{"loss": 0.3}, None, NO_LOGS])

    ends = [e for e in lifecycle if e.hook == "on_epoch_end"]

    assert [e.args() for e in ends] == [(0, {"loss": 0.3}), (1, None), (2,)]


def test_fit_refuses_per_epoch_logs_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="got 2 per-epoch values for 3 epochs"):
        fit(3, epoch_logs=[{}, {}])


def test_evaluate_and_predict_never_call_a_training_hook() -> None:
    hooks = {event.hook for event in evaluate(2) + predict(2)}

    assert not any("train" in hook or "epoch" in hook for hook in hooks)


BAD_EVENTS = {
    "fit_begin -> not a hook": ("on_fit_begin", None),
    "train_begin(0) -> takes no index": ("on_train_begin", 0),
    "epoch_end() -> needs an index": ("on_epoch_end", None),
}


@pytest.mark.parametrize(("hook", "index"), BAD_EVENTS.values(), ids=BAD_EVENTS)
def test_an_event_refuses_a_hook_keras_does_not_call_that_way(
    hook: str, index: int | None
) -> None:
    with pytest.raises(ValueError, match=hook):
        Event(hook, index)


def test_describe_folds_the_batches_of_each_epoch_into_a_range() -> None:
    lifecycle = fit(2, 3, epoch_logs={"loss": 0.1})

    assert describe(lifecycle).splitlines() == [
        "train_begin",
        "epoch_begin(0)  train_batch 0..2  epoch_end(0) loss=0.1",
        "epoch_begin(1)  train_batch 0..2  epoch_end(1) loss=0.1",
        "train_end",
    ]


def test_describe_keeps_jumps_between_batch_indices_visible() -> None:
    lifecycle = fit(1, [0, 1, 4, 7, 8])

    assert describe(lifecycle).splitlines()[1] == (
        "epoch_begin(0)  train_batch 0..1  train_batch 4  train_batch 7..8  "
        "epoch_end(0)"
    )


def test_describe_starts_a_new_range_when_the_batch_logs_change() -> None:
    lifecycle = (
        Event("on_train_batch_end", 0, {"loss": 1.0}, 0),
        Event("on_train_batch_end", 1, {"loss": 1.0}, 0),
        Event("on_train_batch_end", 2, {"loss": 0.5}, 0),
    )

    assert describe(lifecycle) == "train_batch 0..1 loss=1.0  train_batch 2 loss=0.5"


def test_describe_shows_batch_logs_that_hold_arrays() -> None:
    lifecycle = (
        Event("on_train_batch_end", 0, {"loss": np.array([1.0, 2.0])}, 0),
        Event("on_train_batch_end", 1, {"loss": np.array([1.0, 2.0])}, 0),
        Event("on_train_batch_end", 2, {"loss": np.array([0.5, 2.0])}, 0),
    )

    assert describe(lifecycle) == (
        "train_batch 0..1 loss=array([1., 2.])  train_batch 2 loss=array([0.5, 2. ])"
    )

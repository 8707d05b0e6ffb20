"""The harness: what it records of a callback driven through a lifecycle."""

from __future__ import annotations

import dataclasses
import logging
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.harness import Harness, Save, saved_at_batch_end, saved_at_epoch_end
from conformance.implementations import Implementation
from conformance.lifecycle import Event, fit


def save_as(path: str) -> Callable[..., None]:
    """A hook action that saves the model at ``path``."""
    return lambda callback, *args: callback.model.save(path, overwrite=True)


def test_a_save_in_an_epoch_hook_is_recorded_with_its_epoch(scripted: Harness) -> None:
    trace = scripted.run(fit(2), on_epoch_end=save_as("m.keras"))

    assert trace.saves == [
        saved_at_epoch_end(0, "m.keras"),
        saved_at_epoch_end(1, "m.keras"),
    ]


def test_a_save_in_a_batch_hook_is_recorded_with_its_epoch_and_batch(
    scripted: Harness,
) -> None:
    def save_second_batch(callback: Any, batch: int, logs: Any) -> None:
        if batch == 1:
            callback.model.save_weights("w.weights.h5")

    trace = scripted.run(
        fit(2, 3, initial_epoch=4), on_train_batch_end=save_second_batch
    )

    assert trace.saves == [
        saved_at_batch_end(4, 1, "w.weights.h5", method="save_weights"),
        saved_at_batch_end(5, 1, "w.weights.h5", method="save_weights"),
    ]


def test_a_save_keeps_its_keyword_arguments_outside_equality(
    scripted: Harness,
) -> None:
    trace = scripted.run(fit(1), on_epoch_end=save_as("m.keras"))

    [save] = trace.saves
    assert save.kwargs == {"overwrite": True}
    assert save == Save("save", "m.keras", "on_epoch_end", 0)


class SavesOnSetModel:
    """A callback that saves as soon as it is given a model."""

    def __init__(self, filepath: str) -> None:
        self.filepath = filepath

    def set_model(self, model: Any) -> None:
        model.save(self.filepath)


def test_a_save_outside_any_hook_has_no_hook(tmp_path: Path) -> None:
    harness = Harness(Implementation("early", SavesOnSetModel), tmp_path)

    trace = harness.run(filepath="m.keras")

    assert trace.saves == [Save("save", "m.keras")]


def test_an_absolute_path_inside_the_folder_is_recorded_relative_to_it(
    scripted: Harness,
) -> None:
    absolute = str(scripted.folder / "m.keras")

    trace = scripted.run(fit(1), on_epoch_end=save_as(absolute))

    assert [save.path for save in trace.saves] == ["m.keras"]


def test_every_file_left_in_the_folder_is_listed(scripted: Harness) -> None:
    def save_nested(callback: Any, epoch: int, logs: Any) -> None:
        os.makedirs(f"run/{epoch}")
        callback.model.save(f"run/{epoch}/m.keras")

    trace = scripted.run(fit(2), on_epoch_end=save_nested)

    assert trace.files == ["run/0/m.keras", "run/1/m.keras"]


def test_printed_lines_are_captured_without_blank_ones(scripted: Harness) -> None:
    def report(callback: Any, epoch: int, logs: Any) -> None:
        print(f"\nEpoch {epoch + 1}: saving")

    trace = scripted.run(fit(2), on_epoch_end=report)

    assert trace.lines == ["Epoch 1: saving", "Epoch 2: saving"]


WARNING_CHANNELS: dict[str, Callable[[str], None]] = {
    "warnings.warn": lambda text: warnings.warn(text, UserWarning, stacklevel=2),
    "logging.getLogger('tensorflow').warning": logging.getLogger("tensorflow").warning,
    "logging.getLogger('absl').warning": logging.getLogger("absl").warning,
    "logging.warning": logging.warning,
    "logging.getLogger('keras').error": logging.getLogger("keras").error,
}


@pytest.mark.parametrize(
    "channel",
    WARNING_CHANNELS.values(),
    ids=[f"{name} -> one warning" for name in WARNING_CHANNELS],
)
def test_a_warning_is_captured_once_whatever_its_channel(
    scripted: Harness, channel: Callable[[str], None]
) -> None:
    trace = scripted.run(fit(1), on_epoch_end=lambda *_: channel("skipping"))

    assert trace.warnings == ["skipping"]


def test_an_info_log_record_is_not_a_warning(scripted: Harness) -> None:
    info = logging.getLogger("tensorflow").info

    trace = scripted.run(fit(1), on_epoch_end=lambda *_: info("saving"))

    assert trace.warnings == []


def test_a_quiet_logger_is_heard_during_the_run_and_restored_after(
    scripted: Harness,
) -> None:
    logger = logging.getLogger("tensorflow")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        trace = scripted.run(fit(1), on_epoch_end=lambda *_: logger.warning("hi"))
        level_after = logger.level
    finally:
        logger.setLevel(previous)

    assert trace.warnings == ["hi"]
    assert level_after == logging.ERROR


def test_warnings_the_framework_emits_on_its_own_are_ignored(
    scripted: Harness,
) -> None:
    implementation = dataclasses.replace(
        scripted.implementation, ignored_warnings=(r"^framework noise",)
    )
    harness = Harness(implementation, scripted.folder)

    def warn_twice(*_: Any) -> None:
        warnings.warn("framework noise: array copy", UserWarning, stacklevel=2)
        warnings.warn("callback warning", UserWarning, stacklevel=2)

    trace = harness.run(fit(1), on_epoch_end=warn_twice)

    assert trace.warnings == ["callback warning"]


def test_an_exception_stops_the_run_and_is_kept_with_where_it_happened(
    scripted: Harness,
) -> None:
    def fail_second_epoch(callback: Any, epoch: int, logs: Any) -> None:
        if epoch == 1:
            raise KeyError("val_loss")

    trace = scripted.run(
        fit(3, epoch_logs={"loss": 0.5}), on_epoch_end=fail_second_epoch
    )

    assert isinstance(trace.error, KeyError)
    assert trace.error_at == "epoch_end(1) loss=0.5"


def test_no_hook_runs_after_the_exception(scripted: Harness) -> None:
    failed: list[Any] = []

    def fail(callback: Any, *args: Any) -> None:
        failed.append(callback)
        raise ValueError("stop")

    trace = scripted.run(fit(3), on_epoch_begin=fail)

    assert trace.error_at == "epoch_begin(0)"
    assert failed[0].calls == ["on_train_begin", "on_epoch_begin"]


def test_an_exception_at_construction_is_kept_as_such(tmp_path: Path) -> None:
    class Refuses:
        def __init__(self, **kwargs: Any) -> None:
            raise ValueError("save_freq='batch' is not accepted")

    harness = Harness(Implementation("refuses", Refuses), tmp_path)

    trace = harness.run(fit(1), save_freq="batch")

    assert isinstance(trace.error, ValueError)
    assert trace.error_at == "construction"


def test_construct_only_constructs(tmp_path: Path) -> None:
    harness = Harness(Implementation("early", SavesOnSetModel), tmp_path)

    trace = harness.construct(filepath="m.keras")

    assert (trace.error, trace.saves, trace.lifecycle) == (None, [], ())
    assert trace.call == "SavesOnSetModel(filepath='m.keras')"


def test_a_run_happens_in_its_folder_and_restores_the_working_directory(
    scripted: Harness,
) -> None:
    seen: list[str] = []
    before = os.getcwd()

    scripted.run(fit(1), on_train_begin=lambda *_: seen.append(os.getcwd()))

    assert seen == [str(scripted.folder)]
    assert os.getcwd() == before


def test_the_trace_names_the_clauses_and_describes_the_run(scripted: Harness) -> None:
    trace = scripted.run([Event("on_epoch_end", 0, {"loss": 0.5}, 0)], filepath="m")

    assert trace.clauses == ("TEST-1",)
    assert trace.describe() == "Scripted(filepath='m')\n  epoch_end(0) loss=0.5"

"""FREQ, BEST, STATE, HOOK and PATH inside a real model.fit, evaluate and predict."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from conformance.implementations import Framework, Implementation
from conformance.training import (
    BATCH_SIZE,
    Moment,
    RealSave,
    Run,
    data,
    expect_saves,
    observe,
)

pytestmark = pytest.mark.fit

EPOCHS = 3


@pytest.fixture
def folder(runs_folder: Path) -> Path:
    """This test's own folder, where the callback writes real checkpoints."""
    return Path(tempfile.mkdtemp(prefix="fit-", dir=runs_folder))


@pytest.fixture
def training(
    framework: Framework, implementation: Implementation, folder: Path
) -> Callable[..., AbstractContextManager[Run]]:
    """Call with the callback's arguments: ``with training(...) as run: ...``."""

    def start(
        steps_per_execution: int = 1, **kwargs: Any
    ) -> AbstractContextManager[Run]:
        if steps_per_execution > 1 and not framework.several_steps_per_execution:
            pytest.skip(
                f"{framework} runs one step per execution only (compile refuses "
                f"steps_per_execution={steps_per_execution}), so its loop never "
                "reports batch indices that jump"
            )
        callback = implementation.callback(**kwargs)
        return observe(
            framework,
            callback,
            folder,
            steps_per_execution=steps_per_execution,
            ignored_warnings=implementation.ignored_warnings,
        )

    return start


def fit(run: Run, *, shift: float = 0.0, **kwargs) -> None:
    x, y = data(shift=shift)
    kwargs.setdefault("epochs", EPOCHS)
    run.model.fit(
        x, y, batch_size=BATCH_SIZE, callbacks=run.callbacks, verbose=0, **kwargs
    )


def validation(*, shift: float = -0.25) -> tuple:
    """Validation data whose loss rises and falls as the model fits the other."""
    return data(shift=shift)


def improvements(moments: Sequence[Moment], monitor: str) -> list[Moment]:
    """The moments whose value improves on the best so far (BEST-1, min mode)."""
    best, improved = math.inf, []
    for moment in moments:
        value = moment.logs.get(monitor)
        if value is not None and value < best:
            best = value
            improved.append(moment)
    return improved


def counted(moments: Sequence[Moment], save_freq: int) -> list[Moment]:
    """The batch ends at which FREQ-3's count reaches ``save_freq``.

    The count is kept from the batch indices the loop really reported.
    """
    count, previous, due = 0, -1, []
    for moment in moments:
        batch = moment.batch
        count += batch - previous if batch > previous else batch + 1
        previous = batch
        if count >= save_freq:
            due.append(moment)
            count = 0
    return due


# -- validation metrics --------------------------------------------------------


@pytest.mark.clause("PATH-2")
def test_validation_metrics_fill_the_template_with_the_val_prefix(training) -> None:
    template = "w-{epoch:02d}-{val_loss:.4f}.weights.h5"
    with training(filepath=template, save_weights_only=True) as run:
        fit(run, validation_data=validation())

    expected = [
        RealSave("save_weights", template.format(epoch=m.epoch + 1, **m.logs), m)
        for m in run.epoch_ends()
    ]
    expect_saves(
        run,
        expected,
        clause="PATH-2",
        rule="each epoch end fills {val_loss} from the val_ logs fit passes",
    )


@pytest.mark.clause("BEST-1", "MODE-3/keras2", "MODE-3/keras3")
def test_best_only_on_val_loss_saves_the_epochs_whose_val_loss_improves(
    training,
) -> None:
    template = "best-{epoch}.weights.h5"
    with training(
        filepath=template, save_weights_only=True, save_best_only=True
    ) as run:
        fit(run, epochs=5, validation_data=validation())

    expected = [
        RealSave("save_weights", template.format(epoch=m.epoch + 1), m)
        for m in improvements(run.epoch_ends(), "val_loss")
    ]
    expect_saves(
        run,
        expected,
        clause="BEST-1",
        rule="monitor='val_loss', mode='auto': a save at each epoch whose val_loss "
        "is below every earlier one",
    )


# -- save_freq in batches ------------------------------------------------------


@pytest.mark.clause("FREQ-3", "HOOK-6")
@pytest.mark.parametrize(
    "steps_per_execution",
    [1, 2],
    ids=lambda n: f"steps_per_execution={n},save_freq=3 -> every 3 batches counted",
)
def test_an_integer_save_freq_counts_every_batch_fit_runs(
    training, steps_per_execution: int
) -> None:
    template = "b-e{epoch}-b{batch}.weights.h5"
    with training(
        steps_per_execution,
        filepath=template,
        save_weights_only=True,
        save_freq=3,
    ) as run:
        fit(run, validation_data=validation())

    expected = [
        RealSave(
            "save_weights", template.format(epoch=m.epoch + 1, batch=m.batch + 1), m
        )
        for m in counted(run.batch_ends(), 3)
    ]
    expect_saves(
        run,
        expected,
        clause="FREQ-3",
        rule="save_freq=3 counts the training batches from the indices the loop "
        "reports (a jump counts the batches it skips); validation counts none",
    )


@pytest.mark.clause("FREQ-3")
def test_steps_per_execution_reports_batch_indices_that_jump(training) -> None:
    with training(2, filepath="b-{epoch}.weights.h5", save_weights_only=True) as run:
        fit(run, epochs=1)

    reported = [m.batch for m in run.batch_ends()]
    assert reported == [1, 3], (
        "[FREQ-3] with 4 batches an epoch and steps_per_execution=2, the loop is "
        f"taken to report batch indices 1 and 3 (the jumps FREQ-3 counts); it "
        f"reported {reported}"
    )


# -- epochs without validation ---------------------------------------------------


def _val_loss_warnings(run: Run) -> list[str]:
    return [text for text in run.warnings if "val_loss" in text]


@pytest.mark.clause("BEST-4/keras2")
def test_an_epoch_without_validation_warns_and_skips(training) -> None:
    template = "v-{epoch}.weights.h5"
    with training(
        filepath=template, save_weights_only=True, save_best_only=True
    ) as run:
        fit(run, epochs=4, validation_data=validation(), validation_freq=2)

    expected = [
        RealSave("save_weights", template.format(epoch=m.epoch + 1), m)
        for m in improvements(run.epoch_ends(), "val_loss")
    ]
    expect_saves(
        run,
        expected,
        clause="BEST-4/keras2",
        rule="validation_freq=2: epochs 1 and 3 have no val_loss and save nothing",
    )
    assert len(_val_loss_warnings(run)) == 2, (
        "[BEST-4/keras2] one warning naming val_loss per epoch without "
        f"validation (2 of 4); warnings: {run.warnings}"
    )


@pytest.mark.clause("BEST-4/keras3")
def test_an_epoch_without_validation_warns_and_saves(training) -> None:
    template = "v-{epoch}.weights.h5"
    with training(
        filepath=template, save_weights_only=True, save_best_only=True
    ) as run:
        fit(run, epochs=4, validation_data=validation(), validation_freq=2)

    improved = improvements(run.epoch_ends(), "val_loss")
    expected = [
        RealSave("save_weights", template.format(epoch=m.epoch + 1), m)
        for m in run.epoch_ends()
        if m in improved or "val_loss" not in m.logs
    ]
    expect_saves(
        run,
        expected,
        clause="BEST-4/keras3",
        rule="validation_freq=2: epochs 1 and 3 have no val_loss and save all the same",
    )
    assert len(_val_loss_warnings(run)) == 2, (
        "[BEST-4/keras3] one warning naming val_loss per epoch without "
        f"validation (2 of 4); warnings: {run.warnings}"
    )


# -- two fit calls ---------------------------------------------------------------


@pytest.mark.clause("BEST-6", "STATE-1")
def test_a_second_fit_compares_with_the_best_of_the_first(training) -> None:
    template = "f-{epoch}-{loss:.4f}.weights.h5"
    with training(
        filepath=template,
        monitor="loss",
        save_weights_only=True,
        save_best_only=True,
    ) as run:
        fit(run, epochs=2)
        # Targets moved far away: every loss of this fit is worse than the
        # first fit's best, so only a reset best would save.
        fit(run, epochs=2, shift=5.0)

    expected = [
        RealSave("save_weights", template.format(epoch=m.epoch + 1, **m.logs), m)
        for m in improvements(run.epoch_ends(), "loss")
    ]
    expect_saves(
        run,
        expected,
        clause="BEST-6",
        rule="the second fit's losses are compared with the first fit's best",
    )


@pytest.mark.clause("FREQ-3", "STATE-1")
def test_a_second_fit_goes_on_with_the_batch_count_of_the_first(training) -> None:
    template = "c-{epoch}-b{batch}.weights.h5"
    with training(filepath=template, save_weights_only=True, save_freq=3) as run:
        fit(run, epochs=1)
        fit(run, epochs=1)

    expected = [
        RealSave(
            "save_weights", template.format(epoch=m.epoch + 1, batch=m.batch + 1), m
        )
        for m in counted(run.batch_ends(), 3)
    ]
    expect_saves(
        run,
        expected,
        clause="FREQ-3",
        rule="save_freq=3 over two fits of 4 batches: the count carries over, "
        "so the second fit saves at its second batch",
    )


# -- evaluate and predict ----------------------------------------------------------


@pytest.mark.clause("HOOK-2")
@pytest.mark.parametrize(
    "save_freq", ["epoch", 1], ids=lambda f: f"save_freq={f!r} -> no save"
)
@pytest.mark.parametrize("method", ["evaluate", "predict"])
def test_evaluate_and_predict_never_save(training, method: str, save_freq) -> None:
    x, y = data()
    with training(
        filepath="never-{epoch}.weights.h5",
        monitor="loss",
        save_weights_only=True,
        save_best_only=True,
        save_freq=save_freq,
    ) as run:
        if method == "evaluate":
            run.model.evaluate(
                x, y, batch_size=BATCH_SIZE, callbacks=run.callbacks, verbose=0
            )
        else:
            run.model.predict(
                x, batch_size=BATCH_SIZE, callbacks=run.callbacks, verbose=0
            )

    expect_saves(
        run, [], clause="HOOK-2", rule=f"model.{method} calls no hook that saves"
    )
    assert (run.files, run.lines, run.warnings) == ([], [], []), (
        f"[HOOK-2] model.{method} left files {run.files}, printed {run.lines}, "
        f"warned {run.warnings}; it must do none of these"
    )

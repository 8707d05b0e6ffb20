"""SAVE and PATH: a save that fails, and a path that cannot be written to."""

from __future__ import annotations

import dataclasses
import errno
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from conformance.expect import ConformanceFailure, expect, raises
from conformance.harness import (
    Harness,
    Save,
    Trace,
    saved_at_batch_end,
    saved_at_epoch_end,
)
from conformance.lifecycle import Event, Lifecycle, fit

MONITOR = "val_loss"

# -- a model whose saves fail --------------------------------------------------


def failing_after(harness: Harness, error: BaseException, *, after: int) -> Harness:
    """A harness whose model records ``after`` saves, then raises ``error``."""
    implementation = harness.implementation.with_failing_saves(
        after=after, error=lambda _: error
    )
    return Harness(implementation, harness.folder, harness.clauses)


def expect_the_same_error(trace: Trace, error: BaseException) -> None:
    """The run stopped with ``error`` itself, not a copy or a wrapper of it."""
    __tracebackhide__ = True
    if trace.error is not error:
        observed = (
            "no error"
            if trace.error is None
            else f"{type(trace.error).__name__}: {trace.error} (at {trace.error_at})"
        )
        raise ConformanceFailure(
            f"[{', '.join(trace.clauses)}] the run does not conform\n"
            "the save method's exception did not come out unchanged:\n"
            f"  expected: the very {type(error).__name__} raised: {error}\n"
            f"  observed: {observed}\n"
            f"callback and lifecycle:\n{trace.describe()}\n"
            "no reproduction: the run's model has save methods that raise, which "
            "the generated code does not build"
        )


ERRORS: dict[str, Callable[[], BaseException]] = {
    "PermissionError": lambda: PermissionError(errno.EACCES, "Permission denied"),
    "FileNotFoundError": lambda: FileNotFoundError(errno.ENOENT, "No such file"),
    "OSError(ENOSPC)": lambda: OSError(errno.ENOSPC, "No space left on device"),
    "RuntimeError": lambda: RuntimeError("the model refuses to be saved"),
}


@dataclasses.dataclass(frozen=True)
class Trigger:
    """A way of reaching two saves, and where they happen."""

    name: str
    kwargs: Mapping[str, Any]
    lifecycle: Lifecycle
    #: (epoch, batch or None) of the two saves, in order.
    saves_at: tuple[tuple[int, int | None], ...]

    @property
    def hook(self) -> str:
        return "on_epoch_end" if self.saves_at[0][1] is None else "on_train_batch_end"

    def template(self, weights_only: bool) -> str:
        batch = "" if self.saves_at[0][1] is None else "-b{batch}"
        return f"m-e{{epoch}}{batch}" + (".weights.h5" if weights_only else ".h5")

    def saves(self, weights_only: bool) -> list[Save]:
        template = self.template(weights_only)
        method = "save_weights" if weights_only else "save"
        return [
            saved_at_epoch_end(e, template.format(epoch=e + 1), method)
            if b is None
            else saved_at_batch_end(
                e, b, template.format(epoch=e + 1, batch=b + 1), method
            )
            for e, b in self.saves_at
        ]


def improving_batches() -> Lifecycle:
    """Epoch 0 runs no batch; epoch 1's two batches improve on each other.

    Batch-level best-only decisions thus follow an epoch end (decisions before
    it are the business of the BEST-7 tests alone).
    """
    events = [
        Event("on_train_begin", logs={}),
        Event("on_epoch_begin", 0, {}, 0),
        Event("on_epoch_end", 0, {"loss": 1.0}, 0),
        Event("on_epoch_begin", 1, {}, 1),
    ]
    for batch, value in enumerate((0.5, 0.25)):
        events.append(Event("on_train_batch_begin", batch, {}, 1))
        events.append(Event("on_train_batch_end", batch, {MONITOR: value}, 1))
    events += [
        Event("on_epoch_end", 1, {"loss": 1.0}, 1),
        Event("on_train_end", logs={}),
    ]
    return tuple(events)


BEST_ONLY = {"monitor": MONITOR, "mode": "min", "save_best_only": True}
TRIGGERS = [
    Trigger(
        "epoch-level save",
        {},
        fit(2, epoch_logs={MONITOR: 0.5}),
        ((0, None), (1, None)),
    ),
    Trigger(
        "epoch-level best-only save",
        BEST_ONLY,
        fit(2, epoch_logs=[{MONITOR: 0.5}, {MONITOR: 0.25}]),
        ((0, None), (1, None)),
    ),
    Trigger(
        "batch-level save",
        {"save_freq": 2},
        fit(1, 4, batch_logs={"loss": 0.5}),
        ((0, 1), (0, 3)),
    ),
    Trigger(
        "batch-level best-only save",
        {**BEST_ONLY, "save_freq": 1},
        improving_batches(),
        ((1, 0), (1, 1)),
    ),
]


# -- SAVE-4: the save method's exception comes out unchanged --------------------


@pytest.mark.clause("SAVE-4")
@pytest.mark.parametrize(
    ("trigger", "weights_only", "error_name", "after"),
    [
        pytest.param(
            trigger,
            weights_only,
            error_name,
            after,
            id=f"{trigger.name},save_weights_only={weights_only},"
            f"{'first' if after == 0 else 'second'} save raises {error_name}"
            f" -> that {error_name} from {trigger.hook}",
        )
        for trigger in TRIGGERS
        for weights_only in (False, True)
        for error_name in ERRORS
        for after in (0, 1)
    ],
)
def test_an_exception_from_the_save_method_propagates_unchanged(
    harness, trigger, weights_only, error_name, after
):
    error = ERRORS[error_name]()
    runner = failing_after(harness, error, after=after)

    trace = runner.run(
        trigger.lifecycle,
        filepath=trigger.template(weights_only),
        save_weights_only=weights_only,
        **trigger.kwargs,
    )

    expect(
        trace,
        saves=trigger.saves(weights_only)[:after],
        error=raises(type(error), at=trigger.hook),
    )
    expect_the_same_error(trace, error)


@pytest.mark.clause("MSG-7", "SAVE-4")
@pytest.mark.parametrize(
    ("kwargs", "line"),
    [
        pytest.param(
            {},
            "Epoch 1: saving model to m-e1.h5",
            id="save_best_only=False,the save raises -> its saving line was printed",
        ),
        pytest.param(
            {**BEST_ONLY, "initial_value_threshold": 0.75},
            f"Epoch 1: {MONITOR} improved from 0.75000 to 0.50000, "
            "saving model to m-e1.h5",
            id="save_best_only=True,the save raises -> its improved line was printed",
        ),
        pytest.param(
            {**BEST_ONLY, "mode": "max", "initial_value_threshold": 0.25},
            f"Epoch 1: {MONITOR} improved from 0.25000 to 0.50000, "
            "saving model to m-e1.h5",
            id="save_best_only=True,mode=max,the save raises"
            " -> its improved line was printed",
        ),
    ],
)
def test_a_save_that_raises_has_been_announced_and_nothing_follows(
    harness, kwargs, line
):
    error = ERRORS["PermissionError"]()
    runner = failing_after(harness, error, after=0)

    trace = runner.run(
        fit(2, epoch_logs={MONITOR: 0.5}),
        filepath="m-e{epoch}.h5",
        verbose=1,
        **kwargs,
    )

    expect(
        trace, saves=[], lines=[line], error=raises(PermissionError, at="on_epoch_end")
    )


# -- PATH-10: a file where a folder should be -----------------------------------

#: (template, epoch logs, save_freq, weights_only, best_only, saves before it)
BLOCKED = [
    ("blocker/m.h5", [{MONITOR: 0.5}], "epoch", False, False, []),
    ("blocker/w.weights.h5", [{MONITOR: 0.5}], "epoch", True, False, []),
    ("blocker/m-{epoch}.h5", [{MONITOR: 0.5}], "epoch", False, True, []),
    ("blocker/b{batch}.h5", [{MONITOR: 0.5}], 1, False, False, []),
    ("blocker/sub/m.h5", [{MONITOR: 0.5}], "epoch", False, False, []),
    (
        "{run}/m.h5",
        [{MONITOR: 0.5, "run": "ok"}, {MONITOR: 0.25, "run": "blocker"}],
        "epoch",
        False,
        False,
        ["ok/m.h5"],
    ),
]


@pytest.mark.clause("PATH-10")
@pytest.mark.parametrize(
    ("template", "logs", "save_freq", "weights_only", "best_only", "before"),
    [
        pytest.param(
            *case,
            id=f"{case[0]},save_freq={case[2]!r},save_weights_only={case[3]},"
            f"save_best_only={case[4]},the file blocker exists"
            f" -> OSError after {len(case[5])} save(s)",
        )
        for case in BLOCKED
    ],
)
def test_a_file_in_place_of_a_folder_raises_os_error(
    harness, template, logs, save_freq, weights_only, best_only, before
):
    (harness.folder / "blocker").write_text("not a folder\n", encoding="utf-8")
    hook = "on_epoch_end" if save_freq == "epoch" else "on_train_batch_end"

    trace = harness.run(
        fit(len(logs), 2, epoch_logs=logs, batch_logs=logs[0]),
        filepath=template,
        save_freq=save_freq,
        save_weights_only=weights_only,
        save_best_only=best_only,
        monitor=MONITOR,
        mode="min",
    )

    method = "save_weights" if weights_only else "save"
    expect(
        trace,
        saves=[saved_at_epoch_end(e, path, method) for e, path in enumerate(before)],
        error=raises(OSError, at=hook),
        files=["blocker", *before],
    )

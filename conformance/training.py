"""Training: the callback inside a real ``fit``, ``evaluate`` or ``predict``.

The harness (:mod:`conformance.harness`) calls hooks by hand. Here a real
framework's training loop calls them: :func:`observe` builds a tiny compiled
model of the implementation's :class:`~conformance.implementations.Framework`,
places a :class:`Probe` after the checkpoint callback in the callbacks list
and records, while the test trains:

- every save the callback makes (the model's real ``save`` and
  ``save_weights`` still run, so real files are written), tagged with the hook
  during which it happened;
- what the loop reported to the callbacks: each hook's epoch, batch index and
  logs, and a copy of the model's weights at that moment (the probe runs right
  after the checkpoint callback, so these are the weights a save in that hook
  wrote);
- printed lines and warnings, as the harness records them.

Nothing here imports a framework: the framework comes from the implementation.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from conformance.expect import ConformanceFailure
from conformance.harness import _observing, list_files, printed_lines
from conformance.implementations import Framework

#: Eight samples of two features; with ``batch_size=2`` an epoch has 4 batches.
SAMPLES = 8
BATCH_SIZE = 2


def data(*, shift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets of a linear rule; ``shift`` moves the targets away."""
    x = np.linspace(-1.0, 1.0, SAMPLES * 2, dtype="float32").reshape(SAMPLES, 2)
    y = (x @ np.array([[2.0], [-1.0]], dtype="float32")) + 0.5 + shift
    return x, y.astype("float32")


def tiny_model(framework: Framework, *, steps_per_execution: int = 1) -> Any:
    """A compiled one-layer model with fixed starting weights.

    Plain SGD keeps the weights moving every batch, so a snapshot taken at one
    hook differs from the next one's.
    """
    keras = framework.keras
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.05),
        loss="mse",
        metrics=["mae"],
        steps_per_execution=steps_per_execution,
    )
    model.set_weights(
        [np.array([[0.1], [0.2]], dtype="float32"), np.zeros(1, dtype="float32")]
    )
    return model


def weights_of(model: Any) -> list[np.ndarray]:
    """A copy of the model's weights, as NumPy arrays."""
    return [np.array(weights, copy=True) for weights in model.get_weights()]


@dataclass(frozen=True)
class Moment:
    """One hook of the loop, as the probe saw it right after the checkpoint."""

    hook: str
    epoch: int | None
    batch: int | None
    logs: dict[str, Any]
    weights: list[np.ndarray] = field(repr=False, compare=False)

    def __str__(self) -> str:
        where = self.hook.removeprefix("on_")
        if self.batch is not None:
            return f"{where}({self.batch}) of epoch {self.epoch}"
        return f"{where}({self.epoch})" if self.epoch is not None else where


@dataclass(frozen=True)
class RealSave:
    """One call of ``save`` or ``save_weights`` made during training."""

    method: str
    path: str
    #: The hook during which it happened: the probe's next moment.
    moment: Moment | None = None

    def __str__(self) -> str:
        return f"{self.method}({self.path!r}) in {self.moment or 'no hook'}"


@dataclass
class Run:
    """What happened while a test trained with the checkpoint callback."""

    model: Any
    callbacks: list[Any]
    folder: Path
    moments: list[Moment] = field(default_factory=list)
    saves: list[RealSave] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    #: Saves not yet claimed by a moment of the probe.
    _pending: list[tuple[str, str]] = field(default_factory=list, repr=False)

    def epoch_ends(self) -> list[Moment]:
        return [m for m in self.moments if m.hook == "on_epoch_end"]

    def batch_ends(self) -> list[Moment]:
        return [m for m in self.moments if m.hook == "on_train_batch_end"]

    def saved_paths(self) -> list[str]:
        return [save.path for save in self.saves]

    def describe(self) -> str:
        """The loop's hooks with the saves made in each, for failure messages."""
        lines = []
        for moment in self.moments:
            saves = [s for s in self.saves if s.moment is moment]
            logs = ", ".join(f"{k}={_short(v)}" for k, v in moment.logs.items())
            text = f"  {moment} logs={{{logs}}}"
            lines.append(text + "".join(f"\n    {s.method}({s.path!r})" for s in saves))
        unclaimed = [s for s in self.saves if s.moment is None]
        lines += [f"  {save}" for save in unclaimed]
        return "\n".join(lines) or "  (the loop called no hook)"

    def _record_save(self, method: str, filepath: Any) -> None:
        absolute = Path(os.path.abspath(os.fspath(filepath)))
        try:
            path = absolute.relative_to(self.folder).as_posix()
        except ValueError:
            path = absolute.as_posix()
        self._pending.append((method, path))

    def _record_moment(self, moment: Moment) -> None:
        self.moments.append(moment)
        self.saves += [RealSave(m, p, moment) for m, p in self._pending]
        self._pending.clear()


def _short(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else repr(value)


def _plain(logs: Any) -> dict[str, Any]:
    """Logs as Python values: the Keras 2 line may hand the probe tensors."""
    plain = {}
    for key, value in dict(logs or {}).items():
        try:
            plain[key] = float(np.asarray(value))
        except (TypeError, ValueError):
            plain[key] = value
    return plain


def probe_class(framework: Framework) -> type:
    """A callback of ``framework`` that records each hook into a :class:`Run`."""

    class Probe(framework.keras.callbacks.Callback):
        def __init__(self, run: Run) -> None:
            super().__init__()
            self.run = run
            self.epoch: int | None = None

        def _moment(self, hook: str, batch: int | None, logs: Any) -> None:
            weights = weights_of(self.model)
            self.run._record_moment(
                Moment(hook, self.epoch, batch, _plain(logs), weights)
            )

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            self._moment("on_train_batch_end", batch, logs)

        def on_epoch_end(self, epoch, logs=None):
            self._moment("on_epoch_end", None, logs)

        def on_train_end(self, logs=None):
            self._moment("on_train_end", None, logs)
            self.epoch = None

        def on_test_end(self, logs=None):
            self._moment("on_test_end", None, logs)

        def on_predict_end(self, logs=None):
            self._moment("on_predict_end", None, logs)

    return Probe


def _saving(run: Run, save: Any, method: str) -> Any:
    def recorded(filepath: Any, *args: Any, **kwargs: Any) -> Any:
        run._record_save(method, filepath)
        return save(filepath, *args, **kwargs)

    recorded.__name__ = method
    return recorded


@contextlib.contextmanager
def observe(
    framework: Framework,
    callback: Any,
    folder: Path,
    *,
    steps_per_execution: int = 1,
    ignored_warnings: Sequence[str] = (),
) -> Iterator[Run]:
    """A fresh tiny model and ``[callback, probe]``, recorded inside ``folder``.

    The test trains with ``run.model`` and ``run.callbacks``; when the block
    ends the run holds every save, moment, printed line and warning, and the
    files left in ``folder``.
    """
    model = tiny_model(framework, steps_per_execution=steps_per_execution)
    run = Run(model, [], folder)
    run.callbacks[:] = [callback, probe_class(framework)(run)]
    model.save = _saving(run, model.save, "save")
    model.save_weights = _saving(run, model.save_weights, "save_weights")
    ignored = [re.compile(pattern) for pattern in ignored_warnings]
    out = io.StringIO()
    try:
        with _observing(folder, out) as (_, caught, collector):
            yield run
    finally:
        messages = [str(w.message) for w in caught]
        messages += [record.getMessage() for record in collector.records]
        run.warnings = [m for m in messages if not any(p.search(m) for p in ignored)]
        run.lines = printed_lines(out.getvalue())
        run.saves += [RealSave(m, p) for m, p in run._pending]
        run._pending.clear()
        run.files = list_files(folder)


def load_saved(framework: Framework, path: Path, *, weights_only: bool) -> Any:
    """Load a checkpoint with the framework's own loader.

    A whole model loads uncompiled: SAVE-5 is about the weights, and whether a
    file format keeps the loss and metrics is the framework's own business.
    """
    if weights_only:
        model = tiny_model(framework)
        model.load_weights(os.fspath(path))
        return model
    return framework.keras.models.load_model(os.fspath(path), compile=False)


def expect_saves(
    run: Run,
    expected: Sequence[RealSave],
    *,
    clause: str,
    rule: str,
) -> None:
    """Fail, in the suite's template, unless the run made exactly ``expected``."""
    __tracebackhide__ = True
    if list(run.saves) == list(expected):
        return

    def listed(saves: Sequence[RealSave]) -> str:
        return "\n".join(f"  {save}" for save in saves) or "  (none)"

    raise ConformanceFailure(
        f"[{clause}] the training run does not conform\n"
        f"{rule}\n"
        f"expected {len(expected)} save(s):\n{listed(expected)}\n"
        f"observed {len(run.saves)} save(s):\n{listed(run.saves)}\n"
        "what the loop reported (after the checkpoint callback) and the saves "
        f"made during each hook:\n{run.describe()}"
    )


def contents_mismatches(
    framework: Framework, run: Run, *, weights_only: bool
) -> list[str]:
    """Each save whose file, loaded back, does not hold the weights of its hook.

    Every save is loaded from the path it was given (SAVE-5); the list says,
    save by save, what differs.
    """
    loader = "load_weights" if weights_only else "models.load_model"
    found = []
    for save in run.saves:
        if save.moment is None:
            found.append(f"{save}: made outside any hook the probe saw")
            continue
        try:
            loaded = load_saved(
                framework, run.folder / save.path, weights_only=weights_only
            )
        except Exception as error:  # noqa: BLE001 - the failure is the finding
            found.append(
                f"{save.path!r}, saved in {save.moment}, does not load with "
                f"{framework.name}'s {loader}: {type(error).__name__}: {error}"
            )
            continue
        held = [np.asarray(w) for w in loaded.get_weights()]
        at_save = save.moment.weights
        same = len(held) == len(at_save) and all(
            a.shape == b.shape and np.array_equal(a, b)
            for a, b in zip(held, at_save, strict=False)
        )
        if not same:
            found.append(
                f"{save.path!r}, saved in {save.moment}, loaded with "
                f"{framework.name}'s {loader}, holds {_listed(held)}; the model "
                f"held {_listed(at_save)} at that hook"
            )
    return found


def weights_change(run: Run) -> bool:
    """True when the first and the last save's hooks saw different weights."""
    moments = [save.moment for save in run.saves if save.moment is not None]
    if len(moments) < 2:
        return False
    first, last = moments[0].weights, moments[-1].weights
    return any(not np.array_equal(a, b) for a, b in zip(first, last, strict=True))


def _listed(weights: Sequence[np.ndarray]) -> str:
    return (
        "[" + ", ".join(np.array2string(w.ravel(), precision=8) for w in weights) + "]"
    )

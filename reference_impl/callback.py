"""The reference ModelCheckpoint: the executable meaning of SPEC.md.

It imports no framework. It saves by calling ``model.save(path,
overwrite=True)`` or ``model.save_weights(path, overwrite=True)`` on whatever
model it is given. The clause a line implements is named beside it.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping
from typing import Any

_MODES = ("auto", "min", "max")


def _improves(mode: str, current: float, best: float) -> bool:
    """Strict comparison; NaN never improves (MODE-1, BEST-1, BEST-3)."""
    if mode == "max":
        return current > best
    return current < best


def _auto_mode(monitor: str) -> str:
    """Direction inferred from the monitor's name (MODE-2/keras2, MODE-3/keras2)."""
    if "acc" in monitor or monitor.startswith("fmeasure"):
        return "max"
    return "min"


class ModelCheckpoint:
    """Save the model (or its weights) during training, as SPEC.md specifies.

    The constructor follows the Keras 2 line: ``filepath, monitor, verbose,
    save_best_only, save_weights_only, mode, save_freq, options,
    initial_value_threshold``, then keyword arguments (CON-1, CON-2).
    """

    model: Any  # given by set_model; no hook saves before it is

    def __init__(
        self,
        # The seven parameters in this order, with these defaults (CON-1, CON-2)
        filepath: str | os.PathLike[str],
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        options: Any = None,
        initial_value_threshold: float | None = None,
        **kwargs: Any,
    ) -> None:
        self.filepath = os.fspath(filepath)  # CON-8; any suffix (CON-10/keras2)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self.options = options  # SAVE-6/keras2

        self.period = 1
        if "period" in kwargs:
            self.period = kwargs.pop("period")
            warnings.warn(  # CON-6/keras2
                "`period` is deprecated; use `save_freq` (a number of batches).",
                UserWarning,
                stacklevel=2,
            )
        if "load_weights_on_restart" in kwargs:  # ignored, as OPEN-4 allows
            warnings.warn(  # CON-6/keras2
                "`load_weights_on_restart` is deprecated; call "
                "`model.load_weights()` before `fit()` instead.",
                UserWarning,
                stacklevel=2,
            )
        # Any other keyword is accepted and ignored (CON-5/keras2).

        if mode not in _MODES:
            warnings.warn(  # CON-4
                f"ModelCheckpoint mode {mode!r} is unknown; accepted are "
                f"{', '.join(_MODES)}. Falling back to 'auto'.",
                UserWarning,
                stacklevel=2,
            )
            mode = "auto"
        self.mode = _auto_mode(monitor) if mode == "auto" else mode  # MODE-2/keras2
        if initial_value_threshold is not None:
            self.best = initial_value_threshold  # BEST-5
        else:
            self.best = math.inf if self.mode == "min" else -math.inf  # BEST-2/keras2

        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(  # CON-3
                f"save_freq={save_freq!r} is not accepted; give 'epoch' or an "
                "int (a number of training batches)"
            )

        self._epochs_since_last_save = 0  # FREQ-7/keras2
        self._batches_since_last_save = 0  # FREQ-3
        self._last_batch_seen = -1
        self._current_epoch = 0

    # -- the callback protocol ------------------------------------------------

    def set_model(self, model: Any) -> None:
        self.model = model  # the model every save goes to (SAVE-1)

    def set_params(self, params: Mapping[str, Any]) -> None:
        """Accepted; the training parameters change no save (HOOK-7)."""

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        """Nothing is reset between fits (STATE-1, BEST-6)."""

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        pass  # HOOK-3

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        self._current_epoch = epoch  # FREQ-6

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        self._epochs_since_last_save += 1  # FREQ-7/keras2
        if self.save_freq == "epoch":  # FREQ-1, FREQ-4
            if self._epochs_since_last_save >= self.period:  # FREQ-7/keras2
                self._epochs_since_last_save = 0
                self._save(epoch, None, logs or {})  # HOOK-5

    def on_train_batch_begin(
        self, batch: int, logs: Mapping[str, Any] | None = None
    ) -> None:
        pass  # HOOK-3

    def on_train_batch_end(
        self, batch: int, logs: Mapping[str, Any] | None = None
    ) -> None:
        if self.save_freq == "epoch":  # FREQ-2
            return
        if batch <= self._last_batch_seen:  # FREQ-3: a new epoch started
            self._batches_since_last_save += batch + 1
        else:
            self._batches_since_last_save += batch - self._last_batch_seen
        self._last_batch_seen = batch
        if self._batches_since_last_save >= self.save_freq:  # FREQ-3, FREQ-5
            self._batches_since_last_save = 0
            self._epochs_since_last_save = 0
            self._save(self._current_epoch, batch, logs or {})

    # The legacy aliases are not routed to the training hooks: the training
    # loop calls on_train_batch_*, and a direct alias call must not count a
    # batch twice (HOOK-4).
    def on_batch_begin(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        pass

    def on_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        pass

    # Evaluation and prediction never save (HOOK-2).
    def on_test_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        pass

    def on_test_end(self, logs: Mapping[str, Any] | None = None) -> None:
        pass

    def on_test_batch_begin(
        self, batch: int, logs: Mapping[str, Any] | None = None
    ) -> None:
        pass

    def on_test_batch_end(
        self, batch: int, logs: Mapping[str, Any] | None = None
    ) -> None:
        pass

    def on_predict_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        pass

    def on_predict_end(self, logs: Mapping[str, Any] | None = None) -> None:
        pass

    def on_predict_batch_begin(
        self, batch: int, logs: Mapping[str, Any] | None = None
    ) -> None:
        pass

    def on_predict_batch_end(
        self, batch: int, logs: Mapping[str, Any] | None = None
    ) -> None:
        pass

    # -- saving -----------------------------------------------------------------

    def _format_path(self, epoch: int, batch: int | None, logs: Mapping) -> str:
        # Every key of the logs is a field (PATH-2); {batch} as PATH-4 says
        fields = dict(logs)
        if batch is not None and "batch" not in fields:
            fields["batch"] = batch + 1  # PATH-4
        try:
            return self.filepath.format(epoch=epoch + 1, **fields)  # PATH-1, PATH-2
        except KeyError as error:
            raise KeyError(  # PATH-5
                f"Failed to format this callback filepath: {self.filepath!r}. "
                f"Reason: no value for {error}"
            ) from error

    def _print(self, message: str) -> None:
        if self.verbose > 0:  # MSG-1
            print(message)

    def _save(self, epoch: int, batch: int | None, logs: Mapping) -> None:
        filepath = self._format_path(epoch, batch, logs)  # PATH-6
        if not self.save_best_only:
            self._print(f"\nEpoch {epoch + 1}: saving model to {filepath}")  # MSG-2
            self._write(filepath)
            return

        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(  # BEST-4/keras2, MSG-5
                f"Can save best model only with {self.monitor} available, skipping.",
                UserWarning,
                stacklevel=3,
            )
            return
        if _improves(self.mode, current, self.best):  # BEST-1
            self._print(  # MSG-3/keras2
                f"\nEpoch {epoch + 1}: {self.monitor} improved from "
                f"{self.best:.5f} to {current:.5f}, saving model to {filepath}"
            )
            self.best = current
            self._write(filepath)
        else:
            self._print(  # MSG-4
                f"\nEpoch {epoch + 1}: {self.monitor} did not improve from "
                f"{self.best:.5f}"
            )

    def _write(self, filepath: str) -> None:
        """Save to ``filepath``; nothing is printed after it (MSG-8/keras2)."""
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)  # PATH-8
        save = self.model.save_weights if self.save_weights_only else self.model.save
        try:
            if self.options is None:
                save(filepath, overwrite=True)  # SAVE-1
            else:
                save(filepath, overwrite=True, options=self.options)  # SAVE-6/keras2
        except IsADirectoryError as error:
            raise OSError(  # PATH-9
                f"filepath={filepath!r} is an existing folder; ModelCheckpoint "
                "needs a file path. Give a template that names a file."
            ) from error

"""AcmeCheckpoint: saves a model during training, the way Keras 2 does.

ACME's training loop calls the hooks of the Keras callback protocol, so this
class follows that protocol without importing any framework: it only needs a
model with ``save`` and ``save_weights``. Its behaviour is the ``keras2``
profile of the ModelCheckpoint specification, with one deliberate difference:
it refuses keyword arguments it does not know, so a misspelt option fails at
once instead of being ignored (see ``conformance/expected-differences.toml``).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping
from typing import Any

__all__ = ["AcmeCheckpoint", "AcmeCheckpointWarning"]

_MODES = ("auto", "min", "max")
_DEPRECATED = ("period", "load_weights_on_restart")


class AcmeCheckpointWarning(UserWarning):
    """Something about the checkpoint configuration or logs deserves a look."""


def _maximises(monitor: str) -> bool:
    """The Keras 2 naming rule for ``mode='auto'``: accuracies go up."""
    return "acc" in monitor or monitor.startswith("fmeasure")


class AcmeCheckpoint:
    """Save the model (or its weights) at the end of epochs or every N batches.

    ``filepath`` may hold ``str.format`` fields: ``{epoch}`` (1-based), ``{batch}``
    (1-based, batch-level saves only) and any key of the logs. With
    ``save_best_only`` a save happens only when ``monitor`` improves in the
    direction ``mode`` gives.
    """

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        options: Any = None,
        initial_value_threshold: float | None = None,
        **deprecated: Any,
    ) -> None:
        unknown = sorted(set(deprecated) - set(_DEPRECATED))
        if unknown:
            raise TypeError(
                f"AcmeCheckpoint got unknown keyword arguments {unknown}; "
                "check their spelling against the constructor's parameters"
            )
        for name in deprecated:
            warnings.warn(
                f"AcmeCheckpoint: `{name}` is deprecated; use `save_freq` instead",
                AcmeCheckpointWarning,
                stacklevel=2,
            )
        if not (
            isinstance(save_freq, int)
            or (isinstance(save_freq, str) and save_freq == "epoch")
        ):
            raise ValueError(
                f"AcmeCheckpoint: save_freq={save_freq!r} is not supported; "
                "give 'epoch' or an integer number of batches"
            )
        if not (isinstance(mode, str) and mode in _MODES):
            warnings.warn(
                f"AcmeCheckpoint: mode={mode!r} is not one of {_MODES}; using 'auto'",
                AcmeCheckpointWarning,
                stacklevel=2,
            )
            mode = "auto"
        if mode == "auto":
            mode = "max" if _maximises(monitor) else "min"

        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.mode = mode
        self.save_freq = save_freq
        self.options = options
        self.period = deprecated.get("period", 1)
        if initial_value_threshold is not None:
            self.best = initial_value_threshold
        else:
            self.best = math.inf if mode == "min" else -math.inf

        self.model: Any = None
        self.params: dict[str, Any] = {}
        self._epoch = 0
        self._epochs_since_save = 0
        self._batches_since_save = 0
        self._last_batch = -1

    # -- the callback protocol ---------------------------------------------------

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: Mapping[str, Any]) -> None:
        self.params = dict(params)

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        self._epoch = epoch

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        if self.save_freq != "epoch":
            return
        self._epochs_since_save += 1
        if self._epochs_since_save >= self.period:
            self._epochs_since_save = 0
            self._checkpoint(epoch, None, dict(logs or {}))

    def on_train_batch_end(
        self, batch: int, logs: Mapping[str, Any] | None = None
    ) -> None:
        if self.save_freq == "epoch":
            return
        # A smaller or equal index means a new epoch began counting from zero.
        if batch > self._last_batch:
            self._batches_since_save += batch - self._last_batch
        else:
            self._batches_since_save += batch + 1
        self._last_batch = batch
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._checkpoint(self._epoch, batch, dict(logs or {}))

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        pass

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        pass

    def on_train_batch_begin(
        self, batch: int, logs: Mapping[str, Any] | None = None
    ) -> None:
        pass

    # The training loop reports batches through on_train_batch_*; the legacy
    # names are routed by the callback list, so called directly they do nothing.
    def on_batch_begin(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        pass

    def on_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        pass

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

    # -- saving --------------------------------------------------------------------

    def _path(self, epoch: int, batch: int | None, logs: dict[str, Any]) -> str:
        fields = dict(logs)
        if batch is not None:
            fields.setdefault("batch", batch + 1)
        fields["epoch"] = epoch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as error:
            raise KeyError(
                f"AcmeCheckpoint cannot format filepath {self.filepath!r}: the logs "
                f"have no value for {error}"
            ) from error

    def _checkpoint(self, epoch: int, batch: int | None, logs: dict[str, Any]) -> None:
        path = self._path(epoch, batch, logs)
        if not self.save_best_only:
            self._say(f"Epoch {epoch + 1}: saving model to {path}")
            self._save(path)
            return

        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"AcmeCheckpoint saves the best model only when {self.monitor!r} "
                f"is in the logs; it is not, so nothing was saved",
                AcmeCheckpointWarning,
                stacklevel=3,
            )
            return
        better = value < self.best if self.mode == "min" else value > self.best
        if not better:
            self._say(
                f"Epoch {epoch + 1}: {self.monitor} did not improve from "
                f"{self.best:.5f}"
            )
            return
        self._say(
            f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
            f"{value:.5f}, saving model to {path}"
        )
        self.best = value
        self._save(path)

    def _say(self, line: str) -> None:
        if self.verbose > 0:
            print(line)

    def _save(self, path: str) -> None:
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        save = self.model.save_weights if self.save_weights_only else self.model.save
        extra = {} if self.options is None else {"options": self.options}
        try:
            save(path, overwrite=True, **extra)
        except OSError as error:
            if os.path.isdir(path):
                raise IsADirectoryError(
                    f"AcmeCheckpoint cannot save to {path!r}: it is an existing "
                    "folder; give a filepath that names a file"
                ) from error
            raise

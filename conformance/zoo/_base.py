"""What the zoo's members share: argument lookup and a reference with seams.

:class:`Checkpoint` behaves exactly as the reference (the zoo's self-test runs
the suite on it); it only splits the reference's save decision, its messages
and its auto-mode rule into methods, so that a member whose fault lives inside
one of them overrides that method alone instead of copying ``_save``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

from reference_impl import ModelCheckpoint
from reference_impl.callback import _auto_mode, _improves

#: The constructor's parameters in positional order (CON-2).
PARAMETERS = (
    "filepath",
    "monitor",
    "verbose",
    "save_best_only",
    "save_weights_only",
    "mode",
    "save_freq",
    "options",
    "initial_value_threshold",
)


def arguments(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The constructor's arguments by name, whether given by position or not."""
    return {**dict(zip(PARAMETERS, args, strict=False)), **kwargs}


def point(callback: ModelCheckpoint, mode: str, threshold: Any) -> None:
    """Set the direction and the starting best going with it (BEST-2/keras2, BEST-5)."""
    callback.mode = mode
    if threshold is None:
        callback.best = math.inf if mode == "min" else -math.inf


class Checkpoint(ModelCheckpoint):
    """The reference, with its decision, messages and auto rule as methods."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        given = arguments(args, kwargs)
        if given.get("mode", "auto") not in ("min", "max"):  # auto or unknown
            point(
                self,
                self._auto_mode(self.monitor),
                given.get("initial_value_threshold"),
            )

    def _auto_mode(self, monitor: str) -> str:
        """The direction ``mode='auto'`` gives ``monitor`` (MODE-2/keras2)."""
        return _auto_mode(monitor)

    def _improves(self, current: float) -> bool:
        """Whether ``current`` beats the best (BEST-1, BEST-3)."""
        return _improves(self.mode, current, self.best)

    def _number(self, value: float) -> str:
        """A monitored value as the messages print it."""
        return f"{value:.5f}"

    def _saving_message(self, epoch: int, batch: int | None, filepath: str) -> str:
        return f"\nEpoch {epoch + 1}: saving model to {filepath}"

    def _improved_message(self, epoch: int, current: float, filepath: str) -> str:
        return (
            f"\nEpoch {epoch + 1}: {self.monitor} improved from "
            f"{self._number(self.best)} to {self._number(current)}, "
            f"saving model to {filepath}"
        )

    def _not_improved_message(self, epoch: int) -> str:
        return (
            f"\nEpoch {epoch + 1}: {self.monitor} did not improve from "
            f"{self._number(self.best)}"
        )

    def _missing_monitor(self, epoch: int, filepath: str) -> None:
        """Warn and skip the save (BEST-4/keras2); ``filepath`` serves members."""
        warnings.warn(
            f"Can save best model only with {self.monitor} available, skipping.",
            UserWarning,
            stacklevel=4,
        )

    def _save(self, epoch: int, batch: int | None, logs: Mapping) -> None:
        filepath = self._format_path(epoch, batch, logs)
        if not self.save_best_only:
            self._print(self._saving_message(epoch, batch, filepath))
            self._write(filepath)
            return

        current = logs.get(self.monitor)
        if current is None:
            self._missing_monitor(epoch, filepath)
        elif self._improves(current):
            self._print(self._improved_message(epoch, current, filepath))
            self.best = current
            self._write(filepath)
        else:
            self._print(self._not_improved_message(epoch))

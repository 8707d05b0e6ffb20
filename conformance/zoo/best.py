"""Faults of best-only mode and of state kept between runs (BEST, STATE)."""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping
from typing import Any, ClassVar

from conformance.zoo._base import Checkpoint, point
from reference_impl import ModelCheckpoint

__all__ = [
    "TiesSaved",
    "FirstValueAlwaysSaved",
    "NanBecomesBest",
    "MissingMonitorSaves",
    "MissingMonitorSilent",
    "NoneValueConverted",
    "ThresholdIgnored",
    "BestResetEachFit",
    "BatchSavesIgnoreBestOnly",
    "MonitorWarnedWithoutBestOnly",
    "BestSharedPerTemplate",
    "ExistingFilesKept",
]


class TiesSaved(Checkpoint):
    """The comparison is not strict: a value equal to the best is saved."""

    breaks = ("BEST-1",)

    def _improves(self, current: float) -> bool:
        return current >= self.best if self.mode == "max" else current <= self.best


class FirstValueAlwaysSaved(Checkpoint):
    """While the best is still infinite, any value saves, even ``inf`` or NaN."""

    breaks = ("BEST-2/keras2",)

    def _improves(self, current: float) -> bool:
        return math.isinf(self.best) or super()._improves(current)


class NanBecomesBest(Checkpoint):
    """A NaN counts as an improvement and, as the best, blocks every later save."""

    breaks = ("BEST-3",)

    def _improves(self, current: float) -> bool:
        return math.isnan(current) or super()._improves(current)


class MissingMonitorSaves(Checkpoint):
    """A missing monitor warns and then saves anyway, as Keras 3 does."""

    breaks = ("BEST-4/keras2",)

    def _missing_monitor(self, epoch: int, filepath: str) -> None:
        super()._missing_monitor(epoch, filepath)
        self._write(filepath)


class MissingMonitorSilent(Checkpoint):
    """A missing monitor skips the save without the warning."""

    breaks = ("BEST-4/keras2",)

    def _missing_monitor(self, epoch: int, filepath: str) -> None:
        pass


class NoneValueConverted(ModelCheckpoint):
    """The monitored value goes through ``float()``, so ``None`` raises TypeError."""

    breaks = ("BEST-4/keras2",)

    def _save(self, epoch: int, batch: int | None, logs: Mapping) -> None:
        if self.save_best_only and self.monitor in logs:
            logs = {**logs, self.monitor: float(logs[self.monitor])}
        super()._save(epoch, batch, logs)


class ThresholdIgnored(ModelCheckpoint):
    """``initial_value_threshold`` is accepted but the best starts at ``±inf``."""

    breaks = ("BEST-5",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        point(self, self.mode, None)


class BestResetEachFit(ModelCheckpoint):
    """``on_train_begin`` resets the best to ``±inf``, forgetting earlier fits."""

    breaks = ("BEST-6", "STATE-1")

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        point(self, self.mode, None)


class BatchSavesIgnoreBestOnly(Checkpoint):
    """Best-only mode applies to epoch-level saves; batch-level ones always save."""

    breaks = ("BEST-7",)

    def _save(self, epoch: int, batch: int | None, logs: Mapping) -> None:
        if batch is None or not self.save_best_only:
            super()._save(epoch, batch, logs)
            return
        filepath = self._format_path(epoch, batch, logs)
        self._print(self._saving_message(epoch, batch, filepath))
        self._write(filepath)


class MonitorWarnedWithoutBestOnly(ModelCheckpoint):
    """A missing monitor warns even outside best-only mode."""

    breaks = ("BEST-8/keras2",)

    def _save(self, epoch: int, batch: int | None, logs: Mapping) -> None:
        if not self.save_best_only and logs.get(self.monitor) is None:
            warnings.warn(
                f"{self.monitor} is not in the logs", UserWarning, stacklevel=3
            )
        super()._save(epoch, batch, logs)


class BestSharedPerTemplate(ModelCheckpoint):
    """The best is kept per template at class level, so a new instance inherits it."""

    breaks = ("STATE-2",)

    _best_by_template: ClassVar[dict[str, Any]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.best = self._best_by_template.get(self.filepath, self.best)

    def _save(self, epoch: int, batch: int | None, logs: Mapping) -> None:
        super()._save(epoch, batch, logs)
        self._best_by_template[self.filepath] = self.best


class ExistingFilesKept(ModelCheckpoint):
    """A save whose file already exists is skipped instead of overwriting it."""

    breaks = ("STATE-2",)

    def _write(self, filepath: str) -> None:
        if not os.path.exists(filepath):
            super()._write(filepath)

"""Faults of the callback protocol: hooks that save, count or fail (HOOK)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference_impl import ModelCheckpoint
from reference_impl.callback import _improves

__all__ = [
    "LogsRequired",
    "EvaluationEndSaves",
    "PredictBatchesCounted",
    "TrainEndSaves",
    "CountsAtBatchBegin",
    "LegacyBatchEndCounts",
    "LogsNoneRejected",
    "ValidationResetsCount",
    "EvaluationUpdatesBest",
    "SetParamsMovesEpochSaves",
]

Logs = Mapping[str, Any] | None


class LogsRequired(ModelCheckpoint):
    """``on_epoch_begin`` has no default for ``logs``, so calling it without fails."""

    breaks = ("HOOK-1",)

    def on_epoch_begin(self, epoch: int, logs: Logs) -> None:
        super().on_epoch_begin(epoch, logs)


class EvaluationEndSaves(ModelCheckpoint):
    """The end of an evaluation saves, as if validation ended an epoch."""

    breaks = ("HOOK-2",)

    def on_test_end(self, logs: Logs = None) -> None:
        self._save(self._current_epoch, None, logs or {})


class PredictBatchesCounted(ModelCheckpoint):
    """Prediction batches are counted, and saved at, like training batches."""

    breaks = ("HOOK-2",)

    def on_predict_batch_end(self, batch: int, logs: Logs = None) -> None:
        self.on_train_batch_end(batch, logs)


class TrainEndSaves(ModelCheckpoint):
    """``on_train_end`` makes one more save attempt, for the final model."""

    breaks = ("HOOK-3",)

    def on_train_end(self, logs: Logs = None) -> None:
        self._save(self._current_epoch, None, logs or {})


class CountsAtBatchBegin(ModelCheckpoint):
    """Batches are counted, and saved at, in ``on_train_batch_begin`` instead of end."""

    breaks = ("HOOK-3",)

    def on_train_batch_begin(self, batch: int, logs: Logs = None) -> None:
        super().on_train_batch_end(batch, logs)

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        pass


class LegacyBatchEndCounts(ModelCheckpoint):
    """``on_batch_end`` is routed to ``on_train_batch_end``, counting batches twice."""

    breaks = ("HOOK-4",)

    def on_batch_end(self, batch: int, logs: Logs = None) -> None:
        self.on_train_batch_end(batch, logs)


class LogsNoneRejected(ModelCheckpoint):
    """``on_epoch_end(epoch, None)`` fails instead of treating the logs as empty."""

    breaks = ("HOOK-5",)

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        self._epochs_since_last_save += 1
        if self.save_freq == "epoch" and self._epochs_since_last_save >= self.period:
            self._epochs_since_last_save = 0
            self._save(epoch, None, logs)


class ValidationResetsCount(ModelCheckpoint):
    """An evaluation (validation inside ``fit``) restarts the batch count."""

    breaks = ("HOOK-6",)

    def on_test_begin(self, logs: Logs = None) -> None:
        self._batches_since_last_save = 0


class EvaluationUpdatesBest(ModelCheckpoint):
    """An evaluation whose logs hold the monitor updates the best, without a save."""

    breaks = ("HOOK-6",)

    def on_test_end(self, logs: Logs = None) -> None:
        current = (logs or {}).get(self.monitor)
        if current is not None and _improves(self.mode, current, self.best):
            self.best = current


class SetParamsMovesEpochSaves(ModelCheckpoint):
    """``set_params`` turns ``save_freq='epoch'`` into ``params['steps']`` batches."""

    breaks = ("HOOK-7",)

    def set_params(self, params: Mapping[str, Any]) -> None:
        if self.save_freq == "epoch" and params.get("steps"):
            self.save_freq = params["steps"]

"""Faults of timing: epoch saves, counting batches, ``period`` (FREQ, STATE-1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reference_impl import ModelCheckpoint

__all__ = [
    "PeriodOffByOne",
    "EpochFreqSavesEveryBatch",
    "CountResetEachEpoch",
    "JumpsCountAsOne",
    "SamplesCounted",
    "CountStrictlyGreater",
    "CountResetEachFit",
    "IntegerFreqSavesAtEpochEnd",
    "NonPositiveFreqNeverSaves",
    "EpochFromEpochEnd",
    "PeriodIgnored",
    "PeriodResetEachFit",
]

Logs = Mapping[str, Any] | None


class PeriodOffByOne(ModelCheckpoint):
    """The epoch count must exceed ``period`` (``>`` for ``>=``), skipping epochs."""

    breaks = ("FREQ-1", "FREQ-7/keras2")

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        self._epochs_since_last_save += 1
        if self.save_freq == "epoch" and self._epochs_since_last_save > self.period:
            self._epochs_since_last_save = 0
            self._save(epoch, None, logs or {})


class EpochFreqSavesEveryBatch(ModelCheckpoint):
    """With ``save_freq='epoch'`` every training batch end saves too."""

    breaks = ("FREQ-2",)

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        if self.save_freq == "epoch":
            self._save(self._current_epoch, batch, logs or {})
        else:
            super().on_train_batch_end(batch, logs)


class CountResetEachEpoch(ModelCheckpoint):
    """The batch count restarts at every epoch (pytorch-lightning#11979)."""

    breaks = ("FREQ-3",)

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        super().on_epoch_begin(epoch, logs)
        self._batches_since_last_save = 0


class JumpsCountAsOne(ModelCheckpoint):
    """Each ``on_train_batch_end`` counts one batch, however far the index jumped."""

    breaks = ("FREQ-3",)

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        if self.save_freq == "epoch":
            return
        self._batches_since_last_save += 1
        if self._batches_since_last_save >= self.save_freq:
            self._batches_since_last_save = 0
            self._save(self._current_epoch, batch, logs or {})


class SamplesCounted(ModelCheckpoint):
    """The count adds the batch logs' ``size`` (samples, as TF 2.1 did), or 1."""

    breaks = ("FREQ-3",)

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        if self.save_freq == "epoch":
            return
        self._batches_since_last_save += (logs or {}).get("size", 1)
        if self._batches_since_last_save >= self.save_freq:
            self._batches_since_last_save = 0
            self._save(self._current_epoch, batch, logs or {})


class CountStrictlyGreater(ModelCheckpoint):
    """A batch-level save needs a count above ``save_freq`` (``>``, not ``>=``)."""

    breaks = ("FREQ-3",)

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        if self.save_freq == "epoch":
            return
        if batch <= self._last_batch_seen:
            self._batches_since_last_save += batch + 1
        else:
            self._batches_since_last_save += batch - self._last_batch_seen
        self._last_batch_seen = batch
        if self._batches_since_last_save > self.save_freq:
            self._batches_since_last_save = 0
            self._save(self._current_epoch, batch, logs or {})


class CountResetEachFit(ModelCheckpoint):
    """``on_train_begin`` restarts the batch count, so it does not carry across fits."""

    breaks = ("FREQ-3", "STATE-1")

    def on_train_begin(self, logs: Logs = None) -> None:
        self._batches_since_last_save = 0
        self._last_batch_seen = -1


class IntegerFreqSavesAtEpochEnd(ModelCheckpoint):
    """With an integer ``save_freq`` every epoch end saves as well (Lightning#20075)."""

    breaks = ("FREQ-4",)

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        super().on_epoch_end(epoch, logs)
        if self.save_freq != "epoch":
            self._save(epoch, None, logs or {})


class NonPositiveFreqNeverSaves(ModelCheckpoint):
    """An integer ``save_freq`` of zero or less never saves instead of always."""

    breaks = ("FREQ-5",)

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        if self.save_freq != "epoch" and self.save_freq <= 0:
            return
        super().on_train_batch_end(batch, logs)


class EpochFromEpochEnd(ModelCheckpoint):
    """Batch-level saves take ``{epoch}`` from the last ``on_epoch_end``, not begin."""

    breaks = ("FREQ-6",)

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        super().on_epoch_end(epoch, logs)
        self._current_epoch = epoch


class PeriodIgnored(ModelCheckpoint):
    """``period`` is accepted with its warning, then ignored: every epoch saves."""

    breaks = ("FREQ-7/keras2",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.period = 1


class PeriodResetEachFit(ModelCheckpoint):
    """``on_train_begin`` restarts the epoch count of ``period``."""

    breaks = ("FREQ-7/keras2", "STATE-1")

    def on_train_begin(self, logs: Logs = None) -> None:
        self._epochs_since_last_save = 0

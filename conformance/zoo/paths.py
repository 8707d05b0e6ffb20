"""Faults of the file path: fields, errors, folders and the path's type (PATH)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path

from conformance.zoo._base import Checkpoint
from reference_impl import ModelCheckpoint

__all__ = [
    "ZeroBasedEpoch",
    "LogValuesAsFloats",
    "PathLikeToSave",
    "SuffixAdded",
    "BatchFieldMissing",
    "ZeroBasedBatch",
    "BatchLogKeyIgnored",
    "BatchFieldAtEpochEnd",
    "KeyErrorWithoutTemplate",
    "MissingFieldSkipsSave",
    "FormattedAfterDecision",
    "FormatErrorsAsKeyError",
    "FoldersNotCreated",
    "FolderPathErrorSwallowed",
]


class ZeroBasedEpoch(ModelCheckpoint):
    """``{epoch}`` is the 0-based epoch index (keras-team/keras#7541)."""

    breaks = ("PATH-1",)

    def _format_path(self, epoch: int, batch: int | None, logs: Mapping) -> str:
        return super()._format_path(epoch - 1, batch, logs)


class LogValuesAsFloats(ModelCheckpoint):
    """Log values are converted to ``float`` before formatting, so strings fail."""

    breaks = ("PATH-2",)

    def _format_path(self, epoch: int, batch: int | None, logs: Mapping) -> str:
        numbers = {key: float(value) for key, value in logs.items()}
        return super()._format_path(epoch, batch, numbers)


class PathLikeToSave(ModelCheckpoint):
    """The save method receives a ``pathlib.Path`` instead of a ``str``."""

    breaks = ("PATH-3",)

    def _write(self, filepath: str) -> None:
        super()._write(Path(filepath))


class SuffixAdded(ModelCheckpoint):
    """A formatted path without a suffix gets ``.h5`` appended."""

    breaks = ("CON-10/keras2",)

    def _format_path(self, epoch: int, batch: int | None, logs: Mapping) -> str:
        path = super()._format_path(epoch, batch, logs)
        return path if os.path.splitext(path)[1] else path + ".h5"


class BatchFieldMissing(ModelCheckpoint):
    """Batch-level saves supply no ``{batch}`` field (tensorflow#38668)."""

    breaks = ("PATH-4",)

    def _format_path(self, epoch: int, batch: int | None, logs: Mapping) -> str:
        return super()._format_path(epoch, None, logs)


class ZeroBasedBatch(ModelCheckpoint):
    """``{batch}`` is the 0-based batch index."""

    breaks = ("PATH-4",)

    def _format_path(self, epoch: int, batch: int | None, logs: Mapping) -> str:
        return super()._format_path(epoch, None if batch is None else batch - 1, logs)


class BatchLogKeyIgnored(ModelCheckpoint):
    """``{batch}`` is always the counted index, even when the logs hold ``batch``."""

    breaks = ("PATH-4",)

    def _format_path(self, epoch: int, batch: int | None, logs: Mapping) -> str:
        if batch is not None:
            logs = {**logs, "batch": batch + 1}
        return super()._format_path(epoch, batch, logs)


class BatchFieldAtEpochEnd(ModelCheckpoint):
    """Epoch-level saves fill ``{batch}`` with the last batch seen, plus one."""

    breaks = ("PATH-4", "PATH-5")

    def _format_path(self, epoch: int, batch: int | None, logs: Mapping) -> str:
        if batch is None:
            batch = self._last_batch_seen
        return super()._format_path(epoch, batch, logs)


class KeyErrorWithoutTemplate(ModelCheckpoint):
    """A missing field raises ``str.format``'s bare KeyError, without the template."""

    breaks = ("PATH-5",)

    def _format_path(self, epoch: int, batch: int | None, logs: Mapping) -> str:
        fields = dict(logs)
        if batch is not None and "batch" not in fields:
            fields["batch"] = batch + 1
        return self.filepath.format(epoch=epoch + 1, **fields)


class MissingFieldSkipsSave(ModelCheckpoint):
    """A field with no value skips the save with a warning instead of raising."""

    breaks = ("PATH-5",)

    def _save(self, epoch: int, batch: int | None, logs: Mapping) -> None:
        try:
            super()._save(epoch, batch, logs)
        except KeyError as error:
            warnings.warn(f"skipping checkpoint: {error}", UserWarning, stacklevel=3)


class FormattedAfterDecision(Checkpoint):
    """In best-only mode the path is formatted only once a save is decided."""

    breaks = ("PATH-6",)

    def _save(self, epoch: int, batch: int | None, logs: Mapping) -> None:
        current = logs.get(self.monitor)
        if not self.save_best_only or (current is not None and self._improves(current)):
            super()._save(epoch, batch, logs)
        elif current is None:
            self._missing_monitor(epoch, self.filepath)
        else:
            self._print(self._not_improved_message(epoch))


class FormatErrorsAsKeyError(ModelCheckpoint):
    """Every formatting error is re-raised as a KeyError naming the template."""

    breaks = ("PATH-7",)

    def _format_path(self, epoch: int, batch: int | None, logs: Mapping) -> str:
        try:
            return super()._format_path(epoch, batch, logs)
        except (IndexError, ValueError, AttributeError) as error:
            raise KeyError(
                f"Failed to format this callback filepath: {self.filepath!r}. "
                f"Reason: {error}"
            ) from error


class FoldersNotCreated(ModelCheckpoint):
    """Missing folders in the formatted path are not created before the save."""

    breaks = ("PATH-8",)

    def _write(self, filepath: str) -> None:
        save = self.model.save_weights if self.save_weights_only else self.model.save
        if self.options is None:
            save(filepath, overwrite=True)
        else:
            save(filepath, overwrite=True, options=self.options)


class FolderPathErrorSwallowed(ModelCheckpoint):
    """A path that is an existing folder gives a warning instead of an OSError."""

    breaks = ("PATH-9",)

    def _write(self, filepath: str) -> None:
        try:
            super()._write(filepath)
        except OSError as error:
            warnings.warn(f"checkpoint not saved: {error}", UserWarning, stacklevel=3)

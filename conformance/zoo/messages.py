"""Faults of what is printed: when, and in which words and numbers (MSG)."""

from __future__ import annotations

from collections.abc import Mapping

from conformance.zoo._base import Checkpoint
from reference_impl import ModelCheckpoint

__all__ = [
    "PrintsAtVerboseZero",
    "PrintsOnlyAtVerboseOne",
    "MessageShowsTemplate",
    "FinishedSavingPrinted",
    "MessagePrintedAfterSave",
    "MessageZeroBasedEpoch",
    "MessageShowsNewBest",
    "MessageTwoDecimals",
    "NoDidNotImproveMessage",
    "MissingMonitorPrinted",
    "BatchMessageNamesBatch",
]


class PrintsAtVerboseZero(ModelCheckpoint):
    """Messages print when ``verbose >= 0``, so the default ``verbose=0`` prints."""

    breaks = ("MSG-1",)

    def _print(self, message: str) -> None:
        if self.verbose >= 0:
            print(message)


class PrintsOnlyAtVerboseOne(ModelCheckpoint):
    """Messages print only when ``verbose == 1``, not for 2 or more."""

    breaks = ("MSG-1",)

    def _print(self, message: str) -> None:
        if self.verbose == 1:
            print(message)


class MessageShowsTemplate(Checkpoint):
    """The saving message shows the unformatted template, not the formatted path."""

    breaks = ("MSG-2",)

    def _saving_message(self, epoch: int, batch: int | None, filepath: str) -> str:
        return super()._saving_message(epoch, batch, self.filepath)


class FinishedSavingPrinted(ModelCheckpoint):
    """A second line follows every save, saying it finished (as Keras 3 can)."""

    breaks = ("MSG-2", "MSG-8/keras2")

    def _write(self, filepath: str) -> None:
        super()._write(filepath)
        self._print(f"Finished saving model to {filepath}")


class MessagePrintedAfterSave(Checkpoint):
    """The saving messages are printed once the save has returned, not before it."""

    breaks = ("MSG-7",)

    def _save(self, epoch: int, batch: int | None, logs: Mapping) -> None:
        filepath = self._format_path(epoch, batch, logs)
        current = logs.get(self.monitor)
        if not self.save_best_only:
            message = self._saving_message(epoch, batch, filepath)
        elif current is not None and self._improves(current):
            message = self._improved_message(epoch, current, filepath)
            self.best = current
        else:  # nothing to save: the reference's own path
            super()._save(epoch, batch, logs)
            return
        self._write(filepath)
        self._print(message)


class MessageZeroBasedEpoch(Checkpoint):
    """Messages number the epoch from 0, though ``{epoch}`` in the path is 1-based."""

    breaks = ("MSG-2", "MSG-3/keras2", "MSG-4")

    def _saving_message(self, epoch: int, batch: int | None, filepath: str) -> str:
        return super()._saving_message(epoch - 1, batch, filepath)

    def _improved_message(self, epoch: int, current: float, filepath: str) -> str:
        return super()._improved_message(epoch - 1, current, filepath)

    def _not_improved_message(self, epoch: int) -> str:
        return super()._not_improved_message(epoch - 1)


class MessageShowsNewBest(Checkpoint):
    """The best is updated before the message, which then shows the new value twice."""

    breaks = ("MSG-3/keras2",)

    def _improved_message(self, epoch: int, current: float, filepath: str) -> str:
        self.best = current
        return super()._improved_message(epoch, current, filepath)


class MessageTwoDecimals(Checkpoint):
    """Values in messages have two decimals instead of five."""

    breaks = ("MSG-3/keras2", "MSG-4")

    def _number(self, value: float) -> str:
        return f"{value:.2f}"


class NoDidNotImproveMessage(Checkpoint):
    """Nothing is said when the value does not improve (only a blank line)."""

    breaks = ("MSG-4",)

    def _not_improved_message(self, epoch: int) -> str:
        return ""


class MissingMonitorPrinted(Checkpoint):
    """A missing monitor is also reported on standard output, besides the warning."""

    breaks = ("MSG-5",)

    def _missing_monitor(self, epoch: int, filepath: str) -> None:
        super()._missing_monitor(epoch, filepath)
        self._print(f"\nEpoch {epoch + 1}: {self.monitor} is missing, not saving")


class BatchMessageNamesBatch(Checkpoint):
    """Batch-level saving messages name the batch after the epoch."""

    breaks = ("MSG-6",)

    def _saving_message(self, epoch: int, batch: int | None, filepath: str) -> str:
        if batch is None:
            return super()._saving_message(epoch, batch, filepath)
        return f"\nEpoch {epoch + 1}, batch {batch + 1}: saving model to {filepath}"

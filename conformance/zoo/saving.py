"""Faults of the save call itself: method, arguments, count (SAVE)."""

from __future__ import annotations

import os
from typing import Any

from reference_impl import ModelCheckpoint

__all__ = [
    "SaveWithoutOverwrite",
    "WeightsOnlyIgnored",
    "SubclassedForcedWeightsOnly",
    "SavedTwice",
    "OptionsDropped",
]


class SaveWithoutOverwrite(ModelCheckpoint):
    """The save method is called without ``overwrite=True``."""

    breaks = ("SAVE-1",)

    def _write(self, filepath: str) -> None:
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        save = self.model.save_weights if self.save_weights_only else self.model.save
        save(filepath)


class WeightsOnlyIgnored(ModelCheckpoint):
    """``save_weights_only`` is never stored, so the whole model is always saved."""

    breaks = ("SAVE-1",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.save_weights_only = False


class SubclassedForcedWeightsOnly(ModelCheckpoint):
    """A model that is neither Sequential nor Functional is saved weights-only."""

    breaks = ("SAVE-2",)

    def set_model(self, model: Any) -> None:
        # What TF 2.1 did for subclassed models (tensorflow#39679).
        super().set_model(model)
        if type(model).__name__ not in ("Sequential", "Functional"):
            self.save_weights_only = True


class SavedTwice(ModelCheckpoint):
    """Each checkpoint is also saved as ``last.h5``, two saves per decision."""

    breaks = ("SAVE-3",)

    def _write(self, filepath: str) -> None:
        super()._write(filepath)
        super()._write(os.path.join(os.path.dirname(filepath), "last.h5"))


class OptionsDropped(ModelCheckpoint):
    """The ``options`` given are kept but never handed to the save method."""

    breaks = ("SAVE-6/keras2",)

    def _write(self, filepath: str) -> None:
        options, self.options = self.options, None
        try:
            super()._write(filepath)
        finally:
            self.options = options

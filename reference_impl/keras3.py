"""The reference ModelCheckpoint under the ``keras3`` profile of SPEC.md.

Keras 3 changed some behaviours on purpose: a closed constructor, required
file suffixes, the direction of ``mode='auto'`` taken from the compiled
metrics rather than from the name, no starting best, saving when the monitor
is missing, and a second message once a save is done. This class is the
Keras 2 reference with those clauses swapped for their ``/keras3`` variants;
everything else is shared.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

from reference_impl.callback import ModelCheckpoint, _improves


def _metrics_of(model: Any) -> Iterator[Any]:
    """Every metric reachable from ``model.metrics``, containers opened.

    Their names and directions decide ``mode='auto'`` (MODE-2/keras3).
    """
    pending = list(getattr(model, "metrics", None) or [])
    while pending:
        metric = pending.pop(0)
        yield metric
        pending.extend(getattr(metric, "metrics", None) or [])


class Keras3ModelCheckpoint(ModelCheckpoint):
    """ModelCheckpoint as the ``keras3`` profile specifies it.

    The constructor takes ``initial_value_threshold`` as its eighth
    parameter and nothing else (CON-5/keras3, CON-6/keras3).
    """

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
        initial_value_threshold: float | None = None,
    ) -> None:
        # The parent checks and keeps them (CON-1, CON-3, CON-4).
        super().__init__(
            filepath,
            monitor,
            verbose,
            save_best_only,
            save_weights_only,
            mode,
            save_freq,
            initial_value_threshold=initial_value_threshold,
        )
        # Under auto, the direction is decided at the first epoch end (MODE-2/keras3)
        if mode not in ("min", "max"):
            self.mode = "auto"  # decided later (MODE-2/keras3, MODE-4/keras3)
        self.best = initial_value_threshold  # None: no best yet (BEST-2/keras3)

        # The template as given, before any formatting (CON-10/keras3).
        if save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError(
                f"filepath={self.filepath!r}: with save_weights_only=True the "
                "template must end in '.weights.h5'"
            )
        if not save_weights_only and not self.filepath.endswith((".keras", ".h5")):
            raise ValueError(
                f"filepath={self.filepath!r}: a whole-model template must end "
                "in '.keras' or '.h5'"
            )

    def _resolve_mode(self) -> None:
        """Decide the direction of ``mode='auto'`` from the model (MODE-2/keras3)."""
        if self.mode != "auto":
            return
        name = self.monitor.removeprefix("val_")
        if name == "loss":
            self.mode = "min"
            return
        for metric in _metrics_of(self.model):
            direction = getattr(metric, "_direction", None)
            if metric.name == name and direction is not None:
                self.mode = "max" if direction == "up" else "min"
                return
        raise ValueError(
            f"monitor={self.monitor!r}: mode='auto' cannot tell whether this "
            "metric should be maximised or minimised; pass mode='max' or "
            "mode='min'"
        )

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        self._resolve_mode()  # MODE-2/keras3, BEST-8/keras3: best-only or not
        super().on_epoch_end(epoch, logs)

    def _is_improvement(self, current: float) -> bool:
        if math.isnan(current):  # BEST-3
            return False
        if self.best is None:
            return True  # BEST-2/keras3
        return _improves(self.mode, current, self.best)  # BEST-1

    def _best_text(self) -> str:
        """The best as messages print it (MSG-3/keras3, MSG-4)."""
        return "None" if self.best is None else f"{self.best:.5f}"

    def _save(self, epoch: int, batch: int | None, logs: Mapping) -> None:
        filepath = self._format_path(epoch, batch, logs)  # PATH-6
        if not self.save_best_only:
            self._print(f"\nEpoch {epoch + 1}: saving model to {filepath}")  # MSG-2
            self._write_and_report(epoch, filepath)
            return

        # A batch-level decision may come before the first epoch end.
        self._resolve_mode()  # MODE-2/keras3
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(  # BEST-4/keras3, MSG-5
                f"Can save best model only with {self.monitor} available; "
                "saving anyway.",
                UserWarning,
                stacklevel=3,
            )
            self._write_and_report(epoch, filepath)
        elif getattr(current, "ndim", 0) > 0:
            warnings.warn(  # BEST-9/keras3
                f"Can save best model only when {self.monitor} is a scalar; got "
                f"{current}. Saving as without save_best_only.",
                UserWarning,
                stacklevel=3,
            )
            self._print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            self._write_and_report(epoch, filepath)
        elif self._is_improvement(current):
            self._print(  # MSG-3/keras3
                f"\nEpoch {epoch + 1}: {self.monitor} improved from "
                f"{self._best_text()} to {current:.5f}, saving model to {filepath}"
            )
            self.best = current
            self._write_and_report(epoch, filepath)
        else:
            self._print(  # MSG-4
                f"\nEpoch {epoch + 1}: {self.monitor} did not improve from "
                f"{self._best_text()}"
            )

    def _write_and_report(self, epoch: int, filepath: str) -> None:
        self._write(filepath)  # SAVE-1
        self._print(  # MSG-8/keras3
            f"\nEpoch {epoch + 1}: finished saving model to {filepath}"
        )

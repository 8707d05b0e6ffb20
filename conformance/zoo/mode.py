"""Faults of direction: explicit modes, the auto rule, unknown modes (MODE)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.zoo._base import Checkpoint, arguments, point
from reference_impl import ModelCheckpoint

__all__ = [
    "ExplicitModeOverridden",
    "AccPrefixOnly",
    "AccSuffixOnly",
    "AucMaximised",
    "FmeasureAnywhere",
    "AutoFromMetrics",
    "ModeCaseInsensitive",
    "UnknownModeIsMin",
]


class ExplicitModeOverridden(ModelCheckpoint):
    """A name containing ``acc`` is maximised even when ``mode='min'`` is given."""

    breaks = ("MODE-1",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "acc" in self.monitor:
            point(self, "max", arguments(args, kwargs).get("initial_value_threshold"))


class AccPrefixOnly(Checkpoint):
    """Auto mode maximises a name only when it starts with ``acc``."""

    breaks = ("MODE-2/keras2", "MODE-3/keras2")

    def _auto_mode(self, monitor: str) -> str:
        return "max" if monitor.startswith(("acc", "fmeasure")) else "min"


class AccSuffixOnly(Checkpoint):
    """Auto mode maximises a name only when it ends with ``acc`` or ``accuracy``."""

    breaks = ("MODE-2/keras2",)

    def _auto_mode(self, monitor: str) -> str:
        if monitor.endswith(("acc", "accuracy")) or monitor.startswith("fmeasure"):
            return "max"
        return "min"


class AucMaximised(Checkpoint):
    """Auto mode maximises ``auc`` names too, by meaning rather than by the rule."""

    breaks = ("MODE-2/keras2",)

    def _auto_mode(self, monitor: str) -> str:
        return "max" if "auc" in monitor else super()._auto_mode(monitor)


class FmeasureAnywhere(Checkpoint):
    """Auto mode maximises names containing ``fmeasure`` anywhere, not as a prefix."""

    breaks = ("MODE-2/keras2",)

    def _auto_mode(self, monitor: str) -> str:
        return "max" if "fmeasure" in monitor else super()._auto_mode(monitor)


class AutoFromMetrics(ModelCheckpoint):
    """Auto mode looks the name up in the model's metrics (as Keras 3 does) or fails."""

    breaks = ("MODE-2/keras2", "MODE-3/keras2")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._auto = arguments(args, kwargs).get("mode", "auto") not in ("min", "max")
        self._threshold = arguments(args, kwargs).get("initial_value_threshold")

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        if self._auto:
            point(
                self,
                self._direction(self.monitor.removeprefix("val_")),
                self._threshold,
            )
            self._auto = False
        super().on_epoch_end(epoch, logs)

    def _direction(self, name: str) -> str:
        if name == "loss":
            return "min"
        for metric in getattr(self.model, "metrics", []):
            if getattr(metric, "name", None) == name:
                return "max" if getattr(metric, "_direction", None) == "up" else "min"
        raise ValueError(
            f"monitor={self.monitor!r}: cannot tell whether to maximise or "
            "minimise it; pass mode='max' or mode='min'"
        )


class ModeCaseInsensitive(ModelCheckpoint):
    """``mode`` is lower-cased first, so ``'MAX'`` means max, without a warning."""

    breaks = ("CON-4", "MODE-4/keras2")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        given = arguments(args, kwargs)
        if isinstance(given.get("mode"), str):
            given["mode"] = given["mode"].lower()
        super().__init__(**given)


class UnknownModeIsMin(ModelCheckpoint):
    """An unknown ``mode`` warns and then minimises, instead of behaving as auto."""

    breaks = ("MODE-4/keras2",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        given = arguments(args, kwargs)
        if given.get("mode", "auto") not in ("auto", "min", "max"):
            point(self, "min", given.get("initial_value_threshold"))

"""Faults of construction: the signature, argument checks and side effects (CON)."""

from __future__ import annotations

import numbers
import os
from typing import Any

from conformance.zoo._base import PARAMETERS, arguments
from reference_impl import ModelCheckpoint

__all__ = [
    "VerboseByDefault",
    "SwappedPositionalFlags",
    "FloatSaveFreqAccepted",
    "IntegralSaveFreqAccepted",
    "BoolSaveFreqRejected",
    "SaveFreqErrorHidesValue",
    "UnknownModeRaises",
    "UnknownModeSilent",
    "UnknownKeywordRejected",
    "DeprecatedKeywordSilent",
    "ConstructionPrints",
    "ConstructionMakesFolder",
    "PathLikeKept",
    "ThresholdKeywordRejected",
]


class VerboseByDefault(ModelCheckpoint):
    """``verbose`` defaults to 1 instead of 0, so an unconfigured callback prints."""

    breaks = ("CON-1",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(**{"verbose": 1, **arguments(args, kwargs)})


class SwappedPositionalFlags(ModelCheckpoint):
    """``save_weights_only`` comes before ``save_best_only`` among the positionals."""

    breaks = ("CON-2",)

    def __init__(
        self,
        filepath: Any,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_weights_only: bool = False,
        save_best_only: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            filepath,
            monitor,
            verbose,
            save_best_only,
            save_weights_only,
            *args,
            **kwargs,
        )


class FloatSaveFreqAccepted(ModelCheckpoint):
    """A float ``save_freq`` is truncated to an int instead of raising ValueError."""

    breaks = ("CON-3",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        given = arguments(args, kwargs)
        if isinstance(given.get("save_freq"), float):
            given["save_freq"] = int(given["save_freq"])
        super().__init__(**given)


class IntegralSaveFreqAccepted(ModelCheckpoint):
    """Any ``numbers.Integral`` is a valid ``save_freq``, NumPy integers included."""

    breaks = ("CON-3",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        given = arguments(args, kwargs)
        if isinstance(given.get("save_freq"), numbers.Integral):
            given["save_freq"] = int(given["save_freq"])
        super().__init__(**given)


class BoolSaveFreqRejected(ModelCheckpoint):
    """A ``bool`` ``save_freq`` raises ValueError, though ``bool`` is an ``int``."""

    breaks = ("CON-3", "FREQ-5")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        save_freq = arguments(args, kwargs).get("save_freq")
        if isinstance(save_freq, bool):
            raise ValueError(f"save_freq={save_freq!r} is a bool, not a batch count")
        super().__init__(*args, **kwargs)


class SaveFreqErrorHidesValue(ModelCheckpoint):
    """The ValueError for a bad ``save_freq`` does not show the value given."""

    breaks = ("CON-3",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().__init__(*args, **kwargs)
        except ValueError:
            raise ValueError("save_freq must be 'epoch' or an integer") from None


class UnknownModeRaises(ModelCheckpoint):
    """An unknown ``mode`` raises ValueError instead of warning and using auto."""

    breaks = ("CON-4", "MODE-4/keras2")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        mode = arguments(args, kwargs).get("mode", "auto")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode={mode!r}; accepted are 'auto', 'min' and 'max'")
        super().__init__(*args, **kwargs)


class UnknownModeSilent(ModelCheckpoint):
    """An unknown ``mode`` falls back to auto without the warning."""

    breaks = ("CON-4",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        given = arguments(args, kwargs)
        if given.get("mode", "auto") not in ("auto", "min", "max"):
            given["mode"] = "auto"
        super().__init__(**given)


class UnknownKeywordRejected(ModelCheckpoint):
    """A keyword the constructor does not know raises TypeError (as Keras 3 does)."""

    breaks = ("CON-5/keras2",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        unknown = set(kwargs) - {*PARAMETERS, "period", "load_weights_on_restart"}
        if unknown:
            raise TypeError(f"unexpected keyword arguments: {sorted(unknown)}")
        super().__init__(*args, **kwargs)


class DeprecatedKeywordSilent(ModelCheckpoint):
    """``period`` is honoured but gives no deprecation warning."""

    breaks = ("CON-6/keras2",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        period = kwargs.pop("period", 1)
        super().__init__(*args, **kwargs)
        self.period = period


class ConstructionPrints(ModelCheckpoint):
    """With ``verbose`` above zero, the constructor prints what it will do."""

    breaks = ("CON-7",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.verbose > 0:
            print(f"ModelCheckpoint: saving to {self.filepath}")


class ConstructionMakesFolder(ModelCheckpoint):
    """The constructor creates the template's folders, up to its first field."""

    breaks = ("CON-7",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        folder = os.path.dirname(self.filepath.partition("{")[0])
        if folder:
            os.makedirs(folder, exist_ok=True)


class PathLikeKept(ModelCheckpoint):
    """A PathLike ``filepath`` is stored as given, so formatting it fails."""

    breaks = ("CON-8",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filepath = arguments(args, kwargs)["filepath"]


class ThresholdKeywordRejected(ModelCheckpoint):
    """``initial_value_threshold`` is not a parameter: giving it raises TypeError."""

    breaks = ("CON-9",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "initial_value_threshold" in kwargs:
            raise TypeError("unexpected keyword argument 'initial_value_threshold'")
        super().__init__(*args, **kwargs)

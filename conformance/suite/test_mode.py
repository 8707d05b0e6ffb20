"""MODE: which direction of the monitored value counts as an improvement."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from importlib import resources

import pytest

from conformance.expect import expect
from conformance.harness import Save, saved_at_epoch_end
from conformance.lifecycle import fit

TEMPLATE = "m{epoch}.h5"

#: One value per epoch: the minimum and the maximum diverge from epoch 1 on,
#: so the saves tell the two directions apart.
VALUES = (0.5, 0.4, 0.6)

#: A longer walk for explicit modes: new lows at 1 and 5, new highs at 2 and 4.
WALK = (0.5, 0.4, 0.6, 0.45, 0.7, 0.3)


def best_only_saves(direction: str, values: Sequence[float]) -> list[Save]:
    """The oracle: the saves best-only mode makes, one value per epoch end."""
    best = math.inf if direction == "min" else -math.inf
    saves = []
    for epoch, value in enumerate(values):
        if (value < best) if direction == "min" else (value > best):
            best = value
            saves.append(saved_at_epoch_end(epoch, TEMPLATE.format(epoch=epoch + 1)))
    return saves


def run_best_only(harness, monitor: str, values: Sequence[float], **kwargs):
    epoch_logs = [{monitor: value} for value in values]
    return harness.run(
        fit(len(values), epoch_logs=epoch_logs),
        filepath=TEMPLATE,
        monitor=monitor,
        save_best_only=True,
        **kwargs,
    )


def shown(name: str) -> str:
    """A monitor name as a test id shows it: the empty name as ''."""
    return name or "''"


def _load_inference_table() -> list[tuple[str, str]]:
    text = resources.files("conformance.fixtures").joinpath("mode_inference.json")
    table = json.loads(text.read_text(encoding="utf-8"))
    return [(entry["monitor"], entry["direction"]) for entry in table["names"]]


AUTO_DIRECTIONS = _load_inference_table()


# -- MODE-1: an explicit mode ----------------------------------------------------------

#: Names whose inferred direction (MODE-2) is sometimes the opposite of the
#: explicit mode, so a callback that ignores the explicit mode is caught.
ANY_NAMES = (
    "loss",
    "val_loss",
    "val_acc",
    "accuracy",
    "auc",
    "accumulated_loss",
    "fmeasure",
    "custom_score",
)


EXPLICIT_CASES = [(mode, name) for mode in ("min", "max") for name in ANY_NAMES]


@pytest.mark.clause("MODE-1")
@pytest.mark.parametrize(
    ("mode", "monitor"),
    EXPLICIT_CASES,
    ids=[f"mode={mode},monitor={name} -> {mode}" for mode, name in EXPLICIT_CASES],
)
def test_an_explicit_mode_sets_the_direction_whatever_the_name(harness, mode, monitor):
    trace = run_best_only(harness, monitor, WALK, mode=mode)

    expect(trace, saves=best_only_saves(mode, WALK))


# -- MODE-2: auto mode reads the name --------------------------------------------------


@pytest.mark.clause("MODE-2")
@pytest.mark.parametrize(
    ("monitor", "direction"),
    AUTO_DIRECTIONS,
    ids=[f"mode=auto,monitor={shown(name)} -> {way}" for name, way in AUTO_DIRECTIONS],
)
def test_auto_mode_infers_the_direction(harness, monitor, direction):
    trace = run_best_only(harness, monitor, VALUES, mode="auto")

    expect(trace, saves=best_only_saves(direction, VALUES))


# -- MODE-3: the two names the API page states -----------------------------------------

PAGE_EXAMPLES = [
    (given, name, way)
    for given in (True, False)
    for name, way in (("val_acc", "max"), ("val_loss", "min"))
]


@pytest.mark.clause("MODE-3")
@pytest.mark.parametrize(
    ("mode_given", "monitor", "direction"),
    PAGE_EXAMPLES,
    ids=[
        f"{'mode=auto' if given else 'mode omitted'},monitor={name} -> {way}"
        for given, name, way in PAGE_EXAMPLES
    ],
)
def test_auto_mode_follows_the_api_page_examples(
    harness, mode_given, monitor, direction
):
    kwargs = {"mode": "auto"} if mode_given else {}

    trace = run_best_only(harness, monitor, VALUES, **kwargs)

    expect(trace, saves=best_only_saves(direction, VALUES))


# -- MODE-4: an unknown mode falls back to auto ----------------------------------------

#: Near misses of the valid modes (case, spelling, spacing) and non-strings.
UNKNOWN_MODES = ("MIN", "Max", "AUTO", "minimum", "max ", "", "foo", None)

#: Auto-mode directions (MODE-2) that differ from what each near miss suggests.
FALLBACK_NAMES = (("val_loss", "min"), ("val_acc", "max"), ("loss", "min"))
FALLBACK_NAMES += (("accuracy", "max"),)

FALLBACK_CASES = [
    (mode, name, way) for mode in UNKNOWN_MODES for name, way in FALLBACK_NAMES
]


@pytest.mark.clause("MODE-4")
@pytest.mark.parametrize(
    ("mode", "monitor", "direction"),
    FALLBACK_CASES,
    ids=[
        f"mode={mode!r},monitor={name} -> {way}" for mode, name, way in FALLBACK_CASES
    ],
)
def test_an_unknown_mode_behaves_as_auto(harness, mode, monitor, direction):
    trace = run_best_only(harness, monitor, VALUES, mode=mode)

    # The warning is CON-4's business; here only the direction counts.
    expect(trace, saves=best_only_saves(direction, VALUES))

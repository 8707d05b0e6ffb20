"""SAVE: what a checkpoint written during fit holds, loaded back by the framework."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.implementations import Framework, Implementation
from conformance.plugin import PROFILE
from conformance.training import (
    BATCH_SIZE,
    Run,
    contents_mismatches,
    data,
    observe,
    weights_change,
)

pytestmark = pytest.mark.fit


@dataclass(frozen=True)
class Format:
    """A template suffix, and what a save with that suffix writes."""

    suffix: str
    weights_only: bool
    writes: str

    def __str__(self) -> str:
        kind = "weights" if self.weights_only else "whole model"
        return f"{kind},{self.suffix or 'no suffix'} -> {self.writes}"


#: The suffixes each profile accepts (CON-10), with the file format each picks.
FORMATS = {
    "keras2": [
        Format(".keras", False, "Keras zip"),
        Format(".h5", False, "HDF5"),
        Format("", False, "SavedModel folder"),
        Format(".weights.h5", True, "HDF5 weights"),
        Format(".h5", True, "HDF5 weights"),
        Format("", True, "TF checkpoint"),
    ],
    "keras3": [
        Format(".keras", False, "Keras zip"),
        Format(".h5", False, "HDF5"),
        Format(".weights.h5", False, "HDF5"),
        Format(".weights.h5", True, "HDF5 weights"),
    ],
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "format" in metafunc.fixturenames:
        formats = FORMATS[metafunc.config.stash[PROFILE]]
        metafunc.parametrize("format", formats, ids=str)


@pytest.fixture
def folder(runs_folder: Path) -> Path:
    return Path(tempfile.mkdtemp(prefix="contents-", dir=runs_folder))


def train(
    framework: Framework,
    implementation: Implementation,
    folder: Path,
    *,
    format: Format,
    save_freq: str | int,
) -> Run:
    template = "ckpt-e{epoch}" + ("-b{batch}" if save_freq != "epoch" else "")
    callback = implementation.callback(
        filepath=template + format.suffix,
        save_weights_only=format.weights_only,
        save_freq=save_freq,
    )
    x, y = data()
    with observe(
        framework,
        callback,
        folder,
        ignored_warnings=implementation.ignored_warnings,
    ) as run:
        run.model.fit(
            x, y, batch_size=BATCH_SIZE, epochs=2, callbacks=run.callbacks, verbose=0
        )
    return run


def check_contents(framework: Framework, run: Run, format: Format) -> None:
    __tracebackhide__ = True
    if len(run.saves) < 2 or not weights_change(run):
        raise AssertionError(
            "[SAVE-5] the check needs two saves made at different weights; the "
            f"run made these:\n{run.describe()}"
        )
    mismatches = contents_mismatches(framework, run, weights_only=format.weights_only)
    if mismatches:
        raise AssertionError(
            f"[SAVE-5] a checkpoint ({format}) does not hold the model of the "
            "hook that saved it:\n" + "\n".join(f"  {m}" for m in mismatches)
        )


@pytest.mark.clause("SAVE-5")
def test_an_epoch_checkpoint_holds_the_weights_of_its_epoch_end(
    framework: Framework, implementation: Implementation, folder: Path, format: Format
) -> None:
    run = train(framework, implementation, folder, format=format, save_freq="epoch")

    check_contents(framework, run, format)


@pytest.mark.clause("SAVE-5", "FREQ-3")
@pytest.mark.parametrize(
    "weights_only",
    [True, False],
    ids=lambda w: "weights" if w else "whole model",
)
def test_a_batch_checkpoint_holds_the_weights_of_its_batch_end(
    framework: Framework,
    implementation: Implementation,
    folder: Path,
    weights_only: bool,
) -> None:
    format = Format(".weights.h5" if weights_only else ".keras", weights_only, "")
    run = train(framework, implementation, folder, format=format, save_freq=3)

    check_contents(framework, run, format)

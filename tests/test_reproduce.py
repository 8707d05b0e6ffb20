"""The reproduction under a failure: code that replays the run and shows its saves."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conformance import implementations
from conformance.expect import REPRODUCTION_HEADER, ConformanceFailure, expect
from conformance.harness import Harness, Trace
from conformance.lifecycle import NO_LOGS, Event, evaluate, fit, predict
from conformance.reproduce import attempt, lifecycle_source, snippet
from conformance.reproduction_section import SECTION

HEADER = REPRODUCTION_HEADER


def failure_of(trace: Trace) -> str:
    """The message of a failure of ``trace`` (no save expected at all)."""
    with pytest.raises(ConformanceFailure) as raised:
        expect(trace, saves=[])
    return str(raised.value)


def snippet_in(message: str, *, header: str = HEADER) -> str:
    """The reproduction code printed after the line that shows ``header``."""
    lines = message.splitlines()
    start = next(at for at, line in enumerate(lines) if header in line) + 1
    end = next(at for at in range(start, len(lines)) if lines[at].startswith("print("))
    return "\n".join(lines[start : end + 1])


def replay(source: str, folder: Path) -> list[str]:
    """Run ``source`` in a new interpreter; the saves its trace summary lists."""
    folder.mkdir(exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", source],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = done.stdout.splitlines()
    count = int(lines[0].removeprefix("saves: "))
    return [line.strip() for line in lines[1 : count + 1]]


@pytest.fixture
def zoo_harness(tmp_path: Path) -> Harness:
    implementation = implementations.load("zoo.count_reset_each_epoch")
    return Harness(implementation.for_profile("keras2"), tmp_path / "run", ["FREQ-3"])


def test_the_reproduction_of_a_zoo_member_replays_its_saves(
    zoo_harness: Harness, tmp_path: Path
) -> None:
    zoo_harness.folder.mkdir()
    trace = zoo_harness.run(fit(3, 4), filepath="b-{epoch}-{batch}.h5", save_freq=3)

    source = snippet_in(failure_of(trace))

    assert "load('zoo.count_reset_each_epoch').for_profile('keras2')" in source
    assert replay(source, tmp_path / "elsewhere") == [str(s) for s in trace.saves]


def test_the_reproduction_recreates_what_the_folder_held(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "run"
    (folder / "ckpt").mkdir(parents=True)
    (folder / "ckpt" / "old.txt").write_text("kept")
    harness = Harness(implementations.load("reference"), folder)
    trace = harness.run(fit(2), filepath=folder / "ckpt" / "m-{epoch}.h5")

    source = snippet_in(failure_of(trace))
    exec(source, {})

    assert "(folder / 'ckpt').mkdir(parents=True, exist_ok=True)" in source
    assert "(folder / 'ckpt/old.txt').write_text('kept')" in source
    assert "filepath=folder / 'ckpt/m-{epoch}.h5'," in source
    printed = capsys.readouterr().out.splitlines()
    assert printed[1:3] == [f"  {save}" for save in trace.saves]


LIFECYCLES = {
    "fit": fit(2, 3),
    "fit with per-epoch logs and validation": fit(
        2, 2, epoch_logs=[{"loss": math.nan}, NO_LOGS], validation=True
    ),
    "steps_per_execution": fit(2, [1, 3], initial_epoch=4, batch_logs={"loss": 1}),
    "two fits, evaluate, predict": fit(1) + evaluate(2) + fit(1, 1) + predict(),
    "a fit whose logs hold arrays": fit(
        2, 1, epoch_logs=[{"val_loss": np.array([0.1, 0.2])}, {"val_loss": 0.5}]
    ),
    "a fit whose batch logs hold an array": fit(
        1, 2, batch_logs={"val_loss": np.array([0.1, 0.2])}
    ),
    "hand-made events": (
        Event("on_train_begin", logs=None),
        Event("on_epoch_end", 0, {"val_loss": np.float32(0.5)}, 0),
        Event("on_train_batch_end", 3, {"loss": np.array([0.1, 0.2])}, 0),
    ),
}


@pytest.mark.parametrize("lifecycle", LIFECYCLES.values(), ids=LIFECYCLES)
def test_a_lifecycle_is_rebuilt_from_its_source(lifecycle: tuple[Event, ...]) -> None:
    from conformance.reproduce import _Writer

    terms = lifecycle_source(lifecycle, _Writer(Path("/nowhere")))
    namespace = {"np": np, "NO_LOGS": NO_LOGS, "Event": Event}
    namespace |= {"fit": fit, "evaluate": evaluate, "predict": predict}

    rebuilt = eval(" + ".join(terms), namespace)

    assert repr(rebuilt) == repr(lifecycle)


def test_a_plain_fit_is_written_as_one_call() -> None:
    from conformance.reproduce import _Writer

    terms = lifecycle_source(fit(3, 4, epoch_logs={"loss": 0.5}), _Writer(Path(".")))

    assert terms == ["fit(3, batches=4, epoch_logs={'loss': 0.5})"]


def test_an_argument_without_source_form_is_named_instead(scripted: Harness) -> None:
    trace = scripted.run(fit(1), on_epoch_end=print)

    assert attempt(trace.setup, trace.lifecycle) == (
        None,
        "the implementation 'scripted' cannot be loaded by name",
    )
    with pytest.raises(ValueError, match="builtin_function_or_method value"):
        snippet(trace.setup, trace.lifecycle)


def test_a_failure_names_what_keeps_it_from_a_reproduction(tmp_path: Path) -> None:
    harness = Harness(implementations.load("reference"), tmp_path)
    trace = harness.run(fit(1), filepath="m.h5", monitor=object())

    assert "no reproduction: object value <object object at" in failure_of(trace)


def test_the_reproduction_printed_by_a_failing_suite_run_replays_it(
    tmp_path: Path,
) -> None:
    command = [sys.executable, "-m", "pytest", "--impl=zoo.count_reset_each_epoch"]
    command += ["-k", "FREQ-3", "-x", "--tb=short", "-p", "no:cacheprovider"]
    run = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert "1 failed" in run.stdout, run.stdout[-2000:]

    assert "E   reproduce: see the section 'reproduction' below" in run.stdout
    saves = replay(snippet_in(run.stdout, header=f" {SECTION} "), tmp_path / "replay")

    details = re.findall(r"E     at (.+): expected (.+), observed (.+)", run.stdout)
    assert details, run.stdout
    for moment, expected, observed in details:
        if observed != "nothing":
            assert f"{observed} in {moment}" in saves
        if expected != "nothing":
            assert f"{expected} in {moment}" not in saves


def test_files_that_earlier_saves_left_are_counted_not_recreated(
    tmp_path: Path,
) -> None:
    harness = Harness(implementations.load("reference"), tmp_path)
    harness.run(fit(3), filepath="m-{epoch}.h5")
    (tmp_path / "notes.txt").write_text("mine")
    trace = harness.run(fit(1), filepath="m-{epoch}.h5")

    source = snippet(trace.setup, trace.lifecycle)

    assert "# The 3 files earlier saves left in the test's folder" in source
    assert "(folder / 'notes.txt').write_text('mine')" in source
    assert "m-1.h5" not in source.replace("'m-{epoch}.h5'", "")


def test_an_implementation_object_is_known_by_the_name_it_was_loaded_under(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "company_impl.py").write_text(
        "from conformance.implementations import Implementation\n"
        "from reference_impl import ModelCheckpoint\n"
        "IMPLEMENTATION = Implementation('in-house', ModelCheckpoint)\n"
    )
    monkeypatch.syspath_prepend(tmp_path)

    loaded = implementations.load("company_impl:IMPLEMENTATION")

    assert loaded.name == "company_impl:IMPLEMENTATION"

"""The harness: a callback that misbehaves fails its own tests, not the run."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from report_runs import run

from conformance.harness import CallbackExited, Harness
from conformance.lifecycle import fit

#: One test of STATE-1, which calls ``on_epoch_end``.
ONE_TEST = "test_the_best_value_carries_into_a_resumed_fit"


def callback_module(folder: Path, name: str, hook_body: str) -> str:
    """Write a reference subclass whose ``on_epoch_end`` runs ``hook_body``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text(
        "import os\n"
        "import signal\n"
        "from reference_impl import ModelCheckpoint\n\n\n"
        "class Checkpoint(ModelCheckpoint):\n"
        "    def on_epoch_end(self, epoch, logs=None):\n"
        f"        {hook_body}\n",
        encoding="utf-8",
    )
    return f"--impl={name}:Checkpoint"


def test_os_exit_in_a_hook_is_the_callbacks_error(scripted: Harness) -> None:
    real_exit = os._exit

    trace = scripted.run(fit(1), on_epoch_end=lambda callback, *args: os._exit(0))

    assert isinstance(trace.error, CallbackExited)
    assert "called os._exit(0)" in str(trace.error)
    assert trace.error_at == "epoch_end(0)"
    assert os._exit is real_exit


def test_os_exit_in_a_hook_fails_the_test_of_a_serial_run(tmp_path: Path) -> None:
    impl = callback_module(tmp_path, "exits", "os._exit(0)")

    done = run(tmp_path, impl, "-k", ONE_TEST)

    assert done.returncode == pytest.ExitCode.TESTS_FAILED, done.output
    assert "called os._exit(0)" in done.output
    assert done.clause("STATE-1")["outcome"] == "failed"


def test_a_test_whose_xdist_worker_died_keeps_its_clause(tmp_path: Path) -> None:
    impl = callback_module(tmp_path, "dies", "os.kill(os.getpid(), signal.SIGKILL)")

    done = run(tmp_path, impl, "-k", ONE_TEST, "-n", "2")

    assert done.returncode == pytest.ExitCode.TESTS_FAILED, done.output
    assert "[STATE-1]" in done.output
    assert done.clause("STATE-1")["outcome"] == "failed"
    assert done.report["other_tests"] == []


def test_sys_exit_in_a_hook_is_the_callbacks_error(scripted: Harness) -> None:
    trace = scripted.run(fit(1), on_epoch_end=lambda callback, *args: sys.exit(3))

    assert isinstance(trace.error, SystemExit)
    assert trace.error_at == "epoch_end(0)"


def test_sys_exit_in_a_hook_fails_the_test_of_its_clause(tmp_path: Path) -> None:
    impl = callback_module(tmp_path, "exits", "raise SystemExit(3)")

    done = run(tmp_path, impl, "-k", ONE_TEST)

    assert done.returncode == pytest.ExitCode.TESTS_FAILED, done.output
    assert "[STATE-1] the run does not conform" in done.output
    assert "observed: SystemExit: 3 (at epoch_end(0)" in done.output
    assert done.clause("STATE-1")["outcome"] == "failed"


def constructor_raising(pytester: pytest.Pytester, error: str) -> str:
    pytester.makepyfile(
        raising=(
            "from reference_impl import ModelCheckpoint\n\n\n"
            "class Checkpoint(ModelCheckpoint):\n"
            "    def __init__(self, *args, **kwargs):\n"
            f"        raise {error}\n"
        )
    )
    return "--impl=raising:Checkpoint"


def printed_lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines + result.errlines if line.strip()]


def test_sys_exit_in_the_constructor_at_load_is_one_usage_error_line(
    pytester: pytest.Pytester,
) -> None:
    impl = constructor_raising(pytester, "SystemExit(3)")

    result = pytester.runpytest_subprocess(impl)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    [line] = printed_lines(result)
    assert "Checkpoint('checkpoint.h5') raised SystemExit: 3" in line


def test_keyboard_interrupt_in_the_constructor_at_load_stops_with_one_line(
    pytester: pytest.Pytester,
) -> None:
    impl = constructor_raising(pytester, "KeyboardInterrupt")

    result = pytester.runpytest_subprocess(impl)

    assert result.ret == pytest.ExitCode.INTERRUPTED
    [line] = printed_lines(result)
    assert "interrupted while constructing Checkpoint('checkpoint.h5')" in line


def test_a_logged_array_changed_in_place_changes_no_other_reading(
    scripted: Harness,
) -> None:
    # One array for every epoch, as fit(epoch_logs={...}) shares it.
    lifecycle = fit(2, epoch_logs={"loss": np.array(0.5)})
    seen: list[float] = []

    def overwrite(callback: object, epoch: int, logs: dict) -> None:
        seen.append(float(logs["loss"]))
        logs["loss"][...] = 99.0

    trace = scripted.run(lifecycle, on_epoch_end=overwrite)

    assert seen == [0.5, 0.5]
    ends = [event for event in trace.lifecycle if event.hook == "on_epoch_end"]
    assert [float(event.logs["loss"]) for event in ends] == [0.5, 0.5]


@pytest.fixture
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the run's folder (which is ``tmp_path``)."""
    return tmp_path_factory.mktemp("elsewhere")


def test_a_relative_save_after_a_chdir_is_written_in_the_run_folder(
    scripted: Harness, elsewhere: Path
) -> None:
    def move_and_save(callback: object, *args: object) -> None:
        os.chdir(elsewhere)
        callback.model.save("m.h5")

    trace = scripted.run(fit(1), on_epoch_end=move_and_save)

    assert trace.error is None
    assert [save.path for save in trace.saves] == ["m.h5"]
    assert trace.files == ["m.h5"]
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("where", ["absolute", "relative"])
def test_a_save_outside_the_run_folder_is_recorded_and_not_written(
    scripted: Harness, elsewhere: Path, where: str
) -> None:
    relative = os.path.relpath(elsewhere / "m.h5", scripted.folder)
    path = str(elsewhere / "m.h5") if where == "absolute" else relative

    trace = scripted.run(
        fit(1), on_epoch_end=lambda callback, *args: callback.model.save(path)
    )

    [save] = trace.saves
    assert (save.path, save.written) == (path, False)
    assert "[outside the run's folder]" in trace.summary()
    assert list(elsewhere.iterdir()) == []


def test_a_hanging_callback_fails_its_test_at_the_timeout_naming_it(
    tmp_path: Path,
) -> None:
    impl = callback_module(tmp_path, "hangs", "import time; time.sleep(60)")

    done = run(tmp_path, impl, "-k", ONE_TEST, "--timeout=1")

    assert done.returncode == pytest.ExitCode.TESTS_FAILED, done.output
    assert "Failed: Timeout (>1.0s) from pytest-timeout." in done.output
    assert f"[STATE-1] test_state.py::{ONE_TEST}" in done.output
    assert done.clause("STATE-1")["outcome"] == "failed"


@pytest.mark.parametrize(
    ("given", "header"),
    [((), "timeout: 600.0s"), (("--timeout=5",), "timeout: 5.0s")],
    ids=["no --timeout -> 600 s", "--timeout=5 -> 5 s"],
)
def test_a_run_of_the_suite_has_a_timeout_unless_one_is_given(
    pytester: pytest.Pytester, given: tuple[str, ...], header: str
) -> None:
    result = pytester.runpytest_subprocess("--impl=reference", "--co", *given)

    assert header in result.outlines


def test_a_run_of_other_tests_gets_no_timeout(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_mine="def test_mine():\n    pass\n")

    result = pytester.runpytest_subprocess("test_mine.py")

    result.assert_outcomes(passed=1)
    assert not [line for line in result.outlines if line.startswith("timeout:")]


BROKEN_PARTS = {
    "a make_model that raises": (
        "make_model=broken_model",
        "the implementation's make_model raised RuntimeError: no framework model",
    ),
    "an ignored warning that is not a pattern": (
        "ignored_warnings=('(unclosed',)",
        "ignored_warnings holds '(unclosed', which is not a regular expression",
    ),
}


@pytest.mark.parametrize(
    ("part", "fragment"),
    BROKEN_PARTS.values(),
    ids=[f"{what} -> usage error" for what in BROKEN_PARTS],
)
def test_a_broken_part_of_an_implementation_is_one_usage_error_line(
    pytester: pytest.Pytester, part: str, fragment: str
) -> None:
    pytester.makepyfile(
        mine=(
            "from conformance.implementations import Implementation\n"
            "from reference_impl import ModelCheckpoint\n\n\n"
            "def broken_model(recorder):\n"
            "    raise RuntimeError('no framework model')\n\n\n"
            f"IMPLEMENTATION = Implementation('mine', ModelCheckpoint, {part})\n"
        )
    )

    result = pytester.runpytest_subprocess("--impl=mine:IMPLEMENTATION")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    [line] = printed_lines(result)
    assert f"--impl=mine:IMPLEMENTATION: {fragment}" in line

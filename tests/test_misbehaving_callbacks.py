"""The harness: a callback that misbehaves fails its own tests, not the run."""

from __future__ import annotations

import os
from pathlib import Path

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

"""Sessions: one callback kept alive across turns, everything recorded."""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import pytest

from conformance.harness import Harness, saved_at_epoch_end
from conformance.lifecycle import Event, fit


def save_and_print(callback: Any, epoch: int, logs: Any) -> None:
    print(f"saving {epoch}")
    callback.model.save(f"m-{epoch}.h5")


def test_every_turn_drives_the_same_callback(scripted: Harness) -> None:
    session = scripted.session()

    session.play(fit(1))
    first = session.callback
    session.play(fit(1))

    assert session.callback is first
    assert first.calls.count("on_train_begin") == 2


def test_the_trace_gathers_every_turn(scripted: Harness) -> None:
    session = scripted.session(on_epoch_end=save_and_print)

    session.play(fit(1))
    session.play(fit(2, initial_epoch=1))

    trace = session.trace()
    assert trace.saves == [saved_at_epoch_end(e, f"m-{e}.h5") for e in range(3)]
    assert trace.lines == ["saving 0", "saving 1", "saving 2"]
    assert trace.lifecycle == fit(1) + fit(2, initial_epoch=1)
    assert [save.printed_before for save in trace.saves] == [1, 2, 3]


def test_a_trace_is_a_snapshot(scripted: Harness) -> None:
    session = scripted.session(on_epoch_end=save_and_print)
    session.play(fit(1))

    before = session.trace()
    session.play(fit(1))

    assert len(before.saves) == 1
    assert len(session.trace().saves) == 2


def test_warnings_of_construction_and_of_every_turn_are_kept(
    scripted: Harness,
) -> None:
    def warn(callback: Any, *args: Any) -> None:
        warnings.warn("from a hook", UserWarning, stacklevel=2)

    session = scripted.session(on_train_begin=warn)

    session.play(fit(1))
    session.play(fit(1))

    assert session.trace().warnings == ["from a hook", "from a hook"]


def test_the_first_exception_ends_the_session(scripted: Harness) -> None:
    def fail(callback: Any, epoch: int, logs: Any) -> None:
        raise RuntimeError(f"epoch {epoch}")

    session = scripted.session(on_epoch_end=fail)

    session.play(fit(1))
    session.play(fit(1))

    trace = session.trace()
    assert str(trace.error) == "epoch 0"
    assert trace.error_at == str(Event("on_epoch_end", 0, {}, 0))
    assert session.callback.calls.count("on_train_begin") == 1
    assert trace.lifecycle == fit(1) + fit(1)


def test_files_are_listed_unless_left_out(scripted: Harness) -> None:
    session = scripted.session(on_epoch_end=save_and_print)
    session.play(fit(2))

    assert session.trace().files == ["m-0.h5", "m-1.h5"]
    assert session.trace(files=False).files == []


def test_run_is_a_session_of_one_turn(
    scripted: Harness, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("session")
    session = Harness(scripted.implementation, folder).session(
        on_epoch_end=save_and_print
    )
    session.play(fit(2))

    trace = scripted.run(fit(2), on_epoch_end=save_and_print)

    assert trace == dataclasses.replace(session.trace(), clauses=trace.clauses)

"""The harness: drive a callback through a lifecycle and record what it does.

:meth:`Harness.run` constructs the callback, hands it a model whose save
methods are recorded, calls the hooks of a lifecycle one by one and returns a
:class:`Trace`: every save (which method, which path, which keyword arguments,
during which hook), every printed line, every warning (from the ``warnings``
module or a WARNING-level log record: the Keras 2 line logs them, Keras 3
warns), the files left on disk, and the exception that stopped the run.

Runs happen inside their own folder (the working directory during the run),
so relative file paths in a test read exactly as a user would write them.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.lifecycle import Event, describe

if TYPE_CHECKING:
    from conformance.implementations import Implementation

#: The loggers the Keras 2 line and TensorFlow warn through.
WARNING_LOGGERS = ("", "tensorflow", "absl")


@dataclass(frozen=True)
class Save:
    """One call of ``model.save`` or ``model.save_weights``.

    ``hook``, ``epoch`` and ``batch`` say when it happened: the hook being
    called, the epoch the call belongs to, and the batch index for batch hooks.
    ``kwargs`` holds the keyword arguments; it is not part of equality, since
    implementations may pass extra framework options.
    """

    method: str
    path: str
    hook: str | None = None
    epoch: int | None = None
    batch: int | None = None
    kwargs: Mapping[str, Any] = field(default_factory=dict, compare=False)
    path_type: str = field(default="str", compare=False)
    #: How many lines had been printed when the save was made.
    printed_before: int = field(default=0, compare=False)

    def __str__(self) -> str:
        when = self.hook.removeprefix("on_") if self.hook else "outside any hook"
        if self.batch is not None:
            when += f"({self.batch}) of epoch {self.epoch}"
        elif self.epoch is not None:
            when += f"({self.epoch})"
        return f"{self.method}({self.path!r}) in {when}"


def saved_at_epoch_end(epoch: int, path: str, method: str = "save") -> Save:
    """The save expected in ``on_epoch_end(epoch)``."""
    return Save(method, path, "on_epoch_end", epoch, None)


def saved_at_batch_end(epoch: int, batch: int, path: str, method: str = "save") -> Save:
    """The save expected in ``on_train_batch_end(batch)`` during ``epoch``."""
    return Save(method, path, "on_train_batch_end", epoch, batch)


class Recorder:
    """Records saves made through a model, tagged with the hook in progress.

    Each save also writes a small file at the path, as a real save would, so
    the filesystem shows it; a missing folder or a path that is a folder fails
    the way a real writer fails.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.saves: list[Save] = []
        self.loads: list[str] = []
        self.event: Event | None = None
        self.output: io.StringIO | None = None

    def _relative(self, path: str) -> str:
        absolute = Path(path) if os.path.isabs(path) else self.folder / path
        try:
            return absolute.relative_to(self.folder).as_posix()
        except ValueError:
            return path

    def record(self, method: str, filepath: Any, kwargs: Mapping[str, Any]) -> None:
        """Record one save call and write its file."""
        path = os.fspath(filepath)
        with open(path, "w", encoding="utf-8") as file:
            file.write(f"{method}\n")
        event = self.event
        self.saves.append(
            Save(
                method,
                self._relative(path),
                event.hook if event else None,
                event.epoch if event else None,
                event.index if event and "batch" in event.hook else None,
                dict(kwargs),
                type(filepath).__name__,
                len(printed_lines(self.output.getvalue())) if self.output else 0,
            )
        )

    def saver(self, method: str) -> Callable[..., None]:
        """A function to install as ``model.save`` or ``model.save_weights``."""

        def save(filepath: Any, *args: Any, **kwargs: Any) -> None:
            if args:
                kwargs = {**kwargs, "positional": args}
            self.record(method, filepath, kwargs)

        save.__name__ = method
        return save

    def load_weights(self, filepath: Any, *args: Any, **kwargs: Any) -> None:
        self.loads.append(self._relative(os.fspath(filepath)))


class ProbeModel:
    """A stand-in model with no framework behind it.

    It offers what a Keras checkpoint callback touches on a model: ``save``,
    ``save_weights``, ``load_weights``, ``distribute_strategy`` (None: no
    strategy), ``metrics`` (none compiled) and ``stop_training``.
    """

    distribute_strategy = None
    stop_training = False

    def __init__(self, recorder: Recorder) -> None:
        self.metrics: list[Any] = []
        self.save = recorder.saver("save")
        self.save_weights = recorder.saver("save_weights")
        self.load_weights = recorder.load_weights

    def __repr__(self) -> str:
        return "ProbeModel()"


@dataclass
class Trace:
    """Everything observable about one run of a callback."""

    call: str
    lifecycle: tuple[Event, ...]
    saves: list[Save] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: BaseException | None = None
    error_at: str | None = None
    files: list[str] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)
    clauses: tuple[str, ...] = ()

    def describe(self) -> str:
        """The callback and the lifecycle that produced this trace."""
        body = describe(self.lifecycle) or "(no hook called)"
        return f"{self.call}\n" + "\n".join(f"  {line}" for line in body.splitlines())


class _LogCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if all(record is not seen for seen in self.records):
            self.records.append(record)


@contextlib.contextmanager
def _observing(folder: Path) -> Iterator[tuple[io.StringIO, list, _LogCollector]]:
    """Capture stdout, warnings and WARNING log records, inside ``folder``."""
    collector = _LogCollector()
    loggers = [logging.getLogger(name) for name in WARNING_LOGGERS]
    levels = [logger.level for logger in loggers]
    out = io.StringIO()
    previous = os.getcwd()
    for logger in loggers:
        logger.addHandler(collector)
        if logger.level > logging.WARNING:
            logger.setLevel(logging.WARNING)
    try:
        os.chdir(folder)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with contextlib.redirect_stdout(out):
                yield out, caught, collector
    finally:
        os.chdir(previous)
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(collector)
            logger.setLevel(level)


def _call_text(cls: type, kwargs: Mapping[str, Any]) -> str:
    args = ", ".join(f"{key}={value!r}" for key, value in kwargs.items())
    return f"{cls.__name__}({args})"


def printed_lines(text: str) -> list[str]:
    """The lines of printed text, blank ones left out."""
    return [line for line in text.splitlines() if line.strip()]


def list_files(folder: Path) -> list[str]:
    """Every file below ``folder``, as sorted POSIX paths relative to it."""
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file()
    )


class Harness:
    """Runs callbacks of one implementation inside one folder."""

    def __init__(
        self,
        implementation: Implementation,
        folder: Path,
        clauses: Iterable[str] = (),
    ) -> None:
        self.implementation = implementation
        self.folder = folder
        self.clauses = tuple(clauses)

    def run(
        self,
        lifecycle: Iterable[Event] = (),
        /,
        *,
        set_model: bool = True,
        params: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Trace:
        """Construct the callback with ``kwargs`` and call every hook.

        The run stops at the first exception, which is kept in the trace with
        where it happened (``"construction"``, ``"set_model"`` or the event).
        """
        events = tuple(lifecycle)
        cls = self.implementation.callback
        trace = Trace(_call_text(cls, kwargs), events, clauses=self.clauses)
        recorder = Recorder(self.folder)
        ignored = [re.compile(p) for p in self.implementation.ignored_warnings]
        with _observing(self.folder) as (out, caught, collector):
            recorder.output = out
            stage = "construction"
            try:
                callback = cls(**kwargs)
                if set_model:
                    stage = "set_model"
                    callback.set_model(self.implementation.make_model(recorder))
                if params is not None:
                    stage = "set_params"
                    callback.set_params(dict(params))
                for event in events:
                    stage = str(event)
                    recorder.event = event
                    getattr(callback, event.hook)(*event.args())
                    recorder.event = None
            except Exception as error:  # noqa: BLE001 - the error is the result
                trace.error, trace.error_at = error, stage
        trace.saves = recorder.saves
        trace.loads = recorder.loads
        trace.lines = printed_lines(out.getvalue())
        messages = [str(w.message) for w in caught]
        messages += [record.getMessage() for record in collector.records]
        trace.warnings = [m for m in messages if not any(p.search(m) for p in ignored)]
        trace.files = list_files(self.folder)
        return trace

    def construct(self, **kwargs: Any) -> Trace:
        """Only construct the callback: a run with no model and no hook."""
        return self.run(set_model=False, **kwargs)

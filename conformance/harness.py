"""The harness: drive a callback through a lifecycle and record what it does.

:meth:`Harness.run` constructs the callback, hands it a model whose save
methods are recorded, calls the hooks of a lifecycle one by one and returns a
:class:`Trace`: every save (which method, which path, which keyword arguments,
during which hook), every printed line, every warning (from the ``warnings``
module or a WARNING-level log record: the Keras 2 line logs them, Keras 3
warns), the files left on disk, and the exception that stopped the run.

Runs happen inside their own folder (the working directory during the run),
so relative file paths in a test read exactly as a user would write them.

A :class:`Session` keeps one callback alive across turns instead: a test (a
Hypothesis state machine, say) plays a few hooks, checks what the callback
did so far, and plays more. :meth:`Harness.run` is one session of one turn.
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

#: What the recorder writes in the file of a save by ``save`` and by
#: ``save_weights``.
SAVED_TEXTS = ("save\n", "save_weights\n")


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
    #: False for a path outside the run's folder: recorded, but not written.
    written: bool = field(default=True, compare=False)

    def call_text(self) -> str:
        """``save('m-1.h5')``, marked when the path is outside the run's folder."""
        text = f"{self.method}({self.path!r})"
        return text if self.written else f"{text} [outside the run's folder]"

    def __str__(self) -> str:
        when = self.hook.removeprefix("on_") if self.hook else "outside any hook"
        if self.batch is not None:
            when += f"({self.batch}) of epoch {self.epoch}"
        elif self.epoch is not None:
            when += f"({self.epoch})"
        return f"{self.call_text()} in {when}"


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
    the way a real writer fails. A relative path is taken from the run's
    folder, whatever the working directory is by then (a callback may have
    changed it), and a path outside that folder is recorded but not written.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.saves: list[Save] = []
        self.loads: list[str] = []
        self.event: Event | None = None
        self.output: io.StringIO | None = None

    def _inside(self, path: str) -> str | None:
        """``path`` relative to the run's folder, or None when it is outside."""
        folder = os.path.realpath(self.folder)
        target = os.path.realpath(os.path.join(folder, path))
        if os.path.commonpath([folder, target]) != folder:
            return None
        return Path(target).relative_to(folder).as_posix()

    def _relative(self, path: str) -> str:
        inside = self._inside(path)
        return path if inside is None else inside

    def record(self, method: str, filepath: Any, kwargs: Mapping[str, Any]) -> None:
        """Record one save call and write its file, if inside the run's folder."""
        path = os.fspath(filepath)
        inside = self._inside(path)
        if inside is not None:
            target = Path(self.folder, path)
            with open(target, "w", encoding="utf-8") as file:
                file.write(SAVED_TEXTS[method == "save_weights"])
        event = self.event
        self.saves.append(
            Save(
                method,
                path if inside is None else inside,
                event.hook if event else None,
                event.epoch if event else None,
                event.index if event and "batch" in event.hook else None,
                dict(kwargs),
                type(filepath).__name__,
                len(printed_lines(self.output.getvalue())) if self.output else 0,
                written=inside is not None,
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


class ProbeOptions:
    """Saving options of no framework in particular, for SAVE-6/keras2.

    A callback is to hand the object it was given to every save untouched, so
    the harness gives one that only says what it was made for.
    """

    def __init__(self, weights_only: bool) -> None:
        self.weights_only = weights_only

    def __repr__(self) -> str:
        return f"ProbeOptions(weights_only={self.weights_only})"


class ProbeMetric:
    """A metric as a Keras 3 model lists it: a name, the way it improves
    (``_direction``: ``'up'``, ``'down'`` or absent) and, only for a
    container, the ``metrics`` it holds."""

    def __init__(
        self,
        name: str,
        direction: str | None = None,
        metrics: Iterable[Any] | None = None,
    ) -> None:
        self.name = name
        if direction is not None:
            self._direction = direction
        if metrics is not None:
            self.metrics = list(metrics)

    def __repr__(self) -> str:
        return f"ProbeMetric({self.name!r})"


#: The metrics of the built-in framework models, compiled with
#: ``metrics=["accuracy", "mae"]``, as Keras 3 lists them: the loss tracker,
#: then a container of the compiled metrics.
PROBE_METRICS = (
    ProbeMetric("loss"),
    ProbeMetric(
        "compile_metrics",
        metrics=[ProbeMetric("accuracy", "up"), ProbeMetric("mae", "down")],
    ),
)


class ProbeModel:
    """A stand-in model with no framework behind it.

    It offers what a Keras checkpoint callback touches on a model: ``save``,
    ``save_weights``, ``load_weights``, ``distribute_strategy`` (None: no
    strategy), ``metrics`` (those of :data:`PROBE_METRICS`, like the built-in
    framework models) and ``stop_training``.
    """

    distribute_strategy = None
    stop_training = False

    def __init__(self, recorder: Recorder) -> None:
        self.metrics: list[Any] = list(PROBE_METRICS)
        self.save = recorder.saver("save")
        self.save_weights = recorder.saver("save_weights")
        self.load_weights = recorder.load_weights

    def __repr__(self) -> str:
        return "ProbeModel()"


@dataclass(frozen=True)
class Setup:
    """How a run was set up, so that a failure can print code that replays it.

    ``prepared`` lists what the folder held before construction, as relative
    POSIX paths with the text of each small file (``None`` for a folder),
    except the files earlier saves left there (a Hypothesis test runs many
    examples in one folder), which ``leftovers`` counts.
    """

    implementation: str
    profile: str
    kwargs: Mapping[str, Any]
    folder: Path
    set_model: bool = True
    params: Mapping[str, Any] | None = None
    prepared: tuple[tuple[str, str | None], ...] = ()
    leftovers: int = 0


#: A file larger than this, found in a run's folder before the run, is
#: recreated empty by a reproduction.
PREPARED_TEXT_LIMIT = 1000


def _prepared(folder: Path) -> tuple[tuple[tuple[str, str | None], ...], int]:
    """What ``folder`` holds (see :class:`Setup`), and how many leftover saves."""
    found: list[tuple[str, str | None]] = []
    leftovers = 0
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_dir():
            found.append((name, None))
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
        if text in SAVED_TEXTS:
            leftovers += 1
            continue
        found.append((name, text if len(text) <= PREPARED_TEXT_LIMIT else ""))
    return tuple(found), leftovers


#: A failure message describes at most this many lines of a lifecycle.
MAX_DESCRIBED_LINES = 40


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
    #: How the run was set up, for its reproduction; not part of what it did.
    setup: Setup | None = field(default=None, compare=False)

    def describe(self) -> str:
        """The callback and the lifecycle that produced this trace.

        A lifecycle of more than :data:`MAX_DESCRIBED_LINES` lines is cut there.
        """
        lines = (describe(self.lifecycle) or "(no hook called)").splitlines()
        if len(lines) > MAX_DESCRIBED_LINES:
            hidden = len(lines) - MAX_DESCRIBED_LINES
            lines = [*lines[:MAX_DESCRIBED_LINES], f"... and {hidden} more lines"]
        return f"{self.call}\n" + "\n".join(f"  {line}" for line in lines)

    def summary(self) -> str:
        """What the callback did, one item a line: saves, lines, warnings, error."""
        parts = [f"saves: {len(self.saves)}", *(f"  {save}" for save in self.saves)]
        parts += [f"printed lines: {len(self.lines)}"]
        parts += [f"  {line!r}" for line in self.lines]
        parts += [f"warnings: {len(self.warnings)}"]
        parts += [f"  {text!r}" for text in self.warnings]
        if self.error is None:
            parts.append("error: none")
        else:
            parts.append(
                f"error: {type(self.error).__name__}: {self.error} (at {self.error_at})"
            )
        return "\n".join(parts)


class CallbackExited(Exception):
    """The callback called ``os._exit``, which would end the test process.

    While the harness calls the callback, ``os._exit`` raises this instead, so
    the call fails like any other the callback makes.
    """


def _refuse_exit(code: int) -> None:
    raise CallbackExited(
        f"the callback called os._exit({code!r}), which would end the test "
        "process without a report; a callback must not exit the process"
    )


@contextlib.contextmanager
def no_process_exit() -> Iterator[None]:
    """While in the block, ``os._exit`` raises :class:`CallbackExited`."""
    previous = os._exit
    os._exit = _refuse_exit
    try:
        yield
    finally:
        os._exit = previous


class _LogCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if all(record is not seen for seen in self.records):
            self.records.append(record)


@contextlib.contextmanager
def _observing(
    folder: Path, out: io.StringIO | None = None
) -> Iterator[tuple[io.StringIO, list, _LogCollector]]:
    """Capture stdout, warnings and WARNING log records, inside ``folder``.

    ``os._exit`` raises :class:`CallbackExited` meanwhile (see
    :func:`no_process_exit`).

    Printed text goes to ``out`` when given, so that it can gather several turns.
    """
    collector = _LogCollector()
    loggers = [logging.getLogger(name) for name in WARNING_LOGGERS]
    levels = [logger.level for logger in loggers]
    out = io.StringIO() if out is None else out
    previous = os.getcwd()
    for logger in loggers:
        logger.addHandler(collector)
        if logger.level > logging.WARNING:
            logger.setLevel(logging.WARNING)
    try:
        os.chdir(folder)
        with no_process_exit(), warnings.catch_warnings(record=True) as caught:
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


class Session:
    """One callback kept alive across turns, everything it does recorded.

    Construction (and ``set_model`` and ``set_params``, unless left out) happens
    at once; each :meth:`play` then calls some hooks. Every turn is observed as
    a run is (inside ``folder``, stdout, warnings and WARNING log records
    captured) and :meth:`trace` gives everything so far, so a test can check
    the callback between turns and a failure shows the whole lifecycle played.

    The first exception ends the session: it is kept in the trace with where
    it happened, and later turns are added to the lifecycle but call nothing.
    """

    def __init__(
        self,
        implementation: Implementation,
        folder: Path,
        clauses: Iterable[str] = (),
        *,
        set_model: bool = True,
        params: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.implementation = implementation
        self.folder = folder
        self.callback: Any = None
        self.setup = Setup(
            implementation.name,
            implementation.profile,
            dict(kwargs),
            folder,
            set_model,
            None if params is None else dict(params),
            *_prepared(folder),
        )
        cls = implementation.callback
        self._call = _call_text(cls, kwargs)
        self._clauses = tuple(clauses)
        self._events: list[Event] = []
        self._recorder = Recorder(folder)
        self._out = self._recorder.output = io.StringIO()
        self._warnings: list[str] = []
        self._ignored = [re.compile(p) for p in implementation.ignored_warnings]
        self.error: BaseException | None = None
        self.error_at: str | None = None

        def construct() -> None:
            self.callback = cls(**kwargs)

        def give_model() -> None:
            self.callback.set_model(implementation.make_model(self._recorder))

        steps: list[tuple[str, Callable[[], Any]]] = [("construction", construct)]
        if set_model:
            steps.append(("set_model", give_model))
        if params is not None:
            steps.append(("set_params", lambda: self.callback.set_params(dict(params))))
        self._turn(steps)

    def _call_hook(self, event: Event) -> Callable[[], Any]:
        def call() -> Any:
            self._recorder.event = event
            try:
                return getattr(self.callback, event.hook)(*event.args())
            finally:
                self._recorder.event = None

        return call

    def _turn(self, steps: Iterable[tuple[str, Callable[[], Any]]]) -> None:
        """Run ``steps`` (where, what) observed, up to the first exception."""
        with _observing(self.folder, self._out) as (_, caught, collector):
            for stage, step in steps:
                try:
                    step()
                # A callback's sys.exit() is its error too; KeyboardInterrupt
                # still stops the run, since it is most likely a real Ctrl-C.
                except (Exception, SystemExit) as error:  # noqa: BLE001 - the result
                    self.error, self.error_at = error, stage
                    break
        messages = [str(w.message) for w in caught]
        messages += [record.getMessage() for record in collector.records]
        self._warnings += [
            m for m in messages if not any(p.search(m) for p in self._ignored)
        ]

    def play(self, lifecycle: Iterable[Event] = (), /) -> None:
        """Call the hooks of ``lifecycle`` in order."""
        events = tuple(lifecycle)
        self._events += events
        if self.error is None:
            self._turn((str(event), self._call_hook(event)) for event in events)

    def trace(self, *, files: bool = True) -> Trace:
        """Everything observed so far, as a snapshot.

        ``files=False`` leaves :attr:`Trace.files` empty instead of walking the
        folder, for checks after every turn that do not look at files.
        """
        return Trace(
            self._call,
            tuple(self._events),
            saves=list(self._recorder.saves),
            lines=printed_lines(self._out.getvalue()),
            warnings=list(self._warnings),
            error=self.error,
            error_at=self.error_at,
            files=list_files(self.folder) if files else [],
            loads=list(self._recorder.loads),
            clauses=self._clauses,
            setup=self.setup,
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
        session = self.session(set_model=set_model, params=params, **kwargs)
        session.play(lifecycle)
        return session.trace()

    def session(
        self,
        *,
        set_model: bool = True,
        params: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Session:
        """Construct the callback with ``kwargs``, to be played turn by turn."""
        return Session(
            self.implementation,
            self.folder,
            self.clauses,
            set_model=set_model,
            params=params,
            **kwargs,
        )

    def construct(self, **kwargs: Any) -> Trace:
        """Only construct the callback: a run with no model and no hook."""
        return self.run(set_model=False, **kwargs)

"""Python code that replays a run: the reproduction printed under a failure.

:func:`snippet` writes a short program that loads the same implementation by
the name ``--impl`` was given, under the same profile, rebuilds the lifecycle
(with :func:`~conformance.lifecycle.fit` where it is one), constructs the
callback with the same arguments in a fresh folder that holds what the test's
folder held, replays it with the harness and prints the trace. Pasted into
``python`` from the folder pytest ran in, it shows the same saves.

A run whose arguments or logs hold values that have no source form (a
function, an object of the test's own) has no snippet; :func:`snippet` says
which value stands in the way instead.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path, PurePath
from types import MappingProxyType
from typing import Any

from conformance import implementations
from conformance.harness import Setup
from conformance.lifecycle import NO_LOGS, Event, evaluate, fit, predict

#: A snippet longer than this, in lines or in characters, is not printed.
MAX_LINES = 80
MAX_CHARS = 5000


class NoSourceForm(ValueError):
    """A value that a reproduction cannot write as Python source."""


class _Writer:
    """Writes values as source, noting the imports the source needs."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.needs: set[str] = set()

    def value(self, value: Any) -> str:
        if type(value) is str:
            return self._text(value)
        if value is None or type(value) in (bool, int, bytes):
            return repr(value)
        if type(value) is float:
            return repr(value) if math.isfinite(value) else f"float({str(value)!r})"
        if value is NO_LOGS:
            self.needs.add("NO_LOGS")
            return "NO_LOGS"
        if type(value) is dict or isinstance(value, MappingProxyType):
            items = (f"{self.value(k)}: {self.value(v)}" for k, v in value.items())
            return "{" + ", ".join(items) + "}"
        if type(value) in (list, tuple):
            items = [self.value(item) for item in value]
            if isinstance(value, tuple) and len(items) == 1:
                return f"({items[0]},)"
            inner = ", ".join(items)
            return f"[{inner}]" if isinstance(value, list) else f"({inner})"
        if isinstance(value, PurePath):
            return self._path(value)
        return self._numpy(value)

    def _text(self, text: str) -> str:
        folder = os.fspath(self.folder)
        if folder and text.startswith(folder + os.sep):
            self.needs.add("folder")
            return f"str(folder / {text[len(folder) + 1 :]!r})"
        return repr(text)

    def _path(self, path: PurePath) -> str:
        try:
            inside = Path(path).relative_to(self.folder)
        except ValueError:
            self.needs.add("Path")
            return f"Path({os.fspath(path)!r})"
        self.needs.add("folder")
        return f"folder / {inside.as_posix()!r}"

    def _numpy(self, value: Any) -> str:
        numpy = _numpy_module(value)
        if numpy is not None and isinstance(value, numpy.generic):
            self.needs.add("np")
            return f"np.{type(value).__name__}({self.value(value.item())})"
        if numpy is not None and isinstance(value, numpy.ndarray):
            self.needs.add("np")
            items = self.value(value.tolist())
            return f"np.array({items}, dtype=np.{value.dtype.name})"
        raise NoSourceForm(
            f"{type(value).__qualname__} value {_short_repr(value)} has no source form"
        )


def _numpy_module(value: Any) -> Any:
    if type(value).__module__.partition(".")[0] != "numpy":
        return None
    import numpy

    return numpy


def _short_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a reproduction must not crash a report
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


# -- lifecycles as builder calls ---------------------------------------------------


def _fit_call(events: Sequence[Event], writer: _Writer) -> tuple[str, int] | None:
    """``fit(...)`` for the longest prefix of ``events`` that one call makes."""
    if not events or not _same_events(events[:1], (Event("on_train_begin", logs={}),)):
        return None
    end = next(
        (at for at, event in enumerate(events) if event.hook == "on_train_end"),
        None,
    )
    if end is None:
        return None
    body = events[1:end]
    epoch_ends = [event for event in body if event.hook == "on_epoch_end"]
    if not epoch_ends:
        return None
    first = epoch_ends[0]
    batch_ends = [e for e in body if e.hook == "on_train_batch_end"]
    indices = [e.index for e in batch_ends if e.epoch == first.epoch]
    arguments = {
        "epochs": len(epoch_ends),
        "batches": indices if indices != list(range(len(indices))) else len(indices),
        "epoch_logs": [event.logs for event in epoch_ends],
        "batch_logs": batch_ends[0].logs if batch_ends else None,
        "initial_epoch": first.index,
        "validation": any(event.hook == "on_test_begin" for event in body),
    }
    logs = arguments["epoch_logs"]
    if all(type(item) is dict and _same_events_logs(item, logs[0]) for item in logs):
        arguments["epoch_logs"] = logs[0]
    try:
        rebuilt = fit(**arguments)
    except (TypeError, ValueError):
        return None
    if not _same_events(rebuilt, events[: end + 1]):
        return None
    defaults = {
        "batches": 0,
        "epoch_logs": {},
        "batch_logs": None,
        "initial_epoch": 0,
        "validation": False,
    }
    parts = [str(arguments.pop("epochs"))]
    parts += [
        f"{name}={writer.value(value)}"
        for name, value in arguments.items()
        if not _same(value, defaults[name]) and not (name == "batch_logs" and not value)
    ]
    return f"fit({', '.join(parts)})", end + 1


def _same_events_logs(a: Any, b: Any) -> bool:
    """Equal logs; logs holding arrays, which compare element-wise, by repr."""
    try:
        return bool(a == b)
    except ValueError:
        return repr(a) == repr(b)


def _same_events(a: Sequence[Event], b: Sequence[Event]) -> bool:
    """Equal events; logs holding arrays, which compare element-wise, by repr."""
    try:
        return tuple(a) == tuple(b)
    except ValueError:
        return repr(tuple(a)) == repr(tuple(b))


def _same(value: Any, default: Any) -> bool:
    return type(value) is type(default) and repr(value) == repr(default)


def _phase_call(events: Sequence[Event]) -> tuple[str, int] | None:
    """``evaluate(n)`` or ``predict(n)`` when ``events`` start with one."""
    for name, build in (("evaluate", evaluate), ("predict", predict)):
        prefix = name.replace("evaluate", "test")
        batch_ends = 0
        for event in events[1:]:
            if not event.hook.startswith(f"on_{prefix}_batch"):
                break
            batch_ends += event.hook.endswith("_end")
        made = build(batch_ends)
        if _same_events(events[: len(made)], made):
            call = f"{name}({batch_ends})" if batch_ends != 1 else f"{name}()"
            return call, len(made)
    return None


def _event(event: Event, writer: _Writer) -> str:
    parts = [repr(event.hook)]
    if event.index is not None:
        parts.append(str(event.index))
    parts.append(f"logs={writer.value(event.logs)}")
    if event.epoch is not None:
        parts.append(f"epoch={event.epoch}")
    return f"Event({', '.join(parts)})"


def _events(events: Sequence[Event], writer: _Writer) -> str:
    inner = "".join(f"\n        {_event(event, writer)}," for event in events)
    return f"({inner}\n    )"


def lifecycle_source(lifecycle: Sequence[Event], writer: _Writer) -> list[str]:
    """Builder calls and events that rebuild ``lifecycle``, one term a line."""
    terms: list[str] = []
    events: list[Event] = []
    rest = tuple(lifecycle)
    while rest:
        found = _fit_call(rest, writer) or _phase_call(rest)
        if found is None:
            events.append(rest[0])
            rest = rest[1:]
            continue
        if events:
            terms.append(_events(events, writer))
            events = []
        call, used = found
        terms.append(call)
        writer.needs.add(call.partition("(")[0])
        rest = rest[used:]
    if events:
        terms.append(_events(events, writer))
    if any(term.startswith("(") for term in terms):
        writer.needs.add("Event")
    return terms or ["()"]


# -- the snippet -------------------------------------------------------------------


def _imports(needs: set[str]) -> list[str]:
    lines = ["import tempfile", "from pathlib import Path", ""]
    if "np" in needs:
        lines.insert(0, "import numpy as np")
    lines += [
        "from conformance.harness import Harness",
        "from conformance.implementations import load",
    ]
    builders = sorted(needs & {"fit", "evaluate", "predict", "Event", "NO_LOGS"})
    if builders:
        lines.append(f"from conformance.lifecycle import {', '.join(builders)}")
    return lines


def _prepare(setup: Setup, writer: _Writer) -> list[str]:
    lines = []
    if setup.leftovers:
        lines.append(
            f"# The {setup.leftovers} files earlier saves left in the test's "
            "folder are not recreated."
        )
    for name, text in setup.prepared:
        target = f"(folder / {name!r})"
        if text is None:
            lines.append(f"{target}.mkdir(parents=True, exist_ok=True)")
        else:
            lines.append(f"{target}.write_text({writer.value(text)})")
    return lines


def snippet(setup: Setup, lifecycle: Sequence[Event]) -> str:
    """Source that replays a run and prints its trace.

    Raises :class:`NoSourceForm` when the run cannot be written as source.
    """
    writer = _Writer(setup.folder)
    terms = lifecycle_source(lifecycle, writer)
    arguments = [f"{name}={writer.value(v)}" for name, v in setup.kwargs.items()]
    if not setup.set_model:
        arguments.append("set_model=False")
    if setup.params is not None:
        arguments.append(f"params={writer.value(dict(setup.params))}")
    prepare = _prepare(setup, writer)

    run = ["trace = Harness(implementation, folder).run("]
    run.append("    " + " +\n    ".join(terms) + ",")
    run += [f"    {argument}," for argument in arguments]
    run.append(")")
    lines = [
        *_imports(writer.needs),
        "",
        f"implementation = load({setup.implementation!r})"
        f".for_profile({setup.profile!r})",
        "folder = Path(tempfile.mkdtemp())",
        *prepare,
        *run,
        "print(trace.summary())",
    ]
    return "\n".join(lines)


def attempt(setup: Setup | None, lifecycle: Sequence[Event]) -> tuple[str | None, str]:
    """The code that replays a run, or ``None`` and why there is none."""
    if setup is None:
        return None, ""
    try:
        implementations.check_available(setup.implementation)
    except implementations.ImplementationError:
        return None, (
            f"the implementation {setup.implementation!r} cannot be loaded by name"
        )
    try:
        source = snippet(setup, lifecycle)
    except NoSourceForm as error:
        return None, str(error)
    lines = source.count("\n") + 1
    if lines > MAX_LINES or len(source) > MAX_CHARS:
        return None, (
            f"the code to replay this run takes {lines} lines, {len(source)} "
            f"characters (more than {MAX_LINES} or {MAX_CHARS})"
        )
    return source, ""

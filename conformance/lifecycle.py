"""Lifecycles: the sequences of hook calls a training loop makes on a callback.

A lifecycle is a tuple of :class:`Event`. The builders here produce the calls
that Keras' ``fit``, ``evaluate`` and ``predict`` make, so a test can say
``fit(epochs=3, batches=4, epoch_logs=[...])`` instead of listing forty calls.
:func:`describe` renders a lifecycle compactly for failure messages.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Marker for "call the hook without a ``logs`` argument at all".
NO_LOGS: Any = type("NoLogs", (), {"__repr__": lambda self: "<no logs>"})()

#: Hooks that take an epoch or batch index before ``logs``.
INDEXED_HOOKS = frozenset(
    {
        "on_epoch_begin",
        "on_epoch_end",
        "on_train_batch_begin",
        "on_train_batch_end",
        "on_batch_begin",
        "on_batch_end",
        "on_test_batch_begin",
        "on_test_batch_end",
        "on_predict_batch_begin",
        "on_predict_batch_end",
    }
)

#: Hooks that take only ``logs``.
PLAIN_HOOKS = frozenset(
    {
        "on_train_begin",
        "on_train_end",
        "on_test_begin",
        "on_test_end",
        "on_predict_begin",
        "on_predict_end",
    }
)

ALL_HOOKS = INDEXED_HOOKS | PLAIN_HOOKS


def _copied(value: Any) -> Any:
    """A deep copy of ``value``; the value itself if it cannot be copied."""
    try:
        return copy.deepcopy(value)
    except Exception:  # noqa: BLE001 - an uncopyable value is passed as it is
        return value


@dataclass(frozen=True)
class Event:
    """One hook call: ``hook(index, logs)`` or ``hook(logs)``.

    ``epoch`` is the 0-based epoch the call happens in (for display and for
    tagging saves); it is ``None`` outside an epoch.
    """

    hook: str
    index: int | None = None
    logs: Mapping[str, Any] | None = None
    epoch: int | None = None

    def __post_init__(self) -> None:
        if self.hook not in ALL_HOOKS:
            raise ValueError(
                f"hook={self.hook!r} is not a Keras callback hook; "
                f"expected one of {sorted(ALL_HOOKS)}"
            )
        if (self.hook in INDEXED_HOOKS) != (self.index is not None):
            raise ValueError(f"{self.hook} takes an index iff it is a per-step hook")

    def args(self) -> tuple[Any, ...]:
        """The positional arguments the hook is called with.

        ``logs`` is a deep copy, made anew for every call: a callback that
        changes a logged array in place must not change the lifecycle that
        the expectation, the failure message and the reproduction read.
        """
        head = () if self.index is None else (self.index,)
        if self.logs is NO_LOGS:
            return head
        if self.logs is None:
            return (*head, None)
        return (*head, {key: _copied(value) for key, value in self.logs.items()})

    def __str__(self) -> str:
        name = self.hook.removeprefix("on_")
        index = "" if self.index is None else f"({self.index})"
        if self.logs is NO_LOGS:
            logs = ""
        elif self.logs is None:
            logs = " logs=None"
        elif not self.logs:
            logs = ""
        else:
            logs = " " + ", ".join(f"{k}={v!r}" for k, v in self.logs.items())
        return f"{name}{index}{logs}"


Lifecycle = tuple[Event, ...]


def _per_epoch(values: Any, epochs: int, default: Any) -> list[Any]:
    """Spread ``values`` over epochs: a sequence gives one per epoch."""
    if values is None:
        return [default] * epochs
    if values is NO_LOGS or isinstance(values, Mapping):
        return [values] * epochs
    values = list(values)
    if len(values) != epochs:
        raise ValueError(f"got {len(values)} per-epoch values for {epochs} epochs")
    return values


def fit(
    epochs: int = 1,
    batches: int | Sequence[int] = 0,
    *,
    epoch_logs: Mapping[str, Any] | Iterable[Any] | None = None,
    batch_logs: Mapping[str, Any] | None = None,
    initial_epoch: int = 0,
    validation: bool = False,
) -> Lifecycle:
    """The hook calls of one ``model.fit`` call.

    ``batches`` is the number of training batches per epoch, or the exact
    batch indices each epoch reports (to model ``steps_per_execution``, where
    indices jump). ``epoch_logs`` is one mapping for every epoch or a
    sequence with one entry per epoch (``None`` and :data:`NO_LOGS` allowed).
    With ``validation`` each epoch runs an (empty-batch) evaluation before its
    end, as ``fit`` does with validation data.
    """
    indices = list(range(batches)) if isinstance(batches, int) else list(batches)
    logs_per_epoch = _per_epoch(epoch_logs, epochs, {})
    events = [Event("on_train_begin", logs={})]
    for offset in range(epochs):
        epoch = initial_epoch + offset
        events.append(Event("on_epoch_begin", epoch, {}, epoch))
        for batch in indices:
            events.append(Event("on_train_batch_begin", batch, {}, epoch))
            events.append(Event("on_train_batch_end", batch, batch_logs or {}, epoch))
        if validation:
            events.extend(evaluate(1, epoch=epoch))
        events.append(Event("on_epoch_end", epoch, logs_per_epoch[offset], epoch))
    events.append(Event("on_train_end", logs={}))
    return tuple(events)


def evaluate(batches: int = 1, *, epoch: int | None = None) -> Lifecycle:
    """The hook calls of one ``model.evaluate`` call (or a validation pass)."""
    events = [Event("on_test_begin", logs={}, epoch=epoch)]
    for batch in range(batches):
        events.append(Event("on_test_batch_begin", batch, {}, epoch))
        events.append(Event("on_test_batch_end", batch, {"loss": 0.5}, epoch))
    events.append(Event("on_test_end", logs={"loss": 0.5}, epoch=epoch))
    return tuple(events)


def predict(batches: int = 1) -> Lifecycle:
    """The hook calls of one ``model.predict`` call."""
    events = [Event("on_predict_begin", logs={})]
    for batch in range(batches):
        events.append(Event("on_predict_batch_begin", batch, {}))
        events.append(Event("on_predict_batch_end", batch, {"outputs": [0.0]}))
    events.append(Event("on_predict_end", logs={}))
    return tuple(events)


def _same_logs(a: Any, b: Any) -> bool:
    """Equal logs; logs holding arrays, which compare element-wise, by repr."""
    try:
        return bool(a == b)
    except ValueError:
        return repr(a) == repr(b)


def describe(lifecycle: Iterable[Event]) -> str:
    """Render a lifecycle compactly: one line per epoch, batches folded.

    Runs of batch begin/end pairs with consecutive indices and the same logs
    are folded into a range, e.g. ``train_batch 0..3``.
    """
    lines: list[str] = []
    current: list[str] = []
    run: list[Event] = []

    def flush_run() -> None:
        if not run:
            return
        first, last = run[0], run[-1]
        name = first.hook.removeprefix("on_").removesuffix("_end")
        span = str(first.index) if first is last else f"{first.index}..{last.index}"
        logs = str(first).partition(" ")[2]
        current.append(f"{name} {span}" + (f" {logs}" if logs else ""))
        run.clear()

    for event in lifecycle:
        if event.hook.endswith("batch_begin"):
            continue  # folded into the matching *_end entry
        if event.hook.endswith("batch_end"):
            # Only consecutive indices fold: ``0..8`` must not hide the jumps
            # of ``steps_per_execution`` (batches 2, 5, 8).
            previous = run[-1] if run else None
            if previous and (
                previous.hook != event.hook
                or not _same_logs(previous.logs, event.logs)
                or event.index != previous.index + 1
            ):
                flush_run()
            run.append(event)
            continue
        flush_run()
        if event.hook == "on_epoch_begin":
            if current:
                lines.append("  ".join(current))
            current = [str(event)]
            continue
        current.append(str(event))
        if event.hook == "on_epoch_end":
            lines.append("  ".join(current))
            current = []
    flush_run()
    if current:
        lines.append("  ".join(current))
    return "\n".join(lines)

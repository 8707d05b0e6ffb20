"""Expectations as data, and the failure message when a trace does not meet them.

A test states what the specification requires of a run (:func:`expect`):
the saves, the printed lines, the warnings, the error. Each part left out is
not checked. A mismatch raises :class:`ConformanceFailure` whose message
follows one template: the clause, what was expected, what was observed (for
saves, both drawn on a timeline of the lifecycle, see :mod:`conformance.timeline`),
the callback and lifecycle that produced it, and code that replays the run
(:mod:`conformance.reproduce`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conformance import reproduce
from conformance.harness import Save, Trace
from conformance.timeline import draw


class ConformanceFailure(AssertionError):
    """A trace broke the clause a test checks.

    ``reproduction`` holds the code that replays the run, when there is one
    (the message ends with it); :meth:`without_reproduction` gives the message
    without it, for a report that prints the code apart.
    """

    def __init__(self, message: str, reproduction: str | None = None) -> None:
        super().__init__(message)
        self.reproduction = reproduction

    def without_reproduction(self) -> str:
        message = safe_str(self)
        if self.reproduction is None:
            return message
        head, _, _ = message.rpartition("\n" + REPRODUCTION_HEADER)
        return head


@dataclass(frozen=True)
class Raises:
    """An expected exception: its type and fragments its message must contain.

    ``at`` names where it must happen: ``"construction"``, or a hook name such
    as ``"on_epoch_end"``; ``None`` accepts any place.
    """

    type: type[BaseException] | tuple[type[BaseException], ...]
    fragments: tuple[str, ...] = ()
    at: str | None = None

    def matches(self, error: BaseException | None, stage: str | None) -> bool:
        if error is None or not isinstance(error, self.type):
            return False
        if self.at is not None and not (stage or "").startswith(
            self.at.removeprefix("on_")
        ):
            return False
        text = safe_str(error)
        return all(fragment in text for fragment in self.fragments)

    def __str__(self) -> str:
        types = self.type if isinstance(self.type, tuple) else (self.type,)
        text = " or ".join(t.__name__ for t in types)
        if self.fragments:
            text += " mentioning " + ", ".join(repr(f) for f in self.fragments)
        if self.at:
            text += f" at {self.at}"
        return text


def raises(
    type: type[BaseException] | tuple[type[BaseException], ...],
    *fragments: str,
    at: str | None = None,
) -> Raises:
    """Shorthand for :class:`Raises`."""
    return Raises(type, tuple(fragments), at)


_UNCHECKED = object()

#: The line before the reproduction code in a failure message.
REPRODUCTION_HEADER = "reproduce (Python, run from the folder pytest ran in):"


#: Bounds on a failure message, so a callback that prints or warns without
#: end still gets a readable report.
MAX_ITEMS = 30
MAX_ITEM_CHARS = 300


def _shorten(text: str) -> str:
    if len(text) <= MAX_ITEM_CHARS:
        return text
    return f"{text[:MAX_ITEM_CHARS]}... ({len(text) - MAX_ITEM_CHARS} more characters)"


def safe_str(value: object) -> str:
    """``str(value)``, even for an object whose ``__str__`` raises."""
    try:
        return str(value)
    except Exception as error:  # noqa: BLE001 - a report must not crash
        return f"<str() raised {type(error).__name__}>"


def _block(title: str, items: Sequence[object]) -> list[str]:
    if not items:
        return [f"  {title}: (none)"]
    shown = [f"    {_shorten(safe_str(item))}" for item in items[:MAX_ITEMS]]
    if len(items) > MAX_ITEMS:
        shown.append(f"    ... and {len(items) - MAX_ITEMS} more")
    return [f"  {title}:", *shown]


def _first_difference(expected: Sequence[str], observed: Sequence[str]) -> str:
    """Where two lists of printed lines part, in words."""
    pairs = zip(expected, observed, strict=False)  # the shorter list ends it
    for number, (wanted, seen) in enumerate(pairs, start=1):
        if wanted != seen:
            return (
                f"line {number} is {_shorten(repr(seen))}, "
                f"expected {_shorten(repr(wanted))}"
            )
    if len(observed) > len(expected):
        return f"line {len(expected) + 1} is one too many"
    return f"line {len(observed) + 1} is missing"


def _observed_error(trace: Trace) -> str:
    if trace.error is None:
        return "no error"
    name = type(trace.error).__name__
    return f"{name}: {_shorten(safe_str(trace.error))} (at {trace.error_at})"


def expect(
    trace: Trace,
    *,
    saves: Sequence[Save] | object = _UNCHECKED,
    lines: Sequence[str] | object = _UNCHECKED,
    warnings: Sequence[Sequence[str]] | object = _UNCHECKED,
    error: Raises | None | object = None,
    files: Sequence[str] | object = _UNCHECKED,
) -> None:
    """Check a trace against what the specification requires.

    - ``saves``: the exact sequence of saves (method, path, hook, epoch, batch).
    - ``lines``: the exact printed lines, blank lines left out.
    - ``warnings``: one entry per expected warning, each a sequence of
      fragments its text must contain; ``[]`` means no warning at all.
    - ``error``: the expected exception, or ``None`` (the default) for none.
    - ``files``: the exact files left in the run's folder.
    """
    __tracebackhide__ = True
    problems: list[str] = []

    if error is not _UNCHECKED:
        if error is None:
            if trace.error is not None:
                problems += [
                    "unexpected error:",
                    "  expected: no error",
                    f"  observed: {_observed_error(trace)}",
                ]
        elif not error.matches(trace.error, trace.error_at):
            problems += [
                "wrong error:",
                f"  expected: {error}",
                f"  observed: {_observed_error(trace)}",
            ]
    if saves is not _UNCHECKED and list(saves) != trace.saves:
        problems += [
            f"saves differ ({len(saves)} expected, {len(trace.saves)} observed):"
        ]
        problems += draw(
            trace.lifecycle, list(saves), trace.saves, max_details=MAX_ITEMS
        )
    if lines is not _UNCHECKED and list(lines) != trace.lines:
        problems += [f"printed lines differ: {_first_difference(lines, trace.lines)}"]
        problems += _block("expected", [repr(x) for x in lines])
        problems += _block("observed", [repr(x) for x in trace.lines])
    if warnings is not _UNCHECKED and not _warnings_match(warnings, trace.warnings):
        problems += ["warnings differ:"]
        wanted = [" + ".join(repr(f) for f in w) or "any warning" for w in warnings]
        problems += _block("expected, containing", wanted)
        problems += _block("observed", [repr(w) for w in trace.warnings])
    if files is not _UNCHECKED and sorted(files) != trace.files:
        problems += ["files on disk differ:"]
        problems += _block("expected", sorted(files)) + _block("observed", trace.files)

    if problems:
        clause = ", ".join(trace.clauses) or "no clause"
        message = [f"[{clause}] the run does not conform", *problems]
        if trace.error is not None and "error" not in problems[0]:
            message.append(f"the run stopped early: {_observed_error(trace)}")
        message += ["callback and lifecycle:", trace.describe()]
        source, note = reproduce.attempt(trace.setup, trace.lifecycle)
        if source is not None:
            message += [REPRODUCTION_HEADER, source]
        elif note:
            message.append(f"no reproduction: {note}")
        raise ConformanceFailure("\n".join(message), source)


def _warnings_match(wanted: Sequence[Sequence[str]], observed: Sequence[str]) -> bool:
    """True when the warnings pair up one to one, in order, by fragments."""
    if len(wanted) != len(observed):
        return False
    return all(
        all(fragment in text for fragment in fragments)
        for fragments, text in zip(wanted, observed, strict=True)
    )

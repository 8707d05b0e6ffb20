"""Scenarios as data: language-neutral cases of SPEC.md, their format and replay.

A scenario file (``fixtures/scenarios/*.json``, in the format of
``fixtures/scenario.schema.json``) holds cases that each construct a callback
with some arguments, call its hooks in a given order and state what it must
have done: the saves (which event, which method, which path), the printed
lines, the warnings (when, and what each mentions), the error (when, of which
type, mentioning what) and the files left in the folder.
``fixtures/scenarios/README.md`` explains the format for a replayer written in
any language.

This module reads and validates scenario files (:func:`load_file`), replays a
scenario against an implementation with the harness (:func:`replay`), checks
the outcome (:func:`check`), and writes what a run did as a scenario's
expected trace (:func:`expected_of`, :func:`dumps`).
"""

from __future__ import annotations

import builtins
import dataclasses
import functools
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from conformance.expect import ConformanceFailure, expect, raises
from conformance.harness import Harness, Save, Trace
from conformance.implementations import Implementation
from conformance.lifecycle import INDEXED_HOOKS, NO_LOGS, Event, Lifecycle

FORMAT = "modelcheckpoint-scenarios/1"

#: Where an expected warning or error happened before the first event.
SETUP_STEPS = ("construction", "set_model", "set_params")


class ScenarioError(Exception):
    """A scenario file is malformed; the text names the file and the place."""


# -- values ------------------------------------------------------------------------


def decode_value(value: Any) -> Any:
    """A JSON value of a scenario as Python: tagged values become their objects."""
    if isinstance(value, list):
        return [decode_value(item) for item in value]
    if isinstance(value, dict):
        [(tag, inner)] = value.items()
        if tag == "$float":
            return float(inner)
        if tag == "$path":
            return Path(inner)
        import numpy as np

        if tag == "$array":
            return np.array(inner, dtype=np.float64)
        if tag == "$int64":
            return np.int64(inner)
        raise ValueError(f"unknown tagged value {value!r}")
    return value


def encode_value(value: Any) -> Any:
    """A Python value as a scenario writes it; the inverse of :func:`decode_value`."""
    if type(value) is float and not math.isfinite(value):
        return {"$float": str(value)}
    if value is None or type(value) in (str, int, float, bool):
        return value
    if type(value) is list:
        return [encode_value(item) for item in value]
    if isinstance(value, os.PathLike):
        return {"$path": Path(value).as_posix()}
    module = type(value).__module__.partition(".")[0]
    if module == "numpy":
        import numpy as np

        if isinstance(value, np.ndarray) and value.ndim == 1 and value.size > 1:
            return {"$array": [float(item) for item in value]}
        if isinstance(value, np.int64):
            return {"$int64": int(value)}
    raise ValueError(f"{type(value).__qualname__} value {value!r} has no scenario form")


def _decode_mapping(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {key: decode_value(value) for key, value in mapping.items()}


def _encode_mapping(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {key: encode_value(value) for key, value in mapping.items()}


# -- events ------------------------------------------------------------------------


def decode_events(items: Iterable[Mapping[str, Any]]) -> Lifecycle:
    """Events as the harness plays them, each tagged with its epoch.

    The epoch of an event is what a save made during it is attributed to: the
    index of ``on_epoch_begin`` and ``on_epoch_end`` themselves, and for the
    hooks between them the index of the ``on_epoch_begin`` that opened the
    epoch; outside an epoch there is none. That is how ``fit`` tags them.
    """
    events, epoch = [], None
    for item in items:
        hook, index = item["hook"], item.get("index")
        logs = item["logs"] if "logs" in item else NO_LOGS
        if isinstance(logs, dict):
            logs = _decode_mapping(logs)
        if hook == "on_epoch_begin":
            epoch = index
        own = index if hook in ("on_epoch_begin", "on_epoch_end") else epoch
        events.append(Event(hook, index, logs, own))
        if hook == "on_epoch_end":
            epoch = None
    return tuple(events)


def encode_events(events: Iterable[Event]) -> list[dict[str, Any]]:
    """The inverse of :func:`decode_events` (the epoch tags are left out)."""
    items = []
    for event in events:
        item: dict[str, Any] = {"hook": event.hook}
        if event.hook in INDEXED_HOOKS:
            item["index"] = event.index
        if event.logs is not NO_LOGS:
            item["logs"] = None if event.logs is None else _encode_mapping(event.logs)
        items.append(item)
    return items


# -- scenarios ---------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One scenario, decoded: what to run, and the expected trace as written."""

    id: str
    title: str
    clauses: tuple[str, ...]
    profiles: tuple[str, ...]
    arguments: Mapping[str, Any]
    events: Lifecycle
    expected: Mapping[str, Any]
    set_model: bool = True
    params: Mapping[str, Any] | None = None
    prepare: Mapping[str, Any] = field(default_factory=dict)
    model: Mapping[str, Any] | None = None
    #: Field reports of the fault the scenario guards against.
    reports: tuple[str, ...] = ()
    #: The file the scenario was read from, for messages.
    source: str = ""

    @classmethod
    def from_json(cls, data: Mapping[str, Any], source: str = "") -> Scenario:
        params = data.get("params")
        return cls(
            id=data["id"],
            title=data["title"],
            clauses=tuple(data["clauses"]),
            profiles=tuple(data["profiles"]),
            arguments=_decode_mapping(data["arguments"]),
            events=decode_events(data["events"]),
            expected=data["expected"],
            set_model=data.get("set_model", True),
            params=None if params is None else _decode_mapping(params),
            prepare=data.get("prepare", {}),
            model=data.get("model"),
            reports=tuple(data.get("reports", ())),
            source=source,
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "clauses": list(self.clauses),
            "profiles": list(self.profiles),
            "arguments": _encode_mapping(self.arguments),
        }
        if not self.set_model:
            data["set_model"] = False
        if self.params is not None:
            data["params"] = _encode_mapping(self.params)
        if self.prepare:
            data["prepare"] = dict(self.prepare)
        if self.model is not None:
            data["model"] = dict(self.model)
        if self.reports:
            data["reports"] = list(self.reports)
        data["events"] = encode_events(self.events)
        data["expected"] = dict(self.expected)
        return data


def _schema() -> dict[str, Any]:
    text = resources.files("conformance.fixtures").joinpath("scenario.schema.json")
    return json.loads(text.read_text(encoding="utf-8"))


def _where(path: Iterable[Any]) -> str:
    return "/".join(str(part) for part in path) or "(the top level)"


def validate(data: Any, source: str) -> None:
    """Check ``data`` against the scenario schema; raise ScenarioError if it fails.

    The message names ``source``, where in the file the first problem is (a
    JSON pointer such as ``scenarios/3/events/2/hook``), what is wrong there,
    and how many other problems there are.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    first = jsonschema.exceptions.best_match(errors) or errors[0]
    message = first.message
    if first.validator == "pattern" and "title" in first.schema:
        # The title says what the pattern means better than the pattern.
        message = f"{first.instance!r} is not {first.schema['title']}"
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    raise ScenarioError(
        f"{source}: at {_where(first.absolute_path)}: {message}{more}; "
        "the format is fixtures/scenario.schema.json"
    )


def parse(text: str, source: str) -> list[Scenario]:
    """Read, validate and decode the text of a scenario file."""
    try:
        data = json.loads(text)
        validate(data, source)
    except json.JSONDecodeError as error:
        raise ScenarioError(f"{source}: not valid JSON: {error}") from error
    except RecursionError as error:
        raise ScenarioError(
            f"{source}: not a scenario file: its values are nested too deeply to read"
        ) from error
    scenarios = [Scenario.from_json(item, source) for item in data["scenarios"]]
    for scenario in scenarios:
        _check_consistency(scenario)
    return scenarios


def _check_consistency(scenario: Scenario) -> None:
    """What the schema cannot say.

    Clause variants fit the profiles, every ``at`` names an event or a step the
    scenario takes, error types are built-in exceptions, and what ``prepare``
    makes stays inside the run's folder without one path in the way of another.
    """
    variants = {clause.partition("/")[2] for clause in scenario.clauses} - {""}
    outside = sorted(set(scenario.profiles) - variants) if variants else []
    if outside:
        raise ScenarioError(
            f"{scenario.source}: scenario {scenario.id!r}: profiles={outside} but "
            f"its clauses {list(scenario.clauses)} hold only in {sorted(variants)}; "
            "list only the profiles its clauses hold in"
        )
    expected = scenario.expected
    places = [save["at"] for save in expected["saves"]]
    places += [warning["at"] for warning in expected["warnings"]]
    if expected["error"] is not None:
        places.append(expected["error"]["at"])
    count = len(scenario.events)
    wrong = [at for at in places if isinstance(at, int) and at >= count]
    if wrong:
        raise ScenarioError(
            f"{scenario.source}: scenario {scenario.id!r}: at={wrong[0]} names no "
            f"event; it has {count} events, numbered from 0"
        )
    skipped = {
        "set_model": not scenario.set_model,
        "set_params": scenario.params is None,
    }
    missing = [at for at in places if skipped.get(at)]
    if missing:
        raise ScenarioError(
            f"{scenario.source}: scenario {scenario.id!r}: at={missing[0]!r} names "
            f"a step the scenario does not take; give "
            f"{'params' if missing[0] == 'set_params' else 'set_model: true'}, or "
            "place the warning or error at another step"
        )
    if expected["error"] is not None:
        _check_error_types(scenario, expected["error"]["types"])
    _check_prepare(scenario)


def _check_error_types(scenario: Scenario, names: Iterable[str]) -> None:
    for name in names:
        kind = getattr(builtins, name, None)
        if not (isinstance(kind, type) and issubclass(kind, Exception)):
            raise ScenarioError(
                f"{scenario.source}: scenario {scenario.id!r}: error type {name!r} "
                "is not one of Python's built-in exception classes (Exception "
                "and its subclasses, such as ValueError or OSError)"
            )


def _check_prepare(scenario: Scenario) -> None:
    """No path ``prepare`` makes is in the way of another.

    (That every path stays inside the run's folder is the schema's to say.)
    """
    files = list(scenario.prepare.get("files", {}))
    folders = list(scenario.prepare.get("folders", []))
    where = f"{scenario.source}: scenario {scenario.id!r}: prepare"
    file_paths = {PurePosixPath(name): name for name in files}
    for name in files + folders:
        path = PurePosixPath(name)
        above = next((p for p in path.parents if p in file_paths), None)
        if above is not None:
            raise ScenarioError(
                f"{where} makes {file_paths[above]!r} a file and {name!r} a path "
                "inside it; a file cannot hold other paths"
            )
    both = [name for name in folders if PurePosixPath(name) in file_paths]
    if both:
        raise ScenarioError(
            f"{where} makes {both[0]!r} both a file and a folder; give one of them"
        )


def load_file(path: Path) -> list[Scenario]:
    """The scenarios of one file on disk."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(f"cannot read scenarios {path}: {error}") from error
    except UnicodeDecodeError as error:
        raise ScenarioError(
            f"cannot read scenarios {path}: not UTF-8 text ({error.reason} at byte "
            f"{error.start}); a scenario file is JSON, which is UTF-8"
        ) from error
    return parse(text, str(path))


def shipped_files() -> list[Any]:
    """The scenario files the package ships, sorted by name."""
    folder = resources.files("conformance.fixtures").joinpath("scenarios")
    return sorted(
        (item for item in folder.iterdir() if item.name.endswith(".json")),
        key=lambda item: item.name,
    )


@functools.cache
def shipped() -> tuple[Scenario, ...]:
    """The shipped scenarios, read once per process."""
    return tuple(load_shipped())


def load_shipped() -> list[Scenario]:
    """Every shipped scenario, validated; ids are unique across files."""
    scenarios: list[Scenario] = []
    seen: dict[str, str] = {}
    for item in shipped_files():
        source = f"scenarios/{item.name}"
        for scenario in parse(item.read_text(encoding="utf-8"), source):
            if scenario.id in seen:
                raise ScenarioError(
                    f"{source}: scenario id {scenario.id!r} is already used in "
                    f"{seen[scenario.id]}; ids are unique across files"
                )
            seen[scenario.id] = source
            scenarios.append(scenario)
    return scenarios


# -- replaying ---------------------------------------------------------------------


def _prepare(folder: Path, prepare: Mapping[str, Any]) -> None:
    for name in prepare.get("folders", []):
        (folder / name).mkdir(parents=True, exist_ok=True)
    for name, text in prepare.get("files", {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


@dataclass
class Observed:
    """What a replay did, with the event (or setup step) of each thing observed."""

    trace: Trace
    save_at: list[int]
    warning_at: list[int | str]
    error_at: int | str | None


def replay(
    implementation: Implementation, scenario: Scenario, folder: Path
) -> Observed:
    """Run ``scenario`` against ``implementation`` inside ``folder``.

    The events are played one at a time, so that each save and warning is
    known by the event during which it happened.
    """
    _prepare(folder, scenario.prepare)
    if scenario.model is not None:
        kind = getattr(builtins, scenario.model["error"])
        implementation = implementation.with_failing_saves(
            after=scenario.model["fails_after"],
            error=lambda path: kind(f"the model cannot save {path}"),
        )
    session = Harness(implementation, folder, scenario.clauses).session(
        set_model=scenario.set_model, params=scenario.params, **scenario.arguments
    )
    snapshot = session.trace(files=False)
    save_at: list[int] = []
    warning_at: list[int | str] = ["construction"] * len(snapshot.warnings)
    error_at: int | str | None = session.error_at if session.error else None
    for position, event in enumerate(scenario.events):
        session.play([event])
        if error_at is not None:
            continue
        snapshot = session.trace(files=False)
        save_at += [position] * (len(snapshot.saves) - len(save_at))
        warning_at += [position] * (len(snapshot.warnings) - len(warning_at))
        if session.error is not None:
            error_at = position
    return Observed(session.trace(), save_at, warning_at, error_at)


def builtin_error_name(error: BaseException) -> str:
    """The name of the most specific built-in exception class ``error`` is one of.

    A framework's own error class compares as the built-in one it derives
    from, which is what a clause that names an error type asks of it.
    """
    for cls in type(error).__mro__:
        if getattr(builtins, cls.__name__, None) is cls:
            return cls.__name__
    return "Exception"


def expected_of(observed: Observed, folder: Path | None = None) -> dict[str, Any]:
    """What a run did, as a scenario's expected trace (with no mentions).

    ``folder`` is replaced by ``<folder>`` in the printed lines.
    """
    trace = observed.trace
    lines = list(trace.lines)
    if folder is not None:
        lines = [line.replace(os.fspath(folder), "<folder>") for line in lines]
    error = None
    if trace.error is not None:
        error = {
            "at": observed.error_at,
            "types": [builtin_error_name(trace.error)],
            "mentions": [],
        }
    return {
        "saves": [
            {"at": at, "method": save.method, "path": save.path}
            for save, at in zip(trace.saves, observed.save_at, strict=True)
        ],
        "lines": lines,
        "warnings": [{"at": at, "mentions": []} for at in observed.warning_at],
        "error": error,
        "files": list(trace.files),
    }


def _stage(scenario: Scenario, at: int | str) -> str:
    return at if isinstance(at, str) else str(scenario.events[at])


def check(scenario: Scenario, observed: Observed) -> None:
    """Raise ConformanceFailure unless ``observed`` is the expected trace."""
    __tracebackhide__ = True
    expected, trace = scenario.expected, observed.trace
    if scenario.model is not None:
        # The harness's reproduction code cannot make a model whose saves
        # fail, so it would replay another run: leave it out.
        trace = dataclasses.replace(trace, setup=None)
    saves = []
    for save in expected["saves"]:
        event = scenario.events[save["at"]]
        batch = event.index if "batch" in event.hook else None
        saves.append(Save(save["method"], save["path"], event.hook, event.epoch, batch))
    error = None
    if expected["error"] is not None:
        wanted = expected["error"]
        error = raises(
            tuple(getattr(builtins, name) for name in wanted["types"]),
            *wanted["mentions"],
            at=_stage(scenario, wanted["at"]),
        )
    expect(
        trace,
        saves=saves,
        lines=expected["lines"],
        warnings=[warning["mentions"] for warning in expected["warnings"]],
        error=error,
        files=expected["files"],
    )
    wanted_at = [warning["at"] for warning in expected["warnings"]]
    if wanted_at != observed.warning_at:
        raise ConformanceFailure(
            f"[{', '.join(scenario.clauses)}] the run does not conform\n"
            "warnings came at other steps:\n"
            f"  expected at: {[_stage(scenario, at) for at in wanted_at]}\n"
            f"  observed at: {[_stage(scenario, at) for at in observed.warning_at]}\n"
            f"callback and lifecycle:\n{trace.describe()}"
        )


# -- writing -----------------------------------------------------------------------


def _dump_scenario(data: Mapping[str, Any]) -> str:
    """One scenario as indented JSON, with one event or save a line."""
    parts = []
    for key, value in data.items():
        if key in ("events", "expected"):
            continue
        parts.append(f"      {json.dumps(key)}: {json.dumps(value)}")
    events = ",\n".join(f"        {json.dumps(e)}" for e in data["events"])
    parts.append(
        f'      "events": [\n{events}\n      ]' if events else '      "events": []'
    )
    expected = []
    for key, value in data["expected"].items():
        if isinstance(value, list) and value:
            items = ",\n".join(f"          {json.dumps(item)}" for item in value)
            expected.append(f"        {json.dumps(key)}: [\n{items}\n        ]")
        else:
            expected.append(f"        {json.dumps(key)}: {json.dumps(value)}")
    parts.append('      "expected": {\n' + ",\n".join(expected) + "\n      }")
    return "    {\n" + ",\n".join(parts) + "\n    }"


def dumps(scenarios: Sequence[Mapping[str, Any]], about: str = "") -> str:
    """The text of a scenario file holding ``scenarios`` (JSON objects)."""
    head = [f'  "format": {json.dumps(FORMAT)}']
    if about:
        head.append(f'  "about": {json.dumps(about)}')
    body = ",\n".join(_dump_scenario(item) for item in scenarios)
    head.append(f'  "scenarios": [\n{body}\n  ]' if body else '  "scenarios": []')
    return "{\n" + ",\n".join(head) + "\n}\n"

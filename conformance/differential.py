"""Differential runs: ``pytest --impl=A --oracle=B`` compares two implementations.

Hypothesis draws constructor arguments and whole training lifecycles (several
fits with batch indices that jump, evaluation and prediction in between, logs
with missing, NaN, tied, ``None`` and non-scalar values); both implementations
run each one in a folder of their own, and their traces must agree by the
rules of :func:`compare`. A divergence fails the test: Hypothesis shrinks it,
the failure prints the lifecycle as a person would write it and the code that
replays it, and the shrunk case is written as a scenario file (the format of
``fixtures/scenarios``) whose expected trace is the oracle's.

This module is a pytest plugin, loaded by :mod:`conformance.plugin`: it adds
the options, picks the profile both implementations are compared under, and
points a run with ``--oracle`` and no test path at the differential test
(``conformance/oracle/``), which a run without ``--oracle`` never collects.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from conformance import implementations, plugin, scenarios
from conformance.implementations import Implementation, ImplementationError
from conformance.lifecycle import Event, Lifecycle, evaluate, predict

ORACLE = pytest.StashKey[Implementation]()
SUBJECT = pytest.StashKey[Implementation]()
LEFT_OUT = pytest.StashKey[dict[str, str]]()
OUT_FOLDER = pytest.StashKey[Path]()
EXTRA_SCENARIOS = pytest.StashKey[list[scenarios.Scenario]]()

DIFFERENTIAL = plugin.DIFFERENTIAL

#: Where divergences are written, under the folder pytest ran in, unless
#: ``--divergences`` says otherwise.
DEFAULT_OUT = "divergences"

#: Parts of the drawn lifecycles that a built-in implementation is known to
#: handle differently from SPEC.md, each with the declared difference it
#: comes from. A differential run with that implementation on either side
#: leaves them out, so that it finds what is not yet known;
#: ``--include-known-differences`` puts them back.
KNOWN: dict[str, dict[str, str]] = {
    "keras": {
        "nan": "keras.toml: Keras 3 saves a first NaN and makes it the best",
        "logs-none": "keras.toml: Keras 3 raises TypeError for logs=None at "
        "on_epoch_end and on_train_batch_end",
        "batch-best-only": "keras.toml: Keras 3 raises TypeError at a "
        "batch-level best-only decision before the first epoch end",
        "array": "keras.toml: Keras 3 prints no 'saving model to' line before "
        "the save it makes for a non-scalar monitored value",
    },
    # tf_keras' declared differences (a PathLike filepath, a file in place
    # of a folder) lie outside what is drawn: templates are strings and
    # every run starts in an empty folder.
    "tf_keras": {},
}

#: Every part of the drawn lifecycles that can be left out.
FEATURES = ("nan", "logs-none", "batch-best-only", "array")


# -- options and configuration -------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance")
    group.addoption(
        "--oracle",
        default=None,
        metavar="NAME",
        help=(
            "compare the implementation under test with this one (any name "
            "--impl takes) on generated lifecycles, instead of running the suite"
        ),
    )
    group.addoption(
        "--divergences",
        default=None,
        metavar="DIR",
        help=(
            "where --oracle writes each divergence as a scenario file; default: "
            f"{DEFAULT_OUT}/ in the folder pytest runs in"
        ),
    )
    group.addoption(
        "--scenarios",
        action="append",
        default=[],
        metavar="PATH",
        help=(
            "a scenario file (the format of fixtures/scenarios), or a folder of "
            "them, to replay after the shipped ones; may be given more than once"
        ),
    )
    group.addoption(
        "--include-known-differences",
        action="store_true",
        default=False,
        help=(
            "with --oracle, also draw the lifecycles where a built-in "
            "implementation's declared differences lie"
        ),
    )


def can_follow(implementation: Implementation, profile: str) -> bool:
    """True when ``implementation`` has a callback for ``profile``."""
    return implementation.profile == profile or profile in implementation.variants


def common_profile(a: Implementation, b: Implementation, asked: str | None) -> str:
    """The profile a differential run compares ``a`` and ``b`` under.

    ``--profile`` when given; otherwise ``a``'s own profile if ``b`` can follow
    it, else ``b``'s own if ``a`` can follow that. Raises ImplementationError
    when the two have no profile in common.
    """
    candidates = [asked] if asked else [a.profile, b.profile]
    for profile in candidates:
        if can_follow(a, profile) and can_follow(b, profile):
            return profile
    follows_a = ", ".join(sorted({a.profile, *a.variants}))
    follows_b = ", ".join(sorted({b.profile, *b.variants}))
    problem = f"do not both follow --profile={asked}" if asked else "share no profile"
    raise ImplementationError(
        f"--impl={a.name} (follows {follows_a}) and --oracle={b.name} (follows "
        f"{follows_b}) {problem}; compare two implementations that follow one "
        "profile (the reference follows both)"
    )


def load_oracle(name: str) -> Implementation:
    """Load ``--oracle=name`` as ``--impl`` loads, with errors naming --oracle.

    A class that is not built in is checked as ``--impl`` checks it
    (:func:`~conformance.implementations.check_protocol`), before any test runs.
    """
    if not name.strip():
        raise ImplementationError(
            "--oracle is empty; give reference, tf_keras, keras, a registered "
            "name or package.module:ClassName"
        )
    try:
        oracle = implementations.load(name)
        if name not in implementations.BUILTIN:
            implementations.check_protocol(oracle)
    except ImplementationError as error:
        text = str(error).replace(f"--impl={name}", f"--oracle={name}", 1)
        raise ImplementationError(text) from error
    return oracle


def check_another(subject: str, oracle: str) -> None:
    """Refuse an oracle that names the implementation under test itself."""
    if oracle == subject:
        raise ImplementationError(
            f"--oracle={oracle} names the implementation under test "
            f"(--impl={subject}); the oracle must be another implementation, "
            "e.g. --impl=mine --oracle=reference"
        )


def left_out(names: Sequence[str], include_known: bool) -> dict[str, str]:
    """The features not drawn, each with why, for implementations ``names``."""
    if include_known:
        return {}
    return {
        feature: reason
        for name in names
        for feature, reason in KNOWN.get(name, {}).items()
    }


def given_scenarios(paths: Sequence[str], base: Path) -> list[scenarios.Scenario]:
    """The scenarios of ``--scenarios`` files and folders, validated.

    A file given more than once (by the same or another path, or in a
    folder given too) is read once. Raises ScenarioError naming the file, a
    folder that holds no scenario file, or an id the shipped scenarios or
    another given file already use.
    """
    found: list[scenarios.Scenario] = []
    seen = {scenario.id: "the shipped scenarios" for scenario in scenarios.shipped()}
    read: set[Path] = set()
    for given in paths:
        path = Path(base, given)
        files = sorted(path.glob("*.json")) if path.is_dir() else [path]
        if not files:
            raise scenarios.ScenarioError(
                f"--scenarios={given}: the folder {path} holds no scenario files "
                "(*.json); give a folder of them, or a file"
            )
        for file in files:
            if file.resolve() in read:
                continue  # given twice, directly or in a folder: read once
            read.add(file.resolve())
            for scenario in scenarios.load_file(file):
                if scenario.id in seen:
                    raise scenarios.ScenarioError(
                        f"--scenarios={given}: scenario id {scenario.id!r} is "
                        f"already used in {seen[scenario.id]}; give it another id"
                    )
                seen[scenario.id] = str(file)
                found.append(scenario)
    return found


def pytest_configure(config: pytest.Config) -> None:
    try:
        config.stash[EXTRA_SCENARIOS] = given_scenarios(
            config.getoption("scenarios"), config.invocation_params.dir
        )
    except scenarios.ScenarioError as error:
        raise pytest.UsageError(str(error)) from None
    name = config.getoption("oracle", None)
    if name is None:
        for option in ("divergences", "include_known_differences"):
            if config.getoption(option):
                flag = "--" + option.replace("_", "-")
                raise pytest.UsageError(
                    f"{flag} needs --oracle: it is an option of differential runs "
                    "(pytest --impl=A --oracle=B); give --oracle=NAME or leave "
                    f"{flag} out"
                )
        return
    try:
        subject_name = plugin._impl_name(config)
        check_another(subject_name, name)
        oracle = load_oracle(name)
        subject = implementations.load(subject_name)
        profile = common_profile(subject, oracle, config.getoption("profile"))
    except ImplementationError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[plugin.PROFILE] = profile
    config.stash[plugin.IMPLEMENTATION] = subject.for_profile(profile)
    config.stash[SUBJECT] = subject.for_profile(profile)
    config.stash[ORACLE] = oracle.for_profile(profile)
    config.stash[LEFT_OUT] = left_out(
        [subject.name, oracle.name], config.getoption("include_known_differences")
    )
    out = config.getoption("divergences")
    folder = Path(config.invocation_params.dir, out or DEFAULT_OUT)
    if folder.exists() and not folder.is_dir():
        raise pytest.UsageError(
            f"--divergences={out}: {folder} exists and is not a folder; give the "
            "folder to write divergences into (it is created if missing)"
        )
    config.stash[OUT_FOLDER] = folder
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = [str(DIFFERENTIAL)]


def pytest_report_header(config: pytest.Config) -> list[str]:
    if ORACLE not in config.stash:
        return []
    lines = [
        f"conformance oracle: {config.stash[ORACLE].describe()}",
        f"conformance differential profile: {config.stash[plugin.PROFILE]}",
        f"conformance divergences written to: {config.stash[OUT_FOLDER]}",
    ]
    for feature, reason in config.stash[LEFT_OUT].items():
        lines.append(f"conformance not drawn: {feature} ({reason})")
    return lines


# -- what is drawn --------------------------------------------------------------------

MONITORS = ("val_loss", "loss")

#: Monitored values: few, so that ties are frequent, and exact in float32, so
#: that a framework comparing in float32 sees the values given.
VALUES = [k / 4 for k in range(-4, 5)]


@dataclass(frozen=True)
class Drawn:
    """One generated case: the constructor's arguments and the lifecycle."""

    arguments: Mapping[str, Any]
    events: Lifecycle
    left_out: frozenset[str] = field(default_factory=frozenset)

    def scenario(
        self,
        *,
        id: str = "drawn",
        title: str = "",
        clauses: Sequence[str] = (),
        profiles: Sequence[str] = (),
        expected: Mapping[str, Any] | None = None,
    ) -> scenarios.Scenario:
        return scenarios.Scenario(
            id=id,
            title=title,
            clauses=tuple(clauses),
            profiles=tuple(profiles),
            arguments=dict(self.arguments),
            events=self.events,
            expected=expected or {},
        )


def _reading(draw: st.DrawFn, monitor: str, allowed: frozenset[str]) -> Any:
    """Logs of a hook that may save: the monitor's value, or its absence."""
    kinds = ["value"] * 6 + ["absent", "none"]
    if "array" in allowed:
        kinds.append("array")
    if "nan" in allowed:
        kinds.append("nan")
    if "logs-none" in allowed:
        kinds.append("logs-none")
    kind = draw(st.sampled_from(kinds))
    if kind == "logs-none":
        return None
    logs: dict[str, Any] = {"loss": draw(st.sampled_from(VALUES))}
    if monitor == "loss":
        logs = {}
    if kind == "value":
        logs[monitor] = draw(st.sampled_from(VALUES))
    elif kind == "none":
        logs[monitor] = None
    elif kind == "nan":
        logs[monitor] = math.nan
    elif kind == "array":
        import numpy as np

        logs[monitor] = np.array(
            draw(st.lists(st.sampled_from(VALUES), min_size=2, max_size=2))
        )
    return logs


def _fit(
    draw: st.DrawFn, start: int, monitor: str, allowed: frozenset[str]
) -> Lifecycle:
    epochs = draw(st.integers(1, 3))
    steps = draw(st.integers(1, 2))
    batches = draw(st.integers(0, 4))
    indices = [steps * k + steps - 1 for k in range(batches)]
    validation = draw(st.booleans())
    events = [Event("on_train_begin", logs={})]
    for epoch in range(start, start + epochs):
        events.append(Event("on_epoch_begin", epoch, {}, epoch))
        for batch in indices:
            events.append(Event("on_train_batch_begin", batch, {}, epoch))
            logs = _reading(draw, monitor, allowed)
            events.append(Event("on_train_batch_end", batch, logs, epoch))
        if validation:
            events.extend(evaluate(1, epoch=epoch))
        logs = _reading(draw, monitor, allowed)
        events.append(Event("on_epoch_end", epoch, logs, epoch))
    events.append(Event("on_train_end", logs={}))
    return tuple(events)


@st.composite
def drawn(draw: st.DrawFn, leave_out: frozenset[str] = frozenset()) -> Drawn:
    """Arguments and a lifecycle portable to every profile (suffixes included)."""
    save_freq = draw(st.sampled_from(["epoch", "epoch", 1, 2, 3, 5, 0]))
    best_only = draw(st.booleans())
    if best_only and save_freq != "epoch" and "batch-best-only" in leave_out:
        best_only = False
    weights = draw(st.booleans())
    monitor = draw(st.sampled_from(MONITORS))
    stem = "m-e{epoch}" if save_freq == "epoch" else "m-e{epoch}-b{batch}"
    if draw(st.integers(0, 9)) == 9:  # shrinks to a template without it
        stem += f"-{{{monitor}:.2f}}"
    arguments: dict[str, Any] = {
        "filepath": stem + (".weights.h5" if weights else ".h5"),
        "monitor": monitor,
        "verbose": draw(st.sampled_from([0, 1])),
        "save_best_only": best_only,
        "save_weights_only": weights,
        "mode": draw(st.sampled_from(["min", "max", "auto"])),
        "save_freq": save_freq,
    }
    threshold = draw(st.sampled_from([None, None, None, 0.0, 0.5]))
    if threshold is not None:
        arguments["initial_value_threshold"] = threshold
    allowed = frozenset(FEATURES) - leave_out
    events: list[Event] = []
    epoch = 0
    for _ in range(draw(st.integers(1, 3))):
        phase = draw(st.sampled_from(["fit", "fit", "fit", "evaluate", "predict"]))
        if phase == "evaluate":
            events += evaluate(draw(st.integers(1, 2)))
        elif phase == "predict":
            events += predict(draw(st.integers(1, 2)))
        else:
            made = _fit(draw, epoch, monitor, allowed)
            epoch += sum(event.hook == "on_epoch_end" for event in made)
            events += made
    return Drawn(arguments, tuple(events), leave_out)


# -- comparing ------------------------------------------------------------------------


def outcome(observed: scenarios.Observed, folder: Path) -> dict[str, Any]:
    """What counts in a comparison, from one run (see :func:`compare`)."""
    expected = scenarios.expected_of(observed, folder)
    return {
        "saves": expected["saves"],
        "lines": expected["lines"],
        "warnings": [warning["at"] for warning in expected["warnings"]],
        "error": None
        if expected["error"] is None
        else (expected["error"]["types"][0], expected["error"]["at"]),
    }


def compare(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """The parts of two outcomes that differ, one line each; empty if they agree.

    The rules:

    - saves: the same calls in the same order, each the same method on the
      same path (relative to its run's folder), during the same event;
    - printed lines: the same lines, with each run's folder written
      ``<folder>``;
    - warnings: as many at each event (or at construction); their texts are
      not compared, since SPEC.md leaves wording open;
    - error: none in both, or in both at the same event, of the same type
      once each is taken as the built-in exception class it derives from;
      messages are not compared.

    Files on disk are not compared: the saves say which files were written,
    and folders made without a save are left open by SPEC.md.
    """
    differences = []
    for part in ("saves", "lines", "warnings", "error"):
        if a[part] != b[part]:
            differences.append(part)
    return differences


def place(at: int | str, events: Sequence[Event]) -> str:
    """Where an outcome happened: ``train_batch_end(1) of epoch 0 (event 5)``.

    ``at`` is a position in ``events`` or a stage before them
    (``construction``, ``set_model``).
    """
    if isinstance(at, str):
        return at
    event = events[at]
    where = event.hook.removeprefix("on_")
    if event.index is not None:
        where += f"({event.index})"
        if "batch" in event.hook and event.epoch is not None:
            where += f" of epoch {event.epoch}"
    return f"{where} (event {at})"


def describe_difference(
    part: str,
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    names: Sequence[str],
    events: Sequence[Event],
) -> list[str]:
    """The lines that show how ``part`` differs between two outcomes."""
    shown = {
        "saves": lambda o: [
            f"{s['method']}({s['path']!r}) in {place(s['at'], events)}" for s in o
        ],
        "lines": lambda o: [repr(line) for line in o],
        "warnings": lambda o: [f"one in {place(at, events)}" for at in o],
        "error": lambda o: [] if o is None else [f"{o[0]} in {place(o[1], events)}"],
    }[part]
    lines = [f"{part} differ:"]
    for name, result in zip(names, (a, b), strict=True):
        items = shown(result[part])
        lines.append(f"  {name}: " + ("; ".join(items) if items else "(none)"))
    return lines


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def write_divergence(
    folder: Path,
    drawn_case: Drawn,
    *,
    subject: str,
    oracle: str,
    profile: str,
    expected: Mapping[str, Any],
    clauses: Sequence[str],
    differences: Sequence[str],
) -> Path:
    """Write a divergence as a scenario file whose expected trace is ``oracle``'s."""
    folder.mkdir(parents=True, exist_ok=True)
    identifier = f"divergence-{slug(subject)}-vs-{slug(oracle)}"
    scenario = drawn_case.scenario(
        id=identifier,
        title=f"{subject} and {oracle} diverge under profile {profile} "
        f"({', '.join(differences)} differ); expected is what {oracle} did.",
        clauses=tuple(clauses),
        profiles=(profile,),
        expected=dict(expected),
    )
    target = folder / f"{identifier}.json"
    about = f"A divergence found by pytest --impl={subject} --oracle={oracle}."
    target.write_text(scenarios.dumps([scenario.to_json()], about), encoding="utf-8")
    return target


def relative(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)

"""The shipped scenarios, as chosen: one :class:`Case` per promise of a clause.

Each case says what to run and what the expected trace must mention; the
rest of the expected trace (saves, printed lines, files, where each warning
and error happens) is what the reference does, written by
``python -m conformance.scenarios --regenerate``. A case lists the profiles
it applies to; its expected trace is the same under each of them, so where
the profiles differ a case has one twin per profile.

Templates end in ``.h5`` (``.weights.h5`` for weights) wherever a case is
not about suffixes, so that profile ``keras3`` (CON-10/keras3) accepts them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from conformance.lifecycle import NO_LOGS, Event, Lifecycle, evaluate, fit, predict

BOTH = ("keras2", "keras3")
KERAS2 = ("keras2",)
KERAS3 = ("keras3",)
NAN, INF = float("nan"), float("inf")
MONITOR = "val_loss"


@dataclass(frozen=True)
class Case:
    """One scenario as chosen: what to run, what its warnings and error mention.

    ``raises`` is ``None`` when the run must not raise, else the fragments the
    error's message must contain; ``types`` names the accepted error types
    when the clause accepts more than the reference's own.
    """

    id: str
    title: str
    clauses: tuple[str, ...]
    arguments: Mapping[str, Any]
    events: Lifecycle
    profiles: tuple[str, ...] = BOTH
    warnings: tuple[tuple[str, ...], ...] = ()
    raises: tuple[str, ...] | None = None
    types: tuple[str, ...] = ()
    reports: tuple[str, ...] = ()
    set_model: bool = True
    params: Mapping[str, Any] | None = None
    prepare: Mapping[str, Any] = field(default_factory=dict)
    model: Mapping[str, Any] | None = None


def case(
    id: str,
    title: str,
    clauses: str | Sequence[str],
    events: Lifecycle,
    *,
    profiles: Sequence[str] = BOTH,
    warnings: Iterable[Sequence[str]] = (),
    raises: Sequence[str] | None = None,
    types: Sequence[str] = (),
    reports: Sequence[str] = (),
    set_model: bool = True,
    params: Mapping[str, Any] | None = None,
    prepare: Mapping[str, Any] | None = None,
    model: Mapping[str, Any] | None = None,
    **arguments: Any,
) -> Case:
    return Case(
        id,
        title,
        (clauses,) if isinstance(clauses, str) else tuple(clauses),
        arguments,
        events,
        tuple(profiles),
        tuple(tuple(w) for w in warnings),
        None if raises is None else tuple(raises),
        tuple(types),
        tuple(reports),
        set_model,
        params,
        prepare or {},
        model,
    )


def values(*monitored: float | None, monitor: str = MONITOR, **other: Any) -> list:
    """One epoch's logs per value; ``None`` leaves the monitor out."""
    return [
        {"loss": 0.25, **other} if v is None else {"loss": 0.25, monitor: v, **other}
        for v in monitored
    ]


def best_fit(*monitored: float | None, monitor: str = MONITOR) -> Lifecycle:
    return fit(len(monitored), epoch_logs=values(*monitored, monitor=monitor))


def batch_epoch(epoch: int, batch_logs: Sequence[Mapping[str, Any]]) -> Lifecycle:
    """One epoch whose training batches report the logs given, one per batch."""
    events = [Event("on_epoch_begin", epoch, {}, epoch)]
    for batch, logs in enumerate(batch_logs):
        events.append(Event("on_train_batch_begin", batch, {}, epoch))
        events.append(Event("on_train_batch_end", batch, logs, epoch))
    events.append(Event("on_epoch_end", epoch, {"loss": 0.25}, epoch))
    return tuple(events)


def batch_fit(*epochs: Sequence[Mapping[str, Any]]) -> Lifecycle:
    events = [Event("on_train_begin", logs={})]
    for epoch, batch_logs in enumerate(epochs):
        events += batch_epoch(epoch, batch_logs)
    return (*events, Event("on_train_end", logs={}))


# -- CON: construction -------------------------------------------------------------


def construction() -> list[Case]:
    two = best_fit(0.5, 0.4)
    return [
        case(
            "con-1-defaults-save-every-epoch",
            "With only a filepath, every epoch end saves the whole model, silently.",
            "CON-1",
            two,
            filepath="m-{epoch}.h5",
        ),
        case(
            "con-1-every-parameter-as-a-keyword",
            "The seven documented parameters are accepted as keywords.",
            "CON-1",
            best_fit(0.5, 0.6, 0.4, monitor="loss"),
            filepath="w-{epoch}.weights.h5",
            monitor="loss",
            verbose=0,
            save_best_only=True,
            save_weights_only=True,
            mode="min",
            save_freq="epoch",
        ),
        *[
            case(
                f"con-3-save-freq-{slug}-is-rejected",
                f"save_freq={shown} raises ValueError at construction, showing it.",
                "CON-3",
                two,
                raises=(mention,),
                filepath="m-{epoch}.h5",
                save_freq=value,
            )
            for slug, shown, value, mention in [
                ("batch", "'batch'", "batch", "batch"),
                ("capitalised-epoch", "'Epoch'", "Epoch", "Epoch"),
                ("float", "2.0", 2.0, "2.0"),
                ("none", "None", None, "None"),
                ("numpy-int64", "numpy.int64(2)", np.int64(2), "2"),
            ]
        ],
        *[
            case(
                f"con-3-save-freq-{slug}-is-accepted",
                f"save_freq={shown} is an int and accepted: every batch saves.",
                ("CON-3", "FREQ-5"),
                fit(1, 2),
                filepath="b-{epoch}-{batch}.h5",
                save_freq=value,
            )
            for slug, shown, value in [
                ("true", "True", True),
                ("negative", "-3", -3),
            ]
        ],
        *[
            case(
                f"con-4-mode-{slug}-warns-and-is-not-an-error",
                f"mode={mode!r} is not an error: one warning shows the value.",
                "CON-4",
                best_fit(0.5, 0.4, monitor="loss"),
                warnings=[(mode,)],
                filepath="m-{epoch}.h5",
                monitor="loss",
                save_best_only=True,
                mode=mode,
            )
            for slug, mode in [("upper-case-min", "MIN"), ("unknown-word", "lowest")]
        ],
        case(
            "con-4-a-valid-mode-gives-no-warning",
            "mode='max' is valid: construction and saving give no warning.",
            "CON-4",
            best_fit(0.5, 0.6),
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="max",
        ),
        case(
            "con-5-keras2-an-unknown-keyword-is-ignored",
            "An unknown keyword is accepted and changes nothing.",
            "CON-5/keras2",
            two,
            profiles=KERAS2,
            filepath="m-{epoch}.h5",
            colour="blue",
        ),
        case(
            "con-5-keras3-an-unknown-keyword-raises-type-error",
            "An unknown keyword raises TypeError at construction, naming it.",
            "CON-5/keras3",
            two,
            profiles=KERAS3,
            raises=("colour",),
            filepath="m-{epoch}.h5",
            colour="blue",
        ),
        case(
            "con-5-keras3-a-misspelt-parameter-raises-type-error",
            "A misspelt save_best_only raises TypeError at construction, naming it.",
            "CON-5/keras3",
            two,
            profiles=KERAS3,
            raises=("save_best_onyl",),
            filepath="m-{epoch}.h5",
            save_best_onyl=True,
        ),
        *[
            case(
                f"con-6-keras2-{name.replace('_', '-')}-warns-naming-itself",
                f"The deprecated {name} is accepted with one warning naming it.",
                "CON-6/keras2",
                two,
                profiles=KERAS2,
                warnings=[(name,)],
                filepath="m-{epoch}.h5",
                **{name: value},
            )
            for name, value in [("period", 1), ("load_weights_on_restart", False)]
        ],
        *[
            case(
                f"con-6-keras3-{name.replace('_', '-')}-raises-type-error",
                f"{name} is not a parameter: TypeError at construction, naming it.",
                "CON-6/keras3",
                two,
                profiles=KERAS3,
                raises=(name,),
                filepath="m-{epoch}.h5",
                **{name: value},
            )
            for name, value in [("period", 2), ("load_weights_on_restart", False)]
        ],
        case(
            "con-7-construction-alone-does-nothing",
            "Construction saves nothing, prints nothing and writes no file.",
            "CON-7",
            (),
            set_model=False,
            filepath="ckpt/deep/m-{epoch}.h5",
            verbose=1,
            save_best_only=True,
        ),
        case(
            "con-7-set-model-does-nothing-either",
            "Construction and set_model, with no hook, save and print nothing.",
            "CON-7",
            (),
            filepath="m-{epoch}.h5",
            verbose=1,
        ),
        case(
            "con-8-a-pathlike-weights-filepath-behaves-as-its-string",
            "A PathLike filepath for weights saves at its string form.",
            "CON-8",
            two,
            filepath=Path("w-{epoch}.weights.h5"),
            save_weights_only=True,
        ),
        case(
            "con-8-a-pathlike-model-filepath-behaves-as-its-string",
            "A PathLike filepath for the whole model saves at its string form.",
            "CON-8",
            two,
            filepath=Path("ckpt/m-{epoch}.h5"),
        ),
        case(
            "con-9-initial-value-threshold-is-a-keyword",
            "initial_value_threshold is accepted as a keyword and sets the best.",
            ("CON-9", "BEST-5"),
            best_fit(0.4, 0.2),
            filepath="m-{epoch}.h5",
            save_best_only=True,
            initial_value_threshold=0.3,
        ),
        *[
            case(
                f"con-10-keras2-{slug}",
                f"{title} is accepted and used as it is.",
                "CON-10/keras2",
                two,
                profiles=KERAS2,
                reports=reports,
                filepath=template,
                save_weights_only=weights_only,
            )
            for slug, title, template, weights_only, reports in [
                ("no-suffix", "A template with no suffix", "m-{epoch}", False, ()),
                ("hdf5-suffix", "A .hdf5 template", "m-{epoch}.hdf5", False, ()),
                (
                    "weights-with-h5-suffix",
                    "A weights template ending in .h5",
                    "w-{epoch}.h5",
                    True,
                    ("tensorflow/tensorflow#74342",),
                ),
                (
                    "weights-with-keras-suffix",
                    "A weights template ending in .keras",
                    "w-{epoch}.keras",
                    True,
                    (),
                ),
            ]
        ],
        *[
            case(
                f"con-10-keras3-rejects-{slug}",
                f"{title} raises ValueError at construction, showing it.",
                "CON-10/keras3",
                two,
                profiles=KERAS3,
                raises=(template,),
                reports=reports,
                filepath=template,
                save_weights_only=weights_only,
            )
            for slug, title, template, weights_only, reports in [
                ("no-suffix", "A template with no suffix", "m-{epoch}", False, ()),
                ("hdf5-suffix", "A .hdf5 template", "m-{epoch}.hdf5", False, ()),
                (
                    "weights-with-h5-suffix",
                    "A weights template ending in .h5 only",
                    "w-{epoch}.h5",
                    True,
                    ("tensorflow/tensorflow#74342", "keras-team/keras-io#1568"),
                ),
                (
                    "upper-case-suffix",
                    "A template ending in .H5 (the check is case-sensitive)",
                    "m-{epoch}.H5",
                    False,
                    (),
                ),
                (
                    "a-field-after-the-suffix",
                    "A template whose suffix comes before a field",
                    "m.keras{epoch}",
                    False,
                    (),
                ),
            ]
        ],
        *[
            case(
                f"con-10-keras3-accepts-{slug}",
                f"{title} is accepted and used as it is.",
                "CON-10/keras3",
                two,
                profiles=KERAS3,
                reports=reports,
                filepath=template,
                save_weights_only=weights_only,
            )
            for slug, title, template, weights_only, reports in [
                (
                    "h5-for-the-whole-model",
                    "A whole-model template ending in .h5",
                    "m-{epoch}.h5",
                    False,
                    ("keras-team/keras#20490",),
                ),
                ("keras-suffix", "A .keras template", "m-{epoch:02d}.keras", False, ()),
                (
                    "weights-h5-for-the-whole-model",
                    "A whole-model template ending in .weights.h5",
                    "m-{epoch}.weights.h5",
                    False,
                    (),
                ),
            ]
        ],
    ]


# -- MODE: direction -----------------------------------------------------------------


def mode() -> list[Case]:
    walk = (0.5, 0.4, 0.6)
    cases = [
        case(
            f"mode-1-explicit-{direction}-on-{monitor.replace('_', '-')}",
            f"mode='{direction}' decides the direction whatever the monitor's name.",
            "MODE-1",
            best_fit(*walk, monitor=monitor),
            filepath="m-{epoch}.h5",
            monitor=monitor,
            save_best_only=True,
            mode=direction,
        )
        for direction, monitor in [
            ("min", "val_acc"),
            ("max", "val_loss"),
            ("max", "auc"),
            ("min", "accuracy"),
        ]
    ]
    cases.append(
        case(
            "mode-1-explicit-max-for-a-higher-is-better-metric",
            "A metric that improves upwards is maximised once mode='max' says so.",
            "MODE-1",
            best_fit(0.7, 0.8, 0.75, 0.9, monitor="val_precision"),
            reports=("Lightning-AI/pytorch-lightning#4668",),
            filepath="m-{epoch}.h5",
            monitor="val_precision",
            save_best_only=True,
            mode="max",
        )
    )
    for monitor, direction, reports in [
        ("accumulated_loss", "max", ()),
        ("val_fmeasure", "min", ()),
        ("fmeasure_macro", "max", ()),
        ("auc", "min", ("Lightning-AI/pytorch-lightning#19844",)),
        ("precision", "min", ("keras-team/keras#10863",)),
        ("val_accuracy", "max", ()),
    ]:
        cases.append(
            case(
                f"mode-2-keras2-auto-{monitor.replace('_', '-')}-is-{direction}",
                f"mode='auto' reads the name {monitor!r} as {direction}.",
                "MODE-2/keras2",
                best_fit(*walk, monitor=monitor),
                profiles=KERAS2,
                reports=reports,
                filepath="m-{epoch}.h5",
                monitor=monitor,
                save_best_only=True,
            )
        )
    cases += [
        case(
            "mode-2-keras3-auto-loss-is-min",
            "mode='auto' minimises loss without asking the model.",
            "MODE-2/keras3",
            best_fit(*walk, monitor="loss"),
            profiles=KERAS3,
            reports=("keras-team/keras#21118",),
            filepath="m-{epoch}.h5",
            monitor="loss",
            save_best_only=True,
        ),
        case(
            "mode-2-keras3-auto-without-a-direction-raises-at-the-first-epoch-end",
            "A monitor no compiled metric names raises ValueError at the first "
            "epoch end, before saving.",
            "MODE-2/keras3",
            best_fit(*walk, monitor="auc"),
            profiles=KERAS3,
            raises=("auc",),
            reports=("keras-team/keras#10863",),
            filepath="m-{epoch}.h5",
            monitor="auc",
            save_best_only=True,
        ),
        case(
            "mode-2-keras3-only-one-leading-val-is-removed",
            "val_val_loss is not the loss: it has no direction, and raises.",
            "MODE-2/keras3",
            best_fit(*walk, monitor="val_val_loss"),
            profiles=KERAS3,
            raises=("val_val_loss",),
            filepath="m-{epoch}.h5",
            monitor="val_val_loss",
            save_best_only=True,
        ),
        case(
            "mode-2-keras3-the-direction-is-decided-with-integer-save-freq-too",
            "With batch-level saving the first epoch end still decides the "
            "direction, and raises for a monitor with none.",
            ("MODE-2/keras3", "BEST-8/keras3"),
            fit(2, 2, epoch_logs={"auc": 0.5}),
            profiles=KERAS3,
            raises=("auc",),
            filepath="b-{epoch}-{batch}.h5",
            monitor="auc",
            save_freq=1,
        ),
        case(
            "mode-3-keras2-val-acc-is-max",
            "mode='auto' maximises val_acc.",
            "MODE-3/keras2",
            best_fit(*walk, monitor="val_acc"),
            profiles=KERAS2,
            filepath="m-{epoch}.h5",
            monitor="val_acc",
            save_best_only=True,
        ),
        case(
            "mode-3-keras2-val-loss-is-min",
            "mode='auto' minimises val_loss.",
            "MODE-3/keras2",
            best_fit(*walk),
            profiles=KERAS2,
            filepath="m-{epoch}.h5",
            save_best_only=True,
        ),
        case(
            "mode-3-keras3-val-loss-is-min",
            "mode='auto' minimises val_loss.",
            "MODE-3/keras3",
            best_fit(*walk),
            profiles=KERAS3,
            filepath="m-{epoch}.h5",
            save_best_only=True,
        ),
        case(
            "mode-3-keras3-val-acc-without-an-acc-metric-raises",
            "val_acc has no direction unless a metric named acc was compiled: "
            "ValueError at the first epoch end.",
            "MODE-3/keras3",
            best_fit(*walk, monitor="val_acc"),
            profiles=KERAS3,
            raises=("val_acc",),
            filepath="m-{epoch}.h5",
            monitor="val_acc",
            save_best_only=True,
        ),
        case(
            "mode-4-keras2-unknown-mode-reads-the-name",
            "An unknown mode falls back to auto: val_acc is maximised.",
            ("MODE-4/keras2", "CON-4"),
            best_fit(*walk, monitor="val_acc"),
            profiles=KERAS2,
            warnings=[("best",)],
            filepath="m-{epoch}.h5",
            monitor="val_acc",
            save_best_only=True,
            mode="best",
        ),
        case(
            "mode-4-keras3-unknown-mode-minimises-the-loss",
            "An unknown mode falls back to auto: val_loss is minimised.",
            ("MODE-4/keras3", "CON-4"),
            best_fit(*walk),
            profiles=KERAS3,
            warnings=[("best",)],
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="best",
        ),
        case(
            "mode-4-keras3-unknown-mode-without-a-direction-raises",
            "An unknown mode falls back to auto: a monitor with no direction "
            "raises ValueError at the first epoch end.",
            ("MODE-4/keras3", "CON-4"),
            best_fit(*walk, monitor="auc"),
            profiles=KERAS3,
            warnings=[("best",)],
            raises=("auc",),
            filepath="m-{epoch}.h5",
            monitor="auc",
            save_best_only=True,
            mode="best",
        ),
    ]
    return cases


# -- PATH: formatting ----------------------------------------------------------------


def path() -> list[Case]:
    logs = values(0.123456)
    return [
        case(
            "path-1-epoch-is-one-based",
            "{epoch} is the index of the epoch that ended, plus one.",
            "PATH-1",
            fit(3),
            filepath="m-{epoch}.h5",
        ),
        case(
            "path-1-epoch-format-spec",
            "{epoch:03d} pads the 1-based epoch: the 20th epoch writes 020.",
            "PATH-1",
            fit(1, initial_epoch=19),
            reports=("keras-team/keras#7541",),
            filepath="weights.{epoch:03d}.h5",
        ),
        case(
            "path-1-a-resumed-fit-numbers-from-its-initial-epoch",
            "With initial_epoch=4 the first file is named 5.",
            "PATH-1",
            fit(2, initial_epoch=4),
            filepath="m-{epoch}.h5",
        ),
        case(
            "path-2-log-values-with-format-specs",
            "Log keys are named fields with their format specs.",
            "PATH-2",
            fit(1, epoch_logs=logs),
            filepath="m-{epoch:02d}-{val_loss:.2f}-{loss:.1e}.h5",
        ),
        case(
            "path-2-string-and-integer-log-values",
            "String and integer log values fill their fields.",
            "PATH-2",
            fit(2, epoch_logs=[{"tag": "warm", "step": 7}, {"tag": "hot", "step": 9}]),
            filepath="m-{tag}-{step:04d}.h5",
        ),
        case(
            "path-2-a-slash-in-a-log-value-makes-folders",
            "A log value with a slash gives nested folders, created as needed.",
            ("PATH-2", "PATH-8"),
            fit(2, epoch_logs=[{"run": "a/b"}, {"run": "a/c"}]),
            reports=("Lightning-AI/pytorch-lightning#4468",),
            filepath="{run}/m-{epoch}.h5",
        ),
        case(
            "path-3-a-template-without-fields-is-used-unchanged",
            "A template with no field is the path of every save.",
            "PATH-3",
            fit(2),
            filepath="model.h5",
        ),
        case(
            "path-4-batch-is-one-based",
            "{batch} in a batch-level save is the batch index plus one.",
            ("PATH-4", "FREQ-6"),
            fit(2, 3),
            reports=("tensorflow/tensorflow#38668", "tensorflow/tensorflow#40907"),
            filepath="m-e{epoch}-b{batch}.h5",
            save_freq=2,
        ),
        case(
            "path-4-a-batch-key-in-the-logs-wins",
            "A batch key in the batch logs fills {batch} instead of the index.",
            "PATH-4",
            fit(1, 2, batch_logs={"batch": 99, "loss": 0.25}),
            filepath="m-b{batch}.h5",
            save_freq=1,
        ),
        case(
            "path-4-every-counter-has-one-base",
            "Epoch and batch in a batch-level name both count from one.",
            ("PATH-4", "FREQ-6", "PATH-1"),
            fit(2, 2),
            reports=(
                "Lightning-AI/pytorch-lightning#7496",
                "Lightning-AI/pytorch-lightning#16636",
            ),
            filepath="step-e{epoch}-b{batch}.h5",
            save_freq=1,
        ),
        case(
            "path-5-a-missing-log-key-raises-key-error",
            "A field absent from the logs raises KeyError naming the template "
            "and the key.",
            "PATH-5",
            fit(2, epoch_logs={"loss": 0.25}),
            raises=("m-{val_loss:.2f}.h5", "val_loss"),
            reports=("keras-team/keras#19339", "tensorflow/tensorflow#27909"),
            filepath="m-{val_loss:.2f}.h5",
        ),
        case(
            "path-5-batch-at-an-epoch-level-save-raises-key-error",
            "{batch} has no value at an epoch-level save: KeyError naming it.",
            "PATH-5",
            fit(1, 2),
            raises=("m-{batch}.h5", "batch"),
            filepath="m-{batch}.h5",
        ),
        case(
            "path-6-a-missing-field-raises-before-a-non-improvement",
            "The path is formatted before the decision: a missing field raises "
            "even when the value does not improve.",
            ("PATH-6", "PATH-5"),
            fit(2, epoch_logs=[{MONITOR: 0.5, "acc": 0.9}, {MONITOR: 0.6}]),
            raises=("acc",),
            filepath="m-{acc:.2f}.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "path-6-a-missing-field-raises-before-a-missing-monitor",
            "The path is formatted before the decision: a missing field raises "
            "even when the monitor is missing.",
            ("PATH-6", "PATH-5"),
            fit(1, epoch_logs={"loss": 0.25}),
            raises=("val_loss",),
            reports=("keras-team/keras#19339",),
            filepath="m-{val_loss:.2f}.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "path-7-doubled-braces-are-literal",
            "{{ and }} give literal braces.",
            "PATH-7",
            fit(1),
            filepath="m-{{x}}-{epoch}.h5",
        ),
        case(
            "path-7-attribute-access-works",
            "{epoch.real} reads an attribute, as str.format does.",
            "PATH-7",
            fit(1),
            filepath="m-{epoch.real}.h5",
        ),
        *[
            case(
                f"path-7-{slug}-propagates",
                f"{what} raises {error} as str.format does.",
                "PATH-7",
                fit(1, epoch_logs={"loss": 0.25}),
                raises=(),
                filepath=template,
            )
            for slug, what, template, error in [
                ("a-positional-field", "A positional {}", "m-{}.h5", "IndexError"),
                (
                    "a-spec-that-does-not-fit",
                    "{loss:d} with a float",
                    "m-{loss:d}.h5",
                    "ValueError",
                ),
                ("an-unbalanced-brace", "An unbalanced {", "m-{epoch.h5", "ValueError"),
            ]
        ],
        case(
            "path-8-deep-folders-are-created",
            "Missing folders of the path are created, however deep.",
            "PATH-8",
            fit(2),
            filepath="a/b/c/d/m-{epoch}.h5",
        ),
        case(
            "path-8-a-folder-per-epoch",
            "A field in a folder name gives one new folder per save.",
            "PATH-8",
            fit(2),
            filepath="epoch-{epoch}/m.h5",
        ),
        case(
            "path-9-an-existing-folder-at-the-path-raises-os-error",
            "A path that is an existing folder raises OSError showing the path.",
            "PATH-9",
            fit(1),
            raises=("m-1.h5",),
            types=("OSError",),
            prepare={"folders": ["m-1.h5"]},
            filepath="m-{epoch}.h5",
        ),
        case(
            "path-9-an-existing-folder-at-the-second-path",
            "The first save succeeds; the second path is a folder and raises.",
            "PATH-9",
            fit(2),
            raises=("m-2.h5",),
            types=("OSError",),
            prepare={"folders": ["m-2.h5"]},
            filepath="m-{epoch}.h5",
        ),
        case(
            "path-10-a-file-in-place-of-a-folder-raises-os-error",
            "A file where a folder of the path should be raises OSError and "
            "stays in place.",
            "PATH-10",
            fit(1),
            raises=(),
            types=("OSError",),
            prepare={"files": {"blocker": "not a folder\n"}},
            filepath="blocker/m-{epoch}.h5",
        ),
        case(
            "path-10-a-file-in-place-of-a-deeper-folder",
            "A file in place of a folder two levels up raises OSError too.",
            "PATH-10",
            fit(1),
            raises=(),
            types=("OSError",),
            prepare={"files": {"blocker": "not a folder\n"}},
            filepath="blocker/sub/m-{epoch}.h5",
        ),
    ]


# -- FREQ: when saves happen -----------------------------------------------------------


def freq() -> list[Case]:
    return [
        case(
            "freq-1-every-epoch-end-saves",
            "With save_freq='epoch' every epoch end saves once.",
            "FREQ-1",
            fit(4, 2),
            filepath="m-{epoch}.h5",
        ),
        case(
            "freq-1-every-epoch-end-decides-in-best-only-mode",
            "In best-only mode every epoch end makes a decision.",
            ("FREQ-1", "BEST-1"),
            best_fit(0.5, 0.6, 0.4, 0.4),
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "freq-2-no-batch-hook-saves-per-epoch",
            "With save_freq='epoch', many training batches save nothing.",
            "FREQ-2",
            fit(2, 5, batch_logs={MONITOR: 0.1, "loss": 0.1}),
            filepath="m-{epoch}.h5",
        ),
        case(
            "freq-3-the-count-carries-across-epochs",
            "save_freq=3 over epochs of 4 batches saves at batches 3, 6, 9, 12.",
            "FREQ-3",
            fit(3, 4),
            reports=("keras-team/keras#13510", "tensorflow/docs#2042"),
            filepath="b-e{epoch}-b{batch}.h5",
            save_freq=3,
        ),
        case(
            "freq-3-a-count-longer-than-an-epoch",
            "save_freq=5 with epochs of 2 batches saves at the 5th batch, in "
            "the third epoch.",
            "FREQ-3",
            fit(3, 2),
            reports=("Lightning-AI/pytorch-lightning#11979",),
            filepath="b-e{epoch}-b{batch}.h5",
            save_freq=5,
        ),
        case(
            "freq-3-jumps-count-every-batch-they-skip",
            "Batch indices 1, 3, 5, 7 with save_freq=4 save at 3 and 7.",
            "FREQ-3",
            fit(1, [1, 3, 5, 7]),
            filepath="b-{batch}.h5",
            save_freq=4,
        ),
        case(
            "freq-3-jumps-across-epochs",
            "Indices 1, 3 in each epoch with save_freq=3 save at index 3 of "
            "every epoch.",
            "FREQ-3",
            fit(3, [1, 3]),
            filepath="b-e{epoch}-b{batch}.h5",
            save_freq=3,
        ),
        case(
            "freq-3-batch-size-in-the-logs-is-not-a-count",
            "save_freq counts batches, not the samples the batch logs report.",
            "FREQ-3",
            fit(1, 4, batch_logs={"size": 32, "loss": 0.25}),
            reports=("keras-team/keras#13510",),
            filepath="b-{batch}.h5",
            save_freq=2,
        ),
        case(
            "freq-3-a-repeated-index-starts-a-new-epoch",
            "An index not greater than the previous one adds itself plus one.",
            "FREQ-3",
            (
                Event("on_epoch_begin", 0, {}, 0),
                Event("on_train_batch_end", 0, {}, 0),
                Event("on_train_batch_end", 1, {}, 0),
                Event("on_train_batch_end", 1, {}, 0),
                Event("on_train_batch_end", 0, {}, 0),
                Event("on_epoch_end", 0, {}, 0),
            ),
            filepath="b-{batch}.h5",
            save_freq=3,
        ),
        case(
            "freq-4-integer-save-freq-never-saves-at-epoch-end",
            "With save_freq=10 and fewer batches, no epoch end saves.",
            "FREQ-4",
            fit(3, 2),
            reports=("Lightning-AI/pytorch-lightning#20075",),
            filepath="m-{epoch}.h5",
            save_freq=10,
        ),
        case(
            "freq-4-epoch-end-does-not-save-after-batch-saves",
            "Batch-level saves happen, and the epoch ends add none.",
            "FREQ-4",
            fit(2, 2),
            reports=("Lightning-AI/pytorch-lightning#20075",),
            filepath="b-e{epoch}-b{batch}.h5",
            save_freq=2,
        ),
        *[
            case(
                f"freq-5-save-freq-{slug}-saves-every-batch",
                f"save_freq={shown} saves at every training batch end.",
                "FREQ-5",
                fit(2, 2),
                filepath="b-e{epoch}-b{batch}.h5",
                save_freq=value,
            )
            for slug, shown, value in [
                ("zero", "0", 0),
                ("minus-one", "-1", -1),
                ("false", "False", False),
            ]
        ],
        case(
            "freq-6-batch-saves-take-the-epoch-of-the-latest-epoch-begin",
            "With initial_epoch=2, batch-level saves are named epoch 3 and 4.",
            "FREQ-6",
            fit(2, 2, initial_epoch=2),
            filepath="b-e{epoch}-b{batch}.h5",
            save_freq=2,
        ),
        case(
            "freq-6-a-batch-after-epoch-end-keeps-that-epoch",
            "A batch reported after an epoch end still names the epoch begun last.",
            "FREQ-6",
            (
                Event("on_epoch_begin", 4, {}, 4),
                Event("on_epoch_end", 4, {}, 4),
                Event("on_train_batch_end", 0, {}),
            ),
            filepath="b-e{epoch}-b{batch}.h5",
            save_freq=1,
        ),
        case(
            "freq-7-keras2-period-saves-every-second-epoch",
            "period=2 saves at every second epoch end.",
            ("FREQ-7/keras2", "CON-6/keras2"),
            fit(5),
            profiles=KERAS2,
            warnings=[("period",)],
            filepath="m-{epoch}.h5",
            period=2,
        ),
        case(
            "freq-7-keras2-period-counts-across-fits",
            "period=2 over two fits of 3 epochs saves at epochs 1, then 0 and 2.",
            ("FREQ-7/keras2", "STATE-1"),
            fit(3) + fit(3),
            profiles=KERAS2,
            warnings=[("period",)],
            filepath="m-{epoch}.h5",
            period=2,
        ),
        case(
            "freq-7-keras2-period-with-best-only-compares-every-checked-epoch",
            "period=2 in best-only mode compares every second epoch with the "
            "running best.",
            ("FREQ-7/keras2", "BEST-1"),
            best_fit(0.9, 0.5, 0.1, 0.7, 0.4, 0.3),
            profiles=KERAS2,
            warnings=[("period",)],
            reports=("keras-team/keras#12576",),
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
            period=2,
        ),
    ]


# -- BEST: best-only mode -------------------------------------------------------------


def best() -> list[Case]:
    sequences = [
        ("rising", (1, 2, 3)),
        ("falling", (3, 2, 1)),
        ("flat", (1, 1, 1)),
        ("ties-after-a-drop", (2, 1, 1, 0.5)),
        ("zigzag", (1, 3, 2, 4, 4, 5)),
        ("float-sums", (0.1, 0.2, 0.30000000000000004, 0.3)),
        ("tiny-steps", (1e-09, 0, -1e-09)),
        ("int-and-float-ties", (2, 2.0, 1, 1.0)),
    ]
    cases = [
        case(
            f"best-1-{direction}-{slug}",
            f"mode='{direction}' saves on strict improvements only: "
            f"{', '.join(map(str, seq))}.",
            "BEST-1",
            best_fit(*seq),
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode=direction,
        )
        for slug, seq in sequences
        for direction in ("min", "max")
    ]
    cases += [
        case(
            "best-1-values-beyond-float32-compare-as-python-numbers",
            "1e39 and then 1e38 both save in min mode: no float32 rounding.",
            "BEST-1",
            best_fit(1e39, 1e38, 2e38),
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "best-1-values-1e-12-apart-are-told-apart",
            "1.0 then 0.999999999999 saves twice in min mode.",
            "BEST-1",
            best_fit(1.0, 0.999999999999, 0.999999999999),
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "best-2-keras2-a-first-inf-does-not-save-in-min-mode",
            "The starting best is +inf: a first inf is not an improvement.",
            "BEST-2/keras2",
            best_fit(INF, 0.5),
            profiles=KERAS2,
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "best-2-keras2-a-first-minus-inf-does-not-save-in-max-mode",
            "The starting best is -inf: a first -inf is not an improvement.",
            "BEST-2/keras2",
            best_fit(-INF, 0.5),
            profiles=KERAS2,
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="max",
        ),
        case(
            "best-2-keras2-any-finite-first-value-saves",
            "A huge finite first value beats the starting +inf.",
            "BEST-2/keras2",
            best_fit(1e300, 1e301),
            profiles=KERAS2,
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "best-2-keras3-a-first-inf-saves",
            "There is no starting best: a first inf saves and becomes the best.",
            "BEST-2/keras3",
            best_fit(INF, 0.5, INF),
            profiles=KERAS3,
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "best-2-keras3-a-first-minus-inf-saves-in-max-mode",
            "There is no starting best: a first -inf saves in max mode.",
            "BEST-2/keras3",
            best_fit(-INF, 0.5),
            profiles=KERAS3,
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="max",
        ),
        case(
            "best-2-keras3-a-first-value-saves-in-the-wrong-direction",
            "In max mode a first value of -5 saves: any first value does.",
            "BEST-2/keras3",
            best_fit(-5, -6, -4),
            profiles=KERAS3,
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="max",
        ),
        case(
            "best-3-nan-in-the-middle-never-saves",
            "A NaN between values neither saves nor changes the best.",
            "BEST-3",
            best_fit(0.5, NAN, 0.6, 0.4),
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "best-3-a-leading-nan-does-not-block-later-saves",
            "A first NaN never becomes the best: later values still save.",
            "BEST-3",
            best_fit(NAN, 0.5, 0.4),
            reports=(
                "Lightning-AI/pytorch-lightning#2636",
                "Lightning-AI/pytorch-lightning#1008",
            ),
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "best-3-only-nan-saves-nothing",
            "A run of NaN values in max mode saves nothing.",
            "BEST-3",
            best_fit(NAN, NAN),
            profiles=KERAS2,
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="max",
        ),
        case(
            "best-3-only-nan-saves-nothing-without-a-best",
            "A run of NaN values saves nothing, even with no best yet.",
            ("BEST-3", "BEST-2/keras3"),
            best_fit(NAN, NAN),
            profiles=KERAS3,
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="max",
        ),
        case(
            "best-4-keras2-a-missing-monitor-skips-with-a-warning",
            "A missing monitor saves nothing, keeps the best and warns naming it.",
            "BEST-4/keras2",
            best_fit(0.5, None, 0.6, 0.4),
            profiles=KERAS2,
            warnings=[(MONITOR,)],
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "best-4-keras2-a-none-monitor-skips-with-a-warning",
            "A monitor whose value is None is missing too.",
            "BEST-4/keras2",
            fit(2, epoch_logs=[{MONITOR: None}, {MONITOR: 0.5}]),
            profiles=KERAS2,
            warnings=[(MONITOR,)],
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "best-4-keras3-a-missing-monitor-saves-with-a-warning",
            "A missing monitor warns naming it and saves; the best is kept.",
            "BEST-4/keras3",
            best_fit(0.5, None, 0.6, 0.4),
            profiles=KERAS3,
            warnings=[(MONITOR,)],
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "best-4-keras3-a-none-monitor-saves-with-a-warning",
            "A monitor whose value is None is missing too: it saves and warns.",
            "BEST-4/keras3",
            fit(2, epoch_logs=[{MONITOR: None}, {MONITOR: 0.5}]),
            profiles=KERAS3,
            warnings=[(MONITOR,)],
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "best-4-keras2-batch-level-best-only-on-a-validation-metric-never-saves",
            "Batch logs hold no val_loss: every batch-level decision warns and skips.",
            ("BEST-4/keras2", "BEST-7"),
            fit(2, 2, batch_logs={"loss": 0.25}, epoch_logs={MONITOR: 0.5}),
            profiles=KERAS2,
            warnings=[(MONITOR,)] * 2,
            reports=("tensorflow/tensorflow#41632", "keras-team/keras#13689"),
            filepath="b-e{epoch}-b{batch}.h5",
            save_best_only=True,
            mode="min",
            save_freq=2,
        ),
        case(
            "best-4-keras3-batch-level-best-only-on-a-validation-metric-saves",
            "Batch logs hold no val_loss: every batch-level decision warns and saves.",
            ("BEST-4/keras3", "BEST-7"),
            fit(2, 2, batch_logs={"loss": 0.25}, epoch_logs={MONITOR: 0.5}),
            profiles=KERAS3,
            warnings=[(MONITOR,)] * 2,
            reports=("tensorflow/tensorflow#41632", "keras-team/keras#13689"),
            filepath="b-e{epoch}-b{batch}.h5",
            save_best_only=True,
            mode="min",
            save_freq=2,
        ),
        *[
            case(
                f"best-5-{direction}-threshold-{slug}",
                f"initial_value_threshold={threshold} is the starting best in "
                f"mode='{direction}': the first save needs a strictly better value.",
                "BEST-5",
                best_fit(*seq),
                reports=("tensorflow/tensorflow#59577",) if slug == "equal" else (),
                filepath="m-{epoch}.h5",
                save_best_only=True,
                mode=direction,
                initial_value_threshold=threshold,
            )
            for direction, threshold, seq, slug in [
                ("min", 0.5, (0.6, 0.5, 0.4, 0.45, 0.3), "walk"),
                ("min", 0.5, (0.5, 0.5, 0.49), "equal"),
                ("min", 0, (1, 0, -1), "zero"),
                ("max", 0.5, (0.4, 0.5, 0.6, 0.55, 0.7), "walk"),
                ("max", -5, (-6, -5, -4, -4.5), "negative"),
                ("max", 0.99, (0.9, 0.95, 0.98), "never-beaten"),
            ]
        ],
        case(
            "best-6-the-best-survives-a-new-fit",
            "A second fit saves only values better than the first fit's best.",
            ("BEST-6", "STATE-1"),
            best_fit(0.5, 0.4) + best_fit(0.45, 0.3),
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "best-7-batch-level-best-only-reads-the-batch-logs",
            "save_freq=1 in best-only mode decides on the batch logs' values.",
            "BEST-7",
            batch_fit(
                values(0.5, 0.6, 0.4, monitor="loss"),
                values(0.45, 0.3, monitor="loss"),
            ),
            filepath="b-e{epoch}-b{batch}.h5",
            monitor="loss",
            save_best_only=True,
            mode="min",
            save_freq=1,
        ),
        case(
            "best-7-batch-level-best-only-after-an-epoch-end",
            "Batch-level decisions in the second epoch follow the batch logs.",
            "BEST-7",
            batch_fit(
                [{"other": 1.0}],
                values(0.5, 0.6, 0.4, monitor="loss"),
            ),
            filepath="b-e{epoch}-b{batch}.h5",
            monitor="loss",
            save_best_only=True,
            mode="min",
            save_freq=3,
        ),
        case(
            "best-8-keras2-without-best-only-a-missing-monitor-saves-silently",
            "Without best-only mode a missing monitor gives no warning.",
            "BEST-8/keras2",
            best_fit(None, None),
            profiles=KERAS2,
            filepath="m-{epoch}.h5",
        ),
        case(
            "best-8-keras2-without-best-only-the-values-play-no-part",
            "Without best-only mode a worse value saves all the same.",
            "BEST-8/keras2",
            best_fit(0.1, 0.9, NAN),
            profiles=KERAS2,
            filepath="m-{epoch}.h5",
        ),
        case(
            "best-8-keras3-without-best-only-a-missing-monitor-saves-silently",
            "Without best-only mode a missing monitor, with val_loss minimised, "
            "gives no warning.",
            "BEST-8/keras3",
            best_fit(None, None),
            profiles=KERAS3,
            filepath="m-{epoch}.h5",
        ),
        case(
            "best-8-keras3-without-best-only-auto-still-needs-a-direction",
            "Without best-only mode, mode='auto' on a monitor with no direction "
            "raises at the first epoch end.",
            "BEST-8/keras3",
            best_fit(0.5, 0.4, monitor="my_metric"),
            profiles=KERAS3,
            raises=("my_metric",),
            filepath="m-{epoch}.h5",
            monitor="my_metric",
        ),
        case(
            "best-8-keras3-without-best-only-an-explicit-mode-needs-nothing",
            "Without best-only mode and with mode='max', any monitor name saves.",
            "BEST-8/keras3",
            best_fit(0.5, 0.4, monitor="my_metric"),
            profiles=KERAS3,
            filepath="m-{epoch}.h5",
            monitor="my_metric",
            mode="max",
        ),
        case(
            "best-9-keras2-a-non-scalar-value-raises",
            "An array of two values cannot be compared: ValueError or TypeError, "
            "and no save.",
            "BEST-9/keras2",
            fit(1, epoch_logs={MONITOR: np.array([0.1, 0.2])}),
            profiles=KERAS2,
            raises=(),
            types=("ValueError", "TypeError"),
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "best-9-keras3-a-non-scalar-value-warns-and-saves",
            "An array of two values warns, showing it, and saves as without "
            "best-only mode.",
            "BEST-9/keras3",
            fit(2, epoch_logs={MONITOR: np.array([0.1, 0.2])}),
            profiles=KERAS3,
            warnings=[("0.1",), ("0.1",)],
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "best-9-keras3-a-non-scalar-value-is-announced-as-a-plain-save",
            "The save a non-scalar value leads to prints the lines of a save "
            "outside best-only mode.",
            ("BEST-9/keras3", "MSG-2", "MSG-8/keras3"),
            fit(1, epoch_logs={MONITOR: np.array([0.1, 0.2])}),
            profiles=KERAS3,
            warnings=[("0.1",)],
            filepath="m-{epoch}.h5",
            verbose=1,
            save_best_only=True,
            mode="min",
        ),
    ]
    return cases


# -- SAVE: how the model is saved -----------------------------------------------------


def save() -> list[Case]:
    failing = {"fails_after": 0, "error": "PermissionError"}
    return [
        case(
            "save-1-a-whole-model-save-calls-save",
            "save_weights_only=False saves with model.save.",
            "SAVE-1",
            fit(2),
            filepath="m-{epoch}.h5",
            save_weights_only=False,
        ),
        case(
            "save-1-a-weights-save-calls-save-weights",
            "save_weights_only=True saves with model.save_weights.",
            "SAVE-1",
            fit(2),
            filepath="w-{epoch}.weights.h5",
            save_weights_only=True,
        ),
        case(
            "save-1-batch-level-weights-saves-call-save-weights",
            "Batch-level saves with save_weights_only=True call save_weights.",
            "SAVE-1",
            fit(1, 2),
            filepath="w-b{batch}.weights.h5",
            save_weights_only=True,
            save_freq=1,
        ),
        case(
            "save-2-the-flag-is-respected-for-the-model-given",
            "save_weights_only=False is never turned into a weights save.",
            "SAVE-2",
            fit(2, 1),
            reports=("tensorflow/tensorflow#39679", "tensorflow/tensorflow#37839"),
            filepath="m-{epoch}.h5",
            save_weights_only=False,
        ),
        case(
            "save-3-each-decision-makes-one-call",
            "Five improving epochs make exactly five save calls.",
            "SAVE-3",
            best_fit(5, 4, 3, 2, 1),
            filepath="m.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "save-3-each-batch-decision-makes-one-call",
            "save_freq=1 over 2 epochs of 3 batches makes six save calls.",
            "SAVE-3",
            fit(2, 3),
            filepath="b.h5",
            save_freq=1,
        ),
        case(
            "save-4-an-error-of-the-save-method-propagates",
            "A PermissionError from model.save propagates from the epoch end.",
            "SAVE-4",
            fit(2),
            raises=(),
            model=failing,
            filepath="m-{epoch}.h5",
        ),
        case(
            "save-4-an-error-after-a-save-propagates",
            "The second save raises: the first is kept, the error propagates.",
            "SAVE-4",
            fit(3),
            raises=(),
            model={"fails_after": 1, "error": "PermissionError"},
            filepath="m-{epoch}.h5",
        ),
        case(
            "save-4-an-error-of-save-weights-propagates-from-a-batch",
            "A RuntimeError from save_weights propagates from a batch end.",
            "SAVE-4",
            fit(1, 3),
            raises=(),
            model={"fails_after": 1, "error": "RuntimeError"},
            filepath="w-{batch}.weights.h5",
            save_weights_only=True,
            save_freq=1,
        ),
    ]


# -- MSG: printed messages -----------------------------------------------------------


def msg() -> list[Case]:
    cases = [
        case(
            f"msg-1-verbose-{slug}-prints-nothing",
            f"verbose={level} prints nothing, whatever happens.",
            "MSG-1",
            best_fit(0.5, 0.6, 0.4),
            filepath="m-{epoch}.h5",
            verbose=level,
            save_best_only=True,
            mode="min",
        )
        for slug, level in [("zero", 0), ("minus-one", -1)]
    ]
    for profile in BOTH:
        after = f"MSG-8/{profile}"
        cases += [
            case(
                f"msg-1-{profile}-verbose-two-prints-as-one",
                "verbose=2 prints the same lines as verbose=1.",
                ("MSG-1", "MSG-2", after),
                fit(2),
                profiles=(profile,),
                filepath="m-{epoch}.h5",
                verbose=2,
            ),
            case(
                f"msg-2-{profile}-a-plain-save-is-announced",
                "A save outside best-only mode prints 'saving model to', with "
                "no monitored value.",
                ("MSG-2", after),
                best_fit(0.5, 0.6),
                profiles=(profile,),
                reports=("tensorflow/tensorflow#44218",),
                filepath="m-{epoch}.h5",
                verbose=1,
            ),
            case(
                f"msg-3-{profile}-an-improvement-is-announced",
                "An improvement prints the previous best, the value and the path.",
                (f"MSG-3/{profile}", "MSG-4", after),
                best_fit(0.5, 0.6, 0.25),
                profiles=(profile,),
                filepath="m-{epoch}.h5",
                verbose=1,
                save_best_only=True,
                mode="min",
            ),
            case(
                f"msg-3-{profile}-the-threshold-is-the-first-best-printed",
                "With initial_value_threshold, the first improvement prints it.",
                (f"MSG-3/{profile}", "BEST-5", after),
                best_fit(0.75, 0.5),
                profiles=(profile,),
                filepath="m-{epoch}.h5",
                verbose=1,
                save_best_only=True,
                mode="min",
                initial_value_threshold=0.8,
            ),
            case(
                f"msg-3-{profile}-max-mode-first-improvement",
                "In max mode the first improvement prints the best before any value.",
                (f"MSG-3/{profile}", after),
                best_fit(3, 2),
                profiles=(profile,),
                filepath="m-{epoch}.h5",
                verbose=1,
                save_best_only=True,
                mode="max",
            ),
            case(
                f"msg-5-{profile}-a-missing-monitor-prints-no-decision",
                "A missing monitor prints no saving or decision line.",
                ("MSG-5", f"BEST-4/{profile}", after),
                best_fit(None, 0.5, None),
                profiles=(profile,),
                warnings=[(MONITOR,)] * 2,
                filepath="m-{epoch}.h5",
                verbose=1,
                save_best_only=True,
                mode="min",
            ),
            case(
                f"msg-6-{profile}-batch-level-saves-print-the-epoch-only",
                "A batch-level save prints 'Epoch N' and no batch number.",
                ("MSG-6", "MSG-2", after),
                fit(2, 2),
                profiles=(profile,),
                filepath="b-e{epoch}-b{batch}.h5",
                verbose=1,
                save_freq=3,
            ),
            case(
                f"msg-7-{profile}-a-failing-save-was-announced",
                "The line announcing a save is printed before the save fails.",
                ("MSG-7", "SAVE-4", after),
                fit(1),
                profiles=(profile,),
                raises=(),
                model={"fails_after": 0, "error": "PermissionError"},
                filepath="m-{epoch}.h5",
                verbose=1,
            ),
        ]
    cases += [
        case(
            "msg-4-no-improvement-names-the-best",
            "A value that does not improve prints the best it did not beat.",
            "MSG-4",
            best_fit(0.5, 0.5, 0.7),
            profiles=BOTH,
            # No value beats the threshold, so no save line (which the
            # profiles follow differently) is printed.
            filepath="m-{epoch}.h5",
            verbose=1,
            save_best_only=True,
            mode="min",
            initial_value_threshold=0.25,
        ),
        case(
            "msg-4-nan-does-not-improve-and-names-the-best",
            "A NaN prints 'did not improve' with the best unchanged.",
            ("MSG-4", "BEST-3"),
            best_fit(NAN, 1.5),
            filepath="m-{epoch}.h5",
            verbose=1,
            save_best_only=True,
            mode="min",
            initial_value_threshold=1.0,
        ),
        case(
            "msg-6-batch-level-non-improvement-prints-the-epoch",
            "A batch-level decision that does not improve prints 'Epoch N'.",
            ("MSG-6", "MSG-4", "BEST-7"),
            batch_fit(values(0.5, 0.5, monitor="loss")),
            filepath="b-e{epoch}-b{batch}.h5",
            monitor="loss",
            verbose=1,
            save_best_only=True,
            mode="min",
            save_freq=1,
            initial_value_threshold=0.25,
        ),
    ]
    return cases


# -- HOOK: the callback protocol -------------------------------------------------------


def _without_logs(events: Lifecycle, keep: Iterable[str] = ()) -> Lifecycle:
    return tuple(
        event
        if event.hook in keep
        else Event(event.hook, event.index, NO_LOGS, event.epoch)
        for event in events
    )


def hook() -> list[Case]:
    quiet = evaluate(2) + predict(2)
    monitor_logs = (
        Event("on_test_begin", logs={}),
        Event("on_test_batch_end", 0, {MONITOR: -9.0}),
        Event("on_test_end", logs={MONITOR: -9.0}),
        Event("on_predict_begin", logs=None),
        Event("on_predict_batch_end", 0, {MONITOR: -9.0}),
        Event("on_predict_end", logs={MONITOR: -9.0}),
    )
    return [
        case(
            "hook-1-every-hook-without-logs",
            "Every hook is callable with logs left out (the epoch end keeps its "
            "logs, and the batch saves format no log key).",
            "HOOK-1",
            _without_logs(fit(2, 2, validation=True) + quiet, keep=("on_epoch_end",)),
            filepath="m-{epoch}.h5",
        ),
        case(
            "hook-1-the-legacy-batch-hooks-exist",
            "on_batch_begin and on_batch_end are callable, with and without logs.",
            ("HOOK-1", "HOOK-4"),
            (
                Event("on_epoch_begin", 0, {}, 0),
                Event("on_batch_begin", 0, NO_LOGS, 0),
                Event("on_batch_end", 0, NO_LOGS, 0),
                Event("on_batch_begin", 1, {}, 0),
                Event("on_batch_end", 1, {"loss": 0.25}, 0),
                Event("on_epoch_end", 0, {}, 0),
            ),
            filepath="m-{epoch}.h5",
        ),
        case(
            "hook-2-evaluation-and-prediction-never-save-print-or-warn",
            "Evaluation and prediction hooks with monitor values do nothing, "
            "even in best-only mode with verbose=1.",
            "HOOK-2",
            monitor_logs + evaluate(3) + predict(3),
            filepath="m-{epoch}.h5",
            verbose=1,
            save_best_only=True,
            mode="min",
            save_freq=1,
        ),
        case(
            "hook-2-evaluation-with-missing-monitor-does-not-warn",
            "Evaluation logs without the monitor give no warning in best-only mode.",
            "HOOK-2",
            evaluate(2) + predict(1),
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "hook-3-begin-and-end-hooks-never-save",
            "train begin/end, epoch begin and train batch begin never save.",
            "HOOK-3",
            (
                Event("on_train_begin", logs={}),
                Event("on_epoch_begin", 0, {MONITOR: 0.1}, 0),
                Event("on_train_batch_begin", 0, {MONITOR: 0.1}, 0),
                Event("on_train_batch_begin", 1, {MONITOR: 0.1}, 0),
                Event("on_train_end", logs={MONITOR: 0.1}),
            ),
            filepath="m-{epoch}.h5",
            save_freq=1,
        ),
        case(
            "hook-4-direct-legacy-batch-hooks-do-not-save",
            "on_batch_end called directly neither saves nor counts a batch.",
            "HOOK-4",
            (
                Event("on_epoch_begin", 0, {}, 0),
                Event("on_batch_end", 0, {}, 0),
                Event("on_batch_end", 1, {}, 0),
                Event("on_train_batch_end", 2, {}, 0),
                Event("on_batch_end", 3, {}, 0),
                Event("on_train_batch_end", 4, {}, 0),
                Event("on_epoch_end", 0, {}, 0),
            ),
            filepath="b-{batch}.h5",
            save_freq=4,
        ),
        case(
            "hook-5-logs-none-at-epoch-end-is-empty-logs",
            "on_epoch_end(epoch, None) saves as with empty logs.",
            "HOOK-5",
            fit(2, epoch_logs=[None, {}]),
            filepath="m-{epoch}.h5",
        ),
        case(
            "hook-5-logs-none-at-train-batch-end-is-empty-logs",
            "on_train_batch_end(batch, None) saves as with empty logs.",
            "HOOK-5",
            (
                Event("on_epoch_begin", 0, {}, 0),
                Event("on_train_batch_end", 0, None, 0),
                Event("on_train_batch_end", 1, None, 0),
                Event("on_epoch_end", 0, {}, 0),
            ),
            filepath="b-{batch}.h5",
            save_freq=1,
        ),
        case(
            "hook-5-logs-none-everywhere-else",
            "Every other hook accepts logs=None.",
            "HOOK-5",
            tuple(
                Event(
                    e.hook, e.index, None if e.hook != "on_epoch_end" else {}, e.epoch
                )
                for e in fit(1, 1, validation=True) + predict(1)
            ),
            filepath="m-{epoch}.h5",
        ),
        case(
            "hook-6-validation-does-not-count-batches",
            "Evaluation batches inside fit do not add to the batch count.",
            "HOOK-6",
            fit(2, 2, validation=True),
            filepath="b-e{epoch}-b{batch}.h5",
            save_freq=3,
        ),
        case(
            "hook-6-evaluation-does-not-change-the-best",
            "An evaluation reporting a better value does not become the best.",
            "HOOK-6",
            best_fit(0.5)
            + (
                Event("on_test_begin", logs={}),
                Event("on_test_batch_end", 0, {MONITOR: 0.01}),
                Event("on_test_end", logs={MONITOR: 0.01}),
            )
            + best_fit(0.4),
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
        ),
        case(
            "hook-6-prediction-between-batches-does-not-count",
            "Prediction between training batches does not count or save.",
            "HOOK-6",
            (
                Event("on_epoch_begin", 0, {}, 0),
                Event("on_train_batch_end", 0, {}, 0),
                *predict(3),
                Event("on_train_batch_end", 1, {}, 0),
                Event("on_epoch_end", 0, {}, 0),
            ),
            filepath="b-{batch}.h5",
            save_freq=2,
        ),
        case(
            "hook-7-set-params-changes-nothing",
            "set_params with training parameters does not change the saves.",
            "HOOK-7",
            fit(2, 2),
            params={"epochs": 2, "steps": 2, "verbose": 1},
            filepath="b-e{epoch}-b{batch}.h5",
            save_freq=3,
        ),
        case(
            "hook-7-set-params-in-best-only-mode",
            "set_params with unrelated parameters leaves best-only saves alone.",
            "HOOK-7",
            best_fit(0.5, 0.6, 0.4),
            params={"epochs": 3, "steps": None, "verbose": 0},
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
        ),
    ]


# -- STATE: across runs -------------------------------------------------------------


def state() -> list[Case]:
    return [
        case(
            "state-1-the-batch-count-carries-across-fits",
            "save_freq=3 over two fits of 1 epoch of 4 batches saves at the 3rd "
            "and the 6th batch.",
            ("STATE-1", "FREQ-3"),
            fit(1, 4) + fit(1, 4),
            filepath="b-e{epoch}-b{batch}.h5",
            save_freq=3,
        ),
        case(
            "state-1-the-best-carries-across-three-fits",
            "Three fits keep one best in max mode.",
            ("STATE-1", "BEST-6"),
            best_fit(0.5) + best_fit(0.6) + best_fit(0.4, 0.7),
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="max",
        ),
        case(
            "state-1-evaluation-and-prediction-between-fits",
            "An evaluation and a prediction between fits change neither the "
            "count nor the best.",
            ("STATE-1", "HOOK-6"),
            fit(1, 3, batch_logs={"loss": 0.5}, epoch_logs={"loss": 0.5})
            + evaluate(2)
            + predict(2)
            + fit(1, 3, batch_logs={"loss": 0.25}, epoch_logs={"loss": 0.25}),
            filepath="b-e{epoch}-b{batch}.h5",
            monitor="loss",
            save_best_only=True,
            mode="min",
            save_freq=2,
        ),
        case(
            "state-2-a-new-instance-saves-over-existing-files",
            "Files left by an earlier instance are overwritten, not avoided.",
            "STATE-2",
            fit(2),
            prepare={"files": {"m-1.h5": "earlier\n", "m-2.h5": "earlier\n"}},
            filepath="m-{epoch}.h5",
        ),
        case(
            "state-2-a-new-instance-starts-with-a-fresh-best",
            "Files of a better earlier run do not hold back the first save.",
            "STATE-2",
            best_fit(0.9),
            prepare={"files": {"m-1.h5": "earlier\n"}},
            filepath="m-{epoch}.h5",
            save_best_only=True,
            mode="min",
        ),
    ]


#: The scenario files: name, what they check, their cases.
FILES = {
    "construction": ("CON: constructing the callback.", construction),
    "mode": ("MODE: which direction of the monitored value is better.", mode),
    "path": ("PATH: formatting the file path.", path),
    "freq": ("FREQ: when saves happen.", freq),
    "best": ("BEST: best-only mode.", best),
    "save": ("SAVE: how the model is saved.", save),
    "msg": ("MSG: printed messages.", msg),
    "hook": ("HOOK: the callback protocol.", hook),
    "state": ("STATE: state across runs.", state),
}

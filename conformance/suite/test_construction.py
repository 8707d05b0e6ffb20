"""CON: constructing the callback, its parameters and their defaults."""

from __future__ import annotations

import dataclasses
import decimal
import enum
import fractions
import pathlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from conformance.expect import ConformanceFailure, expect, raises
from conformance.harness import (
    Harness,
    Save,
    Trace,
    saved_at_batch_end,
    saved_at_epoch_end,
)
from conformance.lifecycle import Event, Lifecycle, fit

# -- helpers ---------------------------------------------------------------------------


def epochs(
    batch_losses: Sequence[Sequence[float]], epoch_logs: Mapping[str, Any]
) -> Lifecycle:
    """One fit whose epochs' training batches report these losses."""
    events = [Event("on_train_begin", logs={})]
    for epoch, losses in enumerate(batch_losses):
        events.append(Event("on_epoch_begin", epoch, {}, epoch))
        for batch, loss in enumerate(losses):
            events.append(Event("on_train_batch_begin", batch, {}, epoch))
            events.append(Event("on_train_batch_end", batch, {"loss": loss}, epoch))
        events.append(Event("on_epoch_end", epoch, dict(epoch_logs), epoch))
    events.append(Event("on_train_end", logs={}))
    return tuple(events)


def expect_printed(trace: Trace) -> None:
    """Check that the run printed something; which text is MSG's business."""
    __tracebackhide__ = True
    expect(trace, error=None)
    if not trace.lines:
        clause = ", ".join(trace.clauses)
        raise ConformanceFailure(
            f"[{clause}] the run does not conform\n"
            "printed lines differ:\n  expected: at least one line\n  observed: (none)\n"
            f"callback and lifecycle:\n{trace.describe()}"
        )


def folders_in(folder: Path) -> list[str]:
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_dir()
    )


def positional_harness(harness: Harness) -> Harness:
    """A harness whose callback receives its leading arguments positionally.

    ``run(args=(...), **kwargs)`` then constructs ``Callback(*args, **kwargs)``.
    """
    cls = harness.implementation.callback

    def construct(*, args: Sequence[Any] = (), **kwargs: Any) -> Any:
        return cls(*args, **kwargs)

    construct.__name__ = cls.__name__
    implementation = dataclasses.replace(harness.implementation, callback=construct)
    return Harness(implementation, harness.folder, harness.clauses)


# -- CON-1 and CON-2: the seven documented parameters ----------------------------------

#: Every parameter away from its default, each change visible in one run of
#: two epochs of two batches: a save attempt at every second batch.
SEVEN = (
    ("filepath", "w{epoch}-{batch}.weights.h5"),
    ("monitor", "loss"),
    ("verbose", 1),
    ("save_best_only", True),
    ("save_weights_only", True),
    ("mode", "max"),
    ("save_freq", 2),
)
SEVEN_LIFECYCLE = epochs([[0.1, 0.4], [0.9, 0.3]], {"loss": 0.3})
# Only the first attempt (loss 0.4) saves: the second (0.3) is worse in max
# mode but would save in min mode or without best-only; the default monitor
# is absent from the logs; and an epoch-level save would be at an epoch end.
SEVEN_SAVES = [saved_at_batch_end(0, 1, "w1-2.weights.h5", "save_weights")]


@pytest.mark.clause("CON-1")
def test_the_seven_parameters_are_accepted_as_keywords(harness):
    trace = harness.run(SEVEN_LIFECYCLE, **dict(SEVEN))

    expect(trace, saves=SEVEN_SAVES)
    expect_printed(trace)


@dataclasses.dataclass(frozen=True)
class KeywordCase:
    """One keyword given alone (with what makes it visible) and its effect."""

    keyword: str
    kwargs: Mapping[str, Any]
    lifecycle: Lifecycle
    saves: Sequence[Save]
    rule: str


def _epochs(template: str, count: int, method: str = "save") -> list[Save]:
    return [
        saved_at_epoch_end(epoch, template.format(epoch=epoch + 1), method)
        for epoch in range(count)
    ]


# Losses that go down then up, with val_loss doing the opposite.
CROSSED = [
    {"loss": 0.5, "val_loss": 0.5},
    {"loss": 0.4, "val_loss": 0.6},
    {"loss": 0.6, "val_loss": 0.3},
]
RISING = [{"loss": 0.3}, {"loss": 0.4}, {"loss": 0.5}]

KEYWORDS = [
    KeywordCase(
        "filepath",
        {"filepath": "ckpt/m{epoch}.h5"},
        fit(2, epoch_logs={"loss": 0.5}),
        _epochs("ckpt/m{epoch}.h5", 2),
        "saves go to the template",
    ),
    KeywordCase(
        "monitor",
        {"filepath": "m{epoch}.h5", "monitor": "loss", "save_best_only": True}
        | {"mode": "min"},
        fit(3, epoch_logs=CROSSED),
        [saved_at_epoch_end(0, "m1.h5"), saved_at_epoch_end(1, "m2.h5")],
        "loss decides, not val_loss",
    ),
    KeywordCase(
        "save_best_only",
        {"filepath": "m{epoch}.h5", "monitor": "loss", "mode": "min"}
        | {"save_best_only": True},
        fit(3, epoch_logs=[{"loss": 0.5}, {"loss": 0.6}, {"loss": 0.4}]),
        [saved_at_epoch_end(0, "m1.h5"), saved_at_epoch_end(2, "m3.h5")],
        "a worse value is not saved",
    ),
    KeywordCase(
        "save_weights_only",
        {"filepath": "m{epoch}.weights.h5", "save_weights_only": True},
        fit(2, epoch_logs={"loss": 0.5}),
        _epochs("m{epoch}.weights.h5", 2, "save_weights"),
        "weights are saved",
    ),
    KeywordCase(
        "mode",
        {"filepath": "m{epoch}.h5", "monitor": "loss", "save_best_only": True}
        | {"mode": "max"},
        fit(3, epoch_logs=[{"loss": 0.5}, {"loss": 0.4}, {"loss": 0.6}]),
        [saved_at_epoch_end(0, "m1.h5"), saved_at_epoch_end(2, "m3.h5")],
        "a larger loss is better",
    ),
    KeywordCase(
        "save_freq",
        {"filepath": "m{epoch}.h5", "save_freq": 2},
        fit(1, 4, epoch_logs={"loss": 0.5}),
        [saved_at_batch_end(0, 1, "m1.h5"), saved_at_batch_end(0, 3, "m1.h5")],
        "every second batch saves",
    ),
]


@pytest.mark.clause("CON-1")
@pytest.mark.parametrize(
    "case", KEYWORDS, ids=[f"{case.keyword} -> {case.rule}" for case in KEYWORDS]
)
def test_a_keyword_takes_effect(harness, case):
    trace = harness.run(case.lifecycle, **case.kwargs)

    expect(trace, saves=case.saves)


@pytest.mark.clause("CON-1")
def test_verbose_as_a_keyword_prints(harness):
    trace = harness.run(fit(1, epoch_logs={"loss": 0.5}), filepath="m.h5", verbose=1)

    expect_printed(trace)


# That an omitted mode is 'auto' and not 'min' shows only through a name the
# profiles treat differently; MODE-3's tests of each profile leave it out.
DEFAULTS = [
    KeywordCase(
        "monitor",
        {"filepath": "m{epoch}.h5", "save_best_only": True, "mode": "min"},
        fit(3, epoch_logs=CROSSED),
        [saved_at_epoch_end(0, "m1.h5"), saved_at_epoch_end(2, "m3.h5")],
        "val_loss decides",
    ),
    KeywordCase(
        "save_best_only",
        {"filepath": "m{epoch}.h5", "monitor": "loss", "mode": "min"},
        fit(3, epoch_logs=RISING),
        _epochs("m{epoch}.h5", 3),
        "False: every epoch saves, worse or not",
    ),
    KeywordCase(
        "save_weights_only",
        {"filepath": "m{epoch}.h5"},
        fit(2, epoch_logs={"loss": 0.5}),
        _epochs("m{epoch}.h5", 2),
        "False: the whole model is saved",
    ),
    KeywordCase(
        "mode",
        {"filepath": "m{epoch}.h5", "monitor": "val_loss", "save_best_only": True},
        fit(3, epoch_logs=[{"val_loss": v} for v in (0.5, 0.4, 0.6)]),
        [saved_at_epoch_end(0, "m1.h5"), saved_at_epoch_end(1, "m2.h5")],
        "auto: val_loss is minimised",
    ),
    KeywordCase(
        "save_freq",
        {"filepath": "m{epoch}.h5"},
        fit(2, 3, epoch_logs={"loss": 0.5}, batch_logs={"loss": 0.5}),
        _epochs("m{epoch}.h5", 2),
        "'epoch': epoch ends save, batch ends do not",
    ),
]


@pytest.mark.clause("CON-1")
@pytest.mark.parametrize(
    "case",
    DEFAULTS,
    ids=[f"{case.keyword} omitted -> {case.rule}" for case in DEFAULTS],
)
def test_an_omitted_keyword_takes_its_default(harness, case):
    trace = harness.run(case.lifecycle, **case.kwargs)

    expect(trace, saves=case.saves)


@pytest.mark.clause("CON-1")
def test_verbose_omitted_prints_nothing(harness):
    trace = harness.run(fit(2, epoch_logs={"loss": 0.5}), filepath="m{epoch}.h5")

    expect(trace, saves=_epochs("m{epoch}.h5", 2), lines=[])


@pytest.mark.clause("CON-2")
@pytest.mark.parametrize(
    "count",
    range(1, len(SEVEN) + 1),
    ids=[f"positional up to {name}, the rest by keyword" for name, _ in SEVEN],
)
def test_the_seven_parameters_are_accepted_positionally_in_order(harness, count):
    args = tuple(value for _, value in SEVEN[:count])
    trace = positional_harness(harness).run(
        SEVEN_LIFECYCLE, args=args, **dict(SEVEN[count:])
    )

    expect(trace, saves=SEVEN_SAVES)
    expect_printed(trace)


# -- CON-3: save_freq is 'epoch' or an int ---------------------------------------------


class Steps(int):
    """An int subclass, as a config library might hand over."""


class Every(enum.IntEnum):
    TWO = 2


ACCEPTED_FREQS = ["epoch", 1, 2, 7, 10**9, 0, -1, -100, True, False, Steps(3)]
ACCEPTED_FREQS += [Every.TWO]


@pytest.mark.clause("CON-3")
@pytest.mark.parametrize(
    "save_freq",
    ACCEPTED_FREQS,
    ids=[f"save_freq={v!r} -> accepted" for v in ACCEPTED_FREQS],
)
def test_save_freq_epoch_or_any_int_is_accepted(harness, save_freq):
    trace = harness.construct(filepath="m.h5", save_freq=save_freq)

    expect(trace, error=None, saves=[])


@dataclasses.dataclass(frozen=True)
class NumpyScalar:
    """A NumPy scalar, built in the test: NumPy is not a suite dependency."""

    type_name: str
    value: int | float

    def build(self) -> Any:
        numpy = pytest.importorskip("numpy")
        return getattr(numpy, self.type_name)(self.value)

    def __repr__(self) -> str:
        return f"numpy.{self.type_name}({self.value!r})"


REJECTED_FREQS = [
    2.0,
    1.0,
    0.0,
    -1.0,
    float("inf"),
    float("nan"),
    "2",
    "batch",
    "Epoch",
    "EPOCH",
    "epochs",
    " epoch",
    "epoch ",
    None,
    b"epoch",
    decimal.Decimal(2),
    fractions.Fraction(2),
    complex(2, 0),
    [2],
    (2,),
    NumpyScalar("int64", 2),
    NumpyScalar("int32", 5),
    NumpyScalar("float64", 2.0),
]


@pytest.mark.clause("CON-3")
@pytest.mark.parametrize(
    "given",
    REJECTED_FREQS,
    ids=[f"save_freq={v!r} -> ValueError" for v in REJECTED_FREQS],
)
def test_any_other_save_freq_is_rejected_showing_the_value(harness, given):
    save_freq = given.build() if isinstance(given, NumpyScalar) else given

    trace = harness.construct(filepath="m.h5", save_freq=save_freq)

    expect(trace, error=raises(ValueError, str(save_freq), at="construction"))


# -- CON-4: an unknown mode warns ------------------------------------------------------

UNKNOWN_MODES = ["MIN", "Min", "MAX", "Max", "AUTO", "Auto", "minimum", "maximum"]
UNKNOWN_MODES += ["less", "greater", "foo", " min", "max ", None, 0]


@pytest.mark.clause("CON-4")
@pytest.mark.parametrize(
    "mode", UNKNOWN_MODES, ids=[f"mode={m!r} -> one warning" for m in UNKNOWN_MODES]
)
def test_an_unknown_mode_warns_once_showing_the_value(harness, mode):
    trace = harness.construct(filepath="m.h5", monitor="val_loss", mode=mode)

    expect(trace, error=None, warnings=[[str(mode)]])


@pytest.mark.clause("CON-4")
def test_an_empty_mode_warns_once(harness):
    # The empty string cannot be found in the text, but the warning must come.
    trace = harness.construct(filepath="m.h5", monitor="val_loss", mode="")

    expect(trace, error=None, warnings=[[]])


@pytest.mark.clause("CON-4")
@pytest.mark.parametrize(
    "mode", ["auto", "min", "max"], ids=lambda m: f"mode={m!r} -> silent"
)
def test_a_valid_mode_does_not_warn(harness, mode):
    trace = harness.construct(filepath="m.h5", monitor="val_loss", mode=mode)

    expect(trace, error=None, warnings=[])


# -- CON-5: unknown keywords, ignored (keras2) or rejected (keras3) --------------------

#: Keywords the constructor does not know; several are near misses of real
#: ones, which must not take effect under their misspelt name.
UNKNOWN_KEYWORDS = [
    ("foo", 1),
    ("bar", None),
    ("save_best_onl", True),
    ("verbosity", 1),
    ("save_frequency", 1),
    ("Monitor", "loss"),
    ("weights_only", True),
]


@pytest.mark.clause("CON-5/keras2")
@pytest.mark.parametrize(
    ("name", "value"),
    UNKNOWN_KEYWORDS,
    ids=[f"{name}={value!r} -> ignored" for name, value in UNKNOWN_KEYWORDS],
)
def test_an_unknown_keyword_is_accepted_and_ignored(harness, name, value):
    trace = harness.run(
        fit(3, 2, epoch_logs=RISING, batch_logs={"loss": 0.5}),
        filepath="m{epoch}.h5",
        monitor="loss",
        mode="min",
        **{name: value},
    )

    expect(trace, saves=_epochs("m{epoch}.h5", 3), lines=[])


@pytest.mark.clause("CON-5/keras3")
@pytest.mark.parametrize(
    ("name", "value"),
    UNKNOWN_KEYWORDS,
    ids=[
        f"{name}={value!r} -> TypeError naming it" for name, value in UNKNOWN_KEYWORDS
    ],
)
def test_an_unknown_keyword_raises_type_error_naming_it(harness, name, value):
    trace = harness.construct(
        filepath="m{epoch}.h5", monitor="loss", mode="min", **{name: value}
    )

    expect(trace, saves=[], lines=[], error=raises(TypeError, name, at="construction"))


# -- CON-6: the deprecated keywords, warned (keras2) or rejected (keras3) -------------

DEPRECATED = [("period", 1), ("period", 2), ("period", 5)]
DEPRECATED += [("load_weights_on_restart", True), ("load_weights_on_restart", False)]


@pytest.mark.clause("CON-6/keras2")
@pytest.mark.parametrize(
    ("name", "value"),
    DEPRECATED,
    ids=[f"{name}={value!r} -> one warning naming it" for name, value in DEPRECATED],
)
def test_a_deprecated_keyword_is_accepted_with_one_warning(harness, name, value):
    trace = harness.construct(filepath="m.h5", **{name: value})

    expect(trace, error=None, warnings=[[name]])


@pytest.mark.clause("CON-6/keras3")
@pytest.mark.parametrize(
    ("name", "value"),
    DEPRECATED,
    ids=[f"{name}={value!r} -> TypeError naming it" for name, value in DEPRECATED],
)
def test_a_deprecated_keyword_raises_type_error_naming_it(harness, name, value):
    trace = harness.construct(filepath="m.h5", **{name: value})

    expect(trace, error=raises(TypeError, name, at="construction"))


# -- CON-7: construction has no effect -------------------------------------------------

QUIET_CONFIGS = [
    {"filepath": "m.h5"},
    {"filepath": "ckpt/m{epoch}.h5"},
    {"filepath": "a/b/c/m.weights.h5", "save_weights_only": True},
    {"filepath": "ckpt/m.h5", "save_best_only": True, "monitor": "loss", "mode": "min"},
    {"filepath": "ckpt/m-{batch}.h5", "save_freq": 1},
    {"filepath": "ckpt/m.h5", "save_best_only": True, "monitor": "loss", "mode": "max"}
    | {"initial_value_threshold": 0.5},
]
QUIET_CASES = [(config, verbose) for config in QUIET_CONFIGS for verbose in (0, 1, 2)]


def _config_id(config: Mapping[str, Any]) -> str:
    return ",".join(f"{key}={value!r}" for key, value in config.items())


@pytest.mark.clause("CON-7")
@pytest.mark.parametrize(
    ("config", "verbose"),
    QUIET_CASES,
    ids=[f"{_config_id(c)},verbose={v} -> no effect" for c, v in QUIET_CASES],
)
def test_construction_saves_prints_and_creates_nothing(harness, config, verbose):
    trace = harness.construct(verbose=verbose, **config)

    expect(trace, saves=[], lines=[], files=[])
    assert folders_in(harness.folder) == [], (
        f"[CON-7] construction created folders\n{trace.describe()}"
    )


# -- CON-8: a PathLike filepath --------------------------------------------------------


class FsPath:
    """The smallest os.PathLike: not a pathlib path, no str methods."""

    def __init__(self, path: str) -> None:
        self._path = path

    def __fspath__(self) -> str:
        return self._path

    def __repr__(self) -> str:
        return f"FsPath({self._path!r})"


PATH_TYPES = [pathlib.Path, pathlib.PurePosixPath, FsPath]
MODEL_TEMPLATES = ["m.h5", "m{epoch}.h5", "ckpt/m{epoch:02d}.h5"]
WEIGHTS_TEMPLATES = [
    "w.weights.h5",
    "w{epoch}.weights.h5",
    "ckpt/w{epoch:02d}.weights.h5",
]


def _pathlike_cases(templates: list[str]) -> list:
    return [
        pytest.param(kind, template, id=f"filepath={kind.__name__}({template!r})")
        for kind in PATH_TYPES
        for template in templates
    ]


def _check_pathlike_run(harness, kind, template: str, weights_only: bool) -> None:
    __tracebackhide__ = True
    method = "save_weights" if weights_only else "save"
    expected = _epochs(template, 2, method)

    trace = harness.run(
        fit(2, epoch_logs={"loss": 0.5}),
        filepath=kind(template),
        save_weights_only=weights_only,
    )

    expect(trace, saves=expected, files=sorted({save.path for save in expected}))


@pytest.mark.clause("CON-8")
@pytest.mark.parametrize(("kind", "template"), _pathlike_cases(MODEL_TEMPLATES))
def test_a_pathlike_filepath_for_the_whole_model_behaves_as_its_string(
    harness, kind, template
):
    _check_pathlike_run(harness, kind, template, weights_only=False)


@pytest.mark.clause("CON-8")
@pytest.mark.parametrize(("kind", "template"), _pathlike_cases(WEIGHTS_TEMPLATES))
def test_a_pathlike_filepath_for_weights_behaves_as_its_string(harness, kind, template):
    _check_pathlike_run(harness, kind, template, weights_only=True)


# -- CON-9: initial_value_threshold ----------------------------------------------------

THRESHOLDS = [0.5, 0, -1.5, 10, float("inf"), float("-inf")]
THRESHOLD_CASES = [(t, best_only) for t in THRESHOLDS for best_only in (False, True)]


@pytest.mark.clause("CON-9")
@pytest.mark.parametrize(
    ("threshold", "best_only"),
    THRESHOLD_CASES,
    ids=[
        f"initial_value_threshold={t!r},save_best_only={b} -> accepted"
        for t, b in THRESHOLD_CASES
    ],
)
def test_initial_value_threshold_is_accepted_as_a_keyword(
    harness, threshold, best_only
):
    trace = harness.construct(
        filepath="m.h5",
        monitor="loss",
        mode="min",
        save_best_only=best_only,
        initial_value_threshold=threshold,
    )

    expect(trace, error=None, saves=[])


# -- CON-10: the template's suffix, free (keras2) or checked (keras3) ------------------


def _method(weights_only: bool) -> str:
    return "save_weights" if weights_only else "save"


#: Suffixes Keras 3 refuses for one kind of save or the other, and none at all.
OTHER_SUFFIXES = [
    "checkpoint",
    "model.keras",
    "model.hdf5",
    "ckpt/model.tf",
    "m.",
    "m.KERAS",
    "w.h5",
]


@pytest.mark.clause("CON-10/keras2")
@pytest.mark.parametrize(
    ("template", "weights_only"),
    [
        pytest.param(
            path,
            weights_only,
            id=f"{_method(weights_only)}: {path} -> {path}, no suffix added",
        )
        for path in OTHER_SUFFIXES
        for weights_only in (False, True)
    ],
)
def test_a_template_with_another_suffix_is_used_unchanged(
    harness, template, weights_only
):
    # The suffix is the model's business (it may pick a file format from it);
    # the callback neither checks it nor adds or replaces one. Folders in the
    # path are PATH-8's business; here they already exist.
    (harness.folder / template).parent.mkdir(parents=True, exist_ok=True)

    trace = harness.run(
        fit(2, epoch_logs={"loss": 0.5}),
        filepath=template,
        save_weights_only=weights_only,
    )

    expect(trace, saves=_epochs(template, 2, _method(weights_only)))


#: (template, save_weights_only) that Keras 3 refuses. The suffix is checked on
#: the template as given, case-sensitively: ``m{suffix}`` is refused even when
#: the logs would format it into ``m.keras``.
REFUSED_TEMPLATES = [
    ("m.hdf5", False),
    ("m.tf", False),
    ("checkpoint", False),
    ("ckpt/", False),
    ("m.", False),
    ("", False),
    ("m.H5", False),
    ("m.KERAS", False),
    ("m.keras.bak", False),
    ("m.keras{epoch}", False),
    ("m{suffix}", False),
    ("w.h5", True),
    ("w.keras", True),
    ("checkpoint", True),
    ("w.weights", True),
    ("w_weights.h5", True),
    ("w.weights.h5.bak", True),
    ("w.WEIGHTS.H5", True),
    ("w{suffix}", True),
]


def _required(weights_only: bool) -> str:
    """The suffix a refused template's message must name (CON-10/keras3)."""
    return ".weights.h5" if weights_only else ".keras"


@pytest.mark.clause("CON-10/keras3")
@pytest.mark.parametrize(
    ("template", "weights_only"),
    [
        pytest.param(
            template,
            weights_only,
            id=f"{_method(weights_only)}: {template!r} -> ValueError showing it",
        )
        for template, weights_only in REFUSED_TEMPLATES
    ],
)
def test_a_template_with_a_wrong_suffix_is_refused_at_construction(
    harness, template, weights_only
):
    trace = harness.construct(filepath=template, save_weights_only=weights_only)

    expect(
        trace,
        saves=[],
        files=[],
        error=raises(ValueError, template, _required(weights_only), at="construction"),
    )


@pytest.mark.clause("CON-10/keras3")
@pytest.mark.parametrize(
    ("kind", "weights_only"),
    [
        pytest.param(kind, weights_only, id=f"filepath={kind.__name__}('m.hdf5')")
        for kind in PATH_TYPES
        for weights_only in (False, True)
    ],
)
def test_a_pathlike_template_with_a_wrong_suffix_is_refused(
    harness, kind, weights_only
):
    trace = harness.construct(filepath=kind("m.hdf5"), save_weights_only=weights_only)

    expect(
        trace,
        error=raises(ValueError, "m.hdf5", _required(weights_only), at="construction"),
    )


#: (template, save_weights_only) that Keras 3 accepts.
ACCEPTED_TEMPLATES = [
    ("m.keras", False),
    ("m.h5", False),
    ("m-{epoch:02d}.keras", False),
    ("ckpt/m-{epoch}.h5", False),
    # It ends in .h5: a whole model, saved under that name.
    ("m.weights.h5", False),
    ("w.weights.h5", True),
    ("w-{epoch}.weights.h5", True),
    ("ckpt/{epoch}.weights.h5", True),
]


@pytest.mark.clause("CON-10/keras3")
@pytest.mark.parametrize(
    ("template", "weights_only"),
    [
        pytest.param(
            template,
            weights_only,
            id=f"{_method(weights_only)}: {template} -> accepted, used unchanged",
        )
        for template, weights_only in ACCEPTED_TEMPLATES
    ],
)
def test_a_template_with_a_required_suffix_is_used_unchanged(
    harness, template, weights_only
):
    trace = harness.run(
        fit(2, epoch_logs={"loss": 0.5}),
        filepath=template,
        save_weights_only=weights_only,
    )

    expect(trace, saves=_epochs(template, 2, _method(weights_only)))

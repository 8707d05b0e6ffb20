"""PATH: how the filepath template becomes the path saved to (SPEC.md PATH)."""

from __future__ import annotations

import json
import math
import string
from collections.abc import Mapping, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.expect import ConformanceFailure, expect, raises
from conformance.harness import Trace, saved_at_batch_end, saved_at_epoch_end
from conformance.lifecycle import Event, fit

FORMATS = json.loads(
    files("conformance.fixtures").joinpath("filepath_formats.json").read_text()
)


# -- the oracle ----------------------------------------------------------------


def formatted(
    template: str, epoch: int, logs: Mapping[str, Any], batch: int | None = None
) -> str:
    """The path PATH-1, PATH-2 and PATH-4 call for, by Python's own str.format."""
    fields = dict(logs)
    if batch is not None and "batch" not in fields:
        fields["batch"] = batch + 1
    return template.format(epoch=epoch + 1, **fields)


def format_error(template: str, **fields: Any) -> Exception:
    """The exception str.format itself raises for this template (PATH-7)."""
    try:
        template.format(**fields)
    except Exception as error:  # noqa: BLE001 - the error is the oracle's answer
        return error
    raise AssertionError(f"{template!r} formats fine; the case is wrong")


def make_folders(folder: Path, paths: Sequence[str]) -> None:
    """Create the parent folders of ``paths``, so that PATH-8 is not at stake."""
    for path in paths:
        (folder / path).parent.mkdir(parents=True, exist_ok=True)


def method_of(weights_only: bool) -> str:
    return "save_weights" if weights_only else "save"


def assert_error_names_key(trace: Trace, template: str, key: str) -> None:
    """The key must be named apart from the template, which always contains it."""
    __tracebackhide__ = True
    rest = str(trace.error).replace(template, "", 1)
    if key not in rest:
        raise ConformanceFailure(
            f"[{', '.join(trace.clauses)}] the run does not conform\n"
            f"the KeyError names the template but not the missing key {key!r}:\n"
            f"  observed: {trace.error}\n"
            f"callback and lifecycle:\n{trace.describe()}"
        )


# -- PATH-1: {epoch} -----------------------------------------------------------

EPOCH_TEMPLATES = [
    "m-{epoch}.h5",
    "m-{epoch:03d}.h5",
    "m-{epoch:02d}.h5",
    "m-{epoch:x}.h5",
    "m-{epoch:+d}.h5",
    "m-{epoch:.1f}.h5",
    "m-{epoch:_>4}.h5",
    "m-{epoch}-{epoch:02d}.h5",
]


def epoch_case(template: str, initial_epoch: int) -> pytest.param:
    paths = [template.format(epoch=initial_epoch + n + 1) for n in range(2)]
    return pytest.param(
        template,
        initial_epoch,
        id=f"{template},initial_epoch={initial_epoch} -> {','.join(paths)}",
    )


@pytest.mark.clause("PATH-1")
@pytest.mark.parametrize(
    ("template", "initial_epoch"),
    [
        epoch_case(template, initial_epoch)
        for template in EPOCH_TEMPLATES
        for initial_epoch in (0, 9, 99)
    ],
)
def test_epoch_field_is_the_epoch_index_plus_one(harness, template, initial_epoch):
    trace = harness.run(
        fit(2, initial_epoch=initial_epoch, epoch_logs={"loss": 0.5}),
        filepath=template,
    )

    epochs = [initial_epoch, initial_epoch + 1]
    expect(
        trace,
        saves=[saved_at_epoch_end(e, formatted(template, e, {})) for e in epochs],
    )


@pytest.mark.clause("PATH-1")
@pytest.mark.parametrize(
    "epoch", [0, 1, 7, 41, 998], ids=lambda e: f"epoch index {e} -> w-{e + 1:03d}"
)
def test_epoch_field_in_a_weights_save_is_the_epoch_index_plus_one(harness, epoch):
    events = [
        Event("on_epoch_begin", epoch, {}, epoch),
        Event("on_epoch_end", epoch, {"loss": 0.5}, epoch),
    ]

    trace = harness.run(
        events, filepath="w-{epoch:03d}.weights.h5", save_weights_only=True
    )

    expect(
        trace,
        saves=[
            saved_at_epoch_end(epoch, f"w-{epoch + 1:03d}.weights.h5", "save_weights")
        ],
    )


# -- PATH-2: log keys ----------------------------------------------------------


def log_fields_case(case: Mapping[str, Any]) -> pytest.param:
    template, logs = case["template"], case["logs"]
    paths = [formatted(template, epoch, entry) for epoch, entry in enumerate(logs)]
    return pytest.param(template, logs, id=f"{template} -> {','.join(paths)}")


@pytest.mark.clause("PATH-2")
@pytest.mark.parametrize(
    ("template", "logs"), [log_fields_case(case) for case in FORMATS["log_fields"]]
)
def test_epoch_log_keys_are_named_fields(harness, template, logs):
    make_folders(harness.folder, [formatted(template, 0, entry) for entry in logs])

    trace = harness.run(fit(len(logs), epoch_logs=logs), filepath=template)

    expect(
        trace,
        saves=[
            saved_at_epoch_end(epoch, formatted(template, epoch, entry))
            for epoch, entry in enumerate(logs)
        ],
    )


@pytest.mark.clause("PATH-2")
@pytest.mark.parametrize(
    ("template", "batch_logs"),
    [
        pytest.param(
            template,
            batch_logs,
            id=f"{template},batch logs {batch_logs} -> "
            + ",".join(formatted(template, 0, batch_logs, b) for b in range(2)),
        )
        for template, batch_logs in [
            ("m-{loss:.3f}.h5", {"loss": 0.25}),
            ("m-b{batch}-{loss:.1f}.h5", {"loss": 1.5}),
            ("m-{tag}-{accuracy:.0%}.h5", {"tag": "run", "accuracy": 0.75}),
            ("m-{step:03d}.h5", {"step": 12}),
        ]
    ],
)
def test_batch_log_keys_are_named_fields_in_batch_level_saves(
    harness, template, batch_logs
):
    trace = harness.run(
        fit(1, 2, batch_logs=batch_logs, epoch_logs={"epoch_only": 1}),
        filepath=template,
        save_freq=1,
    )

    expect(
        trace,
        saves=[
            saved_at_batch_end(0, batch, formatted(template, 0, batch_logs, batch))
            for batch in range(2)
        ],
    )


FIELD_NAMES = st.text(string.ascii_letters + "_", min_size=1, max_size=8).filter(
    lambda name: name not in ("epoch", "batch")
)
FIELD_VALUES = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=6),
)
FLOAT_SPECS = ["", ".2f", ".3e", "g", "+.1f", "010.4f"]


@st.composite
def log_templates(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A template with fields and the logs that fill them, specs to fit."""
    logs = draw(st.dictionaries(FIELD_NAMES, FIELD_VALUES, min_size=1, max_size=4))
    parts = []
    for key, value in logs.items():
        if isinstance(value, str):
            spec = draw(st.sampled_from(["", ">8", "<3", ".2"]))
        elif isinstance(value, int):
            spec = draw(st.sampled_from(["", "04d", "x", "+d", *FLOAT_SPECS]))
        else:
            spec = draw(st.sampled_from(FLOAT_SPECS))
        parts.append("{" + key + (":" + spec if spec else "") + "}")
    return "m-" + "-".join(parts) + "-{epoch}.h5", logs


@pytest.mark.clause("PATH-2")
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(case=log_templates())
def test_any_log_key_fills_its_field_with_its_format_spec(harness, case):
    template, logs = case

    trace = harness.run(fit(1, epoch_logs=logs), filepath=template)

    expect(trace, saves=[saved_at_epoch_end(0, formatted(template, 0, logs))])


# -- PATH-3: the path handed over ----------------------------------------------

PLAIN_TEMPLATES = [
    "model.h5",
    "a b.h5",
    "out/model.h5",
    "deep/er/model.h5",
    "model-final.v2.h5",
    "modèle.h5",
    "m%d.h5",
    "m$epoch.h5",
    "epoch.h5",
]


@pytest.mark.clause("PATH-3")
@pytest.mark.parametrize(
    ("template", "weights_only"),
    [
        pytest.param(
            path,
            weights_only,
            id=f"{method_of(weights_only)}: {path} -> {path} at every epoch",
        )
        for base in PLAIN_TEMPLATES
        for weights_only, path in [
            (False, base),
            (True, base.removesuffix(".h5") + ".weights.h5"),
        ]
    ],
)
def test_a_template_without_fields_is_used_unchanged(harness, template, weights_only):
    make_folders(harness.folder, [template])

    trace = harness.run(
        fit(3, epoch_logs={"loss": 0.5, "model": "x", "d": 4}),
        filepath=template,
        save_weights_only=weights_only,
    )

    method = method_of(weights_only)
    expect(trace, saves=[saved_at_epoch_end(e, template, method) for e in range(3)])


# Templates with other suffixes, or none, are CON-10's business.


@pytest.mark.clause("PATH-3")
@pytest.mark.parametrize(
    ("template", "weights_only"),
    [
        pytest.param(
            template, weights_only, id=f"{method_of(weights_only)}: {template}"
        )
        for template, weights_only in [
            ("model.h5", False),
            ("m-{epoch:02d}-{loss:.2f}.h5", False),
            ("w.weights.h5", True),
            ("w-{epoch}-{tag}.weights.h5", True),
        ]
    ],
)
def test_the_save_method_receives_the_path_as_a_str(harness, template, weights_only):
    trace = harness.run(
        fit(2, epoch_logs={"loss": 0.5, "tag": "t"}),
        filepath=template,
        save_weights_only=weights_only,
    )

    expect(
        trace,
        saves=[
            saved_at_epoch_end(
                e,
                formatted(template, e, {"loss": 0.5, "tag": "t"}),
                method_of(weights_only),
            )
            for e in range(2)
        ],
    )
    types = [save.path_type for save in trace.saves]
    assert types == ["str", "str"], f"the save method received paths of types {types}"


# -- PATH-4: {batch} -----------------------------------------------------------


@pytest.mark.clause("PATH-4")
@pytest.mark.parametrize(
    ("template", "batches"),
    [
        pytest.param(
            template,
            batches,
            id=f"{template},batches={batches}x2 -> "
            + ",".join(formatted(template, 0, {}, b) for b in batches)
            + ",...",
        )
        for template in ("m-{batch}.h5", "m-{batch:03d}.h5", "e{epoch}b{batch:02d}.h5")
        for batches in ([0, 1, 2], [1, 3, 5], [0], [9])
    ],
)
def test_batch_field_is_the_batch_index_plus_one(harness, template, batches):
    trace = harness.run(
        fit(2, batches, batch_logs={"loss": 0.5}), filepath=template, save_freq=1
    )

    expect(
        trace,
        saves=[
            saved_at_batch_end(epoch, batch, formatted(template, epoch, {}, batch))
            for epoch in range(2)
            for batch in batches
        ],
    )


@pytest.mark.clause("PATH-4")
@pytest.mark.parametrize(
    "value",
    [99, 0, -1, "last", 2.5],
    ids=lambda value: f"batch logs batch={value!r} -> m-{value}.h5",
)
def test_a_batch_key_in_the_batch_logs_fills_the_batch_field(harness, value):
    trace = harness.run(
        fit(1, 3, batch_logs={"batch": value, "loss": 0.5}),
        filepath="m-{batch}.h5",
        save_freq=1,
    )

    expect(
        trace,
        saves=[saved_at_batch_end(0, batch, f"m-{value}.h5") for batch in range(3)],
    )


@pytest.mark.clause("PATH-4", "PATH-5")
@pytest.mark.parametrize(
    ("template", "batches"),
    [
        pytest.param(
            template,
            batches,
            id=f"{template},batches={batches} -> KeyError at epoch end",
        )
        for template in ("m-{batch}.h5", "m-{epoch}-{batch:02d}.h5")
        for batches in (0, 3)
    ],
)
def test_epoch_level_saves_supply_no_batch_field(harness, template, batches):
    trace = harness.run(
        fit(1, batches, epoch_logs={"loss": 0.5}, batch_logs={"loss": 0.5}),
        filepath=template,
    )

    expect(trace, saves=[], error=raises(KeyError, template, at="on_epoch_end"))
    assert_error_names_key(trace, template, "batch")


# -- PATH-5: a field with no value ---------------------------------------------

MISSING_FIELDS = [
    ("m-{val_loss}.h5", [{"loss": 0.1}], "val_loss"),
    ("m-{val_loss:.2f}.h5", [{}], "val_loss"),
    ("m-{epoch}-{acc}.h5", [{"loss": 0.1}], "acc"),
    ("m-{loss}-{lr}.h5", [{"loss": 0.1}], "lr"),
    ("{run}/m.h5", [{"loss": 0.1}], "run"),
    ("m-{Loss}.h5", [{"loss": 0.1}], "Loss"),
    ("m-{val_acc}.h5", [{"val_acc": 0.5}, {"acc": 0.5}], "val_acc"),
    ("m-{tag}.h5", [{"tag": "a"}, {"tag": "b"}, {"loss": 0.1}], "tag"),
]


@pytest.mark.clause("PATH-5")
@pytest.mark.parametrize(
    ("template", "logs", "key"),
    [
        pytest.param(
            template,
            logs,
            key,
            id=f"{template},epoch logs {logs} -> KeyError for {key}",
        )
        for template, logs, key in MISSING_FIELDS
    ],
)
def test_a_missing_log_key_raises_key_error_naming_template_and_key(
    harness, template, logs, key
):
    trace = harness.run(fit(len(logs), epoch_logs=logs), filepath=template)

    # Every epoch before the last one holds the key and saves.
    expect(
        trace,
        saves=[
            saved_at_epoch_end(epoch, formatted(template, epoch, entry))
            for epoch, entry in enumerate(logs[:-1])
        ],
        error=raises(KeyError, template, at="on_epoch_end"),
    )
    assert_error_names_key(trace, template, key)


@pytest.mark.clause("PATH-5")
@pytest.mark.parametrize(
    ("template", "key"),
    [
        pytest.param(
            template, key, id=f"{template},batch logs without {key} -> KeyError"
        )
        for template, key in [
            ("m-b{batch}-{val_loss}.h5", "val_loss"),
            ("m-{acc:.2f}.h5", "acc"),
        ]
    ],
)
def test_a_missing_batch_log_key_raises_key_error_naming_template_and_key(
    harness, template, key
):
    trace = harness.run(
        fit(1, 2, batch_logs={"loss": 0.5}, epoch_logs={key: 0.5}),
        filepath=template,
        save_freq=1,
    )

    expect(trace, saves=[], error=raises(KeyError, template, at="on_train_batch_end"))
    assert_error_names_key(trace, template, key)


# -- PATH-6: formatting comes before the best-only decision --------------------

# (situation, epoch logs in min mode): every case's last epoch lacks "acc" and
# would not be saved anyway. Values are negated for max mode.
UNSAVED_SITUATIONS = [
    ("value did not improve", [{"val_loss": 0.5, "acc": 1}, {"val_loss": 0.7}], None),
    ("value equals the best", [{"val_loss": 0.5, "acc": 1}, {"val_loss": 0.5}], None),
    ("value is NaN", [{"val_loss": math.nan}], None),
    ("value does not beat the threshold", [{"val_loss": 0.5}], 0.1),
    ("monitor missing", [{"loss": 0.5}], None),
    ("monitor is None", [{"val_loss": None}], None),
]


def negated(logs: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: -value if key == "val_loss" and value is not None else value
        for key, value in logs.items()
    }


@pytest.mark.clause("PATH-6")
@pytest.mark.parametrize(
    ("mode", "logs", "threshold"),
    [
        pytest.param(
            mode,
            logs if mode == "min" else [negated(entry) for entry in logs],
            threshold if mode == "min" or threshold is None else -threshold,
            id=f"mode={mode},{situation} -> KeyError all the same",
        )
        for situation, logs, threshold in UNSAVED_SITUATIONS
        for mode in ("min", "max")
    ],
)
def test_a_missing_field_raises_even_when_nothing_would_be_saved(
    harness, mode, logs, threshold
):
    template = "m-{acc}.h5"

    trace = harness.run(
        fit(len(logs), epoch_logs=logs),
        filepath=template,
        save_best_only=True,
        mode=mode,
        initial_value_threshold=threshold,
    )

    expect(
        trace,
        saves=[
            saved_at_epoch_end(epoch, formatted(template, epoch, entry))
            for epoch, entry in enumerate(logs[:-1])
        ],
        error=raises(KeyError, template, at="on_epoch_end"),
    )


@pytest.mark.clause("PATH-6")
@pytest.mark.parametrize(
    "batch_logs",
    [{"val_loss": 0.5}, {"loss": 0.5}],
    ids=[
        "batch-level,value does not beat the threshold",
        "batch-level,monitor missing",
    ],
)
def test_a_missing_field_raises_in_a_batch_level_decision_that_would_not_save(
    harness, batch_logs
):
    template = "m-b{batch}-{acc}.h5"

    trace = harness.run(
        fit(1, 2, batch_logs=batch_logs),
        filepath=template,
        save_freq=1,
        save_best_only=True,
        mode="min",
        initial_value_threshold=0.1,
    )

    expect(trace, saves=[], error=raises(KeyError, template, at="on_train_batch_end"))


# -- PATH-7: str.format semantics ----------------------------------------------

STR_FORMAT_FEATURES = [
    ("m-{{epoch}}.h5", {}),
    ("m-{{{epoch}}}.h5", {}),
    ("m-{{}}.h5", {}),
    ("m-{epoch.real}.h5", {}),
    ("m-{epoch.numerator:03d}.h5", {}),
    ("m-{loss.real:.2f}.h5", {"loss": 0.5}),
    ("m-{loss.imag}.h5", {"loss": 0.5}),
    ("m-{epoch!s:>3}.h5", {}),
    ("m-{tag!r}.h5", {"tag": "a"}),
    ("m-{epoch:0{width}d}.h5", {"width": 4}),
    ("m-{loss:.{digits}f}.h5", {"loss": 0.123456, "digits": 3}),
    ("m-{cfg[name]}.h5", {"cfg": {"name": "x"}}),
    ("m-{tags[1]}.h5", {"tags": ["a", "b"]}),
]


@pytest.mark.clause("PATH-7")
@pytest.mark.parametrize(
    ("template", "logs"),
    [
        pytest.param(template, logs, id=f"{template} -> {formatted(template, 0, logs)}")
        for template, logs in STR_FORMAT_FEATURES
    ],
)
def test_formatting_is_python_str_format(harness, template, logs):
    trace = harness.run(fit(1, epoch_logs=logs), filepath=template)

    expect(trace, saves=[saved_at_epoch_end(0, formatted(template, 0, logs))])


STR_FORMAT_ERRORS = [
    ("m-{}.h5", {}),
    ("m-{0}.h5", {}),
    ("m-{loss:d}.h5", {"loss": 0.5}),
    ("m-{tag:d}.h5", {"tag": "a"}),
    ("m-{epoch.h5", {}),
    ("m-}.h5", {}),
    ("m-{epoch:q}.h5", {}),
    ("m-{epoch:,x}.h5", {}),
    ("m-{epoch!z}.h5", {}),
    ("m-{epoch.nope}.h5", {}),
    ("m-{tags[5]}.h5", {"tags": ["a", "b"]}),
]


def error_case(template: str, logs: Mapping[str, Any]) -> pytest.param:
    error = format_error(template, epoch=1, **logs)
    return pytest.param(
        template, logs, id=f"{template} -> {type(error).__name__}: {error}"
    )


@pytest.mark.clause("PATH-7")
@pytest.mark.parametrize(
    ("template", "logs"),
    [error_case(template, logs) for template, logs in STR_FORMAT_ERRORS],
)
def test_other_formatting_errors_propagate_as_str_format_raises_them(
    harness, template, logs
):
    trace = harness.run(fit(1, epoch_logs=logs), filepath=template)

    error = format_error(template, epoch=1, **logs)
    expect(trace, saves=[], error=raises(type(error), str(error), at="on_epoch_end"))


@pytest.mark.clause("PATH-7")
def test_a_formatting_error_in_a_batch_level_save_propagates(harness):
    template = "m-{batch:.2f}-{}.h5"

    trace = harness.run(fit(1, 2), filepath=template, save_freq=1)

    error = format_error(template, epoch=1, batch=1)
    expect(
        trace, saves=[], error=raises(type(error), str(error), at="on_train_batch_end")
    )


# -- PATH-8: folders are created -----------------------------------------------

FOLDER_CASES = [
    # (template, epoch logs, weights_only)
    ("a/m.h5", [{}], False),
    ("a/b/c/d/e/f/m.h5", [{}], False),
    ("run-{epoch}/m.h5", [{}, {}, {}], False),
    ("{tag}/sub/m-{epoch}.h5", [{"tag": "x"}, {"tag": "y"}], False),
    ("out/w-{epoch}.weights.h5", [{}, {}], True),
    ("deep/er/still/w.weights.h5", [{}], True),
    ("{loss:.1f}/{acc:.1f}/m.h5", [{"loss": 0.5, "acc": 0.25}], False),
]


@pytest.mark.clause("PATH-8")
@pytest.mark.parametrize(
    ("template", "logs", "weights_only"),
    [
        pytest.param(
            template,
            logs,
            weights_only,
            id=f"{template} -> "
            + ",".join(formatted(template, e, entry) for e, entry in enumerate(logs)),
        )
        for template, logs, weights_only in FOLDER_CASES
    ],
)
def test_missing_folders_are_created_before_the_save(
    harness, template, logs, weights_only
):
    trace = harness.run(
        fit(len(logs), epoch_logs=logs),
        filepath=template,
        save_weights_only=weights_only,
    )

    paths = [formatted(template, e, entry) for e, entry in enumerate(logs)]
    method = method_of(weights_only)
    expect(
        trace,
        saves=[saved_at_epoch_end(e, path, method) for e, path in enumerate(paths)],
        files=sorted(set(paths)),
    )


@pytest.mark.clause("PATH-8")
def test_missing_folders_are_created_for_batch_level_saves(harness):
    template = "e{epoch}/b{batch}/m.h5"

    trace = harness.run(fit(2, 2), filepath=template, save_freq=1)

    paths = [(e, b, formatted(template, e, {}, b)) for e in range(2) for b in range(2)]
    expect(
        trace,
        saves=[saved_at_batch_end(e, b, path) for e, b, path in paths],
        files=[path for _, _, path in paths],
    )


@pytest.mark.clause("PATH-8")
@pytest.mark.parametrize(
    "mode", ["min", "max"], ids=lambda m: f"mode={m},improving -> best/1,best/2"
)
def test_missing_folders_are_created_for_best_only_saves(harness, mode):
    template = "best/{epoch}/m.h5"
    sign = 1 if mode == "min" else -1
    logs = [{"val_loss": sign * 0.5}, {"val_loss": sign * 0.4}]

    trace = harness.run(
        fit(2, epoch_logs=logs), filepath=template, save_best_only=True, mode=mode
    )

    expect(
        trace,
        saves=[
            saved_at_epoch_end(0, "best/1/m.h5"),
            saved_at_epoch_end(1, "best/2/m.h5"),
        ],
        files=["best/1/m.h5", "best/2/m.h5"],
    )


@pytest.mark.clause("PATH-8")
def test_an_existing_folder_is_reused(harness):
    (harness.folder / "a" / "b").mkdir(parents=True)
    (harness.folder / "a" / "b" / "keep.txt").write_text("kept")

    trace = harness.run(fit(1), filepath="a/b/m.h5")

    expect(
        trace,
        saves=[saved_at_epoch_end(0, "a/b/m.h5")],
        files=["a/b/keep.txt", "a/b/m.h5"],
    )


@pytest.mark.clause("PATH-8")
def test_missing_folders_of_an_absolute_path_are_created(harness):
    template = str(harness.folder / "abs" / "deep" / "m-{epoch}.h5")

    trace = harness.run(fit(2), filepath=template)

    # The harness records paths inside the run's folder relative to it.
    expect(
        trace,
        saves=[
            saved_at_epoch_end(0, "abs/deep/m-1.h5"),
            saved_at_epoch_end(1, "abs/deep/m-2.h5"),
        ],
        files=["abs/deep/m-1.h5", "abs/deep/m-2.h5"],
    )


# -- PATH-9: the path is an existing folder ------------------------------------

# (template, folder made beforehand, save_freq, the saves that come first)
FOLDER_CLASHES = [
    ("m.h5", "m.h5", "epoch", 0),
    ("m-{epoch}.h5", "m-2.h5", "epoch", 1),
    ("out/m.h5", "out/m.h5", "epoch", 0),
    ("a/b/m-{epoch}.h5", "a/b/m-3.h5", "epoch", 2),
    ("b{batch}.h5", "b2.h5", 1, 1),
]


@pytest.mark.clause("PATH-9")
@pytest.mark.parametrize(
    ("template", "folder", "save_freq", "before"),
    [
        pytest.param(
            template,
            folder,
            save_freq,
            before,
            id=f"{template},folder {folder} exists -> OSError showing {folder}",
        )
        for template, folder, save_freq, before in FOLDER_CLASHES
    ],
)
def test_a_path_that_is_an_existing_folder_raises_os_error_showing_it(
    harness, template, folder, save_freq, before
):
    (harness.folder / folder).mkdir(parents=True)
    hook = "on_epoch_end" if save_freq == "epoch" else "on_train_batch_end"

    trace = harness.run(fit(3, 3), filepath=template, save_freq=save_freq)

    if save_freq == "epoch":
        saves = [
            saved_at_epoch_end(e, formatted(template, e, {})) for e in range(before)
        ]
    else:
        saves = [
            saved_at_batch_end(0, b, formatted(template, 0, {}, b))
            for b in range(before)
        ]
    expect(trace, saves=saves, error=raises(OSError, folder, at=hook))


@pytest.mark.clause("PATH-9")
@pytest.mark.parametrize(
    ("template", "weights_only", "best_only"),
    [
        pytest.param("w.weights.h5", True, False, id="save_weights: w.weights.h5"),
        pytest.param("best.h5", False, True, id="save_best_only: best.h5"),
    ],
)
def test_a_folder_in_the_way_raises_os_error_for_every_kind_of_save(
    harness, template, weights_only, best_only
):
    (harness.folder / template).mkdir()

    trace = harness.run(
        fit(1, epoch_logs={"val_loss": 0.5}),
        filepath=template,
        save_weights_only=weights_only,
        save_best_only=best_only,
        mode="min",
    )

    expect(trace, saves=[], error=raises(OSError, template, at="on_epoch_end"))

"""SAVE: which model method a save calls, with which arguments, how often."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from conformance.expect import ConformanceFailure, expect
from conformance.harness import (
    Harness,
    ProbeModel,
    Recorder,
    Save,
    Trace,
    saved_at_batch_end,
    saved_at_epoch_end,
)
from conformance.lifecycle import Lifecycle, fit


def method_of(weights_only: bool) -> str:
    return "save_weights" if weights_only else "save"


def template_of(weights_only: bool) -> str:
    # Keras 3 accepts only these suffixes; the suffix is not what is tested here.
    return "m{epoch}.weights.h5" if weights_only else "m{epoch}.h5"


@dataclasses.dataclass(frozen=True)
class Trigger:
    """A way of reaching save decisions, and where the saves then happen."""

    name: str
    kwargs: Mapping[str, Any]
    lifecycle: Lifecycle
    saves_at: Sequence[tuple[int, int | None]]  # (epoch, batch or None)

    def expected(self, weights_only: bool, template: str | None = None) -> list[Save]:
        method = method_of(weights_only)
        template = template or template_of(weights_only)
        return [
            saved_at_epoch_end(epoch, template.format(epoch=epoch + 1), method)
            if batch is None
            else saved_at_batch_end(
                epoch, batch, template.format(epoch=epoch + 1), method
            )
            for epoch, batch in self.saves_at
        ]


BEST_ONLY = {"save_best_only": True, "monitor": "loss", "mode": "min"}

TRIGGERS = [
    Trigger("epoch end", {}, fit(2, epoch_logs={"loss": 0.5}), [(0, None), (1, None)]),
    Trigger(
        "batch end",
        {"save_freq": 2},
        fit(1, 4, epoch_logs={"loss": 0.5}, batch_logs={"loss": 0.5}),
        [(0, 1), (0, 3)],
    ),
    Trigger(
        "best-only epoch end",
        BEST_ONLY,
        fit(3, epoch_logs=[{"loss": 0.5}, {"loss": 0.6}, {"loss": 0.4}]),
        [(0, None), (2, None)],
    ),
    Trigger(
        "best-only batch end",
        BEST_ONLY | {"save_freq": 1},
        # One batch per epoch, so every comparison follows an epoch end.
        fit(2, 1, epoch_logs={"loss": 0.5}, batch_logs={"loss": 0.5}),
        [(0, 0)],
    ),
]
TRIGGER_CASES = [(t, w) for t in TRIGGERS for w in (False, True)]


def _case_id(trigger: Trigger, weights_only: bool) -> str:
    return (
        f"save_weights_only={weights_only},{trigger.name} -> {method_of(weights_only)}"
    )


def expect_keyword(trace: Trace, keyword: str, value: Any) -> None:
    """Check that every save was called with ``keyword`` set to ``value`` itself."""
    __tracebackhide__ = True
    wrong = [
        f"{save}: keyword arguments {dict(save.kwargs)!r}"
        for save in trace.saves
        if save.kwargs.get(keyword) is not value
    ]
    if wrong:
        clause = ", ".join(trace.clauses)
        raise ConformanceFailure(
            "\n".join(
                [
                    f"[{clause}] the run does not conform",
                    f"save called without {keyword}={value!r}:",
                    *(f"  {line}" for line in wrong),
                    "callback and lifecycle:",
                    trace.describe(),
                ]
            )
        )


# -- SAVE-1: the method and its arguments ----------------------------------------------


@pytest.mark.clause("SAVE-1")
@pytest.mark.parametrize(
    ("trigger", "weights_only"),
    TRIGGER_CASES,
    ids=[_case_id(t, w) for t, w in TRIGGER_CASES],
)
def test_save_weights_only_chooses_the_save_method(harness, trigger, weights_only):
    trace = harness.run(
        trigger.lifecycle,
        filepath=template_of(weights_only),
        save_weights_only=weights_only,
        **trigger.kwargs,
    )

    expect(trace, saves=trigger.expected(weights_only))


@pytest.mark.clause("SAVE-1")
@pytest.mark.parametrize(
    ("trigger", "weights_only"),
    TRIGGER_CASES,
    ids=[f"save_weights_only={w},{t.name} -> overwrite=True" for t, w in TRIGGER_CASES],
)
def test_every_save_passes_overwrite_true(harness, trigger, weights_only):
    trace = harness.run(
        trigger.lifecycle,
        filepath=template_of(weights_only),
        save_weights_only=weights_only,
        **trigger.kwargs,
    )

    expect(trace, saves=trigger.expected(weights_only))
    expect_keyword(trace, "overwrite", True)


# -- SAVE-6/keras2: an options object reaches the save -------------------------------

#: Templates of no native Keras format, whose saves take options in the Keras 2
#: line (the suffixes are not otherwise tested here).
OPTIONS_TEMPLATES = ("m{epoch}", "m{epoch}.h5")
OPTIONS_CASES = [
    (t, w, template)
    for t in TRIGGERS
    for w in (False, True)
    for template in OPTIONS_TEMPLATES
]


@pytest.mark.clause("SAVE-6/keras2")
@pytest.mark.parametrize(
    ("trigger", "weights_only", "template"),
    OPTIONS_CASES,
    ids=[
        f"save_weights_only={w},{t.name},{template} -> options passed"
        for t, w, template in OPTIONS_CASES
    ],
)
def test_the_options_given_reach_every_save(harness, trigger, weights_only, template):
    options = harness.implementation.make_options(weights_only)
    trace = harness.run(
        trigger.lifecycle,
        filepath=template,
        save_weights_only=weights_only,
        options=options,
        **trigger.kwargs,
    )

    expect(trace, saves=trigger.expected(weights_only, template))
    expect_keyword(trace, "options", options)


@pytest.mark.clause("SAVE-1")
@pytest.mark.profiles("keras2")  # `options` is an argument of the Keras 2 line only
@pytest.mark.parametrize(
    ("trigger", "weights_only", "template"),
    OPTIONS_CASES,
    ids=[
        f"save_weights_only={w},{t.name},{template},options given -> overwrite=True"
        for t, w, template in OPTIONS_CASES
    ],
)
def test_saves_given_options_still_pass_overwrite_true(
    harness, trigger, weights_only, template
):
    trace = harness.run(
        trigger.lifecycle,
        filepath=template,
        save_weights_only=weights_only,
        options=harness.implementation.make_options(weights_only),
        **trigger.kwargs,
    )

    expect(trace, saves=trigger.expected(weights_only, template))
    expect_keyword(trace, "overwrite", True)


# -- SAVE-2: whatever the model's class ------------------------------------------------


def _probe_class(name: str, **attributes: Any) -> Callable[[Recorder], Any]:
    """A probe model whose class has ``name`` (and ``attributes``)."""
    return type(name, (ProbeModel,), dict(attributes))


def _framework_subclass(harness: Harness) -> Callable[[Recorder], Any] | None:
    """A subclassed model of the implementation's framework, or None.

    tensorflow#39679: subclassed models (neither Sequential nor functional)
    were once switched to weights-only saves.
    """
    own = harness.implementation.make_model(Recorder(harness.folder))
    base = next((cls for cls in type(own).__mro__ if cls.__name__ == "Model"), None)
    if base is None:
        return None

    class CustomModel(base):
        def call(self, inputs):
            return inputs

    def make(recorder: Recorder) -> Any:
        model = CustomModel()
        model.save = recorder.saver("save")
        model.save_weights = recorder.saver("save_weights")
        model.load_weights = recorder.load_weights
        return model

    return make


MODEL_KINDS: dict[str, Callable[[Harness], Callable[[Recorder], Any] | None]] = {
    "the implementation's own model": lambda h: h.implementation.make_model,
    "a plain object": lambda h: ProbeModel,
    "a class named Sequential": lambda h: _probe_class("Sequential"),
    "a class named Functional": lambda h: _probe_class("Functional"),
    "a class named Model": lambda h: _probe_class("Model"),
    "a subclassed model, no graph network": lambda h: _probe_class(
        "MySubclassedModel", _is_graph_network=False
    ),
    "a graph network": lambda h: _probe_class("MyNetwork", _is_graph_network=True),
    "a subclassed model of the framework": _framework_subclass,
}
MODEL_CASES = [(kind, w) for kind in MODEL_KINDS for w in (False, True)]


@pytest.mark.clause("SAVE-2")
@pytest.mark.parametrize(
    ("kind", "weights_only"),
    MODEL_CASES,
    ids=[f"{kind},save_weights_only={w} -> {method_of(w)}" for kind, w in MODEL_CASES],
)
def test_the_save_method_follows_the_flag_for_every_kind_of_model(
    harness, kind, weights_only
):
    make_model = MODEL_KINDS[kind](harness)
    if make_model is None:
        pytest.skip("the implementation's model belongs to no framework Model class")
    implementation = dataclasses.replace(harness.implementation, make_model=make_model)
    runner = Harness(implementation, harness.folder, harness.clauses)

    trace = runner.run(
        fit(2, epoch_logs={"loss": 0.5}),
        filepath=template_of(weights_only),
        save_weights_only=weights_only,
    )

    expect(trace, saves=TRIGGERS[0].expected(weights_only))


# -- SAVE-3: one call per decision -----------------------------------------------------


def decisions(epochs: int, batches: int, save_freq: int | str) -> list[tuple[int, Any]]:
    """The oracle: (epoch, batch or None) of every save attempt of a plain fit.

    For an integer ``save_freq`` of N >= 1 over consecutive batch indices, an
    attempt happens at every N-th batch counted across epochs.
    """
    if save_freq == "epoch":
        return [(epoch, None) for epoch in range(epochs)]
    every = max(save_freq, 1)
    batch_ends = [(e, b) for e in range(epochs) for b in range(batches)]
    return [where for count, where in enumerate(batch_ends, 1) if count % every == 0]


PLAIN_RUNS = [
    (epochs, batches, freq)
    for epochs, batches, freq in [
        (1, 0, "epoch"),
        (3, 2, "epoch"),
        (5, 0, "epoch"),
        (2, 3, 1),
        (2, 3, 2),
        (3, 4, 5),
        (1, 4, 0),
    ]
]
ONE_CALL_CASES = [(run, w) for run in PLAIN_RUNS for w in (False, True)]


@pytest.mark.clause("SAVE-3")
@pytest.mark.parametrize(
    ("run", "weights_only"),
    ONE_CALL_CASES,
    ids=[
        f"{e} epochs of {b} batches,save_freq={f!r},save_weights_only={w}"
        " -> one call per attempt"
        for (e, b, f), w in ONE_CALL_CASES
    ],
)
def test_each_save_decision_makes_one_call(harness, run, weights_only):
    epochs, batches, save_freq = run
    template, method = template_of(weights_only), method_of(weights_only)
    expected = [
        saved_at_epoch_end(epoch, template.format(epoch=epoch + 1), method)
        if batch is None
        else saved_at_batch_end(epoch, batch, template.format(epoch=epoch + 1), method)
        for epoch, batch in decisions(epochs, batches, save_freq)
    ]

    trace = harness.run(
        fit(epochs, batches, epoch_logs={"loss": 0.5}, batch_logs={"loss": 0.5}),
        filepath=template,
        save_weights_only=weights_only,
        save_freq=save_freq,
    )

    expect(trace, saves=expected)


@pytest.mark.clause("SAVE-3")
@pytest.mark.parametrize(
    "weights_only", [False, True], ids=lambda w: f"save_weights_only={w}"
)
def test_each_improvement_makes_one_call(harness, weights_only):
    losses = [0.5, 0.4, 0.3, 0.2]
    template, method = template_of(weights_only), method_of(weights_only)

    trace = harness.run(
        fit(4, epoch_logs=[{"loss": loss} for loss in losses]),
        filepath=template,
        save_weights_only=weights_only,
        **BEST_ONLY,
    )

    expect(
        trace,
        saves=[
            saved_at_epoch_end(e, template.format(epoch=e + 1), method)
            for e in range(4)
        ],
    )


@pytest.mark.clause("SAVE-3")
@pytest.mark.parametrize(
    "weights_only", [False, True], ids=lambda w: f"save_weights_only={w}"
)
def test_a_save_over_an_existing_file_makes_one_call(harness, weights_only):
    # A callback that removed or renamed the old file first would still make
    # one call; one that retried or saved twice "to be safe" would not.
    path = template_of(weights_only).format(epoch=1)
    (harness.folder / path).write_text("an earlier checkpoint\n", encoding="utf-8")

    trace = harness.run(
        fit(1, epoch_logs={"loss": 0.5}),
        filepath=path,
        save_weights_only=weights_only,
    )

    expect(
        trace,
        saves=[saved_at_epoch_end(0, path, method_of(weights_only))],
        files=[path],
    )

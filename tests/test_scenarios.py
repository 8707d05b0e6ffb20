"""Scenario files: the schema, the shipped scenarios, validation and replay."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from conformance import implementations, scenarios
from conformance.expect import ConformanceFailure
from conformance.plugin import DEFAULT_IMPL

SPEC = Path(__file__).parents[1] / "SPEC.md"
ROOT = Path(__file__).parents[1]

#: Clauses no scenario can check: positional construction (CON-2), since a
#: scenario gives its arguments by keyword.
WITHOUT_SCENARIO = {"CON-2"}

#: The faults of the field reports SPEC.md was checked against, each of which
#: a scenario names. The distributed-training reports are not here: SPEC.md
#: leaves strategies out.
FIELD_REPORTS = (
    "keras-team/keras#7541",
    "tensorflow/tensorflow#38668",
    "tensorflow/tensorflow#40907",
    "keras-team/keras#19339",
    "tensorflow/tensorflow#27909",
    "Lightning-AI/pytorch-lightning#4468",
    "Lightning-AI/pytorch-lightning#7496",
    "Lightning-AI/pytorch-lightning#16636",
    "keras-team/keras#13510",
    "tensorflow/docs#2042",
    "tensorflow/tensorflow#41632",
    "keras-team/keras#13689",
    "Lightning-AI/pytorch-lightning#20075",
    "Lightning-AI/pytorch-lightning#11979",
    "Lightning-AI/pytorch-lightning#2636",
    "Lightning-AI/pytorch-lightning#1008",
    "tensorflow/tensorflow#59577",
    "keras-team/keras#12576",
    "keras-team/keras#21118",
    "keras-team/keras#10863",
    "Lightning-AI/pytorch-lightning#4668",
    "Lightning-AI/pytorch-lightning#19844",
    "tensorflow/tensorflow#39679",
    "tensorflow/tensorflow#37839",
    "keras-team/keras#20490",
    "tensorflow/tensorflow#74342",
    "keras-team/keras-io#1568",
    "tensorflow/tensorflow#44218",
)

#: A valid file of one scenario, to break one part at a time.
VALID = {
    "format": scenarios.FORMAT,
    "scenarios": [
        {
            "id": "path-1-example",
            "title": "The first epoch is named 1.",
            "clauses": ["PATH-1"],
            "profiles": ["keras2", "keras3"],
            "arguments": {"filepath": "m-{epoch}.h5"},
            "events": [
                {"hook": "on_epoch_begin", "index": 0, "logs": {}},
                {"hook": "on_epoch_end", "index": 0, "logs": {}},
            ],
            "expected": {
                "saves": [{"at": 1, "method": "save", "path": "m-1.h5"}],
                "lines": [],
                "warnings": [],
                "error": None,
                "files": ["m-1.h5"],
            },
        }
    ],
}


def broken(change) -> str:
    data = json.loads(json.dumps(VALID))
    change(data["scenarios"][0])
    return json.dumps(data)


def spec_clauses() -> set[str]:
    text = SPEC.read_text(encoding="utf-8")
    return set(re.findall(r"^\*\*([A-Z]+-\d+(?:/[a-z0-9]+)?)\*\*", text, re.M))


# -- the shipped scenarios -------------------------------------------------------------


@pytest.mark.parametrize(
    "item",
    scenarios.shipped_files(),
    ids=lambda item: f"{item.name} -> valid against the schema",
)
def test_every_shipped_scenario_file_is_valid_against_the_schema(item) -> None:
    import jsonschema

    schema = json.loads(
        resources.files("conformance.fixtures")
        .joinpath("scenario.schema.json")
        .read_text(encoding="utf-8")
    )

    jsonschema.validate(json.loads(item.read_text(encoding="utf-8")), schema)


def test_there_are_at_least_150_scenarios_with_unique_ids() -> None:
    shipped = scenarios.load_shipped()

    assert len(shipped) >= 150
    assert len({scenario.id for scenario in shipped}) == len(shipped)


def test_every_clause_a_keyword_can_reach_has_a_scenario() -> None:
    named = {clause for s in scenarios.load_shipped() for clause in s.clauses}

    assert spec_clauses() - WITHOUT_SCENARIO - named == set()
    assert named - spec_clauses() == set()


def test_every_field_report_has_a_scenario() -> None:
    named = {report for s in scenarios.load_shipped() for report in s.reports}

    assert set(FIELD_REPORTS) - named == set()


def test_the_shipped_files_are_what_the_catalog_writes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "conformance.scenarios", "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("profile", implementations.PROFILES)
def test_the_reference_replays_every_scenario_of_its_profile(tmp_path, profile) -> None:
    reference = implementations.load(DEFAULT_IMPL).for_profile(profile)

    for number, scenario in enumerate(scenarios.load_shipped()):
        if profile in scenario.profiles:
            folder = tmp_path / str(number)
            folder.mkdir()
            scenarios.check(scenario, scenarios.replay(reference, scenario, folder))


# -- values and events -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        pytest.param(math.inf, {"$float": "inf"}, id="inf -> $float"),
        pytest.param(-math.inf, {"$float": "-inf"}, id="-inf -> $float"),
        pytest.param(Path("a/m.h5"), {"$path": "a/m.h5"}, id="Path -> $path"),
        pytest.param(np.int64(2), {"$int64": 2}, id="numpy.int64 -> $int64"),
        pytest.param([0.0, "x"], [0.0, "x"], id="list -> list"),
        pytest.param(2, 2, id="int -> int"),
        pytest.param(2.0, 2.0, id="float -> float"),
    ],
)
def test_a_value_is_written_and_read_back(value, written) -> None:
    assert scenarios.encode_value(value) == written
    back = scenarios.decode_value(json.loads(json.dumps(written)))
    assert type(back) is type(value) and back == value


def test_nan_and_arrays_are_written_and_read_back() -> None:
    assert math.isnan(scenarios.decode_value(scenarios.encode_value(math.nan)))
    array = scenarios.decode_value(scenarios.encode_value(np.array([0.1, 0.2])))
    assert array.tolist() == [0.1, 0.2]


def test_logs_left_out_null_and_given_read_as_three_calls() -> None:
    events = scenarios.decode_events(
        [
            {"hook": "on_epoch_begin", "index": 3},
            {"hook": "on_epoch_end", "index": 3, "logs": None},
            {"hook": "on_predict_begin", "logs": {"x": 1}},
        ]
    )

    assert [event.args() for event in events] == [(3,), (3, None), ({"x": 1},)]
    assert [event.epoch for event in events] == [3, 3, None]


# -- malformed files -------------------------------------------------------------------


MALFORMED = {
    "a hook that does not exist": (
        lambda s: s["events"][0].update(hook="on_epoch"),
        "at scenarios/0/events/0",
    ),
    "no expected trace": (lambda s: s.pop("expected"), "'expected' is a required"),
    "an index on a hook that takes none": (
        lambda s: s["events"].append({"hook": "on_train_end", "index": 0}),
        "at scenarios/0/events/2",
    ),
    "an unknown tagged value": (
        lambda s: s["arguments"].update(mode={"$set": ["min"]}),
        "at scenarios/0/arguments/mode",
    ),
    "an id with spaces": (
        lambda s: s.update(id="path 1"),
        "at scenarios/0/id",
    ),
    "a save at an event that does not exist": (
        lambda s: s["expected"]["saves"][0].update(at=7),
        "at=7 names no event; it has 2 events",
    ),
    "a variant clause with the other profile": (
        lambda s: s.update(clauses=["BEST-2/keras3"]),
        "profiles=['keras2'] but its clauses",
    ),
}


@pytest.mark.parametrize(
    ("change", "fragment"),
    MALFORMED.values(),
    ids=[f"{what} -> ScenarioError naming the place" for what in MALFORMED],
)
def test_a_malformed_scenario_is_rejected_naming_the_file_and_the_place(
    change, fragment
) -> None:
    with pytest.raises(scenarios.ScenarioError) as raised:
        scenarios.parse(broken(change), "mine.json")

    assert str(raised.value).startswith("mine.json: ")
    assert fragment in str(raised.value)


def test_a_file_that_is_not_json_is_rejected_naming_it() -> None:
    with pytest.raises(scenarios.ScenarioError, match=r"^mine.json: not valid JSON"):
        scenarios.parse("{", "mine.json")


def test_a_malformed_file_given_to_the_suite_is_one_usage_error_line(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".json", mine=broken(lambda s: s.pop("title")))

    result = pytester.runpytest_subprocess("--impl=reference", "--scenarios=mine.json")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = [line for line in result.outlines + result.errlines if line.strip()]
    assert len(lines) == 1
    assert "mine.json: at scenarios/0: 'title' is a required property" in lines[0]


def test_a_given_scenario_with_a_shipped_id_is_refused(
    pytester: pytest.Pytester,
) -> None:
    taken = scenarios.load_shipped()[0].id
    pytester.makefile(".json", mine=broken(lambda s: s.update(id=taken)))

    result = pytester.runpytest_subprocess("--impl=reference", "--scenarios=mine.json")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{taken!r} is already used in the shipped*"])


# -- replaying -------------------------------------------------------------------------


@pytest.fixture
def reference() -> implementations.Implementation:
    return implementations.load(DEFAULT_IMPL)


def test_a_scenario_given_to_the_suite_is_replayed(pytester: pytest.Pytester) -> None:
    pytester.makefile(".json", mine=json.dumps(VALID))

    result = pytester.runpytest_subprocess(
        "--impl=reference", "--scenarios=mine.json", "-k", "path-1-example", "-q"
    )

    result.assert_outcomes(passed=1)


def test_a_trace_that_differs_fails_with_the_scenario_clauses(
    reference, tmp_path
) -> None:
    [scenario] = scenarios.parse(
        broken(lambda s: s["expected"]["saves"][0].update(path="m-0.h5")), "mine"
    )

    observed = scenarios.replay(reference, scenario, tmp_path)

    with pytest.raises(ConformanceFailure, match=r"^\[PATH-1\] the run does not"):
        scenarios.check(scenario, observed)


def test_a_warning_at_another_event_fails(reference, tmp_path) -> None:
    [scenario] = scenarios.parse(
        broken(
            lambda s: (
                s["arguments"].update(mode="lowest")
                or s["expected"]["warnings"].append({"at": 1, "mentions": ["lowest"]})
            )
        ),
        "mine",
    )

    observed = scenarios.replay(reference, scenario, tmp_path)

    assert observed.warning_at == ["construction"]
    with pytest.raises(ConformanceFailure, match="warnings came at other steps"):
        scenarios.check(scenario, observed)


def test_an_error_is_placed_at_its_event(reference, tmp_path) -> None:
    [scenario] = scenarios.parse(
        broken(lambda s: s["arguments"].update(filepath="m-{val_loss}.h5")), "mine"
    )

    observed = scenarios.replay(reference, scenario, tmp_path)

    assert observed.error_at == 1
    assert scenarios.builtin_error_name(observed.trace.error) == "KeyError"


def test_a_framework_error_compares_as_the_builtin_it_derives_from() -> None:
    class FrameworkError(FileExistsError):
        pass

    assert scenarios.builtin_error_name(FrameworkError()) == "FileExistsError"
    assert scenarios.builtin_error_name(type("Own", (Exception,), {})()) == (
        "Exception"
    )


# -- the package -----------------------------------------------------------------------


@pytest.mark.slow
def test_the_wheel_ships_the_schema_and_the_scenarios(tmp_path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
        + ["--quiet", "-w", str(tmp_path), str(ROOT)],
        check=True,
        timeout=300,
    )

    [wheel] = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "conformance/fixtures/scenario.schema.json" in names
    assert "conformance/fixtures/scenarios/README.md" in names
    shipped = {f"conformance/fixtures/scenarios/{f.name}" for f in FOLDER.glob("*")}
    assert shipped <= names


FOLDER = ROOT / "fixtures" / "scenarios"

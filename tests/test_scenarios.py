"""Scenario files: the schema, the shipped scenarios, validation and replay."""

from __future__ import annotations

import builtins
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

from conformance import differential, implementations, scenarios
from conformance.expect import ConformanceFailure
from conformance.plugin import DEFAULT_IMPL
from conformance.scenarios import __main__ as scenarios_command

SPEC = Path(__file__).parents[1] / "SPEC.md"
ROOT = Path(__file__).parents[1]

#: Clauses no scenario can check: positional construction (CON-2), since a
#: scenario gives its arguments by keyword; what a checkpoint file holds
#: (SAVE-5) and training under a distribution strategy (DIST-1, DIST-2), since
#: a scenario drives hooks by hand, with no real model and in one process;
#: the options object a save receives (SAVE-6/keras2), since a scenario's
#: arguments are JSON data and its saves are compared without their keywords.
WITHOUT_SCENARIO = {"CON-2", "SAVE-5", "SAVE-6/keras2", "DIST-1", "DIST-2"}

#: The faults of the field reports SPEC.md was checked against, each of which
#: a scenario names. The distributed-training reports are not here: they are
#: DIST-2's, which needs worker processes (conformance/suite/test_distribution.py).
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


def test_the_shipped_files_are_what_the_catalog_writes(tmp_path) -> None:
    # Run outside the checkout, so that the installed package is the one run.
    done = subprocess.run(
        [sys.executable, "-m", "conformance.scenarios", "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
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
    "a prepared file at an absolute path": (
        lambda s: s.update(prepare={"files": {"/tmp/elsewhere.h5": ""}}),
        "at scenarios/0/prepare/files: '/tmp/elsewhere.h5' is not a relative path",
    ),
    "a prepared folder above the run's folder": (
        lambda s: s.update(prepare={"folders": ["ckpt/../../up"]}),
        "'ckpt/../../up' is not a relative path inside the run's folder",
    ),
    "a prepared file that another prepared path is inside": (
        lambda s: s.update(prepare={"files": {"a": "", "a/b": ""}}),
        "scenario 'path-1-example': prepare makes 'a' a file and 'a/b' a path",
    ),
    "a prepared path that is a file and a folder": (
        lambda s: s.update(prepare={"files": {"a": ""}, "folders": ["a"]}),
        "prepare makes 'a' both a file and a folder",
    ),
    "a failing model raising an exception that does not exist": (
        lambda s: s.update(model={"fails_after": 0, "error": "FooError"}),
        "at scenarios/0/model/error: 'FooError' is not one of ['OSError'",
    ),
    "a failing model raising BaseException": (
        lambda s: s.update(model={"fails_after": 0, "error": "BaseException"}),
        "at scenarios/0/model/error: 'BaseException' is not one of",
    ),
    "an expected error type that does not exist": (
        lambda s: s["expected"].update(
            error={"at": 1, "types": ["FooError"], "mentions": []}
        ),
        "error type 'FooError' is not one of Python's built-in exception classes",
    ),
    "an expected error at set_params with no params": (
        lambda s: s["expected"].update(
            error={"at": "set_params", "types": ["ValueError"], "mentions": []}
        ),
        "at='set_params' names a step the scenario does not take",
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


def test_every_error_a_failing_model_may_raise_is_a_builtin_exception() -> None:
    schema = json.loads(
        resources.files("conformance.fixtures")
        .joinpath("scenario.schema.json")
        .read_text(encoding="utf-8")
    )

    names = schema["$defs"]["save_error"]["enum"]

    kinds = [getattr(builtins, name, None) for name in names]
    assert all(isinstance(kind, type) and issubclass(kind, Exception) for kind in kinds)


def test_a_file_that_is_not_json_is_rejected_naming_it() -> None:
    with pytest.raises(scenarios.ScenarioError, match=r"^mine.json: not valid JSON"):
        scenarios.parse("{", "mine.json")


def test_json_nested_too_deeply_is_rejected_naming_the_file() -> None:
    with pytest.raises(
        scenarios.ScenarioError, match="^deep.json: .*nested too deeply"
    ):
        scenarios.parse("[" * 100_000, "deep.json")


NOT_UTF8 = b"\xff\xfe\x00 not text"
DEEP = b"[" * 100_000

UNREADABLE = {
    "a file that is not UTF-8": ("binary.json", NOT_UTF8, "binary.json"),
    "a folder holding one": ("binary.json", NOT_UTF8, "."),
    "JSON nested too deeply": ("deep.json", DEEP, "deep.json"),
}


@pytest.mark.parametrize(
    ("name", "content", "given"),
    UNREADABLE.values(),
    ids=[f"{what} -> one usage error line" for what in UNREADABLE],
)
def test_an_unreadable_scenario_file_is_one_usage_error_line(
    pytester: pytest.Pytester, name: str, content: bytes, given: str
) -> None:
    folder = pytester.mkdir("given")
    (folder / name).write_bytes(content)

    result = pytester.runpytest_subprocess(
        "--impl=reference", f"--scenarios={Path('given', given)}"
    )

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = [line for line in result.outlines + result.errlines if line.strip()]
    assert len(lines) == 1
    assert f"{name}: not " in lines[0]


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


def test_an_empty_scenarios_folder_is_one_usage_error_line(
    pytester: pytest.Pytester,
) -> None:
    pytester.mkdir("empty")

    result = pytester.runpytest_subprocess("--impl=reference", "--scenarios=empty")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = [line for line in result.outlines + result.errlines if line.strip()]
    assert len(lines) == 1
    assert "--scenarios=empty: the folder" in lines[0]
    assert "holds no scenario files" in lines[0]


def test_a_scenario_file_given_twice_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "mine.json").write_text(json.dumps(VALID))

    found = differential.given_scenarios(
        ["mine.json", "./mine.json", str(tmp_path)], tmp_path
    )

    assert [scenario.id for scenario in found] == ["path-1-example"]


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


# -- python -m conformance.scenarios ---------------------------------------------------


@pytest.fixture
def installed_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command as in a non-editable install: no checkout around the package."""
    monkeypatch.setattr(scenarios_command, "ROOT", tmp_path, raising=False)
    monkeypatch.setattr(scenarios_command, "FOLDER", tmp_path / "fixtures/scenarios")


@pytest.mark.usefixtures("installed_copy")
def test_check_in_an_installed_copy_compares_the_installed_files() -> None:
    assert scenarios_command.main(["--check"]) == 0


@pytest.mark.usefixtures("installed_copy")
def test_regenerate_outside_a_checkout_says_so_in_one_line(capsys) -> None:
    code = scenarios_command.main(["--regenerate"])

    assert code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "is not a source checkout" in line


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

"""Reporting a run: the JSON report, JUnit clause properties, summary and header."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import stat
import threading
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from report_runs import Run, run

from conformance import expectations, report, reporting, spec

#: Two tests of PATH-1 and of PATH-4: zoo.zero_based_epoch fails the first and
#: some of the second, zoo.zero_based_batch fails others of the second.
SELECTION = (
    "test_epoch_field_in_a_weights_save_is_the_epoch_index_plus_one"
    " or test_batch_field_is_the_batch_index_plus_one"
)

VERSION = importlib.metadata.version("modelcheckpoint-conformance")


def validate(data: dict) -> None:
    jsonschema.Draft202012Validator(report.schema()).validate(data)


@pytest.fixture(scope="module")
def zoo_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """zoo.zero_based_epoch on the selection: failures of PATH-1 and PATH-4."""
    return run(
        tmp_path_factory.mktemp("zoo"),
        "--impl=zoo.zero_based_epoch",
        "-k",
        SELECTION,
        "--junitxml=junit.xml",
        "--write-expectations=expected/zero_based_epoch.toml",
    )


# -- the JSON report ------------------------------------------------------------


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(report.schema())


def test_a_report_of_a_failing_run_follows_the_schema(zoo_run: Run) -> None:
    assert zoo_run.returncode == pytest.ExitCode.TESTS_FAILED, zoo_run.output
    validate(zoo_run.report)


def test_the_report_names_the_run(zoo_run: Run) -> None:
    data = zoo_run.report

    assert data["implementation"] == {
        "name": "zoo.zero_based_epoch",
        "loaded_as": "zoo",
        "class": "conformance.zoo.paths.ZeroBasedEpoch",
        "version": VERSION,
    }
    assert (data["suite_version"], data["spec_version"]) == (VERSION, "2")
    assert (data["profile"], data["hypothesis_profile"]) == ("keras2", "quick")
    assert data["exit_status"] == pytest.ExitCode.TESTS_FAILED


def test_the_report_has_every_clause_of_the_profile_in_spec_order(
    zoo_run: Run,
) -> None:
    _, clauses = spec.read_spec(spec.SPEC.read_text(encoding="utf-8"))

    ids = [clause["id"] for clause in zoo_run.report["clauses"]]

    assert ids == [clause.id for clause in spec.for_profile(clauses, "keras2")]
    assert "BEST-2/keras2" in ids and "BEST-2/keras3" not in ids


def test_a_failing_clause_lists_its_tests_with_the_first_line_of_each_failure(
    zoo_run: Run,
) -> None:
    clause = zoo_run.clause("PATH-1")

    assert clause["outcome"] == "failed"
    assert len(clause["tests"]) == 5
    for test in clause["tests"]:
        assert test["test"].startswith("test_filepath.py::test_epoch_field_in_a")
        assert test["outcome"] == "failed"
        assert "PATH-1" in test["message"] and "\n" not in test["message"]
        # The line says what differs, not only that something does.
        assert "saves differ" in test["message"]
        assert re.search(r"at epoch_end\(\d+\): expected save", test["message"])


def test_a_clause_passes_when_its_tests_pass(tmp_path: Path) -> None:
    reference = run(tmp_path, "--impl=reference", "-k", SELECTION)

    assert reference.returncode == 0, reference.output
    assert reference.clause("PATH-1")["outcome"] == "passed"
    assert {t["outcome"] for t in reference.clause("PATH-4")["tests"]} == {"passed"}


def test_clauses_whose_tests_did_not_run_are_not_applicable(zoo_run: Run) -> None:
    outcomes = {c["id"]: c["outcome"] for c in zoo_run.report["clauses"]}

    assert outcomes.pop("PATH-1") == outcomes.pop("PATH-4") == "failed"
    assert set(outcomes.values()) == {"not_applicable"}
    assert zoo_run.clause("BEST-1")["tests"] == []


def test_under_xdist_the_report_is_that_of_a_serial_run(tmp_path: Path) -> None:
    args = ("--impl=zoo.zero_based_batch", "-k", SELECTION)

    serial = run(tmp_path / "serial", *args)
    xdist = run(tmp_path / "xdist", *args, "-n", "2")

    validate(xdist.report)

    def clauses(data: dict) -> list:
        return [
            (c["id"], c["outcome"], sorted(map(str, c["tests"])))
            for c in data["clauses"]
        ]

    assert clauses(xdist.report) == clauses(serial.report)
    assert xdist.clause("PATH-4")["outcome"] == "failed"
    assert (
        xdist.report["tests"] == serial.report["tests"] == {"failed": 12, "passed": 5}
    )


def installed(distribution: str) -> str | None:
    """The installed version of ``distribution``, None when it is not installed.

    The project's own tests run both beside TensorFlow and without it.
    """
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def test_a_reference_run_under_xdist_imports_no_framework(tmp_path: Path) -> None:
    reference = run(tmp_path, "--impl=reference", "-k", "PATH-1", "-n", "2")

    data = reference.report
    validate(data)
    assert not any(info["imported"] for info in data["frameworks"].values())
    assert data["frameworks"]["tensorflow"]["version"] == installed("tensorflow")


FRAMEWORK_USER = """
from reference_impl import ModelCheckpoint


class Checkpoint(ModelCheckpoint):
    def on_epoch_end(self, epoch, logs=None):
        import jax  # only a process that trains imports the framework

        super().on_epoch_end(epoch, logs)
"""


def test_frameworks_imported_only_by_xdist_workers_are_reported_as_imported(
    pytester: pytest.Pytester,
) -> None:
    # A stand-in "jax" in the test folder: a real one need not be installed.
    pytester.makepyfile(jax="", framework_user=FRAMEWORK_USER)

    pytester.runpytest_subprocess(
        "--impl=framework_user:Checkpoint",
        "-k",
        "FREQ-1",
        "-n",
        "2",
        "--conformance-report=report.json",
    )

    data = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    assert data["frameworks"]["jax"] == {"version": None, "imported": True}
    assert data["frameworks"]["tensorflow"]["imported"] is False
    assert data["implementation"]["loaded_as"] == "module:Class"
    assert data["implementation"]["version"] is None  # not from a distribution


def test_a_folder_as_report_path_is_one_usage_error_line(
    pytester: pytest.Pytester,
) -> None:
    pytester.mkdir("out")

    result = pytester.runpytest_subprocess(
        "--impl=reference", "--conformance-report=out"
    )

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    line = next(line for line in result.stderr.lines if "--conformance-report" in line)
    assert "'out' is not a file path" in line


def test_the_report_is_replaced_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.json"
    reporting.write_atomically(target, "old")

    def fail(source: str, destination: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        reporting.write_atomically(target, "new")

    assert target.read_text() == "old"
    assert [path.name for path in tmp_path.iterdir()] == ["report.json"]


def test_writing_through_a_symbolic_link_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)

    reporting.write_atomically(link, "new")

    assert link.is_symlink()
    assert real.read_text() == "new"


def test_a_fifo_is_written_to_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()

    reporting.write_atomically(fifo, "through the pipe")
    reader.join(timeout=10)

    assert received == ["through the pipe"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_new_file_gets_the_permissions_the_umask_allows(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        reporting.write_atomically(tmp_path / "report.json", "{}")
    finally:
        os.umask(previous)

    assert stat.S_IMODE((tmp_path / "report.json").stat().st_mode) == 0o640


def test_a_write_error_names_the_path_given(tmp_path: Path) -> None:
    link = tmp_path / "report.json"
    link.symlink_to(tmp_path / "missing" / "report.json")

    with pytest.raises(FileNotFoundError) as error:
        reporting.write_atomically(link, "{}")

    assert error.value.filename == str(link)


# -- JUnit XML, the terminal summary, the header ----------------------------------


def test_junit_xml_carries_each_tests_clauses_as_properties(zoo_run: Run) -> None:
    cases = list(ET.parse(zoo_run.folder / "junit.xml").iter("testcase"))

    clauses = {
        case.get("name"): [
            p.get("value") for p in case.iter("property") if p.get("name") == "clause"
        ]
        for case in cases
    }

    assert len(clauses) == 17
    for name, ids in clauses.items():
        expected = "PATH-1" if name.startswith("test_epoch_field") else "PATH-4"
        assert ids == [expected], name


def test_the_summary_counts_clauses_per_area_and_names_new_failures(
    zoo_run: Run,
) -> None:
    lines = zoo_run.output.splitlines()

    area = next(line for line in lines if line.startswith("PATH "))
    assert area.endswith("0 passed, 2 failed, 0 declared, 8 not applicable")
    assert "new failures (no declared difference): 9" in lines
    assert "  by clause: PATH-1 5, PATH-4 4" in lines
    assert (
        "  [PATH-1] test_filepath.py::test_epoch_field_in_a_weights_save_is_the_epoch"
        "_index_plus_one[epoch index 7 -> w-008]"
    ) in lines
    assert sum(line.startswith("  [PATH-4] ") for line in lines) == 4


def test_the_summary_is_there_under_xdist(tmp_path: Path) -> None:
    xdist = run(tmp_path, "--impl=zoo.zero_based_batch", "-k", SELECTION, "-n", "2")

    assert "new failures (no declared difference): 12" in xdist.output
    assert xdist.output.count("\n  [PATH-4] test_filepath.py::test_batch_field") == 12


def test_the_header_names_the_implementation_its_version_frameworks_and_profile(
    zoo_run: Run,
) -> None:
    header = zoo_run.output.split("collected", 1)[0]

    assert "implementation zoo.zero_based_epoch" in header
    assert f"implementation version: {VERSION} (zoo.zero_based_epoch" in header
    assert "conformance profile: keras2" in header
    tensorflow = installed("tensorflow")
    if tensorflow is None:
        assert "frameworks installed: none" in header
    else:
        assert f"frameworks installed: tensorflow {tensorflow}" in header


# -- writing expectations -------------------------------------------------------


@pytest.fixture(scope="module")
def written(zoo_run: Run) -> Path:
    return zoo_run.folder / "expected" / "zero_based_epoch.toml"


def test_written_expectations_declare_each_failure_with_a_dated_reason(
    written: Path, zoo_run: Run
) -> None:
    differences = expectations.load_file(written)

    failed = {
        test["test"]
        for clause in zoo_run.report["clauses"]
        for test in clause["tests"]
        if test["outcome"] == "failed"
    }
    assert {d.tests for d in differences} == {(test,) for test in failed}
    for difference in differences:
        assert difference.reason.startswith(
            f"Recorded as the failure observed on {zoo_run.report['created'][:10]}: ["
        )
        assert "\n" not in difference.reason


def test_written_expectations_make_the_same_fault_pass(written: Path) -> None:
    again = run(
        written.parent.parent / "again",
        "--impl=zoo.zero_based_epoch",
        "-k",
        SELECTION,
        f"--expectations={written}",
        "--write-expectations=rewritten.toml",
    )

    assert again.returncode == 0, again.output
    validate(again.report)  # a report with declared differences
    assert again.clause("PATH-1")["outcome"] == "declared"
    assert again.report["tests"] == {"passed": 8, "xfailed": 9}
    # Rewriting keeps the reasons the file gave.
    rewritten = expectations.load_file(again.folder / "rewritten.toml")
    assert {(d.tests, d.reason) for d in rewritten} == {
        (d.tests, d.reason) for d in expectations.load_file(written)
    }


def test_written_expectations_fail_a_different_fault_on_its_new_failures(
    written: Path,
) -> None:
    other = run(
        written.parent.parent / "other",
        "--impl=zoo.zero_based_batch",
        "-k",
        SELECTION,
        f"--expectations={written}",
    )

    assert other.returncode == pytest.ExitCode.TESTS_FAILED
    new = [line for line in other.output.splitlines() if line.startswith("  [PATH-4]")]
    assert len(new) == 8  # the m-{batch} cases; those with {epoch} are declared
    assert all("m-{batch" in line for line in new)
    assert "new failures (no declared difference): 8" in other.output


def test_written_expectations_fail_the_fixed_implementation_on_unexpected_passes(
    written: Path,
) -> None:
    fixed = run(
        written.parent.parent / "fixed",
        "--impl=reference",
        "-k",
        SELECTION,
        f"--expectations={written}",
    )

    assert fixed.returncode == pytest.ExitCode.TESTS_FAILED
    assert "unexpected passes (declared differences that passed): 9" in fixed.output
    assert "take it out of the expectations file named" in fixed.output
    assert f"(declared in {written})" in fixed.output
    assert "new failures" not in fixed.output
    assert fixed.clause("PATH-1")["outcome"] == "failed"
    assert {t["outcome"] for t in fixed.clause("PATH-1")["tests"]} == {
        "unexpected_pass"
    }


@given(st.text())
def test_any_text_survives_as_a_toml_string(text: str) -> None:
    assert tomllib.loads(f"x = {reporting.toml_string(text)}")["x"] == text


@pytest.mark.parametrize("name", ["keras_jax", "keras_torch"])
def test_keras_on_another_backend_has_the_version_of_keras(name: str) -> None:
    # Read from package metadata: nothing is imported, the backend need not be.
    assert reporting.implementation_version(name, None) == installed("keras")

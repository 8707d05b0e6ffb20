"""Differential runs: ``--oracle``, the comparison rules, written divergences."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import differential, implementations, scenarios
from conformance.implementations import Implementation, ImplementationError
from conformance.lifecycle import fit

ZOO = "zoo.count_reset_each_epoch"
WRITTEN = "divergences/divergence-reference-vs-zoo-count-reset-each-epoch.json"


def error_lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines + result.errlines if line.strip()]


# -- the option ------------------------------------------------------------------------


BAD_ORACLES = {
    "an unknown name": ("--oracle=nope", "--oracle=nope is not an implementation"),
    "a module that does not exist": (
        "--oracle=missing_module:Checkpoint",
        "--oracle=missing_module:Checkpoint: importing 'missing_module' failed",
    ),
    "an unknown zoo member": ("--oracle=zoo.nope", "--oracle=zoo.nope is not an"),
    "an empty name": ("--oracle=", "--oracle is empty"),
    "the implementation under test": (
        "--oracle=reference",
        "--oracle=reference names the implementation under test (--impl=reference)",
    ),
}


@pytest.mark.parametrize(
    ("option", "fragment"),
    BAD_ORACLES.values(),
    ids=[f"{what} -> one usage error line" for what in BAD_ORACLES],
)
def test_a_bad_oracle_is_one_usage_error_line_naming_it(
    pytester: pytest.Pytester, option: str, fragment: str
) -> None:
    result = pytester.runpytest_subprocess("--impl=reference", option)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    [line] = error_lines(result)
    assert fragment in line


def test_an_oracle_that_cannot_be_constructed_is_refused_before_any_test(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        bad_oracle="""
        from reference_impl import ModelCheckpoint

        class Checkpoint(ModelCheckpoint):
            def __init__(self):
                pass
        """
    )

    result = pytester.runpytest_subprocess(
        "--impl=reference", "--oracle=bad_oracle:Checkpoint"
    )

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    [line] = error_lines(result)
    assert "--oracle=bad_oracle:Checkpoint: Checkpoint('checkpoint.h5') raised" in line


def test_divergences_naming_a_file_is_one_usage_error_line(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".txt", taken="not a folder")

    result = pytester.runpytest_subprocess(
        "--impl=reference", f"--oracle={ZOO}", "--divergences=taken.txt"
    )

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    [line] = error_lines(result)
    assert "--divergences=taken.txt:" in line
    assert "is not a folder" in line


def test_a_divergence_that_cannot_be_written_is_still_reported(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".txt", taken="not a folder")

    result = pytester.runpytest_subprocess(
        "--impl=reference", f"--oracle={ZOO}", "--divergences=taken.txt/under"
    )

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [f"*reference and {ZOO} diverge*", "*not written as a scenario: *taken.txt*"]
    )


@pytest.mark.parametrize(
    "option",
    ["--divergences=out", "--include-known-differences"],
    ids=lambda option: f"{option} without --oracle -> one usage error line",
)
def test_an_option_of_differential_runs_needs_oracle(
    pytester: pytest.Pytester, option: str
) -> None:
    result = pytester.runpytest_subprocess("--impl=reference", option)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    [line] = error_lines(result)
    assert f"{option.partition('=')[0]} needs --oracle" in line


def test_an_oracle_of_another_profile_only_is_one_usage_error_line(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_subprocess(
        f"--impl={ZOO}", "--oracle=reference", "--profile=keras3"
    )

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    [line] = error_lines(result)
    assert f"--impl={ZOO} (follows keras2)" in line
    assert "do not both follow --profile=keras3" in line


def test_a_run_without_oracle_never_collects_the_differential_test(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_subprocess("--impl=reference", "--collect-only", "-q")

    assert "test_differential" not in result.stdout.str()


def test_the_differential_test_run_without_oracle_says_what_it_needs(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_subprocess(
        "--impl=reference", str(differential.DIFFERENTIAL), "-rs"
    )

    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*give --oracle=NAME*"])


# -- the profile compared under --------------------------------------------------------


@pytest.fixture(scope="module")
def reference() -> Implementation:
    return implementations.load("reference")


def only(profile: str) -> Implementation:
    return Implementation(f"only-{profile}", object, profile=profile)


@pytest.mark.parametrize(
    ("other", "asked", "profile"),
    [
        pytest.param("keras2", None, "keras2", id="reference,keras2 oracle -> keras2"),
        pytest.param("keras3", None, "keras3", id="reference,keras3 oracle -> keras3"),
        pytest.param("keras2", "keras2", "keras2", id="--profile=keras2 -> keras2"),
    ],
)
def test_the_profile_is_one_both_follow(reference, other, asked, profile) -> None:
    assert differential.common_profile(reference, only(other), asked) == profile


def test_the_subject_profile_comes_first_when_both_could_do(reference) -> None:
    assert differential.common_profile(only("keras3"), reference, None) == "keras3"


def test_two_implementations_of_different_profiles_cannot_be_compared() -> None:
    with pytest.raises(ImplementationError, match="share no profile"):
        differential.common_profile(only("keras2"), only("keras3"), None)


def test_known_differences_leave_their_features_out_unless_included() -> None:
    assert set(differential.left_out(["reference", "keras"], False)) == set(
        differential.KNOWN["keras"]
    )
    assert differential.left_out(["reference", "keras"], True) == {}
    assert differential.left_out(["reference", "tf_keras"], False) == {}


# -- the comparison rules --------------------------------------------------------------


def outcome(**parts):
    base = {"saves": [], "lines": [], "warnings": [], "error": None}
    return {**base, **parts}


SAVE = {"at": 2, "method": "save", "path": "m-1.h5"}

RULES = {
    "the same saves, lines, warnings and error -> agree": (
        outcome(saves=[SAVE], warnings=[1], error=("KeyError", 3)),
        outcome(saves=[SAVE], warnings=[1], error=("KeyError", 3)),
        [],
    ),
    "another path -> saves differ": (
        outcome(saves=[SAVE]),
        outcome(saves=[{**SAVE, "path": "m-0.h5"}]),
        ["saves"],
    ),
    "a save at another event -> saves differ": (
        outcome(saves=[SAVE]),
        outcome(saves=[{**SAVE, "at": 3}]),
        ["saves"],
    ),
    "save_weights for save -> saves differ": (
        outcome(saves=[SAVE]),
        outcome(saves=[{**SAVE, "method": "save_weights"}]),
        ["saves"],
    ),
    "one more printed line -> lines differ": (
        outcome(lines=["Epoch 1: saving model to m-1.h5"]),
        outcome(),
        ["lines"],
    ),
    "a warning at another event -> warnings differ": (
        outcome(warnings=[1]),
        outcome(warnings=[2]),
        ["warnings"],
    ),
    "another error type -> error differs": (
        outcome(error=("KeyError", 3)),
        outcome(error=("ValueError", 3)),
        ["error"],
    ),
    "an error at another event -> error differs": (
        outcome(error=("KeyError", 3)),
        outcome(error=("KeyError", 4)),
        ["error"],
    ),
}


@pytest.mark.parametrize(("a", "b", "differences"), RULES.values(), ids=list(RULES))
def test_the_comparison_rules(a, b, differences) -> None:
    assert differential.compare(a, b) == differences


def test_warning_texts_and_files_do_not_count(tmp_path: Path, reference) -> None:
    case = differential.Drawn(
        {"filepath": "m-{epoch}.h5", "save_best_only": True, "mode": "min"},
        scenarios.decode_events(
            [
                {"hook": "on_epoch_begin", "index": 0, "logs": {}},
                {"hook": "on_epoch_end", "index": 0, "logs": {}},
            ]
        ),
    )
    seen = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / f"only-in-{name}.txt").write_text(name)
        observed = scenarios.replay(reference, case.scenario(), folder)
        observed.trace.warnings[:] = [f"a text of {name}'s own"]
        seen.append(differential.outcome(observed, folder))

    assert differential.compare(*seen) == []


def test_each_run_folder_reads_as_folder_in_printed_lines(tmp_path, reference):
    seen = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        case = differential.Drawn(
            {"filepath": str(folder / "m-{epoch}.h5"), "verbose": 1},
            scenarios.decode_events(
                [
                    {"hook": "on_epoch_begin", "index": 0, "logs": {}},
                    {"hook": "on_epoch_end", "index": 0, "logs": {}},
                ]
            ),
        )
        seen.append(
            differential.outcome(
                scenarios.replay(reference, case.scenario(), folder), folder
            )
        )

    assert seen[0]["lines"] == ["Epoch 1: saving model to <folder>/m-1.h5"]
    assert differential.compare(*seen) == []


def test_a_difference_names_the_hooks_it_happened_in() -> None:
    events = fit(1, 2)  # train_begin, epoch_begin(0), batch 0, batch 1, ...
    batch_end = next(
        i for i, e in enumerate(events) if e.hook == "on_train_batch_end" and e.index
    )
    epoch_end = next(i for i, e in enumerate(events) if e.hook == "on_epoch_end")
    a = {"saves": [{"method": "save", "path": "m.h5", "at": batch_end}]}
    b = {"saves": [{"method": "save", "path": "m.h5", "at": epoch_end}]}
    a["error"] = ("ValueError", "construction")
    b["error"] = None

    saves = differential.describe_difference("saves", a, b, ("x", "y"), events)
    error = differential.describe_difference("error", a, b, ("x", "y"), events)

    assert saves == [
        "saves differ:",
        f"  x: save('m.h5') in train_batch_end(1) of epoch 0 (event {batch_end})",
        f"  y: save('m.h5') in epoch_end(0) (event {epoch_end})",
    ]
    assert error == ["error differ:", "  x: ValueError in construction", "  y: (none)"]


# -- a divergence: found, shrunk, printed, written, replayed ---------------------------


@pytest.fixture(scope="module")
def divergence(tmp_path_factory: pytest.TempPathFactory):
    """A differential run of the reference against a zoo member that diverges."""
    folder = tmp_path_factory.mktemp("divergence")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--impl=reference", f"--oracle={ZOO}"]
        + ["-p", "no:cacheprovider", "-q"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return folder, done


def test_a_divergence_fails_the_run_and_prints_the_lifecycle(divergence) -> None:
    _, done = divergence

    assert done.returncode == pytest.ExitCode.TESTS_FAILED
    assert f"reference and {ZOO} diverge under profile keras2" in done.stdout
    assert "saves differ:" in done.stdout
    assert "callback and lifecycle:" in done.stdout
    assert "implementation = load('reference').for_profile('keras2')" in done.stdout


def test_a_divergence_is_shrunk_to_a_short_lifecycle(divergence) -> None:
    folder, _ = divergence
    [scenario] = scenarios.load_file(folder / WRITTEN)

    epoch_ends = [e for e in scenario.events if e.hook == "on_epoch_end"]
    assert len(epoch_ends) <= 3
    assert len(scenario.events) <= 20


def test_a_divergence_is_written_as_a_valid_scenario_of_the_oracle(divergence):
    folder, done = divergence

    [scenario] = scenarios.load_file(folder / WRITTEN)
    assert f"written as a scenario (expected: what {ZOO} did): {WRITTEN}" in done.stdout
    assert scenario.profiles == ("keras2",)
    assert json.loads((folder / WRITTEN).read_text())["format"] == scenarios.FORMAT


@pytest.fixture(scope="module")
def divergence_under_expectations(tmp_path_factory: pytest.TempPathFactory):
    """The divergent run again, given a clause-level entry and --write-expectations."""
    folder = tmp_path_factory.mktemp("divergence_under_expectations")
    (folder / "mine.toml").write_text(
        '[[difference]]\nclause = "PATH-1"\nreason = "Meant for the suite."\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--impl=reference", f"--oracle={ZOO}"]
        + ["--expectations=mine.toml", "--write-expectations=written.toml"]
        + ["-p", "no:cacheprovider", "-q"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return folder, done


def test_an_expectations_entry_does_not_hide_a_divergence(
    divergence_under_expectations,
) -> None:
    _, done = divergence_under_expectations

    assert done.returncode == pytest.ExitCode.TESTS_FAILED
    assert "1 failed" in done.stdout
    assert f"reference and {ZOO} diverge" in done.stdout


def test_write_expectations_does_not_record_the_differential_test(
    divergence_under_expectations,
) -> None:
    folder, _ = divergence_under_expectations

    written = (folder / "written.toml").read_text()
    assert "[[difference]]" not in written


@pytest.mark.parametrize(
    ("impl", "outcome"),
    [
        pytest.param(ZOO, "passed", id="the oracle -> replays as written"),
        pytest.param("reference", "failed", id="the implementation -> diverges again"),
    ],
)
def test_a_written_divergence_replays(divergence, impl, outcome) -> None:
    folder, _ = divergence
    done = subprocess.run(
        [sys.executable, "-m", "pytest", f"--impl={impl}", f"--scenarios={WRITTEN}"]
        + ["-k", "divergence-reference", "-p", "no:cacheprovider", "-q"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )

    outcomes = pytest.RunResult.parse_summary_nouns(done.stdout.splitlines())
    assert {k: v for k, v in outcomes.items() if k != "deselected"} == {outcome: 1}


# -- the built-in implementations ------------------------------------------------------


@pytest.mark.slow
def test_the_reference_and_tf_keras_agree_outside_declared_differences(
    pytester: pytest.Pytester,
) -> None:
    if importlib.util.find_spec("tf_keras") is None:
        pytest.skip("tf_keras is not installed")

    result = pytester.runpytest_subprocess(
        "--impl=reference", "--oracle=tf_keras", "-q", timeout=600
    )

    result.assert_outcomes(passed=1)


@pytest.mark.slow
def test_a_known_difference_of_keras_is_found_when_included(
    pytester: pytest.Pytester,
) -> None:
    if importlib.util.find_spec("keras") is None:
        pytest.skip("keras is not installed")

    result = pytester.runpytest_subprocess(
        "--impl=reference",
        "--oracle=keras",
        "--include-known-differences",
        "-q",
        timeout=600,
    )

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*reference and keras diverge under profile keras3*"])
    assert (
        pytester.path / "divergences" / "divergence-reference-vs-keras.json"
    ).is_file()

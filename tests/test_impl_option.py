"""The ``--impl`` option: built-in names, ``module:Class``, and its usage errors."""

from __future__ import annotations

import pytest

OUTSIDE_MODULE = '''
"""A ModelCheckpoint that lives outside the project."""
from reference_impl import ModelCheckpoint


class Checkpoint(ModelCheckpoint):
    """The reference, reached through a class of another package."""
'''


def error_lines(result: pytest.RunResult) -> list[str]:
    """The non-blank lines pytest printed, on both streams."""
    return [line for line in result.outlines + result.errlines if line.strip()]


def test_an_unknown_name_is_one_usage_error_line_listing_the_choices(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_subprocess("--impl=nope")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    [line] = error_lines(result)
    assert "--impl=nope" in line
    assert "reference, tf_keras, keras" in line


def test_an_unknown_zoo_member_is_one_usage_error_line_listing_the_zoo(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_subprocess("--impl=zoo.nope")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    [line] = error_lines(result)
    assert "--impl=zoo.nope is not an implementation of the fault zoo" in line
    assert "zoo.zero_based_epoch" in line


def test_a_class_outside_the_project_runs_the_installed_suite(
    pytester: pytest.Pytester, suite_module: str
) -> None:
    pytester.makepyfile(outside=OUTSIDE_MODULE)

    # No test path: the plugin runs the installed suite, here one module of it.
    result = pytester.runpytest_subprocess(
        "--impl=outside:Checkpoint", "-k", suite_module
    )

    result.stdout.fnmatch_lines(
        ["*implementation outside:Checkpoint (outside.Checkpoint;*"]
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) > 0
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()


BROKEN_IMPLS = {
    "a module that fails to import": (
        "broken:Checkpoint",
        "importing 'broken' failed: RuntimeError: no framework here",
    ),
    "a module that does not exist": (
        "missing_module:Checkpoint",
        "importing 'missing_module' failed: ModuleNotFoundError",
    ),
    "an attribute that does not exist": (
        "outside:Missing",
        "module 'outside' has no attribute 'Missing'",
    ),
    "an object that is not a class": ("outside:INSTANCE", "which is not a class"),
}


@pytest.fixture
def outside_modules(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        outside=OUTSIDE_MODULE + "\nINSTANCE = Checkpoint('model.keras')\n",
        broken="raise RuntimeError('no framework here')\n",
    )


@pytest.mark.parametrize(
    ("impl", "fragment"),
    BROKEN_IMPLS.values(),
    ids=[f"{what} -> usage error" for what in BROKEN_IMPLS],
)
@pytest.mark.usefixtures("outside_modules")
def test_a_bad_module_path_is_one_usage_error_line_naming_it(
    pytester: pytest.Pytester, impl: str, fragment: str
) -> None:
    result = pytester.runpytest_subprocess(f"--impl={impl}")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    [line] = error_lines(result)
    assert f"--impl={impl}" in line
    assert fragment in line


def test_a_class_missing_hooks_is_one_usage_error_line_naming_them_all(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        partial=OUTSIDE_MODULE
        + "\n\nclass Partial(Checkpoint):\n"
        + "    on_train_begin = None\n    set_params = None\n"
    )

    result = pytester.runpytest_subprocess("--impl=partial:Partial")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    [line] = error_lines(result)
    assert "Partial has no set_params, on_train_begin;" in line
    assert "HOOK-1" in line


@pytest.mark.usefixtures("outside_modules")
def test_a_bad_module_path_under_xdist_is_still_one_usage_error_line(
    pytester: pytest.Pytester,
) -> None:
    # The xdist controller does not load built-in frameworks; it must still
    # load a module path, or every worker crashes with a traceback instead.
    result = pytester.runpytest_subprocess("--impl=outside:Missing", "-n", "2")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    [line] = error_lines(result)
    assert "module 'outside' has no attribute 'Missing'" in line


def test_a_test_path_given_with_impl_runs_only_that_path(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_local="def test_local(implementation):\n    pass\n")

    result = pytester.runpytest_subprocess("--impl=reference", "test_local.py")

    result.assert_outcomes(passed=1)


def test_the_report_header_names_the_implementation_and_profile(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_subprocess("--impl=reference", "--collect-only")

    result.stdout.fnmatch_lines(
        [
            "conformance *: implementation reference "
            "(reference_impl.callback.ModelCheckpoint; built-in)*",
            "conformance profile: keras2",
            "conformance declared differences: *",
        ]
    )


def test_a_run_of_other_tests_gets_no_conformance_header(
    pytester: pytest.Pytester,
) -> None:
    # A project's own tests, run where this plugin is installed.
    pytester.makepyfile(test_own="def test_own():\n    pass\n")

    result = pytester.runpytest_subprocess()

    assert result.ret == pytest.ExitCode.OK
    assert not [line for line in result.outlines if line.startswith("conformance")]
    assert not [line for line in result.outlines if "SPEC.md" in line]

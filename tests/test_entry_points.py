"""Implementations registered by other packages in the entry-point group."""

from __future__ import annotations

import pytest

from conformance.implementations import ENTRY_POINT_GROUP


@pytest.fixture
def fake_distribution(pytester: pytest.Pytester) -> None:
    """An installed-looking ``fakepkg`` that registers ``mine``, and ``zoo.mine``,
    a name the fault zoo's prefix reserves.

    ``python -m pytest`` puts its working directory, the pytester folder, on
    ``sys.path``, so importlib.metadata finds the dist-info folder there.
    """
    pytester.makepyfile(
        mymod="from reference_impl import ModelCheckpoint as MyCheckpoint\n"
    )
    info = pytester.mkdir("fakepkg-0.1.dist-info")
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fakepkg\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\nmine = mymod:MyCheckpoint\n"
        "zoo.mine = mymod:MyCheckpoint\n",
        encoding="utf-8",
    )


@pytest.mark.usefixtures("fake_distribution")
def test_a_registered_name_runs_the_installed_suite(
    pytester: pytest.Pytester, suite_module: str
) -> None:
    result = pytester.runpytest_subprocess("--impl=mine", "-k", suite_module)

    result.stdout.fnmatch_lines(["*implementation mine (*; entry point mymod:*"])
    assert result.parseoutcomes().get("passed", 0) > 0
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()


@pytest.mark.usefixtures("fake_distribution")
def test_a_registered_name_is_listed_among_the_choices(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_subprocess("--impl=nope")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*choose one of reference, tf_keras, keras, keras_jax, keras_torch, mine,*"]
    )


@pytest.mark.usefixtures("fake_distribution")
def test_a_registered_name_under_the_zoo_prefix_is_not_offered(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_subprocess("--impl=nope")

    [line] = [line for line in result.errlines if "choose one of" in line]
    assert "zoo.mine" not in line

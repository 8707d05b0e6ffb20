"""examples/acme-checkpoint, an out-of-tree callback, installed and run as a user would.

It is installed into a new virtual environment layered on this one (so this
project, pytest and the build tools are visible without any download), and the
suite runs from a folder outside the repository with ``--impl=acme``, the name
its entry point registers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[1] / "examples" / "acme-checkpoint"
EXPECTATIONS = EXAMPLE / "conformance" / "expected-differences.toml"

pytestmark = pytest.mark.slow


def _run(command: list[str], folder: Path) -> subprocess.CompletedProcess[str]:
    # The outer run's options and xdist identity must not leak into the runs.
    hidden = {"PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST"}
    env = {name: value for name, value in os.environ.items() if name not in hidden}
    return subprocess.run(
        command, cwd=folder, capture_output=True, text=True, timeout=600, env=env
    )


@pytest.fixture(scope="module")
def acme_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The interpreter of a virtual environment with acme-checkpoint installed."""
    if not EXAMPLE.is_dir():
        pytest.skip(f"the example is not in this tree ({EXAMPLE}): tests run installed")
    venv = tmp_path_factory.mktemp("acme") / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True
    )
    python = venv / "bin" / "python"
    site = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        venv,
    ).stdout.strip()
    # Layer the new environment on this one: its site-packages, and the .pth
    # files there (an editable install of this project), come after its own.
    parent = sysconfig.get_path("purelib")
    Path(site, "parent.pth").write_text(f"import site; site.addsitedir({parent!r})\n")

    install = [str(python), "-m", "pip", "install", "--no-deps"]
    install += ["--no-build-isolation", "--no-index", "--quiet", str(EXAMPLE)]
    done = _run(install, venv)

    assert done.returncode == 0, done.stdout + done.stderr
    return python


@pytest.fixture(scope="module")
def suite_run(
    acme_python: Path, tmp_path_factory: pytest.TempPathFactory
) -> subprocess.CompletedProcess[str]:
    """The whole suite against ``--impl=acme``, with the example's expectations."""
    command = [str(acme_python), "-m", "pytest", "--impl=acme"]
    command += ["-p", "no:cacheprovider", f"--expectations={EXPECTATIONS}"]
    return _run(command, tmp_path_factory.mktemp("outside"))


def test_the_example_passes_the_whole_suite(
    suite_run: subprocess.CompletedProcess[str],
) -> None:
    outcomes = pytest.RunResult.parse_summary_nouns(suite_run.stdout.splitlines())

    assert suite_run.returncode == 0, suite_run.stdout[-3000:] + suite_run.stderr
    assert outcomes.get("passed", 0) > 2000
    assert outcomes.get("failed", 0) == 0


def test_the_report_header_names_the_registered_implementation(
    suite_run: subprocess.CompletedProcess[str],
) -> None:
    assert (
        "implementation acme (acme_checkpoint.callback.AcmeCheckpoint; "
        "entry point acme_checkpoint:AcmeCheckpoint)" in suite_run.stdout
    )
    assert "conformance declared differences: 1" in suite_run.stdout


def test_the_declared_difference_is_a_real_one(
    suite_run: subprocess.CompletedProcess[str],
    acme_python: Path,
    tmp_path: Path,
) -> None:
    outcomes = pytest.RunResult.parse_summary_nouns(suite_run.stdout.splitlines())
    command = [str(acme_python), "-m", "pytest", "--impl=acme", "-q", "--tb=no"]
    command += ["-p", "no:cacheprovider", "-k", "CON-5"]

    without = _run(command, tmp_path)

    assert outcomes.get("xfailed", 0) > 0
    assert without.returncode == pytest.ExitCode.TESTS_FAILED, without.stdout
    assert f"{outcomes['xfailed']} failed" in without.stdout

"""The reference and a run against it import no framework."""

from __future__ import annotations

import subprocess
import sys

import pytest

FRAMEWORKS = ("tensorflow", "keras", "tf_keras")


@pytest.mark.parametrize(
    "module",
    ["reference_impl", "conformance.plugin"],
    ids=lambda module: f"import {module} -> no framework",
)
def test_importing_imports_no_framework(module: str) -> None:
    check = (
        f"import sys, {module}; "
        f"print(sorted(m for m in {FRAMEWORKS!r} if m in sys.modules))"
    )

    done = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    )

    assert done.stdout.strip() == "[]"


def test_a_whole_reference_run_imports_no_framework(reference_runs) -> None:
    assert reference_runs["serial"].frameworks == []

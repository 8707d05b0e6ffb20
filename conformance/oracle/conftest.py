"""Failure reports of differential runs: the reproduction in a section of its own."""

from conformance.suite.conftest import pytest_runtest_makereport

__all__ = ["pytest_runtest_makereport"]

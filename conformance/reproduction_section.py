"""Failure reports of the suite: the reproduction code in a section of its own.

A plugin the conformance plugin registers at configure time (a conftest.py in
the suite's folder would be imported twice when a source checkout and an
installed copy of the suite meet in one run).

pytest prefixes every line of a failure message with ``E``, which no one can
paste into Python. A conformance failure's reproduction therefore moves out of
the message into a report section named ``reproduction``, printed under the
failure as it is.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

from conformance.expect import ConformanceFailure

SECTION = "reproduction (Python, run from the folder pytest ran in)"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    failure = call.excinfo.value if call.excinfo else None
    moved = isinstance(failure, ConformanceFailure) and failure.reproduction
    if moved:
        failure.args = (
            f"{failure.without_reproduction()}\nreproduce: see the section "
            "'reproduction' below",
        )
    report = yield
    if moved:
        report.sections.append((SECTION, failure.reproduction))
    return report

"""Every area: the shipped scenarios of fixtures/scenarios, replayed one by one.

Scenario files given with ``--scenarios`` are replayed after them.
"""

from __future__ import annotations

import pytest

from conformance.differential import EXTRA_SCENARIOS
from conformance.scenarios import Scenario, check, replay, shipped


def scenario_param(scenario: Scenario) -> pytest.param:
    marks = [pytest.mark.clause(*scenario.clauses)]
    marks.append(pytest.mark.profiles(*scenario.profiles))
    return pytest.param(scenario, marks=marks, id=scenario.id)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "scenario" in metafunc.fixturenames:
        given = metafunc.config.stash.get(EXTRA_SCENARIOS, [])
        found = [*shipped(), *given]
        metafunc.parametrize("scenario", [scenario_param(s) for s in found])


def test_scenario(implementation, harness, scenario: Scenario) -> None:
    observed = replay(implementation, scenario, harness.folder)

    check(scenario, observed)

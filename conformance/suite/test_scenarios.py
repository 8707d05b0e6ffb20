"""Every area: the shipped scenarios of fixtures/scenarios, replayed one by one."""

from __future__ import annotations

import pytest

from conformance.scenarios import Scenario, check, load_shipped, replay

SCENARIOS = load_shipped()


def scenario_param(scenario: Scenario) -> pytest.param:
    marks = [pytest.mark.clause(*scenario.clauses)]
    marks.append(pytest.mark.profiles(*scenario.profiles))
    return pytest.param(scenario, marks=marks, id=scenario.id)


@pytest.mark.parametrize("scenario", [scenario_param(s) for s in SCENARIOS])
def test_scenario(implementation, harness, scenario: Scenario) -> None:
    observed = replay(implementation, scenario, harness.folder)

    check(scenario, observed)

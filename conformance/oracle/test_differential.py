"""Differential: two implementations run one generated lifecycle to the same trace."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from conformance import differential, reproduce, scenarios
from conformance.differential import Drawn
from conformance.expect import REPRODUCTION_HEADER, ConformanceFailure

#: The clauses the drawn lifecycles exercise in both profiles; a written
#: divergence names them all, to be narrowed by whoever keeps it.
CLAUSES = (
    "FREQ-1",
    "FREQ-2",
    "FREQ-3",
    "FREQ-4",
    "FREQ-5",
    "FREQ-6",
    "BEST-1",
    "BEST-3",
    "BEST-5",
    "BEST-6",
    "BEST-7",
    "PATH-1",
    "PATH-2",
    "PATH-4",
    "PATH-5",
    "SAVE-1",
    "SAVE-3",
    "MSG-1",
    "MSG-2",
    "MSG-4",
    "MSG-6",
    "HOOK-2",
    "HOOK-6",
    "STATE-1",
)


class Divergence(ConformanceFailure):
    """The two implementations did different things on one lifecycle."""


def check_agreement(config: pytest.Config, case: Drawn, runs_folder: Path) -> None:
    """Run ``case`` on both implementations; raise Divergence unless they agree."""
    __tracebackhide__ = True
    subject = config.stash[differential.SUBJECT]
    oracle = config.stash[differential.ORACLE]
    profile = config.stash[differential.plugin.PROFILE]
    runs = []
    for implementation in (subject, oracle):
        folder = Path(tempfile.mkdtemp(dir=runs_folder))
        observed = scenarios.replay(implementation, case.scenario(), folder)
        runs.append((observed, folder))
    (seen_a, folder_a), (seen_b, folder_b) = runs
    a = differential.outcome(seen_a, folder_a)
    b = differential.outcome(seen_b, folder_b)
    differences = differential.compare(a, b)
    if not differences:
        return

    names = (subject.name, oracle.name)
    message = [f"{subject.name} and {oracle.name} diverge under profile {profile}"]
    for part in differences:
        message += differential.describe_difference(part, a, b, names, case.events)
    message += ["callback and lifecycle:", seen_a.trace.describe()]
    try:
        written = differential.write_divergence(
            config.stash[differential.OUT_FOLDER],
            case,
            subject=subject.name,
            oracle=oracle.name,
            profile=profile,
            expected=scenarios.expected_of(seen_b, folder_b),
            clauses=CLAUSES,
            differences=differences,
        )
    except OSError as error:
        # The divergence is the finding; a folder that cannot be written must
        # not take its place.
        message.append(f"not written as a scenario: {error}")
    else:
        message += [
            f"written as a scenario (expected: what {oracle.name} did): "
            f"{differential.relative(written)}",
            f"replay it: pytest --impl={subject.name} --profile={profile} "
            f"--scenarios={differential.relative(written)} -k {written.stem}",
        ]
    source, note = reproduce.attempt(seen_a.trace.setup, seen_a.trace.lifecycle)
    if source is not None:
        message += [
            f"the code below runs {subject.name}; load {oracle.name!r} in it to "
            "run the oracle",
            REPRODUCTION_HEADER,
            source,
        ]
    elif note:
        message.append(f"no reproduction: {note}")
    raise Divergence("\n".join(message), source)


#: How many lifecycles a differential run tries per example of the Hypothesis
#: profile.
LIFECYCLES_PER_EXAMPLE = 20


@pytest.mark.clause(*CLAUSES)
def test_the_implementations_agree(request: pytest.FixtureRequest, runs_folder: Path):
    config = request.config
    if differential.ORACLE not in config.stash:
        pytest.skip("give --oracle=NAME to compare the implementation under test")
    leave_out = frozenset(config.stash[differential.LEFT_OUT])

    # The run is this one test, so it gets the budget a whole suite would
    # spend: twenty times the profile's, 1,000 lifecycles under ``quick``.
    @settings(
        max_examples=LIFECYCLES_PER_EXAMPLE * settings().max_examples,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(differential.drawn(leave_out))
    def agree(case: Drawn) -> None:
        check_agreement(config, case, runs_folder)

    agree()

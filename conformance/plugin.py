"""The pytest plugin: ``pytest --impl=NAME`` runs the suite against NAME.

Registered through the ``pytest11`` entry point, so it is active wherever the
package is installed. It adds the ``--impl`` option, registers the ``clause``
marker, loads the implementation once per process (once per xdist worker),
turns the implementation's declared differences into strict expected
failures, and provides the ``implementation`` and ``harness`` fixtures.

When ``--impl`` is given and no test paths are, the installed suite runs, from
whatever folder pytest was started in.

It also registers two Hypothesis settings profiles, chosen with Hypothesis' own
``--hypothesis-profile`` option: ``quick`` (the default, sized for CI) and
``thorough``; and, for a run of the suite, gives pytest-timeout's
``--timeout`` a default (:data:`DEFAULT_TIMEOUT`), so that a hanging callback
fails its test.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import hypothesis
import pytest

from conformance import expectations, implementations, reproduction_section
from conformance.harness import Harness

IMPLEMENTATION = pytest.StashKey[implementations.Implementation]()
PROFILE = pytest.StashKey[str]()
DIFFERENCES = pytest.StashKey[list[expectations.Difference]]()
MATCHED = pytest.StashKey[set[tuple[expectations.Difference, str]]]()

#: Per-clause results of a run: --conformance-report, --write-expectations, the
#: terminal summary and the clause properties of --junitxml; differential runs
#: (--oracle) and scenario files of one's own (--scenarios).
pytest_plugins = ["conformance.reporting", "conformance.differential"]

SUITE = Path(__file__).parent / "suite"
#: The differential test of ``--oracle``, to which no expectations file applies.
DIFFERENTIAL = Path(__file__).parent / "oracle"
DEFAULT_IMPL = "reference"

# Registered at import, before any pytest_configure, so that Hypothesis' own
# ``--hypothesis-profile`` can load them. Both print a failing example's blob
# and have no deadline: a real framework's first call can be slow.
hypothesis.settings.register_profile(
    "quick",
    hypothesis.settings.get_profile("default"),
    max_examples=50,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI stays reproducible
    database=None,
    print_blob=True,
    # The explain phase traces every line of a failing test's reruns, which
    # makes a failure of a state machine take ten times longer to report.
    phases=[phase for phase in hypothesis.Phase if phase != hypothesis.Phase.explain],
)
hypothesis.settings.register_profile(
    "thorough",
    hypothesis.settings.get_profile("default"),
    max_examples=500,
    stateful_step_count=100,
    deadline=None,
    print_blob=True,
)
DEFAULT_HYPOTHESIS_PROFILE = "quick"
HYPOTHESIS_PROFILES = ("quick", "thorough")

#: Seconds a test of the suite may take (pytest-timeout's ``--timeout``) unless
#: the user sets a timeout: far above any test's need (a test that trains
#: under a distribution strategy bounds its worker processes at
#: ``conformance.distributed.TIMEOUT``, 150 s), so that only a hanging callback
#: reaches it.
DEFAULT_TIMEOUT = 600.0


# -- options and configuration ------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "ModelCheckpoint conformance")
    group.addoption(
        "--impl",
        default=None,
        metavar="NAME",
        help=(
            "implementation under test: reference (default), tf_keras, keras "
            "(TensorFlow backend), keras_jax, keras_torch, "
            "a name registered under the entry-point group "
            f"{implementations.ENTRY_POINT_GROUP}, or package.module:ClassName"
        ),
    )
    group.addoption(
        "--profile",
        default=None,
        choices=implementations.PROFILES,
        help=(
            "the SPEC.md profile to check against: keras2 (the API page and the "
            "Keras 2 line) or keras3; default: the implementation's own profile"
        ),
    )
    group.addoption(
        "--expectations",
        action="append",
        default=[],
        metavar="PATH",
        help=(
            "a TOML file of declared differences of your own (the format of "
            "conformance/expectations/*.toml); may be given more than once"
        ),
    )


def _impl_name(config: pytest.Config) -> str:
    name = config.getoption("impl")
    if name is not None and not name.strip():
        raise pytest.UsageError(
            "--impl is empty; give reference, tf_keras, keras, keras_jax, "
            "keras_torch, a registered name or package.module:ClassName"
        )
    return name or DEFAULT_IMPL


def _runs_suite(config: pytest.Config) -> bool:
    """True when a test path given to pytest holds (part of) the suite."""
    for arg in config.args:
        path = Path(config.invocation_params.dir, arg.split("::")[0]).resolve()
        if path == SUITE or SUITE in path.parents or path in SUITE.parents:
            return True
    return False


def is_conformance_run(config: pytest.Config) -> bool:
    """True for a run that checks an implementation: ``--impl`` is given or
    the suite is among the paths. Other runs in the same environment (a
    project's own tests) get no header lines from this plugin."""
    return config.getoption("impl") is not None or _runs_suite(config)


def _timeout_given(config: pytest.Config) -> bool:
    """True when the user set pytest-timeout's timeout, or disabled the plugin."""
    if not config.pluginmanager.hasplugin("timeout"):
        return True
    return (
        config.getoption("timeout", None) is not None
        or "PYTEST_TIMEOUT" in os.environ
        or bool(config.getini("timeout"))
    )


def _is_xdist_controller(config: pytest.Config) -> bool:
    workers = getattr(config.option, "numprocesses", None)
    return bool(workers) and not hasattr(config, "workerinput")


@pytest.hookimpl(tryfirst=True)  # before Hypothesis' plugin builds on the profile
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "clause(*ids): the SPEC.md clauses a test checks, e.g. clause('MODE-2'); "
        "an id with a profile suffix (clause('BEST-2/keras3')) applies only under "
        "that profile",
    )
    config.addinivalue_line(
        "markers",
        "profiles(*names): the only profiles a test applies to, for a test whose "
        "clauses hold in both profiles but whose expected outcome does not",
    )
    config.addinivalue_line(
        "markers",
        "fit: trains a real model of the implementation's framework (model.fit, "
        "evaluate, predict, checkpoint files loaded back); runs only for an "
        "implementation with a framework, and `-m 'not fit'` leaves it out",
    )
    config.addinivalue_line(
        "markers",
        "distributed: trains under a tf.distribute strategy in worker "
        "subprocesses (also marked fit); `-m 'not distributed'` leaves it out",
    )
    config.pluginmanager.register(reproduction_section, "conformance-reproduction")
    if config.getoption("impl") is not None and (
        config.args_source != pytest.Config.ArgsSource.ARGS
    ):
        config.args = [str(SUITE)]
    suite_run = config.getoption("impl") is not None or _runs_suite(config)
    asked_profile = config.getoption("hypothesis_profile", None)
    if asked_profile and suite_run:
        try:
            hypothesis.settings.get_profile(asked_profile)
        except hypothesis.errors.InvalidArgument:
            raise pytest.UsageError(
                f"--hypothesis-profile={asked_profile} is not a registered "
                f"Hypothesis profile; the suite's are {', '.join(HYPOTHESIS_PROFILES)}"
            ) from None
    if not asked_profile and suite_run:
        # Only for runs that ask for an implementation or run this suite: a
        # user's own Hypothesis tests in the same environment keep theirs.
        hypothesis.settings.load_profile(DEFAULT_HYPOTHESIS_PROFILE)
    if suite_run and not _timeout_given(config):
        # Set before pytest-timeout's own pytest_configure reads it.
        config.option.timeout = DEFAULT_TIMEOUT

    name = _impl_name(config)
    try:
        implementation = None
        if _is_xdist_controller(config) and name in implementations.BUILTIN:
            # The workers import the framework; the controller need not. Other
            # implementations load here too: only loading shows that a module
            # imports and has the class, and a worker that fails to load
            # crashes with a traceback instead of one usage-error line.
            implementations.check_available(name)
            own_profile = implementations.BUILTIN[name].profile
        else:
            implementation = implementations.load(name)
            own_profile = implementation.profile
        profile = config.getoption("profile") or own_profile
        config.stash[PROFILE] = profile
        if implementation is not None:
            config.stash[IMPLEMENTATION] = implementation.for_profile(profile)
        if implementation is not None and name not in implementations.BUILTIN:
            implementations.check_protocol(implementation)
        config.stash[DIFFERENCES] = expectations.builtin(
            name if profile == own_profile else f"{name}.{profile}"
        ) + [
            difference
            for path in config.getoption("expectations")
            for difference in expectations.load_file(Path(path))
        ]
    except (implementations.ImplementationError, expectations.ExpectationsError) as e:
        raise pytest.UsageError(str(e)) from None
    config.stash[MATCHED] = set()


def pytest_report_header(config: pytest.Config) -> list[str]:
    if not is_conformance_run(config):
        return []
    name = _impl_name(config)
    implementation = config.stash.get(IMPLEMENTATION, None)
    if implementation is None:
        text = f"{name} (loaded in each worker)"
    else:
        text = implementation.describe()
    version = importlib.metadata.version("modelcheckpoint-conformance")
    lines = [f"conformance {version}: implementation {text}"]
    lines.append(f"conformance profile: {config.stash.get(PROFILE, '?')}")
    search = hypothesis.settings.default
    lines.append(
        f"hypothesis profile: {hypothesis.settings.get_current_profile_name()} "
        f"(max_examples={search.max_examples}, "
        f"stateful_step_count={search.stateful_step_count}, "
        f"derandomize={search.derandomize})"
    )
    differences = config.stash.get(DIFFERENCES, [])
    lines.append(f"conformance declared differences: {len(differences)}")
    return lines


# -- collection -----------------------------------------------------------------


def clauses_of(item: pytest.Item) -> frozenset[str]:
    """The clause ids an item is tagged with."""
    return frozenset(
        clause for mark in item.iter_markers("clause") for clause in mark.args
    )


def profiles_of(item: pytest.Item) -> frozenset[str]:
    """The profiles an item applies to; empty when it applies to every one.

    A clause id ``AREA-N/profile`` names the variant of a clause that one
    profile has; a test tagged only with such ids applies to those profiles.
    A ``profiles`` marker narrows that further.
    """
    suffixes = {clause.partition("/")[2] for clause in clauses_of(item)}
    by_clauses = frozenset() if "" in suffixes else frozenset(suffixes)
    marked = [frozenset(mark.args) for mark in item.iter_markers("profiles")]
    if not marked:
        return by_clauses
    narrowed = frozenset.intersection(*marked)
    return narrowed & by_clauses if by_clauses else narrowed


def takes_expectations(item: pytest.Item) -> bool:
    """False for the differential test of ``--oracle``.

    It is tagged with every clause its lifecycles exercise, so a clause-level
    entry meant for the suite would turn it into an expected failure and hide
    a divergence; expectations files declare differences from SPEC.md, not
    from an oracle.
    """
    return item.path.parent != DIFFERENTIAL


def test_key(item: pytest.Item) -> str:
    """``file.py::name[params]``: how expectations files name a test."""
    return f"{item.path.name}::{item.nodeid.partition('::')[2]}"


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    profile = config.stash[PROFILE]
    other_profiles = [
        item for item in items if profiles_of(item) and profile not in profiles_of(item)
    ]
    if other_profiles:
        # Another profile's variant of a clause is not applicable here.
        config.hook.pytest_deselected(items=other_profiles)
        excluded = set(other_profiles)
        items[:] = [item for item in items if item not in excluded]

    differences = config.stash.get(DIFFERENCES, [])
    matched = config.stash[MATCHED]
    for item in items:
        key, clauses = test_key(item), clauses_of(item)
        item.extra_keyword_matches.update(clauses)  # so that -k BEST-3 selects
        if not takes_expectations(item):
            continue
        declared = False
        for difference in differences:
            selector = difference.match(key, clauses)
            if selector is None:
                continue
            # Every entry that matches is in use; the first one gives the reason.
            matched.add((difference, selector))
            if not declared:
                item.add_marker(
                    pytest.mark.xfail(
                        reason=f"declared difference: {difference.reason}",
                        strict=True,
                    )
                )
                declared = True
    _check_differences_in_use(config, items)


class UnusedDifferences(pytest.Item):
    """Fails when declared differences matched no test of a whole-suite run.

    A stale entry (a renamed test, a fixed difference, a typo) would otherwise
    go unnoticed; this item makes it fail the run, also under xdist, where
    every worker collects the whole suite.
    """

    def __init__(self, *, unmatched: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.unmatched = unmatched

    def runtest(self) -> None:
        raise AssertionError(
            "declared differences that matched no test; remove or correct them:\n"
            + "\n".join(f"  {line}" for line in self.unmatched)
        )

    def repr_failure(self, excinfo, style=None) -> str:
        return str(excinfo.value)

    def reportinfo(self):
        return self.path, None, "declared differences in use"


def _whole_suite(config: pytest.Config, items: list[pytest.Item]) -> bool:
    """True when nothing narrowed the run, so every entry should match."""
    if any(
        config.getoption(option, None)
        for option in ("keyword", "markexpr", "deselect", "lf", "last_failed")
    ):
        return False
    collected = {item.path for item in items}
    return all(path in collected for path in SUITE.glob("test_*.py"))


def _check_differences_in_use(config: pytest.Config, items: list[pytest.Item]) -> None:
    matched = config.stash[MATCHED]
    unmatched = [
        f"{difference.source} entry {difference.number} ({selector}): "
        f"{difference.reason}"
        for difference in config.stash.get(DIFFERENCES, [])
        for selector in difference.selectors()
        if (difference, selector) not in matched
    ]
    if unmatched and items and _whole_suite(config, items):
        items.append(
            UnusedDifferences.from_parent(
                items[0].session,
                name="declared differences in use",
                unmatched=unmatched,
            )
        )


# -- fixtures -------------------------------------------------------------------


@pytest.fixture(scope="session")
def implementation(request: pytest.FixtureRequest) -> implementations.Implementation:
    """The implementation under test, loaded once per process."""
    config = request.config
    if IMPLEMENTATION not in config.stash:
        implementation = implementations.load(_impl_name(config))
        config.stash[IMPLEMENTATION] = implementation.for_profile(config.stash[PROFILE])
    return config.stash[IMPLEMENTATION]


@pytest.fixture(scope="session")
def framework(
    implementation: implementations.Implementation,
) -> implementations.Framework:
    """The real Keras of the implementation; a test that trains needs one.

    A callback that comes without a framework (the reference, a class named by
    its import path, the zoo) is checked by hand-driven hooks only: there is no
    training loop of its own to put it in, and putting it in some Keras's loop
    would test that Keras as much as the callback.
    """
    if implementation.framework is None:
        pytest.skip(
            f"{implementation.name} names no framework to train with: the "
            "fit-level tests apply to implementations that are a real Keras "
            "(tf_keras, keras, keras_jax, keras_torch, or an Implementation "
            "given a framework)"
        )
    return implementation.framework


@pytest.fixture(scope="session")
def profile(request: pytest.FixtureRequest) -> str:
    """The SPEC.md profile in force: ``keras2`` or ``keras3``."""
    return request.config.stash[PROFILE]


# Where the callbacks of a whole run write, one subfolder per test. A test's
# saves are tiny files, but there are thousands of tests, and creating and
# removing that many files on a disk costs more than the tests themselves: the
# folders go to a RAM-backed tmpfs when the machine has one, unless pytest's
# ``--basetemp`` says where temporary files belong.
RAM_FOLDER = Path("/dev/shm")


@pytest.fixture(scope="session")
def runs_folder(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """One folder per process holding every test's own folder, removed at the end."""
    fast = (
        request.config.getoption("basetemp") is None
        and RAM_FOLDER.is_dir()
        and os.access(RAM_FOLDER, os.W_OK | os.X_OK)
    )
    if fast:
        folder = Path(tempfile.mkdtemp(prefix="conformance-", dir=RAM_FOLDER))
    else:
        folder = tmp_path_factory.mktemp("runs")
    yield folder
    if fast:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def harness(
    implementation: implementations.Implementation,
    runs_folder: Path,
    request: pytest.FixtureRequest,
) -> Harness:
    """Runs the implementation's callback in a fresh folder for this test."""
    folder = Path(tempfile.mkdtemp(prefix="", dir=runs_folder))
    return Harness(implementation, folder, sorted(clauses_of(request.node)))

"""Finding and loading the implementation under test.

``--impl`` takes one of four forms:

- a built-in name: ``reference``, ``tf_keras`` (the Keras 2 line),
  ``keras`` (Keras 3 with the TensorFlow backend), ``keras_jax`` or
  ``keras_torch`` (Keras 3 with the JAX or the PyTorch backend);
- a name registered by another package in the entry-point group
  :data:`ENTRY_POINT_GROUP`; the entry point loads either a callback class or
  an :class:`Implementation`;
- ``package.module:ClassName``, any class that takes the documented
  constructor and follows the Keras callback protocol;
- ``zoo.<name>``, a deliberately faulty member of :mod:`conformance.zoo`, for
  checking that the suite catches it.

Built-in framework implementations get a real tiny model of their framework
whose save methods are recorded; every other class gets a
:class:`~conformance.harness.ProbeModel`. They also name their
:class:`Framework`, with which the fit-level tests train real models.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import importlib.metadata
import importlib.util
import os
import re
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.harness import ProbeModel, ProbeOptions, Recorder, no_process_exit
from conformance.lifecycle import ALL_HOOKS

ENTRY_POINT_GROUP = "modelcheckpoint_conformance.implementations"

PROFILES = ("keras2", "keras3")

#: ``--impl=zoo.<name>`` names a member of the fault zoo.
ZOO_PREFIX = "zoo."


class ImplementationError(Exception):
    """``--impl`` names something that cannot be loaded; the text says why."""


@dataclass(frozen=True)
class Framework:
    """The Keras a callback belongs to, for the tests that train a real model.

    ``keras`` is the namespace models, layers, callbacks and loaders come from
    (the ``tf_keras`` or the ``keras`` module); ``backend`` names what computes
    (``tensorflow``, ``jax`` or ``torch``). Only an implementation that has
    one runs the fit-level tests (``pytest -m fit``).
    """

    name: str
    keras: Any
    backend: str = "tensorflow"
    #: Whether ``compile(steps_per_execution=N)`` takes an N above 1, so that
    #: the loop reports batch indices that jump (Keras 3's PyTorch backend
    #: refuses it with ValueError).
    several_steps_per_execution: bool = True

    def __str__(self) -> str:
        return f"{self.name} ({self.backend} backend)"


@dataclass(frozen=True)
class Implementation:
    """A ModelCheckpoint implementation, ready to be driven by the harness.

    ``make_model`` receives the run's :class:`Recorder` and returns the model
    handed to ``set_model``. ``make_options`` receives ``save_weights_only``
    and returns an ``options`` object the callback accepts for it
    (SAVE-6/keras2; a framework's callback may refuse objects of any other
    class). ``ignored_warnings`` holds regular expressions of warnings the
    framework emits on its own, which are not the callback's.
    """

    name: str
    callback: type
    make_model: Callable[[Recorder], Any] = ProbeModel
    make_options: Callable[[bool], Any] = ProbeOptions
    profile: str = "keras2"
    origin: str = ""
    versions: Mapping[str, str] = field(default_factory=dict)
    ignored_warnings: tuple[str, ...] = ()
    #: Callback classes for other profiles, for an implementation that has
    #: one per profile (the reference does).
    variants: Mapping[str, type] = field(default_factory=dict)
    #: The real Keras the callback belongs to; None for a callback that the
    #: suite only drives by hand.
    framework: Framework | None = None

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ImplementationError(
                f"Implementation {self.name!r}: profile={self.profile!r}; give one "
                f"of {', '.join(PROFILES)}"
            )

    def for_profile(self, profile: str) -> Implementation:
        """This implementation as run under ``profile``."""
        callback = self.variants.get(profile, self.callback)
        return dataclasses.replace(self, callback=callback, profile=profile)

    def with_failing_saves(
        self, *, after: int, error: Callable[[Any], BaseException]
    ) -> Implementation:
        """This implementation, with a model whose saves fail after ``after``.

        Both save methods share one count: the first ``after`` calls record
        and write as usual, every later one raises ``error(filepath)``. The
        model is otherwise the implementation's own, so only the failure
        differs from a normal run.
        """
        make_model = self.make_model

        def make(recorder: Recorder) -> Any:
            model = make_model(recorder)
            calls = 0

            def failing(recorded: Callable[..., None]) -> Callable[..., None]:
                def save(filepath: Any, *args: Any, **kwargs: Any) -> None:
                    nonlocal calls
                    calls += 1
                    if calls > after:
                        raise error(filepath)
                    recorded(filepath, *args, **kwargs)

                return save

            model.save = failing(recorder.saver("save"))
            model.save_weights = failing(recorder.saver("save_weights"))
            return model

        return dataclasses.replace(self, make_model=make)

    def describe(self) -> str:
        versions = ", ".join(f"{k} {v}" for k, v in self.versions.items())
        where = f"{self.callback.__module__}.{self.callback.__qualname__}"
        text = f"{self.name} ({where}; {self.origin})"
        return text + (f"; {versions}" if versions else "")


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _reference() -> Implementation:
    from reference_impl import Keras3ModelCheckpoint, ModelCheckpoint

    return Implementation(
        "reference",
        ModelCheckpoint,
        origin="built-in",
        variants={"keras2": ModelCheckpoint, "keras3": Keras3ModelCheckpoint},
        versions={
            "modelcheckpoint-conformance": _version("modelcheckpoint-conformance")
        },
    )


def _quiet_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _recording(model: Any, recorder: Recorder) -> Any:
    """Route a real model's save methods to the recorder."""
    model.save = recorder.saver("save")
    model.save_weights = recorder.saver("save_weights")
    model.load_weights = recorder.load_weights
    return model


def _tiny_model(keras: Any) -> Any:
    """A compiled one-layer model that has run once, so its metrics are built."""
    import numpy as np

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(loss="mse", metrics=["accuracy", "mae"])
    model.evaluate(np.zeros((2, 2)), np.zeros((2, 1)), verbose=0)
    return model


def _tensorflow_options(weights_only: bool) -> Any:
    """The options class the Keras 2 line accepts for ``save_weights_only``."""
    import tensorflow as tf

    if weights_only:
        return tf.train.CheckpointOptions()
    return tf.saved_model.SaveOptions()


def _tf_keras() -> Implementation:
    _quiet_tensorflow()
    import tf_keras

    tf_keras.utils.enable_interactive_logging()
    model = functools.cache(lambda: _tiny_model(tf_keras))
    return Implementation(
        "tf_keras",
        tf_keras.callbacks.ModelCheckpoint,
        lambda recorder: _recording(model(), recorder),
        make_options=_tensorflow_options,
        origin="built-in, a real tf_keras model",
        versions={
            "tf_keras": _version("tf-keras"),
            "tensorflow": _version("tensorflow"),
        },
        framework=Framework("tf_keras", tf_keras),
    )


def _keras(name: str, backend: str) -> Implementation:
    if backend == "tensorflow":
        _quiet_tensorflow()
    # Keras reads the variable once, at its first import.
    os.environ["KERAS_BACKEND"] = backend
    import keras

    if keras.backend.backend() != backend:
        raise ImplementationError(
            f"keras is already using the {keras.backend.backend()!r} backend; "
            f"the built-in {name!r} implementation needs KERAS_BACKEND={backend}, "
            "set before keras is first imported (run it in a process of its own)"
        )
    keras.config.enable_interactive_logging()
    model = functools.cache(lambda: _tiny_model(keras))
    return Implementation(
        name,
        keras.callbacks.ModelCheckpoint,
        lambda recorder: _recording(model(), recorder),
        profile="keras3",
        origin=f"built-in, a real Keras 3 model, {backend} backend",
        versions={"keras": _version("keras"), backend: _version(backend)},
        ignored_warnings=(r"__array__ implementation doesn't accept a copy keyword",),
        framework=Framework(
            "keras", keras, backend, several_steps_per_execution=backend != "torch"
        ),
    )


@dataclass(frozen=True)
class Builtin:
    """A built-in implementation: how to load it, what it imports, its profile."""

    load: Callable[[], Implementation]
    modules: tuple[str, ...]
    install_hint: str
    profile: str


BUILTIN: dict[str, Builtin] = {
    "reference": Builtin(_reference, ("reference_impl",), "", "keras2"),
    "tf_keras": Builtin(
        _tf_keras,
        ("tensorflow", "tf_keras"),
        "pip install 'modelcheckpoint-conformance[tf_keras]'",
        "keras2",
    ),
    "keras": Builtin(
        functools.partial(_keras, "keras", "tensorflow"),
        ("tensorflow", "keras"),
        "pip install 'modelcheckpoint-conformance[keras]'",
        "keras3",
    ),
    "keras_jax": Builtin(
        functools.partial(_keras, "keras_jax", "jax"),
        ("jax", "keras", "h5py"),
        "pip install 'modelcheckpoint-conformance[keras-jax]'",
        "keras3",
    ),
    "keras_torch": Builtin(
        functools.partial(_keras, "keras_torch", "torch"),
        ("torch", "keras", "h5py"),
        "pip install 'modelcheckpoint-conformance[keras-torch]' "
        "(pinned to a CPU build of torch)",
        "keras3",
    ),
}


def registered() -> dict[str, importlib.metadata.EntryPoint]:
    """Third-party implementations registered under :data:`ENTRY_POINT_GROUP`.

    Names that ``--impl`` reads otherwise are left out: a built-in name, and
    any name starting with ``zoo.``, which is reserved for the fault zoo.
    """
    points = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    return {
        point.name: point
        for point in points
        # A built-in name, or a name under the zoo's prefix, always means that.
        if point.name not in BUILTIN and not point.name.startswith(ZOO_PREFIX)
    }


def choices() -> list[str]:
    """Every name ``--impl`` accepts, besides ``module:Class``.

    The zoo appears as one pattern, ``zoo.<name>``, rather than member by member.
    """
    return [*BUILTIN, *sorted(registered()), f"{ZOO_PREFIX}<name>"]


def _from_class(name: str, cls: Any, origin: str) -> Implementation:
    if isinstance(cls, Implementation):
        # Known by the name it was loaded under, which reloads it (a failure's
        # reproduction does).
        return dataclasses.replace(cls, name=name)
    if not isinstance(cls, type):
        raise ImplementationError(
            f"--impl={name} loads {cls!r}, which is not a class; point it at a "
            "ModelCheckpoint-like class or a conformance Implementation"
        )
    package = cls.__module__.partition(".")[0]
    profile = getattr(cls, "conformance_profile", "keras2")
    if profile not in PROFILES:
        raise ImplementationError(
            f"--impl={name}: {cls.__qualname__}.conformance_profile={profile!r}; "
            f"give one of {', '.join(PROFILES)}"
        )
    return Implementation(
        name,
        cls,
        profile=profile,
        origin=origin,
        versions={package: _version(package)},
    )


def _from_path(name: str) -> Implementation:
    module_name, _, attribute = name.partition(":")
    if not module_name or not attribute:
        raise ImplementationError(
            f"--impl={name}: give both parts, as package.module:ClassName"
        )
    # As with ``python -m pytest``, a module in the current folder is found.
    if os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except (Exception, SystemExit) as error:  # a module may exit at import
        raise ImplementationError(
            f"--impl={name}: importing {module_name!r} failed: "
            f"{type(error).__name__}: {error}"
        ) from error
    try:
        target = functools.reduce(getattr, attribute.split("."), module)
    except AttributeError as error:
        raise ImplementationError(
            f"--impl={name}: module {module_name!r} has no attribute {attribute!r}"
        ) from error
    return _from_class(name, target, f"loaded from {name}")


def _not_found(name: str) -> ImplementationError:
    return ImplementationError(
        f"--impl={name} is not an implementation; choose one of "
        f"{', '.join(choices())}, or give package.module:ClassName"
    )


def _zoo(name: str) -> Implementation:
    from conformance.zoo import ALL

    member = ALL.get(name.removeprefix(ZOO_PREFIX))
    if member is None:
        members = ", ".join(f"{ZOO_PREFIX}{key}" for key in sorted(ALL))
        raise ImplementationError(
            f"--impl={name} is not an implementation of the fault zoo; its "
            f"members are {members}"
        )
    breaks = ", ".join(member.breaks)
    return Implementation(name, member, origin=f"fault zoo, breaks {breaks}")


#: The hooks of the Keras callback protocol (HOOK-1). A class that lacks one is
#: refused before any test runs: the suite calls them all, so each test would
#: otherwise fail on the same AttributeError.
PROTOCOL_HOOKS = ("set_model", "set_params", *sorted(ALL_HOOKS))


def _check_parts(implementation: Implementation, scratch: str) -> None:
    """The implementation's own parts work: patterns compile, a model and
    options are made.

    Otherwise every test would fail, blamed on the callback.
    """
    name = implementation.name
    for pattern in implementation.ignored_warnings:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ImplementationError(
                f"--impl={name}: ignored_warnings holds {pattern!r}, which is not "
                f"a regular expression: {error}"
            ) from error
    try:
        implementation.make_model(Recorder(Path(scratch)))
    except (Exception, SystemExit) as error:
        raise ImplementationError(
            f"--impl={name}: the implementation's make_model raised "
            f"{type(error).__name__}: {error}; it must return the model to hand "
            "to set_model, given the harness's Recorder"
        ) from error
    for weights_only in (False, True):
        try:
            implementation.make_options(weights_only)
        except (Exception, SystemExit) as error:
            raise ImplementationError(
                f"--impl={name}: the implementation's make_options raised "
                f"{type(error).__name__}: {error}; it must return an options "
                "object the callback accepts, given save_weights_only"
            ) from error


def check_protocol(implementation: Implementation) -> None:
    """Fail early, in one line, when a class cannot be driven at all.

    It must have every hook of the protocol and be constructible as
    ``cls("checkpoint.h5")`` (in a scratch folder, since construction must
    not write anything anyway), and the implementation's own parts must work
    (:func:`_check_parts`).
    """
    cls = implementation.callback
    missing = [
        hook for hook in PROTOCOL_HOOKS if not callable(getattr(cls, hook, None))
    ]
    if missing:
        raise ImplementationError(
            f"--impl={implementation.name}: {cls.__qualname__} has no "
            f"{', '.join(missing)}; a ModelCheckpoint has every hook of the Keras "
            "callback protocol (SPEC.md HOOK-1): define the missing ones, doing "
            "nothing where the callback has nothing to do"
        )
    previous = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        try:
            with no_process_exit():
                cls("checkpoint.h5")
        except KeyboardInterrupt:
            # Stop as asked, but say where: pytest prints nothing for an
            # interruption this early.
            print(
                f"--impl={implementation.name}: interrupted while constructing "
                f"{cls.__qualname__}('checkpoint.h5') (KeyboardInterrupt)",
                file=sys.stderr,
            )
            raise
        except (Exception, SystemExit) as error:
            raise ImplementationError(
                f"--impl={implementation.name}: {cls.__qualname__}('checkpoint.h5') "
                f"raised {type(error).__name__}: {error}; the suite constructs "
                "callbacks with the documented constructor (filepath, monitor, "
                "verbose, save_best_only, save_weights_only, mode, save_freq)"
            ) from error
        finally:
            os.chdir(previous)
        _check_parts(implementation, scratch)


def check_available(name: str) -> None:
    """Check that ``name`` could load, without importing heavy frameworks."""
    if name in BUILTIN:
        builtin = BUILTIN[name]
        missing = [m for m in builtin.modules if importlib.util.find_spec(m) is None]
        if missing:
            raise ImplementationError(
                f"--impl={name} needs {', '.join(missing)}, which is not "
                f"installed; install it with: {builtin.install_hint}"
            )
    elif name.startswith(ZOO_PREFIX):
        _zoo(name)
    elif ":" not in name and name not in registered():
        raise _not_found(name)


def load(name: str) -> Implementation:
    """Load the implementation ``--impl`` names, or raise ImplementationError."""
    if name in BUILTIN:
        check_available(name)
        builtin = BUILTIN[name]
        try:
            return builtin.load()
        except ImportError as error:
            raise ImplementationError(
                f"--impl={name}: import failed: {error}; install it with: "
                f"{builtin.install_hint}"
            ) from error
    if name.startswith(ZOO_PREFIX):
        return _zoo(name)
    if ":" in name:
        return _from_path(name)
    points = registered()
    if name not in points:
        raise _not_found(name)
    try:
        target = points[name].load()
    except (Exception, SystemExit) as error:  # a module may exit at import
        raise ImplementationError(
            f"--impl={name}: entry point {points[name].value!r} failed to load: "
            f"{type(error).__name__}: {error}"
        ) from error
    return _from_class(name, target, f"entry point {points[name].value}")

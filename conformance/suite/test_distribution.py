"""DIST: the callback inside fit under tf.distribute strategies, in subprocesses."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from conformance import distributed
from conformance.implementations import Framework, Implementation

pytestmark = [pytest.mark.fit, pytest.mark.distributed]

EPOCHS = distributed.EPOCHS


@pytest.fixture(scope="module")
def tensorflow(framework: Framework) -> Framework:
    """The framework, when it computes with TensorFlow, the home of tf.distribute."""
    if framework.backend != "tensorflow":
        pytest.skip(
            f"tf.distribute strategies need the TensorFlow backend; {framework} "
            "distributes with an API of its own, which SPEC.md does not cover"
        )
    return framework


def new_folder(runs_folder: Path, prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix, dir=runs_folder))


def expected_paths(suffix: str) -> list[str]:
    return [f"ckpt-{epoch + 1}{suffix}" for epoch in range(EPOCHS)]


def files_in(folder: Path) -> list[str]:
    """Every file and folder below ``folder``, relative to it."""
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*"))


def worker_failures(workers: list[distributed.Worker]) -> list[str]:
    return [text for worker in workers if (text := worker.failure()) is not None]


@pytest.mark.clause("DIST-1")
@pytest.mark.parametrize(
    "weights_only",
    [True, False],
    ids=lambda w: (
        "weights,2 replicas -> one save per epoch end"
        if w
        else "whole model,2 replicas -> one save per epoch end"
    ),
)
def test_mirrored_training_saves_as_without_a_strategy(
    tensorflow: Framework,
    implementation: Implementation,
    runs_folder: Path,
    weights_only: bool,
) -> None:
    folder = new_folder(runs_folder, "mirrored-")
    suffix = ".weights.h5" if weights_only else ".keras"

    worker = distributed.mirrored(
        implementation.name, folder / "run", folder / "work", weights_only=weights_only
    )

    assert worker.failure() is None, f"[DIST-1] {worker.failure()}"
    result = worker.result
    assert result["replicas"] == 2, (
        f"[DIST-1] the strategy ran {result['replicas']} replica(s), not 2"
    )
    saved = [(save["path"], save["when"]) for save in result["saves"]]
    expected = [
        (path, f"epoch_end({epoch})")
        for epoch, path in enumerate(expected_paths(suffix))
    ]
    assert saved == expected, (
        f"[DIST-1] under MirroredStrategy the saves were {saved}; without a "
        f"strategy FREQ-1 gives {expected}"
    )
    assert result["weights_change"] and not result["contents"], (
        "[DIST-1] a checkpoint does not hold the model of its hook (SAVE-5): "
        f"{result['contents']}"
    )
    assert files_in(folder / "run") == expected_paths(suffix)


@pytest.fixture(scope="module")
def multi_worker_run(
    tensorflow: Framework,
    implementation: Implementation,
    runs_folder: Path,
) -> tuple[Path, list[distributed.Worker]]:
    """One run of two workers on 127.0.0.1 sharing a folder, bounded in time."""
    folder = new_folder(runs_folder, "multi-worker-")
    workers = distributed.multi_worker(
        implementation.name, folder / "run", folder / "work"
    )
    return folder / "run", workers


@pytest.mark.clause("DIST-2")
def test_only_the_chief_leaves_checkpoints_at_the_path(multi_worker_run) -> None:
    folder, workers = multi_worker_run

    failures = worker_failures(workers)
    assert not failures, (
        "[DIST-2] training with two workers under MultiWorkerMirroredStrategy "
        "did not finish: " + "; ".join(failures)
    )
    assert files_in(folder) == expected_paths(".weights.h5"), (
        f"[DIST-2] the shared folder holds {files_in(folder)}; only the chief's "
        f"checkpoints {expected_paths('.weights.h5')} may remain"
    )
    chief = workers[0].result
    assert not chief["contents"], f"[DIST-2] {chief['contents']}"


@pytest.mark.clause("DIST-2")
def test_the_other_worker_saves_elsewhere_and_removes_it(multi_worker_run) -> None:
    folder, workers = multi_worker_run

    failures = worker_failures(workers)
    assert not failures, (
        "[DIST-2] training with two workers under MultiWorkerMirroredStrategy "
        "did not finish: " + "; ".join(failures)
    )
    other = [save["path"] for save in workers[1].result["saves"]]
    assert len(other) == EPOCHS, (
        f"[DIST-2] worker 1 made {len(other)} save call(s); saving is collective, "
        f"so every worker makes one per epoch end ({EPOCHS})"
    )
    at_the_path = [path for path in other if path in expected_paths(".weights.h5")]
    assert not at_the_path, (
        f"[DIST-2] worker 1 saved at the formatted path itself: {at_the_path}"
    )
    left = [path for path in other if (folder / path).exists()]
    assert not left, f"[DIST-2] worker 1's temporary saves remain: {left}"

"""Training under a ``tf.distribute`` strategy, each run in processes of its own.

A strategy changes how TensorFlow sets up its devices, which it does once per
process: two logical CPUs for ``MirroredStrategy``, a cluster of worker
processes for ``MultiWorkerMirroredStrategy``. So the suite never sets one up
in its own process. :func:`mirrored` and :func:`multi_worker` start
``python -m conformance.distributed`` for one run, bounded in time, and always
end the processes they started; each process trains the implementation's
tiny model with the checkpoint callback (:mod:`conformance.training`) and
writes what it saw as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Seconds one run may take, TensorFlow's import included, before its
#: processes are ended.
TIMEOUT = 150
#: The files a worker process leaves: its result, its output.
RESULT, LOG = "result-{index}.json", "worker-{index}.log"
EPOCHS = 2


@dataclass(frozen=True)
class Worker:
    """What one worker process reported, or how it ended without reporting."""

    index: int
    returncode: int | None
    result: dict[str, Any] | None
    log: str

    def failure(self) -> str | None:
        """Why this worker gave no result, in a line or two; None if it did."""
        if self.result is not None and self.result.get("error") is None:
            return None
        if self.result is not None:
            first, *rest = self.result["error"].splitlines()
            return f"worker {self.index} raised {first}" + (" ..." if rest else "")
        if self.returncode is None:
            return f"worker {self.index} did not finish within {TIMEOUT} s"
        tail = " | ".join(self.log.strip().splitlines()[-3:])
        return f"worker {self.index} exited with status {self.returncode}: {tail}"


# -- the parent: start, bound and end the processes ---------------------------


def free_ports(count: int) -> list[int]:
    """Ports on 127.0.0.1 that nothing listens on (all held until all are found)."""
    with contextlib.ExitStack() as stack:
        sockets = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]


def _environment(tf_config: dict[str, Any] | None) -> dict[str, str]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}
    env.pop("TF_CONFIG", None)
    if tf_config is not None:
        env["TF_CONFIG"] = json.dumps(tf_config)
    return env


@contextlib.contextmanager
def _started(commands: Sequence[tuple[list[str], dict[str, str], Path]]) -> Iterator:
    """Start every command; end any still running when the block is left."""
    processes: list[subprocess.Popen] = []
    try:
        for command, env, log in commands:
            with open(log, "wb") as out:
                processes.append(
                    subprocess.Popen(
                        command,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        start_new_session=True,
                    )
                )
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)


def _run(
    scenario: str,
    implementation: str,
    folder: Path,
    work: Path,
    *,
    workers: int,
    tf_config: dict[str, Any] | None = None,
    arguments: Sequence[str] = (),
) -> list[Worker]:
    work.mkdir(parents=True, exist_ok=True)
    commands = []
    for index in range(workers):
        config = None
        if tf_config is not None:
            config = {**tf_config, "task": {"type": "worker", "index": index}}
        command = [
            sys.executable,
            "-m",
            "conformance.distributed",
            scenario,
            f"--impl={implementation}",
            f"--folder={folder}",
            f"--result={work / RESULT.format(index=index)}",
            *arguments,
        ]
        commands.append((command, _environment(config), work / LOG.format(index=index)))

    deadline = time.monotonic() + TIMEOUT
    codes: list[int | None] = []
    with _started(commands) as processes:
        for process in processes:
            try:
                remaining = max(deadline - time.monotonic(), 0.1)
                codes.append(process.wait(timeout=remaining))
            except subprocess.TimeoutExpired:
                codes.append(None)
    return [
        Worker(index, code, _read_json(work / RESULT.format(index=index)), _read(log))
        for index, (code, (_, _, log)) in enumerate(zip(codes, commands, strict=True))
    ]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _read_json(path: Path) -> dict[str, Any] | None:
    text = _read(path)
    return json.loads(text) if text else None


def mirrored(
    implementation: str, folder: Path, work: Path, *, weights_only: bool
) -> Worker:
    """One process: MirroredStrategy over two logical CPUs, epoch saves."""
    arguments = ["--weights-only"] if weights_only else []
    (worker,) = _run(
        "mirrored", implementation, folder, work, workers=1, arguments=arguments
    )
    return worker


def multi_worker(implementation: str, folder: Path, work: Path) -> list[Worker]:
    """Two processes on 127.0.0.1: MultiWorkerMirroredStrategy, epoch saves."""
    cluster = [f"127.0.0.1:{port}" for port in free_ports(2)]
    return _run(
        "multi_worker",
        implementation,
        folder,
        work,
        workers=2,
        tf_config={"cluster": {"worker": cluster}},
        arguments=["--weights-only"],
    )


# -- a worker process -----------------------------------------------------------


def _two_logical_cpus(tf: Any) -> None:
    (cpu,) = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(
        cpu,
        [
            tf.config.LogicalDeviceConfiguration(),
            tf.config.LogicalDeviceConfiguration(),
        ],
    )


def _train(scenario: str, name: str, folder: Path, *, weights_only: bool) -> dict:
    import tensorflow as tf

    from conformance import implementations, training

    if scenario == "mirrored":
        _two_logical_cpus(tf)
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    else:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    implementation = implementations.load(name)
    framework = implementation.framework
    suffix = ".weights.h5" if weights_only else ".keras"
    callback = implementation.callback(
        filepath="ckpt-{epoch}" + suffix, save_weights_only=weights_only
    )
    x, y = training.data()
    with strategy.scope():
        with training.observe(
            framework,
            callback,
            folder,
            ignored_warnings=implementation.ignored_warnings,
        ) as run:
            run.model.fit(
                x,
                y,
                batch_size=training.BATCH_SIZE * strategy.num_replicas_in_sync,
                epochs=EPOCHS,
                callbacks=run.callbacks,
                verbose=0,
            )
    chief = scenario == "mirrored" or _task_index() == 0
    return {
        "replicas": strategy.num_replicas_in_sync,
        "saves": [
            {"method": s.method, "path": s.path, "when": str(s.moment)}
            for s in run.saves
        ],
        "epoch_ends": [str(m) for m in run.epoch_ends()],
        # Only the chief's files are at the paths its saves name.
        "contents": training.contents_mismatches(
            framework, run, weights_only=weights_only
        )
        if chief
        else [],
        "weights_change": training.weights_change(run),
        "error": None,
    }


def _task_index() -> int:
    return json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {}).get("index", 0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.distributed")
    parser.add_argument("scenario", choices=["mirrored", "multi_worker"])
    parser.add_argument("--impl", required=True)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--weights-only", action="store_true")
    args = parser.parse_args(argv)

    args.folder.mkdir(parents=True, exist_ok=True)
    try:
        result = _train(
            args.scenario, args.impl, args.folder, weights_only=args.weights_only
        )
    except Exception as error:  # noqa: BLE001 - reported to the parent
        result = {"error": f"{type(error).__name__}: {error}"}
    args.result.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

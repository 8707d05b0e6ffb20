"""Mutation testing of the reference, with the conformance suite as the test.

``python tools/mutation.py run`` runs mutmut (configured in ``[tool.mutmut]`` of
pyproject.toml) once per profile of SPEC.md, each in a fresh copy of the
project under ``build/mutation/<profile>/``: the suite checks one profile per
pytest session, and mutmut keeps one set of results per folder. The keras3
pass also exercises ``callback.py``, whose code ``Keras3ModelCheckpoint``
inherits, so a mutant counts as killed when either profile's tests kill it,
and the second pass only runs the mutants that the first one left alive.

``python tools/mutation.py report`` reads the results of the last run again.
Both print the score and the kills per clause area, the area being that of the
clause ids the reference names beside the mutated line (or, failing that, on
the nearest line above it in the same function). Every mutant not killed must
be listed in ``reference_impl/equivalent_mutants.toml``, either as equivalent
(no observable behaviour differs) or as open (it changes only what an item of
SPEC.md's "What this version leaves open" covers, cited by its ``OPEN-n`` id),
with why; the command fails when one is not, or when an entry is stale.

``python tools/mutation.py run --sample N [--seed S]`` runs N of the mutants
instead, drawn with the seed S from all that mutmut generates, each clause area
given its share of N in proportion to its number of mutants; the same N and S
draw the same mutants from the same source. The report then judges only the
sample's outcomes, and still checks every entry against the mutants generated:
an entry whose mutant is no longer generated, or no longer mutates what the
entry says, is stale whether sampled or not.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutation"
PROFILES = ("keras2", "keras3")
COPIED = ("pyproject.toml", "SPEC.md", "reference_impl", "conformance", "fixtures")
EQUIVALENTS = ROOT / "reference_impl" / "equivalent_mutants.toml"
#: The mutants a sampled run drew and how, so that ``report`` judges them again.
SAMPLE = WORK / "sample.json"
#: The seed of ``--sample`` without ``--seed``: the same command, the same sample.
DEFAULT_SEED = 0
SPEC = ROOT / "SPEC.md"
OPEN_ITEM = re.compile(r"^- \*\*(OPEN-\d+)\*\*", re.M)
#: A clause id; OPEN-n names what SPEC.md leaves open, no clause area.
CLAUSE = re.compile(r"\b(?!OPEN-)([A-Z]+)-\d+(?:/keras[23])?\b")

#: mutmut's exit codes of a mutant's test run, as it reads them.
KILLED_CODES = {1, 3}
SURVIVED_CODES = {0}
NO_TEST_CODES = {5, 33}
TIMEOUT_CODES = {-24, 24, 152, 255, 36}
#: Outcomes that count as a kill: a suite that runs into mutmut's time limit
#: (a mutant that loops forever) does not pass either.
DETECTED = {"killed", "timeout"}


@dataclass(frozen=True)
class Mutant:
    """One mutant: where it is, what it changes and what came of it."""

    name: str
    source: str  # e.g. reference_impl/callback.py
    line: int  # in the unmutated source
    original: str
    mutated: str
    area: str
    outcome: str  # killed, survived, timeout or no tests


# -- running ------------------------------------------------------------------


def prepare(profile: str) -> Path:
    """A fresh copy of what mutmut needs, in which it runs for ``profile``."""
    folder = WORK / profile
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(source, folder / name)
    return folder


def run_profile(
    profile: str, *, max_children: int, only: list[str] | None = None
) -> float:
    """Run mutmut for one profile, on the mutants named in ``only`` if given.

    Returns the seconds it took.
    """
    folder = prepare(profile)
    env = dict(os.environ, PYTEST_ADDOPTS=f"--profile={profile}")
    command = ["mutmut", "run", "--max-children", str(max_children), *(only or [])]
    if shutil.which("mutmut") is None:
        sys.exit(
            "mutmut is not installed here: run `tox -e mutation` (arguments "
            "after `--`), or `pip install 'mutmut>=3.8,<4'` first"
        )
    start = time.monotonic()
    with open(folder / "mutmut.log", "w") as log:
        done = subprocess.run(command, cwd=folder, env=env, stdout=log, stderr=log)
    seconds = time.monotonic() - start
    print(f"{profile}: mutmut ran in {seconds:.0f} s (log: {folder / 'mutmut.log'})")
    if done.returncode != 0:
        sys.exit(f"{profile}: mutmut exited with {done.returncode}; see its log")
    return seconds


# -- reading results --------------------------------------------------------------


def exit_codes(profile: str) -> dict[str, int | None]:
    """Each mutant's exit code in ``profile``'s run."""
    codes: dict[str, int | None] = {}
    for meta in (WORK / profile / "mutants" / "reference_impl").glob("*.py.meta"):
        codes.update(json.loads(meta.read_text())["exit_code_by_key"])
    return codes


def outcome(codes: list[int | None]) -> str:
    """One verdict from the profiles' runs: a kill in any of them is a kill."""
    if any(code in KILLED_CODES for code in codes):
        return "killed"
    if any(code in TIMEOUT_CODES for code in codes):
        return "timeout"
    if any(code in SURVIVED_CODES for code in codes):
        return "survived"
    if all(code in NO_TEST_CODES for code in codes):
        return "no tests"
    return "not checked"


def function_start(source: Path, qualname: str) -> int:
    """The line of ``def`` of ``qualname`` (``Class.method`` or ``function``)."""
    tree = ast.parse(source.read_text())
    scopes: list[tuple[str, ast.AST]] = [("", tree)]
    while scopes:
        prefix, node = scopes.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef | ast.FunctionDef):
                name = f"{prefix}{child.name}"
                if name == qualname and isinstance(child, ast.FunctionDef):
                    return child.lineno
                scopes.append((f"{name}.", child))
    raise LookupError(f"{qualname} is not defined in {source}")


def qualname_of(mangled: str) -> str:
    """``xǁClassǁmethod`` -> ``Class.method``; ``x_function`` -> ``function``."""
    if mangled.startswith("x\u01c1"):
        return ".".join(mangled[2:].split("\u01c1"))
    return mangled[2:]


def changed_line(
    mutated_file: list[str], spans: dict[str, list[int]], name: str
) -> tuple[int, str, str]:
    """Offset from its ``def`` line, original text and mutated text of the change.

    A span of mutmut's starts at the blank lines above the ``def``, so the
    offset counts from the ``def`` line itself.
    """
    function, _, number = name.rpartition("__mutmut_")
    start, end = spans[f"{function}__mutmut_orig"]
    original = mutated_file[start - 1 : end]
    define = f"def {function}__mutmut_orig("
    first = next(i for i, line in enumerate(original) if define in line)
    start, end = spans[f"{function}__mutmut_{number}"]
    mutated = [
        line.replace(name, f"{function}__mutmut_orig")
        for line in mutated_file[start - 1 : end]
    ]
    matcher = difflib.SequenceMatcher(a=original, b=mutated, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag != "equal":
            old = " / ".join(line.strip() for line in original[a0:a1])
            new = " / ".join(line.strip() for line in mutated[b0:b1])
            return a0 - first, old, new
    return 0, "", ""


def clause_area(lines: list[str], line: int, first: int) -> str:
    """The area of the clause ids on ``line`` or the nearest above it."""
    for number in range(line, first - 1, -1):
        found = CLAUSE.findall(lines[number - 1])
        if found:
            return found[0]
    return "none"


def mutants(profiles: tuple[str, ...]) -> list[Mutant]:
    codes = {profile: exit_codes(profile) for profile in profiles}
    names = sorted({name for by_name in codes.values() for name in by_name})
    found = []
    for name in names:
        module, _, function = name.rpartition(".")
        source_name = module.replace(".", "/") + ".py"
        mangled = function.rpartition("__mutmut_")[0]
        folder = WORK / next(p for p in profiles if name in codes[p])
        mutated_path = folder / "mutants" / source_name
        spans = json.loads(Path(f"{mutated_path}.spans").read_text())["spans"]
        offset, old, new = changed_line(
            mutated_path.read_text().splitlines(), spans, function
        )
        source = ROOT / source_name
        start = function_start(source, qualname_of(mangled))
        lines = source.read_text().splitlines()
        found.append(
            Mutant(
                name=name,
                source=source_name,
                line=start + offset,
                original=old,
                mutated=new,
                area=clause_area(lines, start + offset, start),
                outcome=outcome([codes[p][name] for p in profiles if name in codes[p]]),
            )
        )
    return found


# -- sampling ---------------------------------------------------------------------

#: Writes the mutants of every source file as ``mutmut run`` does before it runs
#: any (mutmut's own functions, of the 3.x line the mutation env pins), so that
#: their names and changes can be read without running a test.
GENERATE = """
from mutmut.__main__ import create_file_mutants
from mutmut.utils.file_utils import walk_source_files

for path in walk_source_files():
    result = create_file_mutants(path)
    if result.error:
        raise result.error
"""


def generated() -> list[Mutant]:
    """Every mutant mutmut makes of the reference, none of them run."""
    folder = prepare("generated")
    done = subprocess.run(
        [sys.executable, "-c", GENERATE], cwd=folder, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"generating the mutants in {folder} failed:\n{done.stderr}")
    return mutants(("generated",))


def shares(sizes: Mapping[str, int], size: int) -> dict[str, int]:
    """``size`` split among the areas in proportion to their ``sizes``.

    Each area gets the whole part of its exact share, and what is left goes
    one each to the largest remainders (ties by area name).
    """
    total = sum(sizes.values())
    size = min(size, total)
    quotas = {area: size * count // total for area, count in sizes.items()}
    remainders = {area: size * count % total for area, count in sizes.items()}
    left = size - sum(quotas.values())
    for area in sorted(sizes, key=lambda area: (-remainders[area], area))[:left]:
        quotas[area] += 1
    return quotas


def pick(areas: Mapping[str, str], size: int, *, seed: int) -> list[str]:
    """``size`` names of ``areas`` (mutant name -> clause area), drawn with ``seed``.

    Stratified: each area's share of the sample is its share of the mutants
    (see ``shares``). The draw depends only on the names, areas, size and seed.
    """
    by_area: dict[str, list[str]] = {}
    for name in sorted(areas):
        by_area.setdefault(areas[name], []).append(name)
    quotas = shares({area: len(names) for area, names in by_area.items()}, size)
    draw = random.Random(seed)
    picked = []
    for area in sorted(by_area):
        picked += draw.sample(by_area[area], quotas[area])
    return sorted(picked)


@dataclass(frozen=True)
class Sample:
    """The mutants a sampled run drew: ``size`` asked for, drawn with ``seed``."""

    size: int
    seed: int
    names: tuple[str, ...]

    @property
    def command(self) -> str:
        """The command that draws the same sample again."""
        return f"tox -e mutation -- run --sample {self.size} --seed {self.seed}"

    def save(self) -> None:
        SAMPLE.write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def of_last_run(cls) -> Sample | None:
        """The sample of the last run, None when it ran every mutant."""
        if not SAMPLE.exists():
            return None
        try:
            fields = json.loads(SAMPLE.read_text())
            return cls(fields["size"], fields["seed"], tuple(fields["names"]))
        except (ValueError, KeyError, TypeError) as error:
            sys.exit(f"{SAMPLE} is unreadable ({error!r}); run again to redraw it")


# -- equivalents and report ---------------------------------------------------------


KINDS = ("equivalent", "open")


def equivalents() -> dict[str, dict[str, str]]:
    """The listed mutants by name, each of a kind in ``KINDS``.

    An entry of kind ``open`` names in ``open`` the item of SPEC.md that
    leaves open what the mutant changes.
    """
    entries = tomllib.loads(EQUIVALENTS.read_text()).get("mutant", [])
    items = OPEN_ITEM.findall(SPEC.read_text())
    for entry in entries:
        if entry.get("kind") not in KINDS or not entry.get("why"):
            sys.exit(
                f"{EQUIVALENTS.name}: entry {entry.get('name')!r} needs kind= one "
                f"of {', '.join(KINDS)} and a why= sentence"
            )
        if entry["kind"] == "open" and entry.get("open") not in items:
            sys.exit(
                f"{EQUIVALENTS.name}: entry {entry['name']!r} has "
                f"open={entry.get('open')!r}; give the id of the SPEC.md item "
                f"that leaves the change open, one of {', '.join(items)}"
            )
    return {entry["name"]: entry for entry in entries}


def report(found: list[Mutant], *, sample: Collection[str] | None = None) -> int:
    """Print the score and per-area kills; 1 when something is unaccounted for.

    ``found`` is every mutant generated. With a ``sample``, only the sampled
    mutants' outcomes are judged and counted; every entry is still checked
    against the mutant it names.
    """
    listed = equivalents()
    problems = []
    known = {mutant.name for mutant in found}
    if sample is not None:
        problems += [
            f"sampled but not generated: {name}" for name in set(sample) - known
        ]
    for mutant in found:
        entry = listed.get(mutant.name)
        if entry is not None and entry.get("mutated") != mutant.mutated:
            problems.append(
                f"stale entry: {mutant.name} now mutates {mutant.mutated!r}"
            )
        elif sample is not None and mutant.name not in sample:
            continue
        elif entry is not None and mutant.outcome == "killed":
            problems.append(f"listed but killed: {mutant.name}")
        elif entry is not None and mutant.outcome == "timeout":
            # A time limit says nothing of whether the change is observable (a
            # busier machine can hit it with any mutant), so the entry stands.
            print(f"note: the listed {mutant.name} ran into the time limit")
        elif entry is None and mutant.outcome not in DETECTED:
            problems.append(
                f"{mutant.outcome}: {mutant.name} ({mutant.source}:{mutant.line})\n"
                f"    - {mutant.original}\n    + {mutant.mutated}"
            )
    problems += [f"listed but not generated: {name}" for name in listed.keys() - known]
    if sample is not None:  # the table and the score count the sample only
        found = [mutant for mutant in found if mutant.name in sample]

    def kind_of(mutant: Mutant) -> str:
        """killed, or the kind of its entry when it survived or is listed."""
        entry = listed.get(mutant.name)
        if mutant.outcome == "killed" or (
            mutant.outcome == "timeout" and entry is None
        ):
            return "killed"
        return entry["kind"] if entry is not None else mutant.outcome

    killed = Counter(m.area for m in found if kind_of(m) == "killed")
    total = Counter(m.area for m in found)
    by_kind = {
        kind: Counter(m.area for m in found if kind_of(m) == kind) for kind in KINDS
    }
    print(f"{'area':<6} {'killed':>6} {'equiv.':>6} {'open':>6} {'total':>6}")
    for area in sorted(total):
        print(
            f"{area:<6} {killed[area]:>6} {by_kind['equivalent'][area]:>6} "
            f"{by_kind['open'][area]:>6} {total[area]:>6}"
        )
    all_killed = sum(killed.values())
    timeouts = sum(m.outcome == "timeout" and kind_of(m) == "killed" for m in found)
    equivalent, left_open = (sum(by_kind[kind].values()) for kind in KINDS)
    checkable = len(found) - equivalent - left_open
    score = all_killed / checkable if checkable else 0.0
    counted = f"{len(found)} mutants"
    if sample is not None:
        counted = f"{len(found)} sampled mutants of {len(known)}"
    print(
        f"{counted}: {all_killed} killed ({timeouts} by a timeout), "
        f"{equivalent} equivalent, "
        f"{left_open} changing only what SPEC.md leaves open; score "
        f"{all_killed}/{checkable} = {score:.1%} of the rest"
    )
    by_item = Counter(listed[m.name]["open"] for m in found if kind_of(m) == "open")
    if by_item:
        print(
            "open, by item: "
            + ", ".join(f"{k} {n}" for k, n in sorted(by_item.items()))
        )
    for problem in problems:
        print(problem)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("command", choices=("run", "report"))
    parser.add_argument(
        "--max-children",
        type=int,
        default=2,
        metavar="N",
        help="run: mutants tested at once (default 2)",
    )
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        action="append",
        help="run: only this profile's pass; report: only its results "
        "(repeatable; default: both, keras2 first)",
    )
    parser.add_argument(
        "--sample",
        type=int,
        metavar="N",
        help="run: only N mutants, each clause area's share in proportion",
    )
    parser.add_argument(
        "--seed",
        type=int,
        help=f"run --sample: the seed of the draw (default {DEFAULT_SEED})",
    )
    args = parser.parse_args(argv)
    profiles = tuple(args.profile or PROFILES)
    if args.sample is not None and args.command != "run":
        parser.error(
            f"--sample={args.sample} goes with run; report reads the last run's"
        )
    if args.sample is not None and args.sample < 1:
        parser.error(
            f"--sample={args.sample}: the number of mutants to run is 1 or more"
        )
    if args.seed is not None and args.sample is None:
        parser.error(
            f"--seed={args.seed} goes with --sample N; a full run draws nothing"
        )
    if args.max_children < 1:
        parser.error(
            f"--max-children={args.max_children}: mutants tested at once is 1 or more"
        )
    seed = DEFAULT_SEED if args.seed is None else args.seed
    ran = [profile for profile in profiles if (WORK / profile / "mutants").is_dir()]
    if args.command == "report" and not ran:
        sys.exit(f"no results under {WORK}: run `tox -e mutation` first")

    if args.command == "run":
        shutil.rmtree(WORK, ignore_errors=True)  # no results of an earlier run
        seconds, only = 0.0, None
        if args.sample is not None:
            areas = {mutant.name: mutant.area for mutant in generated()}
            names = pick(areas, args.sample, seed=seed)
            Sample(args.sample, seed, tuple(names)).save()
            only = names
            print(f"sample: {len(names)} of {len(areas)} mutants, seed {seed}")
        for done, profile in enumerate(profiles):
            seconds += run_profile(profile, max_children=args.max_children, only=only)
            alive = [
                m.name
                for m in mutants(profiles[: done + 1])
                if m.outcome not in DETECTED and (only is None or m.name in only)
            ]
            if not alive:
                break
            only = alive
        print(f"all profiles: {seconds:.0f} s")
    sample = Sample.of_last_run()
    if sample is not None:
        print(
            f"a sample of {len(sample.names)} mutants, drawn again by: {sample.command}"
        )
    return report(mutants(profiles), sample=None if sample is None else sample.names)


if __name__ == "__main__":
    sys.exit(main())

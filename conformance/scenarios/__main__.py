"""``python -m conformance.scenarios``: write or check the shipped scenario files.

``--regenerate`` runs every case of :mod:`conformance.scenarios.catalog`
against the reference under each profile the case lists, and writes
``fixtures/scenarios/<area>.json``. It is a tool for a source checkout: in an
installed copy of the package, where there is no ``fixtures/`` folder to
write, it says so in one line and exits with 2. ``--check`` (the default)
does the same without writing, compares with the scenario files the package
ships (the checkout's in an editable install, the installed ones otherwise),
and exits with 1 when a file differs from what it would write.

A case must come out the same under each of its profiles, its warnings and
error must mention what the case says, and it raises only when the case says
it does; otherwise the command stops naming the case.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from conformance import implementations
from conformance.expect import ConformanceFailure
from conformance.scenarios import (
    Scenario,
    check,
    dumps,
    encode_events,
    expected_of,
    replay,
    shipped_files,
    validate,
)
from conformance.scenarios.catalog import FILES, Case

#: The source checkout this module is in, when it is in one.
ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "fixtures" / "scenarios"


def in_checkout(root: Path) -> bool:
    """True when ``root`` is a source checkout, with the fixtures to write."""
    return (root / "pyproject.toml").is_file() and (
        root / "fixtures" / "scenarios"
    ).is_dir()


class CaseError(Exception):
    """A case of the catalog does not hold for the reference; the text says how."""


def _scenario(item: Case, expected: dict[str, Any]) -> Scenario:
    data = {
        "id": item.id,
        "title": item.title,
        "clauses": list(item.clauses),
        "profiles": list(item.profiles),
        "arguments": {},
        "events": encode_events(item.events),
        "expected": expected,
    }
    # Decoded from JSON, so that the events carry the epochs a replayer infers.
    scenario = Scenario.from_json(data)
    return Scenario(
        **{
            **scenario.__dict__,
            "arguments": dict(item.arguments),
            "set_model": item.set_model,
            "params": item.params,
            "prepare": dict(item.prepare),
            "model": item.model,
            "reports": item.reports,
        }
    )


def _with_mentions(item: Case, expected: dict[str, Any]) -> dict[str, Any]:
    if len(expected["warnings"]) != len(item.warnings):
        raise CaseError(
            f"{item.id}: the reference gave {len(expected['warnings'])} warnings, "
            f"the case names {len(item.warnings)}"
        )
    for warning, mentions in zip(expected["warnings"], item.warnings, strict=True):
        warning["mentions"] = list(mentions)
    error = expected["error"]
    if (error is None) != (item.raises is None):
        what = "no error" if error is None else f"{error['types'][0]} at {error['at']}"
        raise CaseError(f"{item.id}: the reference ended with {what}")
    if error is not None:
        error["mentions"] = list(item.raises)
        if item.types:
            error["types"] = list(item.types)
    return expected


def expected_for(item: Case) -> dict[str, Any]:
    """The expected trace of a case: the reference's, the same in every profile."""
    reference = implementations.load("reference")
    found: dict[str, dict[str, Any]] = {}
    for profile in item.profiles:
        with tempfile.TemporaryDirectory() as folder:
            scenario = _scenario(item, {})
            observed = replay(reference.for_profile(profile), scenario, Path(folder))
            found[profile] = _with_mentions(item, expected_of(observed, Path(folder)))
            try:
                check(_scenario(item, found[profile]), observed)
            except ConformanceFailure as failure:
                raise CaseError(f"{item.id}: {failure}") from failure
    first, *others = item.profiles
    for profile in others:
        if found[profile] != found[first]:
            raise CaseError(
                f"{item.id}: the reference differs between {first} and {profile}; "
                f"split the case:\n  {first}: {found[first]}\n  {profile}: "
                f"{found[profile]}"
            )
    return found[first]


def render(name: str) -> str:
    """The text of ``fixtures/scenarios/<name>.json``."""
    about, cases = FILES[name]
    scenarios = []
    for item in cases():
        scenario = _scenario(item, expected_for(item))
        scenarios.append(scenario.to_json())
    text = dumps(scenarios, about)
    validate(json.loads(text), f"scenarios/{name}.json")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.scenarios")
    parser.add_argument(
        "--regenerate",
        action="store_true",
        help="write fixtures/scenarios/*.json from the catalog and the reference",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit with 1 when a file differs from what --regenerate writes "
        "(the default)",
    )
    options = parser.parse_args(argv)
    if options.regenerate and not in_checkout(ROOT):
        print(
            f"python -m conformance.scenarios --regenerate: {ROOT} is not a source "
            "checkout (no pyproject.toml and fixtures/scenarios/ there): the "
            "command writes the fixtures of a checkout of modelcheckpoint-"
            "conformance, so run it in one (an editable install works too)",
            file=sys.stderr,
        )
        return 2
    shipped = {item.name: item for item in shipped_files()}
    stale = []
    try:
        for name in FILES:
            text = render(name)
            if options.regenerate:
                (FOLDER / f"{name}.json").write_text(text, encoding="utf-8")
                continue
            target = shipped.get(f"{name}.json")
            if target is None or target.read_text(encoding="utf-8") != text:
                stale.append(f"{name}.json")
    except CaseError as error:
        print(f"python -m conformance.scenarios: {error}", file=sys.stderr)
        return 2
    if stale:
        print(
            f"out of date: {', '.join(stale)}; run python -m conformance.scenarios "
            "--regenerate",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

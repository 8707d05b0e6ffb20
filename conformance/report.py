"""Conformance reports side by side: ``python -m conformance.report A.json ...``.

Reads reports written by ``pytest --conformance-report=PATH``, checks each
against the shipped schema (``conformance/schemas/report.schema.json``) and
renders one matrix: an implementation (its name and profile) per column, the
clauses of SPEC.md down, grouped by area, each with its text. ``--markdown
OUT.md`` writes Markdown (fit for a GitHub step summary), ``--html OUT.html``
one self-contained HTML page; with neither, the Markdown goes to stdout.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from conformance import spec

SCHEMA = Path(__file__).parent / "schemas" / "report.schema.json"

PROG = "python -m conformance.report"

#: Exit status for a report that cannot be read or does not follow the schema.
BAD_INPUT = 2

CLAUSE_OUTCOMES = ("passed", "failed", "declared", "not_applicable")
MARKS = {
    "passed": "✅ passed",
    "failed": "❌ failed",
    "declared": "🔶 declared",
    "not_applicable": "➖ n/a",
}
#: The HTML page has no emoji: a browser may lack a font for them.
WORDS = {outcome: mark.split(" ", 1)[1] for outcome, mark in MARKS.items()}
#: What a cell says for a clause that is not part of the column's profile.
OTHER_PROFILE = "·"


class ReportError(Exception):
    """A report cannot be used; the text names the file and what is wrong."""


def schema() -> dict[str, Any]:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def check(data: Any, source: str) -> None:
    """Raise ReportError when ``data`` does not follow the report schema."""
    validator = jsonschema.Draft202012Validator(schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = error.json_path.removeprefix("$").lstrip(".") or "the top level"
        raise ReportError(
            f"{source}: not a conformance report (at {where}: {error.message}); "
            "give a file written by pytest --conformance-report=PATH"
        )


def load(path: Path) -> dict[str, Any]:
    """Read and check one report."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ReportError(f"{path}: cannot read it: {error}") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReportError(
            f"{path}: not JSON (line {error.lineno}, column {error.colno}: "
            f"{error.msg}); give a file written by pytest --conformance-report=PATH"
        ) from error
    check(data, str(path))
    return data


# -- the matrix -----------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One clause in one report: its outcome and its tests' outcomes.

    ``failing`` names the tests that failed; ``reasons`` are the distinct
    reasons of its declared differences.
    """

    outcome: str
    tests: int
    failing: tuple[str, ...]
    reasons: tuple[str, ...] = ()

    def text(self, marks: dict[str, str] = MARKS) -> str:
        mark = marks[self.outcome]
        if self.outcome == "failed":
            return f"{mark} {len(self.failing)}/{self.tests}"
        return mark


@dataclass(frozen=True)
class Column:
    label: str
    report: dict[str, Any]

    def cell(self, clause_id: str) -> Cell | None:
        for clause in self.report["clauses"]:
            if clause["id"] == clause_id:
                failing = tuple(
                    test["test"]
                    for test in clause["tests"]
                    if test["outcome"] in ("failed", "unexpected_pass")
                )
                reasons = tuple(
                    dict.fromkeys(
                        test["message"]
                        for test in clause["tests"]
                        if test["outcome"] == "xfailed" and test["message"]
                    )
                )
                return Cell(clause["outcome"], len(clause["tests"]), failing, reasons)
        return None

    def totals(self) -> Counter[str]:
        return Counter(clause["outcome"] for clause in self.report["clauses"])


@dataclass(frozen=True)
class Matrix:
    columns: list[Column]
    areas: dict[str, str]
    #: Area -> the clauses shown in it, each with one cell per column.
    rows: dict[str, list[tuple[spec.Clause, list[Cell | None]]]]


def _labels(reports: Sequence[dict[str, Any]]) -> list[str]:
    labels = [f"{r['implementation']['name']} ({r['profile']})" for r in reports]
    seen: Counter[str] = Counter()
    unique = []
    for label in labels:
        seen[label] += 1
        unique.append(label if labels.count(label) == 1 else f"{label} #{seen[label]}")
    return unique


def build(reports: Sequence[dict[str, Any]], spec_text: str) -> Matrix:
    """The matrix of ``reports``, with clause texts from ``spec_text``.

    A clause shows when it applies to the profile of at least one report; a
    clause a report names that this SPEC.md lacks (a report of another suite
    version) shows too, with no text.
    """
    columns = [
        Column(label, r) for label, r in zip(_labels(reports), reports, strict=True)
    ]
    areas, clauses = spec.read_spec(spec_text)
    known = {clause.id for clause in clauses}
    for report in reports:
        for entry in report["clauses"]:
            if entry["id"] not in known:
                known.add(entry["id"])
                areas.setdefault(entry["area"], entry["area_title"])
                clauses.append(
                    spec.Clause(entry["id"], entry["level"], entry["area"], "")
                )
    profiles = {report["profile"] for report in reports}
    rows: dict[str, list[tuple[spec.Clause, list[Cell | None]]]] = {}
    for area in dict.fromkeys(clause.area for clause in clauses):
        shown = [
            (clause, [column.cell(clause.id) for column in columns])
            for clause in clauses
            if clause.area == area
        ]
        shown = [
            (clause, cells)
            for clause, cells in shown
            if any(clause.applies_to(p) for p in profiles) or any(cells)
        ]
        if shown:
            rows[area] = shown
    return Matrix(columns, areas, rows)


def _version_line(report: dict[str, Any]) -> str:
    implementation = report["implementation"]
    frameworks = ", ".join(
        f"{name} {info['version']}"
        for name, info in report["frameworks"].items()
        if info["imported"] and info["version"]
    )
    return (
        f"{implementation['version'] or 'version unknown'}, loaded as "
        f"{implementation['loaded_as']}; frameworks used: {frameworks or 'none'}; "
        f"suite {report['suite_version']}, SPEC.md version "
        f"{report['spec_version'] or '?'}, Hypothesis profile "
        f"{report['hypothesis_profile']}"
    )


# -- Markdown -------------------------------------------------------------------


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown(matrix: Matrix) -> str:
    labels = [column.label for column in matrix.columns]
    lines = [
        "# ModelCheckpoint conformance",
        "",
        "| implementation | " + " | ".join(MARKS[o] for o in CLAUSE_OUTCOMES) + " |",
        "|---|" + "---:|" * len(CLAUSE_OUTCOMES),
    ]
    for column in matrix.columns:
        totals = column.totals()
        counts = " | ".join(str(totals[o]) for o in CLAUSE_OUTCOMES)
        lines.append(f"| {_md(column.label)} | {counts} |")
    lines += [""]
    lines += [
        f"- **{_md(column.label)}**: {_md(_version_line(column.report))}"
        for column in matrix.columns
    ]
    lines += [
        "",
        f"Cells: {', '.join(MARKS.values())} (a failed cell counts failing tests "
        f"of the clause's tests); {OTHER_PROFILE} the clause is not part of that "
        "implementation's profile.",
    ]
    for area, shown in matrix.rows.items():
        lines += [
            "",
            f"## {area}: {_md(matrix.areas.get(area, ''))}",
            "",
            "| clause | " + " | ".join(_md(label) for label in labels) + " | text |",
            "|---|" + "---|" * len(labels) + "---|",
        ]
        for clause, cells in shown:
            texts = [cell.text() if cell else OTHER_PROFILE for cell in cells]
            lines.append(
                f"| {clause.id} ({clause.level}) | "
                + " | ".join(texts)
                + f" | {_md(clause.text)} |"
            )
    return "\n".join(lines) + "\n"


# -- HTML -----------------------------------------------------------------------

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; vertical-align: top; }
th { background: #f3f3f3; text-align: left; }
tr.area th { background: #e4e9f2; font-size: 1.05em; }
td.outcome { white-space: nowrap; text-align: center; }
td.passed { background: #e6f4ea; }
td.failed { background: #fce8e6; font-weight: bold; }
td.declared { background: #fef7e0; }
td.not_applicable, td.other_profile { color: #888; }
td.text { max-width: 48em; }
code { background: #f3f3f3; padding: 0 0.2em; }
"""


def _code(text: str) -> str:
    """Escaped text, with `backticks` as <code>."""
    parts = re.split(r"`([^`]*)`", text)
    return "".join(
        f"<code>{html.escape(part)}</code>" if odd else html.escape(part)
        for odd, part in ((i % 2 == 1, p) for i, p in enumerate(parts))
    )


def _html_cell(cell: Cell | None) -> str:
    if cell is None:
        return f'<td class="outcome other_profile" data-outcome="">{OTHER_PROFILE}</td>'
    title = ""
    notes = cell.failing or cell.reasons
    if notes:
        listed = list(notes[:10])
        if len(notes) > 10:
            listed.append(f"... and {len(notes) - 10} more")
        title = f' title="{html.escape(chr(10).join(listed))}"'
    return (
        f'<td class="outcome {cell.outcome}" data-outcome="{cell.outcome}"{title}>'
        f"{html.escape(cell.text(WORDS))}</td>"
    )


def html_page(matrix: Matrix) -> str:
    columns = matrix.columns
    head = "".join(
        f'<th class="implementation" data-label="{html.escape(c.label)}">'
        f"{html.escape(c.label)}</th>"
        for c in columns
    )
    summary = "".join(
        f"<tr><th>{html.escape(c.label)}</th>"
        + "".join(f"<td>{c.totals()[o]}</td>" for o in CLAUSE_OUTCOMES)
        + f"<td>{html.escape(_version_line(c.report))}</td></tr>"
        for c in columns
    )
    body = []
    for area, shown in matrix.rows.items():
        title = html.escape(matrix.areas.get(area, ""))
        body.append(
            f'<tr class="area"><th colspan="{len(columns) + 2}">'
            f"{area}: {title}</th></tr>"
        )
        for clause, cells in shown:
            body.append(
                f'<tr class="clause" data-clause="{clause.id}">'
                f"<th>{clause.id}<br><small>{clause.level}</small></th>"
                + "".join(_html_cell(cell) for cell in cells)
                + f'<td class="text">{_code(clause.text)}</td></tr>'
            )
    outcome_heads = "".join(
        f"<th>{html.escape(WORDS[o])}</th>" for o in CLAUSE_OUTCOMES
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ModelCheckpoint conformance</title>
<style>{STYLE}</style>
</head>
<body>
<h1>ModelCheckpoint conformance</h1>
<table id="summary">
<thead><tr><th>implementation</th>{outcome_heads}<th>versions</th></tr></thead>
<tbody>{summary}</tbody>
</table>
<p>A failed cell counts the clause's failing tests (hover to list them, or
the reasons of a declared difference);
{OTHER_PROFILE} marks a clause that is not part of an implementation's
profile.</p>
<table id="matrix">
<thead><tr><th>clause</th>{head}<th>text</th></tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
</body>
</html>
"""


# -- command line ---------------------------------------------------------------


def main(argv: Sequence[str] | None = None, *, spec_path: Path = spec.SPEC) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Render conformance reports (pytest --conformance-report=PATH) side "
            "by side: a column per implementation, a row per clause of SPEC.md."
        ),
    )
    parser.add_argument("reports", nargs="+", type=Path, metavar="REPORT.json")
    parser.add_argument(
        "--markdown", type=Path, metavar="OUT.md", help="write Markdown to OUT.md"
    )
    parser.add_argument(
        "--html", type=Path, metavar="OUT.html", help="write one HTML page to OUT.html"
    )
    args = parser.parse_args(argv)

    try:
        reports = [load(path) for path in args.reports]
    except ReportError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return BAD_INPUT
    versions = {str(report["spec_version"]) for report in reports}
    if len(versions) > 1:
        made = ", ".join(
            f"{path} against {report['spec_version']}"
            for path, report in zip(args.reports, reports, strict=True)
        )
        print(
            f"{PROG}: the reports check different versions of SPEC.md ({made}); "
            "side by side their clauses would not mean the same: merge reports "
            "of one version",
            file=sys.stderr,
        )
        return BAD_INPUT
    spec_text = spec_path.read_text(encoding="utf-8") if spec_path.is_file() else ""
    matrix = build(reports, spec_text)

    outputs = [(args.markdown, markdown), (args.html, html_page)]
    if args.markdown is None and args.html is None:
        sys.stdout.write(markdown(matrix))
    for path, render in outputs:
        if path is None:
            continue
        try:
            path.write_text(render(matrix), encoding="utf-8")
        except OSError as error:
            print(f"{PROG}: cannot write {path}: {error}", file=sys.stderr)
            return BAD_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main())

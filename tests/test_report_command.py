"""python -m conformance.report: reports side by side, in Markdown and in HTML."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_runs import Run, run

from conformance import report, spec

#: Tests of PATH-1 (a clause of both profiles) and of BEST-2 (a clause with a
#: variant per profile).
SELECTION = "test_epoch_field_in_a_weights_save_is_the_epoch_index_plus_one or BEST-2"
LABELS = ["reference (keras2)", "zoo.zero_based_epoch (keras2)", "reference (keras3)"]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Three real reports: the reference, a faulty member, the keras3 profile."""
    base = tmp_path_factory.mktemp("reports")
    runs: list[Run] = [
        run(base / "reference", "--impl=reference", "-k", SELECTION),
        run(base / "zoo", "--impl=zoo.zero_based_epoch", "-k", SELECTION),
        run(base / "keras3", "--impl=reference", "--profile=keras3", "-k", SELECTION),
    ]
    assert [r.returncode for r in runs] == [0, 1, 0], [r.output for r in runs]
    return [r.folder / "report.json" for r in runs]


def command(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "conformance.report", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def markdown_rows(text: str, clause: str) -> list[list[str]]:
    """The cells of every Markdown table row of ``clause``."""
    return [
        [cell.strip() for cell in line.strip("|").split(" | ")]
        for line in text.splitlines()
        if line.startswith(f"| {clause} (")
    ]


# -- Markdown -------------------------------------------------------------------


def test_with_no_output_option_markdown_goes_to_stdout(reports) -> None:
    done = command(*reports)

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith("# ModelCheckpoint conformance\n")
    assert "| clause | " + " | ".join(LABELS) + " | text |" in done.stdout


def test_a_row_per_clause_with_an_outcome_per_implementation_and_its_text(
    reports,
) -> None:
    text = command(*reports).stdout
    _, clauses = spec.read_spec(spec.SPEC.read_text(encoding="utf-8"))
    path_1 = next(clause for clause in clauses if clause.id == "PATH-1")

    assert markdown_rows(text, "PATH-1") == [
        ["PATH-1 (must)", "✅ passed", "❌ failed 5/5", "✅ passed", path_1.text]
    ]
    assert markdown_rows(text, "BEST-1") == [
        [
            "BEST-1 (must)",
            "➖ n/a",
            "➖ n/a",
            "➖ n/a",
            next(clause.text for clause in clauses if clause.id == "BEST-1"),
        ]
    ]


def test_a_clause_outside_a_columns_profile_is_marked_so(reports) -> None:
    text = command(*reports).stdout

    keras2, keras3 = (
        markdown_rows(text, "BEST-2/keras2"),
        markdown_rows(text, "BEST-2/keras3"),
    )

    assert [row[1:4] for row in keras2] == [["✅ passed", "❌ failed 29/33", "·"]]
    assert [row[1:4] for row in keras3] == [["·", "·", "✅ passed"]]


def test_clauses_are_grouped_by_area_in_spec_order(reports) -> None:
    text = command(*reports).stdout
    areas, _ = spec.read_spec(spec.SPEC.read_text(encoding="utf-8"))

    headings = [line for line in text.splitlines() if line.startswith("## ")]

    assert headings == [f"## {area}: {title}" for area, title in areas.items()]


def test_the_options_write_files_and_nothing_to_stdout(reports, tmp_path) -> None:
    markdown, page = tmp_path / "summary.md", tmp_path / "matrix.html"

    done = command(*reports, "--markdown", markdown, "--html", page)

    assert done.returncode == 0 and done.stdout == "", done.stderr
    assert markdown.read_text(encoding="utf-8") == command(*reports).stdout
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_the_html_page_loads_nothing_from_elsewhere(reports, tmp_path) -> None:
    page = tmp_path / "matrix.html"
    command(*reports, "--html", page)

    text = page.read_text(encoding="utf-8")

    for external in ("<link", "<script", "src=", "@import", "url("):
        assert external not in text


# -- bad input ------------------------------------------------------------------


def error_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == report.BAD_INPUT
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_a_missing_file_is_one_error_line(reports, tmp_path) -> None:
    line = error_line(command(reports[0], tmp_path / "nope.json"))

    assert line.startswith(f"python -m conformance.report: {tmp_path / 'nope.json'}: ")
    assert "cannot read it" in line


def test_a_file_that_is_not_json_is_one_error_line(tmp_path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": ', encoding="utf-8")

    line = error_line(command(broken))

    assert f"{broken}: not JSON (line 1, column 12" in line


def test_a_report_breaking_the_schema_is_one_error_line_naming_where(
    reports, tmp_path
) -> None:
    data = json.loads(reports[1].read_text(encoding="utf-8"))
    data["clauses"][3]["outcome"] = "maybe"
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(data), encoding="utf-8")

    line = error_line(command(wrong))

    assert f"{wrong}: not a conformance report (at clauses[3].outcome: 'maybe'" in line
    assert "pytest --conformance-report=PATH" in line


def test_reports_of_different_spec_versions_are_one_error_line(
    reports, tmp_path
) -> None:
    data = json.loads(reports[1].read_text(encoding="utf-8"))
    data["spec_version"] = "99"
    later = tmp_path / "later.json"
    later.write_text(json.dumps(data), encoding="utf-8")

    line = error_line(command(reports[0], later))

    assert f"{later} against 99" in line
    assert "merge reports of one version" in line


# -- the page in a browser ------------------------------------------------------


class Matrix(HTMLParser):
    """The column labels and each clause row's outcomes, from the matrix table."""

    def __init__(self) -> None:
        super().__init__()
        self.labels: list[str] = []
        self.rows: dict[str, list[str]] = {}
        self.row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "th" and "data-label" in attributes:
            self.labels.append(attributes["data-label"] or "")
        elif tag == "tr" and "data-clause" in attributes:
            self.row = self.rows.setdefault(attributes["data-clause"] or "", [])
        elif tag == "td" and self.row is not None and "data-outcome" in attributes:
            self.row.append(attributes["data-outcome"] or "other profile")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self.row = None


CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed, so the page cannot be rendered "
    "(.ci/run installs it; apt-get install chromium)",
)
def test_the_html_matrix_renders_in_a_browser(reports, tmp_path) -> None:
    page = tmp_path / "matrix.html"
    command(*reports, "--html", page)

    rendered = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    matrix = Matrix()
    matrix.feed(rendered.stdout)

    assert rendered.returncode == 0, rendered.stderr[-2000:]
    assert matrix.labels == LABELS
    _, clauses = spec.read_spec(spec.SPEC.read_text(encoding="utf-8"))
    assert list(matrix.rows) == [clause.id for clause in clauses]
    assert matrix.rows["PATH-1"] == ["passed", "failed", "passed"]
    assert matrix.rows["BEST-2/keras3"] == ["other profile"] * 2 + ["passed"]
    assert matrix.rows["BEST-1"] == ["not_applicable"] * 3

"""The timeline of a failure about saves: expected and observed saves on one grid.

A run's lifecycle is drawn one epoch a line, one cell per hook call that
matters (the training batches, the epoch end, and the epoch begin or the
validation pass when a save lands there). Each cell is marked by how the saves
expected there compare with the saves observed there:

    batch     0 1 2 3  end
    epoch 0   . . = .  .
    epoch 1   . E O .  .

Every cell that differs is then spelled out with its exact saves, so a save at
the right moment with the wrong path shows both paths. Long runs of batches
or epochs where nothing differs are folded, which keeps the drawing small
whatever the length of the run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from conformance.harness import Save
from conformance.lifecycle import Event

NONE, BOTH, EXPECTED_ONLY, OBSERVED_ONLY, DIFFERENT, FOLDED = ".=EO!~"
LEGEND = (
    f"{BOTH} saved as expected, {EXPECTED_ONLY} expected only, "
    f"{OBSERVED_ONLY} observed only, {DIFFERENT} both, differing, "
    f"{NONE} no save, {FOLDED} folded, no difference"
)

#: Runs of at least this many uneventful batch columns or epoch rows fold
#: into one.
FOLD_RUN = 3
#: At most this many batch columns and epoch rows are drawn.
MAX_COLUMNS = 40
MAX_ROWS = 30
#: A differing cell's line of saves is cut after this many characters.
MAX_DETAIL_CHARS = 300

#: Column keys besides batch indices, in the order they are drawn.
BEGIN, VALIDATION, END = "begin", "val", "end"


@dataclass
class Cell:
    """The saves expected and observed at one moment of the lifecycle."""

    expected: list[Save] = field(default_factory=list)
    observed: list[Save] = field(default_factory=list)

    @property
    def mark(self) -> str:
        if self.expected == self.observed:
            return BOTH if self.expected else NONE
        if not self.observed:
            return EXPECTED_ONLY
        if not self.expected:
            return OBSERVED_ONLY
        return DIFFERENT

    def detail(self) -> str:
        """The saves of a differing cell, with their paths."""
        saves = [*self.expected, *self.observed]
        moments = {_moment(save) for save in saves}
        if len(moments) == 1:
            moment = moments.pop()
            where = moment if moment.startswith("outside") else f"at {moment}"
            return (
                f"{where}: expected {_saves(self.expected)}, "
                f"observed {_saves(self.observed)}"
            )
        return (
            f"expected {_saves(self.expected, when=True)}; "
            f"observed {_saves(self.observed, when=True)}"
        )


def _shorten(text: str) -> str:
    if len(text) <= MAX_DETAIL_CHARS:
        return text
    hidden = len(text) - MAX_DETAIL_CHARS
    return f"{text[:MAX_DETAIL_CHARS]}... ({hidden} more characters)"


def _moment(save: Save) -> str:
    return str(save).partition(" in ")[2]


def _saves(saves: Sequence[Save], *, when: bool = False) -> str:
    if not saves:
        return "nothing"
    if when:
        return ", ".join(str(save) for save in saves)
    return ", ".join(save.call_text() for save in saves)


@dataclass
class Row:
    """One line of the drawing: an epoch, or a stretch of hooks outside epochs."""

    label: str
    epoch: int | None = None
    cells: dict[object, Cell] = field(default_factory=dict)

    def marks(self) -> set[str]:
        return {cell.mark for cell in self.cells.values()}

    def differs(self) -> bool:
        return bool(self.marks() - {NONE, BOTH})

    def saves(self) -> bool:
        return bool(self.marks() - {NONE})


def _column(event: Event) -> object:
    """The column of an event inside an epoch row."""
    if event.hook == "on_epoch_begin":
        return BEGIN
    if event.hook == "on_epoch_end":
        return END
    if event.hook.startswith(("on_train_batch", "on_batch")):
        return event.index
    return VALIDATION


def _outside_label(event: Event) -> str:
    """The row of an event outside any epoch: a phase of training or inference."""
    name = event.hook.removeprefix("on_")
    if name.startswith("test"):
        return "evaluate"
    if name.startswith("predict"):
        return "predict"
    return name


class _Grid:
    """The rows of a lifecycle, and the cell of each of its events."""

    def __init__(self, lifecycle: Sequence[Event]) -> None:
        self.lifecycle = lifecycle
        self.rows: list[Row] = []
        self.slots: list[Cell] = []
        row: Row | None = None
        for event in lifecycle:
            if event.epoch is not None:
                new = row is None or row.epoch != event.epoch
                if new or (event.hook == "on_epoch_begin" and row.cells):
                    row = Row(f"epoch {event.epoch}", event.epoch)
                    self.rows.append(row)
                column: object = _column(event)
            else:
                column = _outside_label(event)
                if row is None or row.epoch is not None or row.label != column:
                    row = Row(column)
                    self.rows.append(row)
            self.slots.append(row.cells.setdefault(column, Cell()))
        self.outside = Row("outside any hook")
        self.rows.append(self.outside)

    def place(self, saves: Iterable[Save], side: str) -> None:
        """Put each save in the cell of its hook call, in lifecycle order.

        A lifecycle may repeat a call (two ``fit`` runs), so each save goes to
        the first matching call at or after the previous save's; a save equal
        to the previous one goes to a later call when there is one.
        """
        position, previous = 0, None
        for save in saves:
            matches = [
                at
                for at, event in enumerate(self.lifecycle)
                if event.hook == save.hook
                and event.epoch == save.epoch
                and (save.batch is None or event.index == save.batch)
            ]
            later = [at for at in matches if at >= position]
            if save == previous and [at for at in later if at > position]:
                later = [at for at in later if at > position]
            previous = save
            if matches:
                position = (later or matches)[0]
                cell = self.slots[position]
            else:
                cell = self.outside.cells.setdefault(save.hook, Cell())
            getattr(cell, side).append(save)


def _group(key: object) -> object:
    return "batch" if isinstance(key, int | range) else key


def _columns(rows: Sequence[Row]) -> list[object]:
    """The epoch rows' columns: batches always, begin and val only with a save."""
    keys = {key for row in rows for key in row.cells}
    saved = {
        key for row in rows for key, cell in row.cells.items() if cell.mark != NONE
    }
    batches = sorted(key for key in keys if isinstance(key, int))
    head = [BEGIN] if BEGIN in saved else []
    tail = [VALIDATION] if VALIDATION in saved else []
    return [*head, *batches, *tail, *([END] if END in keys else [])]


def _fold_columns(rows: Sequence[Row], columns: list[object]) -> list[object]:
    """Replace long runs of batch columns that show no difference by a range.

    Runs without any save fold first; when the drawing is still too wide,
    runs where every save was expected fold too.
    """

    def quiet(key: object, marks: str) -> bool:
        if isinstance(key, range):
            return True
        return isinstance(key, int) and all(
            row.cells[key].mark in marks for row in rows if key in row.cells
        )

    for marks in (NONE, NONE + BOTH):
        folded: list[object] = []
        run: list[int] = []
        for key in [*columns, None]:
            if key is not None and quiet(key, marks):
                run.extend(key if isinstance(key, range) else [key])
                continue
            if len(run) >= FOLD_RUN:
                folded.append(range(run[0], run[-1] + 1))
            else:
                folded.extend(run)
            run = []
            if key is not None:
                folded.append(key)
        columns = folded
        if len(columns) <= MAX_COLUMNS:
            break
    return columns


def _header(key: object) -> str:
    if isinstance(key, range):
        return f"{key.start}..{key.stop - 1}"
    return str(key)


def _mark(row: Row, key: object) -> str:
    if isinstance(key, range):
        return FOLDED if any(index in row.cells for index in key) else ""
    return row.cells[key].mark if key in row.cells else ""


Line = tuple[str, list[str]]


def _epoch_lines(rows: Sequence[Row]) -> tuple[list[object], list[Line]]:
    """The header and the rows of a stretch of epochs, uneventful runs folded."""
    columns = _fold_columns(rows, _columns(rows))
    batches = any(_group(key) == "batch" for key in columns)
    lines: list[Line] = [("batch" if batches else "", [_header(k) for k in columns])]
    quiet: list[Row] = []

    def flush() -> None:
        if len(quiet) >= FOLD_RUN:
            label = f"epochs {quiet[0].epoch}..{quiet[-1].epoch}"
            lines.append(
                (label, [FOLDED if _mark(quiet[0], k) else "" for k in columns])
            )
        else:
            lines.extend((row.label, [_mark(row, k) for k in columns]) for row in quiet)
        quiet.clear()

    for row in rows:
        if row.differs():
            flush()
            lines.append((row.label, [_mark(row, key) for key in columns]))
        else:
            quiet.append(row)
    flush()
    return columns, lines


def _align(key: object, mark: str, size: int) -> str:
    """A mark under its column's header: right under an index, else centred."""
    if isinstance(key, int):
        return mark.rjust(size)
    return mark.center(size) if isinstance(key, range) else mark.ljust(size)


def _format(columns: Sequence[object], lines: Sequence[Line], width: int) -> list[str]:
    shown = list(columns[:MAX_COLUMNS])
    sizes = [len(_header(key)) for key in shown]
    more = len(columns) - len(shown)
    formatted = []
    for label, texts in lines:
        text, previous = "", None
        for key, mark, size in zip(shown, texts, sizes, strict=False):
            text += "  " if _group(key) != previous else " "
            text += _align(key, mark, size)
            previous = _group(key)
        if more:
            text += f"  ... {more} more columns"
        formatted.append(f"  {label.ljust(width)}{text}".rstrip())
    return formatted


def draw(
    lifecycle: Sequence[Event],
    expected: Sequence[Save],
    observed: Sequence[Save],
    *,
    max_details: int = 30,
) -> list[str]:
    """The timeline of ``expected`` against ``observed`` saves, as lines."""
    grid = _Grid(tuple(lifecycle))
    grid.place(expected, "expected")
    grid.place(observed, "observed")

    # A stretch outside epochs gets a line only when a save lands there.
    blocks: list[tuple[list[object], list[Line]]] = []
    epochs: list[Row] = []
    for row in [*grid.rows, None]:
        if row is not None and row.epoch is not None:
            epochs.append(row)
            continue
        if epochs:
            blocks.append(_epoch_lines(epochs))
            epochs = []
        if row is not None and row.saves():
            marks = [cell.mark for cell in row.cells.values() if cell.mark != NONE]
            blocks.append(([""], [(row.label, ["".join(marks)])]))

    width = max((len(label) for _, lines in blocks for label, _ in lines), default=0)
    width += 1
    drawn = [
        line for columns, lines in blocks for line in _format(columns, lines, width)
    ]
    if len(drawn) > MAX_ROWS:
        drawn = [*drawn[:MAX_ROWS], f"  ... {len(drawn) - MAX_ROWS} more lines"]

    details = [
        f"  {_shorten(cell.detail())}"
        for row in grid.rows
        for cell in row.cells.values()
        if cell.mark not in (NONE, BOTH)
    ]
    if len(details) > max_details:
        hidden = len(details) - max_details
        details = [*details[:max_details], f"  ... and {hidden} more moments"]
    return [*drawn, f"  ({LEGEND})", *details]

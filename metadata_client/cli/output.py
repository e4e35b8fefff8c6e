"""How ``mymdc`` shows results: aligned tables for people, JSON for scripts."""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Sequence, TextIO, TypeVar

T = TypeVar("T")

#: Columns shown first when a command names none, in this order, if present.
PREFERRED = ("id", "number", "run_number", "identifier", "name", "title", "email", "filename",
             "proposal_id", "experiment_id", "data_group_id", "repository_id", "flg_available",
             "begin_at", "description")
MAX_COLUMNS = 7
CELL_WIDTH = 60
MIN_WIDTH = 12
VALUE_WIDTH = 100
ELLIPSIS = "…"
_DATETIME = re.compile(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:?\d\d)?\Z")
_INTEGER = re.compile(r"-?\d+\Z")
_UTC = ("Z", "+00:00", "+0000", "-00:00")

Column = str | tuple[str, str]  # a key, or (key, heading)


@dataclass
class Output:
    """What a command found: records to show, and the facade's result dict if any.

    ``records`` is a list of dicts (a table) or one dict (shown field by
    field); ``columns`` picks and orders the table's columns (None: chosen
    from the records); ``title`` is a line printed above the table.
    """

    records: Any
    columns: Sequence[Column] | None = None
    title: str | None = None
    raw: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def to_json(value: Any) -> str:
    """``value`` as indented JSON (dates and other objects as strings)."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def cell(value: Any, width: int = CELL_WIDTH) -> str:
    """One value as a single line of at most ``width`` characters."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict):
        text = ", ".join(str(k) for k in value)
    elif isinstance(value, list):
        text = ", ".join(_label(v) for v in value)
    else:
        text = _DATETIME.sub(_short_time, str(value))
    text = " ".join(text.split()) if any(c in text for c in "\r\n\t") else text
    return text if len(text) <= width else text[:width - 1] + ELLIPSIS


def _short_time(match: re.Match[str]) -> str:
    """``2024-03-04T08:00:00.000+00:00`` as ``2024-03-04 08:00Z`` (other offsets kept)."""
    date, minutes, offset = match.groups()
    return f"{date} {minutes}{'Z' if offset in _UTC else offset or ''}"


def _label(value: Any) -> str:
    if isinstance(value, dict):
        for key in ("identifier", "name", "id"):
            if key in value:
                return str(value[key])
    return str(value)


def choose_columns(records: Sequence[dict[str, Any]]) -> list[str]:
    """The preferred keys present in the records, else their first keys."""
    keys: dict[str, None] = {}
    for record in records:
        keys.update(dict.fromkeys(record))
    chosen = [k for k in PREFERRED if k in keys]
    chosen += [k for k in keys if k not in chosen][:max(0, 3 - len(chosen))]
    return chosen[:MAX_COLUMNS]


def _numeric(values: Iterable[Any]) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(_INTEGER.match(v) if isinstance(v, str) else
                                 isinstance(v, (int, float)) and not isinstance(v, bool) for v in present)


def _fit(widths: list[int], total: int) -> list[int]:
    """Narrow the widest columns until the table (two spaces between columns) fits ``total``."""
    widths = list(widths)
    while sum(widths) + 2 * (len(widths) - 1) > total:
        widest = max(range(len(widths)), key=widths.__getitem__)
        if widths[widest] <= MIN_WIDTH:
            break
        widths[widest] -= 1
    return widths


def table(records: Sequence[dict[str, Any]], columns: Sequence[Column] | None = None,
          width: int | None = None) -> str:
    """An aligned text table of ``records``, at most ``width`` characters wide
    (default: the terminal's); numbers align right, long values end in an ellipsis."""
    spec = [(c, c) if isinstance(c, str) else c for c in (columns or choose_columns(records))]
    natural = [max([len(head)] + [len(cell(r.get(key))) for r in records]) for key, head in spec]
    limits = _fit(natural, width or shutil.get_terminal_size((120, 24)).columns)
    rows = [[cell(r.get(key), w) for (key, _), w in zip(spec, limits)] for r in records]
    widths = [max([len(head)] + [len(row[i]) for row in rows]) for i, (_, head) in enumerate(spec)]
    right = [_numeric(r.get(key) for r in records) for key, _ in spec]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right)).rstrip()

    return "\n".join([line([h for _, h in spec]), line(["-" * w for w in widths])] + [line(r) for r in rows])


def fields(record: dict[str, Any], columns: Sequence[Column] | None = None) -> str:
    """One record as ``field  value`` lines."""
    spec = [(c, c) if isinstance(c, str) else c for c in (columns or record)]
    width = max((len(head) for _, head in spec), default=0)
    return "\n".join(f"{head.ljust(width)}  {cell(record.get(key), VALUE_WIDTH)}".rstrip()
                     for key, head in spec)


def render(out: Output, columns: Sequence[str] | None = None) -> str:
    """The human form of ``out``; ``columns`` (from ``--columns``) overrides the command's."""
    chosen = columns or out.columns
    if isinstance(out.records, dict):
        body = fields(out.records, chosen)
    elif not out.records:
        body = "(no records)"
    else:
        body = table(out.records, chosen)
    return f"{out.title}\n\n{body}" if out.title else body


class Progress:
    """A one-line counter on stderr (``12 runs fetched``), drawn only when stderr is a terminal."""

    def __init__(self, what: str, stream: TextIO | None = None, interval: float = 0.1) -> None:
        self.what = what
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.interval = interval
        self._shown = 0.0

    def count(self, items: Iterable[T]) -> Iterator[T]:
        """Yield ``items``, redrawing the count as they pass."""
        n = 0
        for n, item in enumerate(items, 1):
            self._draw(n, final=False)
            yield item
        self._draw(n, final=True)

    def _draw(self, n: int, final: bool) -> None:
        now = time.monotonic()
        if not self.enabled or (not final and now - self._shown < self.interval):
            return
        self._shown = now
        self.stream.write(f"\r{n} {self.what}" + ("\n" if final else ""))
        self.stream.flush()

"""The interactive `guild compare` screen (stdout a terminal, no --csv/--table/--print-scalars):
runs x (flags, scalars) in a table that scrolls both ways, sorts by any column, shows a run's
info and reloads. Guild's keys: arrows or h/j/k/l move, `s`/`S` sort by the current column
ascending/descending, Enter or `i` run info, `r` refresh, `?` help, `q` quit.

Built on Textual (the `tui` extra), imported only when the screen opens: its DataTable draws only
the visible cells (thousands of runs scroll smoothly), sorts rows in place and takes the mouse too,
and Textual is actively maintained; urwid would have needed a table widget of our own, and curses
all of the drawing."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable

INSTALL_HINT = ("the interactive compare screen needs Textual: pip install textual "
                "(or, in a checkout of guild, pip install -e '.[tui]'); showing a table instead")

KEYS_HELP = """\
Keys
  arrows, h j k l    move
  PgUp PgDn Home End scroll
  s                  sort by this column, ascending
  S                  sort by this column, descending
  Enter, i           run info
  r                  refresh
  ?                  this help
  q, Esc             quit (close a page)
"""


def available() -> bool:
    import importlib.util

    return importlib.util.find_spec("textual") is not None


def show(load: Callable[[], tuple[list[str], list[tuple[str, list[Any], list[str]]]]],
         info: Callable[[str], str]) -> None:
    """Run the screen until quit. `load()` gives (headers, rows): each row (run id, raw values,
    formatted cells); `info(run_id)` a run's info text."""
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.containers import VerticalScroll
    from textual.screen import ModalScreen
    from textual.widgets import DataTable, Footer, Static

    class TextPage(ModalScreen):
        BINDINGS = [Binding("escape,q,enter,i,question_mark", "dismiss", "Close")]

        def __init__(self, text: str):
            super().__init__()
            self.text = text

        def compose(self) -> ComposeResult:
            with VerticalScroll():
                yield Static(self.text, markup=False)

    class CompareApp(App):
        TITLE = "guild compare"
        CSS = "DataTable { height: 1fr; } TextPage { background: $background 90%; }"
        BINDINGS = [
            Binding("q,escape", "quit", "Quit"),
            Binding("s", "sort(False)", "Sort asc"),
            Binding("S", "sort(True)", "Sort desc"),
            Binding("enter,i", "info", "Run info"),
            Binding("r", "refresh", "Refresh"),
            Binding("question_mark", "help", "Help"),
            Binding("h", "move(0, -1)", show=False), Binding("l", "move(0, 1)", show=False),
            Binding("k", "move(-1, 0)", show=False), Binding("j", "move(1, 0)", show=False),
        ]

        def __init__(self):
            super().__init__()
            self.headers: list[str] = []
            self.rows: list[tuple[str, list[Any], list[str]]] = []
            self.sorted_by: tuple[int, bool] | None = None

        def compose(self) -> ComposeResult:
            yield Static("", id="status")
            yield DataTable(zebra_stripes=True, cursor_type="cell")
            yield Footer()

        def on_mount(self) -> None:
            self._load()

        def _load(self) -> None:
            self.headers, self.rows = load()
            table = self.query_one(DataTable)
            table.clear(columns=True)
            for i, name in enumerate(self.headers):
                table.add_column(name, key=str(i))
            if self.sorted_by is not None and self.sorted_by[0] >= len(self.headers):
                self.sorted_by = None
            self._show_rows()
            table.focus()

        def _show_rows(self) -> None:
            table = self.query_one(DataTable)
            cursor = table.cursor_coordinate
            rows = self.rows
            if self.sorted_by is not None:
                rows = sorted_rows(rows, *self.sorted_by)
            table.clear()
            for run_id, _raw, cells in rows:
                table.add_row(*cells, key=run_id)
            if rows:
                table.cursor_coordinate = table.validate_cursor_coordinate(cursor)
            status = f"{len(rows)} run(s)"
            if self.sorted_by is not None:
                col, reverse = self.sorted_by
                status += f", sorted by {self.headers[col]} {'descending' if reverse else 'ascending'}"
            self.query_one("#status", Static).update(f" {status}    ? help  q quit")

        def action_sort(self, reverse: bool) -> None:
            if self.rows:
                self.sorted_by = (self.query_one(DataTable).cursor_coordinate.column, reverse)
                self._show_rows()

        def action_info(self) -> None:
            table = self.query_one(DataTable)
            if not self.rows:
                return
            row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
            self.push_screen(TextPage(info(row_key.value)))

        def on_data_table_cell_selected(self, _event) -> None:  # Enter on a cell
            self.action_info()

        def action_refresh(self) -> None:
            self._load()

        def action_help(self) -> None:
            self.push_screen(TextPage(KEYS_HELP))

        def action_move(self, rows: int, cols: int) -> None:
            table = self.query_one(DataTable)
            c = table.cursor_coordinate
            table.cursor_coordinate = table.validate_cursor_coordinate(c._replace(row=c.row + rows, column=c.column + cols))

    CompareApp().run()


def sorted_rows(rows: list, col: int, reverse: bool) -> list:
    """`rows` ((run id, raw values, cells)) by the raw value in column `col`; blanks last."""
    present = [r for r in rows if r[1][col] is not None]
    blank = [r for r in rows if r[1][col] is None]
    return sorted(present, key=lambda r: _sort_key(r[1][col]), reverse=reverse) + blank


def _sort_key(value: Any) -> tuple:
    """Numbers before text, each in its own order (a column may hold both)."""
    if isinstance(value, (bool, int, float)):
        return (0, float(value), "")
    return (1, 0.0, str(value))

"""Numeric tables (CSV, TSV, Parquet) as vector data."""

import csv
import math
import os

import numpy as np

from keras_aegan.data.source_report import SourceReport

DELIMITERS = {".csv": ",", ".tsv": "\t"}
PARQUET_EXTENSIONS = (".parquet", ".pq")
# Cells read as a missing value (compared in lower case, stripped).
MISSING = ("", "na", "n/a", "nan", "null", "none")


def _looks_numeric(cell):
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _problem(cell):
    """Why a cell is not usable, or None: returns `(what, value)`."""
    text = cell.strip()
    if text.lower() in MISSING:
        return "a missing value"
    try:
        value = float(text)
    except ValueError:
        return "a non-numeric value"
    if not math.isfinite(value):
        return "a non-finite value"
    return None


class TableSource:
    """Vector data from the numeric columns of a CSV or Parquet table.

    Each row is a sample and each selected column a feature; the result is
    a float32 array of shape `(rows, columns)` held in memory. CSV files
    are read with Python's `csv` module (`.tsv` files split on tabs);
    Parquet files need `pyarrow` (`pip install pyarrow`).

    Every selected cell must be a finite number. The first missing (empty,
    `NA`, `NaN`, `null`, ...) or non-numeric cell raises a `ValueError`
    that names its row and column, unless `dropna=True`: then every row
    holding such a cell is dropped and the report says how many.

    Args:
        path: Path of a `.csv`, `.tsv`, `.parquet` or `.pq` file.
        columns: Optional list of columns to use, by name (or by position
            as integers, counted from 0). Default: all columns.
        dropna: Whether to drop rows with missing or non-numeric values
            instead of raising.
        header: For CSV: `True` if the first row names the columns,
            `False` if it is data, `None` to decide from the row (a
            header when any of its cells is not a number). Columns of a
            table without header are named `"0"`, `"1"`, ...
        delimiter: For CSV: the field separator. Default: `","`, or a tab
            for `.tsv` files.

    Example:

    ```python
    source = keras_aegan.data.TableSource(
        "sensors.csv", columns=["temperature", "pressure"], dropna=True
    )
    source.describe()
    keras_aegan.AEGAN().fit(source.data, epochs=1)
    ```
    """

    def __init__(
        self, path, columns=None, dropna=False, header=None, delimiter=None
    ):
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"No such table file. Received: path={path!r}"
            )
        if header not in (None, True, False):
            raise ValueError(
                f"`header` must be True, False or None. Received: "
                f"header={header!r}"
            )
        if columns is not None:
            if isinstance(columns, (str, int)):
                columns = [columns]
            columns = list(columns)
            if not columns:
                raise ValueError(
                    "`columns` must name at least one column. Received: "
                    "columns=[]"
                )
        self.path = path
        self.dropna = bool(dropna)
        self.dropped_rows = 0
        self.first_dropped = None
        self.labels = None
        self.class_names = None
        extension = os.path.splitext(path)[1].lower()
        if extension in PARQUET_EXTENSIONS:
            if delimiter is not None or header is not None:
                raise ValueError(
                    "`delimiter` and `header` apply to CSV files only. "
                    f"Received: path={path!r}, delimiter={delimiter!r}, "
                    f"header={header!r}"
                )
            self.format = "Parquet"
            self.columns, self.data = self._read_parquet(columns)
        elif extension in DELIMITERS:
            self.format = "CSV" if extension == ".csv" else "TSV"
            if delimiter is None:
                delimiter = DELIMITERS[extension]
            self.columns, self.data = self._read_csv(columns, header, delimiter)
        else:
            raise ValueError(
                "TableSource reads .csv, .tsv, .parquet and .pq files. "
                f"Received: path={path!r}"
            )

    def _select(self, names, columns):
        """Positions of the selected columns."""
        if columns is None:
            return list(range(len(names)))
        positions = []
        for column in columns:
            if isinstance(column, bool) or not isinstance(column, (str, int)):
                raise ValueError(
                    "`columns` must hold column names or integer positions. "
                    f"Received: columns={columns!r}"
                )
            if isinstance(column, int):
                if not 0 <= column < len(names):
                    raise ValueError(
                        f"Column position {column} is out of range: the "
                        f"table has {len(names)} columns. Received: "
                        f"columns={columns!r}, path={self.path!r}"
                    )
                positions.append(column)
            elif column in names:
                positions.append(names.index(column))
            else:
                raise ValueError(
                    f"The table has no column {column!r}. Its columns: "
                    f"{names}. Received: columns={columns!r}, "
                    f"path={self.path!r}"
                )
        return positions

    def _reject(self, what, cell, row, column, line=None):
        where = f"row {row}" if line is None else f"row {row} (line {line})"
        raise ValueError(
            f"Column {column!r} holds {what} {cell!r} in {where}. Select "
            "numeric columns with columns=[...] or drop such rows with "
            f"dropna=True. Received: path={self.path!r}"
        )

    def _read_csv(self, columns, header, delimiter):
        with open(self.path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f, delimiter=delimiter)
            try:
                first = next(row for row in reader if row)
            except StopIteration:
                raise ValueError(
                    f"The table is empty. Received: path={self.path!r}"
                ) from None
            except csv.Error as e:
                raise ValueError(
                    f"Not a readable {self.format} file: {e}. Received: "
                    f"path={self.path!r}"
                ) from None
            if header is None:
                header = not all(_looks_numeric(c) for c in first)
            if header:
                names = [c.strip() for c in first]
                pending = []
            else:
                names = [str(j) for j in range(len(first))]
                pending = [(reader.line_num, first)]
            positions = self._select(names, columns)
            selected = [names[j] for j in positions]
            rows = []
            row_number = 0
            try:
                for line, cells in self._rows(reader, pending):
                    row_number += 1
                    if len(cells) != len(names):
                        raise ValueError(
                            f"Row {row_number} (line {line}) has "
                            f"{len(cells)} fields; expected {len(names)} "
                            f"({names}). Received: path={self.path!r}"
                        )
                    values = []
                    for j in positions:
                        what = _problem(cells[j])
                        if what is not None:
                            if not self.dropna:
                                self._reject(
                                    what, cells[j], row_number, names[j], line
                                )
                            self._drop(row_number, names[j])
                            break
                        values.append(float(cells[j]))
                    else:
                        rows.append(values)
            except csv.Error as e:
                raise ValueError(
                    f"Not a readable {self.format} file: {e} (line "
                    f"{reader.line_num}). Received: path={self.path!r}"
                ) from None
        if row_number == 0:
            raise ValueError(
                f"The table has a header but no rows. Received: "
                f"path={self.path!r}"
            )
        return selected, self._finish(rows, len(selected))

    @staticmethod
    def _rows(reader, pending):
        yield from pending
        for cells in reader:
            if cells:  # Blank lines are not rows.
                yield reader.line_num, cells

    def _drop(self, row, column):
        self.dropped_rows += 1
        if self.first_dropped is None:
            self.first_dropped = (row, column)

    def _finish(self, rows, width):
        if len(rows) == 0:
            row, column = self.first_dropped
            raise ValueError(
                "No rows are left after dropping those with missing or "
                f"non-numeric values (the first in row {row}, column "
                f"{column!r}). Select other columns with columns=[...]. "
                f"Received: path={self.path!r}"
            )
        return np.asarray(rows, dtype="float32").reshape(len(rows), width)

    def _read_parquet(self, columns):
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise ImportError(
                "Reading Parquet files needs pyarrow, which is not "
                "installed: pip install pyarrow (or save the table as CSV). "
                f"Received: path={self.path!r}"
            ) from None
        try:
            names = [str(n) for n in pq.read_schema(self.path).names]
            positions = self._select(names, columns)
            selected = [names[j] for j in positions]
            table = pq.read_table(self.path, columns=selected)
        except ValueError:
            raise
        except Exception as e:  # pyarrow raises its own error types.
            raise ValueError(
                f"Not a readable Parquet file: {e}. Received: "
                f"path={self.path!r}"
            ) from None
        if table.num_rows == 0:
            raise ValueError(
                f"The table has no rows. Received: path={self.path!r}"
            )
        values = np.empty((table.num_rows, len(selected)), "float64")
        for k, name in enumerate(selected):
            column = table.column(k)
            try:
                values[:, k] = column.to_numpy(zero_copy_only=False)
            except (TypeError, ValueError):
                # Text, dates, ...: convert cell by cell to name a bad one.
                for row, cell in enumerate(column.to_pylist()):
                    try:
                        values[row, k] = np.nan if cell is None else cell
                    except (TypeError, ValueError):
                        if not self.dropna:
                            self._reject(
                                "a non-numeric value", cell, row + 1, name
                            )
                        values[row, k] = np.nan
        keep = np.ones(table.num_rows, bool)
        for k, name in enumerate(selected):
            bad = ~np.isfinite(values[:, k]) & keep
            if not bad.any():
                continue
            row = int(np.flatnonzero(bad)[0])
            cell = table.column(k)[row].as_py()
            if not self.dropna:
                what = "a non-finite value"
                if cell is None or (isinstance(cell, float) and cell != cell):
                    what = "a missing value"
                self._reject(what, cell, row + 1, name)
            if self.first_dropped is None or row + 1 < self.first_dropped[0]:
                self.first_dropped = (row + 1, name)
            keep &= ~bad
        self.dropped_rows = int(table.num_rows - keep.sum())
        rows = values[keep]
        return selected, self._finish(rows, len(selected))

    @property
    def kind(self):
        """Always `"vector"`."""
        return "vector"

    @property
    def num_samples(self):
        """Number of rows kept."""
        return int(self.data.shape[0])

    @property
    def sample_shape(self):
        """`(features,)`."""
        return (int(self.data.shape[1]),)

    @property
    def skipped(self):
        """Nothing is skipped in a table: always an empty list."""
        return []

    def describe(self, print_fn=print):
        """Reports what the table holds; prints it unless `print_fn=None`.

        Args:
            print_fn: Function called with the report's text, or `None`.

        Returns:
            A `keras_aegan.data.SourceReport`.

        Example:

        ```python
        report = keras_aegan.data.TableSource("sensors.csv").describe()
        ```
        """
        notes = [f"columns: {', '.join(self.columns)}"]
        if self.dropped_rows:
            row, column = self.first_dropped
            rows = "row" if self.dropped_rows == 1 else "rows"
            notes.append(
                f"dropped {self.dropped_rows} {rows} with missing or "
                f"non-numeric values (the first: row {row}, column "
                f"{column!r})"
            )
        report = SourceReport(
            source=f"{self.format} table",
            path=self.path,
            kind="vector",
            count=self.num_samples,
            sample_shape=self.sample_shape,
            dtype=str(self.data.dtype),
            value_range=(float(self.data.min()), float(self.data.max())),
            notes=notes,
        )
        if print_fn is not None:
            print_fn(str(report))
        return report

"""Reading the dedup and story index inside the graph: workers read files, the driver lists them.

The driver hands over only :class:`IndexFiles`: for each index table, the data
files of its committed version with their ``day``. Workers open the files
through Beam's FileSystems (local, ``s3://``, ``gs://``) and keep what the run
needs:

* :class:`LookupKeys`: rows whose ``key`` is one of this run's keys (a filtered
  read; the run's keys are the side input, never the history);
* :class:`ReadByArticle`: rows of the articles found that way (``index_articles``),
  or of named articles (``index_members``);
* :class:`ReadWindow`: every row of the days within the window of this run's days.

No history passes through ``beam.Create``, a side input or the pickled graph.
"""
from __future__ import annotations

import functools
import io
import itertools
import pickle
import struct
from dataclasses import dataclass, field

import apache_beam as beam
from apache_beam.pvalue import AsList

from transforms.core.index import window_of

# (file URL, day) of every data file of an index table's committed version.
FileList = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class IndexFiles:
    """The index tables' files, by table name (``index_keys``, ...); empty for a new output."""

    files: dict[str, FileList] = field(default_factory=dict)

    def of(self, table: str) -> FileList:
        return tuple(self.files.get(table, ()))


class IndexReadError(RuntimeError):
    """An index file listed by the table cannot be read: the run stops, nothing is published.

    Never skipped: a run that went on without part of its index would silently forget history.
    """


_MARK = "claimwire-index-unreadable:"


def index_error(exc: BaseException) -> str | None:
    """The reason of an IndexReadError behind a pipeline failure (runners re-raise workers' errors as text)."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        text = str(e)
        if _MARK in text:
            return text.split(_MARK, 1)[1].split("\n", 1)[0].strip()[:300]
        e = e.__cause__ or e.__context__
    return None


def _read_table(url: str, columns: list[str] | None):
    import pyarrow.parquet as pq
    from apache_beam.io.filesystem import CompressionTypes
    from transforms.filesystems import FileSystems
    try:
        with FileSystems.open(url, compression_type=CompressionTypes.UNCOMPRESSED) as fh:
            data = fh.read()
        # One parse of the footer, no dataset layer: ``pq.read_table`` of a buffer (and a second
        # footer parse for the schema) cost ~4x as much per file, and a lookup reads every file of
        # its table (0.99 s against 0.23 s for the 1,542 ``index_keys`` files of a 45k-article output).
        parquet = pq.ParquetFile(io.BytesIO(data))
        if columns is not None:
            # Only the columns this file has: one written before a column was added reads as
            # rows without it (``row.get`` gives None), never as an unreadable index.
            have = set(parquet.schema_arrow.names)
            columns = [c for c in columns if c in have]
        return parquet.read(columns=columns)
    except Exception as exc:
        name = url.rsplit("/", 3)[-3:]
        raise IndexReadError(f"{_MARK} {'/'.join(name)}: {type(exc).__name__}: {str(exc)[:200]}") from None


class Wanted:
    """This run's wanted values (keys, article ids, story ids), prepared once to filter many files.

    Arrow's ``is_in`` builds a hash table of its value set on every call, so filtering each index file
    by this run's keys rebuilt one per file: on a 45k-article output a lookup of 200,000 keys over
    the 1,542 ``index_keys`` files took 7.9 s in ``is_in`` alone. Here integer values are a sorted
    array searched per file (0.08 s for the same), other values a set looked up per row: the cost
    per file is its own rows, not the run's values. Nulls never match (no wanted value is null).
    """

    def __init__(self, values):
        import numpy as np
        distinct = set(values)
        self._n = len(distinct)
        self._set: frozenset | None = None
        self._ints = None
        self._typed: dict = {}     # numpy dtype -> the sorted integers as that dtype
        if all(type(v) is int for v in distinct):
            # One array, not a set of int objects: held by the reading DoFn for its bundle.
            ordered = sorted(distinct)
            fits = not ordered or (-2**63 <= ordered[0] and ordered[-1] < 2**63)
            self._ints = np.array(ordered, dtype=np.int64 if fits else object)
        else:
            self._set = frozenset(distinct)

    def __len__(self) -> int:
        return self._n

    def mask(self, column):
        """A boolean array: which values of ``column`` (an Arrow array) are wanted."""
        import numpy as np
        import pyarrow as pa
        if self._ints is not None:
            if not pa.types.is_integer(column.type):
                return pa.array(np.zeros(len(column), dtype=bool), type=pa.bool_())   # no int equals a str
            valid = column.is_valid() if column.null_count else None
            values = (column.fill_null(0) if valid is not None else column).to_numpy()
            sorted_values = self._typed.get(values.dtype)
            if sorted_values is None:
                sorted_values = self._typed[values.dtype] = (
                    self._ints if self._ints.dtype == values.dtype else np.array(self._ints.tolist(), dtype=values.dtype))
            at = np.searchsorted(sorted_values, values)
            at[at == len(sorted_values)] = 0
            hit = sorted_values[at] == values
            if valid is not None:
                hit &= np.asarray(valid)
            return pa.array(hit, type=pa.bool_())
        wanted = self._set
        return pa.array([v in wanted for v in column.to_pylist()], type=pa.bool_())

    def rows_in(self, table, column: str):
        """The rows of ``table`` whose ``column`` holds a wanted value."""
        if table.num_rows == 0 or not self._n:
            return table.slice(0, 0)
        return table.filter(self.mask(table[column].combine_chunks()))


def _values(wanted: list) -> Wanted | None:
    """The wanted values, prepared for filtering (None when there are none)."""
    return Wanted(wanted) if wanted else None


def _rows_in(table, column: str, values: Wanted):
    """The rows of ``table`` whose ``column`` is one of ``values``."""
    return values.rows_in(table, column)


class _FilteredReadFn(beam.DoFn):
    """Rows of one index file whose ``column`` value is in the side input (built into a set once); with
    ``distinct``, only the distinct values of that one column of those rows (a key held by many rows of one
    article, or an article holding many of the keys, is one element, not one per row)."""

    def __init__(self, column: str, columns: list[str] | None, distinct: str | None = None):
        self._column = column
        self._columns = columns
        self._distinct = distinct

    def finish_bundle(self) -> None:
        self._src = self._wanted = None     # a worker keeps its DoFns after the stage: let the values go

    def process(self, entry, wanted: list):
        url, day = entry
        if getattr(self, "_src", None) is not wanted:
            self._src = wanted            # the same list object for a whole bundle: build the set once
            self._wanted = _values(wanted)
        if self._wanted is None:
            return
        if self._distinct is not None:
            import pyarrow.compute as pc
            table = _rows_in(_read_table(url, [self._column, self._distinct]), self._column, self._wanted)
            yield from sorted(pc.unique(table[self._distinct]).to_pylist())
            return
        for row in _pylist(_rows_in(_read_table(url, self._columns), self._column, self._wanted)):
            row["day"] = day
            yield row


class _WindowReadFn(beam.DoFn):
    """Rows of the index files whose day is within the window; with ``column``, only the rows whose
    value there is one of the run's (filtered in Arrow, before any row becomes a Python object)."""

    def __init__(self, window_days: int, run_day: str, column: str | None = None, per_value: bool = False,
                 columns: list[str] | None = None, group_by: str | None = None, where=None, shape=None):
        self._window_days = window_days
        self._run_day = run_day
        self._column = column
        self._group_by = group_by if group_by is not None else (column if per_value else None)
        self._columns = columns
        self._where = where
        self._shape = shape

    def finish_bundle(self) -> None:
        self._src = self._wsrc = self._wanted = None    # as in _FilteredReadFn

    def process(self, entry, run_days: list, wanted: list | None = None):
        if getattr(self, "_src", None) is not run_days:
            self._src = run_days
            # The run's own day too: undated articles of earlier runs are placed by theirs.
            self._days = window_of([*run_days, *([self._run_day] if self._run_day else [])], self._window_days)
        if self._column is not None and getattr(self, "_wsrc", None) is not wanted:
            self._wsrc = wanted
            self._wanted = _values(wanted)
        url, day = entry
        if day not in self._days or (self._column is not None and self._wanted is None):
            return
        table = _read_table(url, self._columns)
        if self._where is not None:
            table = self._where(table)
        if self._column is not None:
            table = _rows_in(table, self._column, self._wanted)
        if self._shape is not None:
            table = self._shape(table)
        if self._group_by is not None:
            yield from _per_value(table, self._group_by, day)
            return
        for row in _pylist(table):
            row["day"] = day
            yield row


# Rows become Python objects this many at a time: a dict of one index row takes about 1.4 KB, so a
# day's file of 200,000 claim rows would be ~280 MB of dicts at once if converted whole.
_CHUNK_ROWS = 2048
# Packed rows are compressed with Arrow's LZ4 frame codec: a pack is made and read once per run, on
# its critical path, and held only while the run groups it. On 19,497 packs of claim and member rows of
# the bench's 11-run history (66 MB pickled), zlib level 1 took 1.28 s to compress and 0.47 s to
# decompress them (28.5 MB), Arrow's zstd 0.57 and 0.31 s (29.1 MB), LZ4 0.15 and 0.06 s (38.4 MB).
_PACK_CODEC = "lz4"
_SIZE = struct.Struct("<Q")


@functools.lru_cache(maxsize=1)
def _codec():
    import pyarrow as pa
    return pa.Codec(_PACK_CODEC)


def _pack(value) -> bytes:
    """``value`` pickled and compressed, its pickled size first (the codec needs it to decompress)."""
    raw = pickle.dumps(value, protocol=5)
    return _SIZE.pack(len(raw)) + _codec().compress(raw, asbytes=True)


def _unpack(packed: bytes):
    (size,) = _SIZE.unpack_from(packed)
    return pickle.loads(_codec().decompress(memoryview(packed)[_SIZE.size:], size, asbytes=True))


def _pylist(table):
    """The rows of ``table`` as dicts, converted one slice at a time."""
    for start in range(0, table.num_rows, _CHUNK_ROWS):
        yield from table.slice(start, _CHUNK_ROWS).to_pylist()


def _per_value(table, column: str, day: str):
    """``(value, packed rows)`` for each distinct ``column`` value of one file: one element per story,
    not per row, its rows pickled and compressed once (:func:`unpack_rows`, :func:`unpack_columns`).
    Rows become Python objects a chunk at a time, column by column (no dict per row)."""
    import pyarrow.compute as pc
    table = table.take(pc.sort_indices(table, [(column, "ascending")]))
    names = table.column_names
    values = table.column(column).to_pylist()
    chunks = ((at, [table.slice(at, _CHUNK_ROWS).column(c).to_pylist() for c in names])
              for at in range(0, table.num_rows, _CHUNK_ROWS))
    base, cols = 0, [[] for _ in names]
    start = 0
    for value, group in itertools.groupby(values):
        end = start + sum(1 for _ in group)
        out: list[list] = [[] for _ in names]
        while start < end:
            if start >= base + len(cols[0]):
                base, cols = next(chunks)
                continue
            lo, hi = start - base, min(end - base, len(cols[0]))
            for o, c in zip(out, cols):
                o += c[lo:hi]
            start = base + hi
        yield value, _pack((day, names, out))


def unpack_columns(packed: bytes) -> dict[str, list]:
    """The rows of one ``ReadWindow(per_value=True)`` element as columns (name -> values), ``day`` too."""
    day, names, cols = _unpack(packed)
    out = dict(zip(names, cols))
    out["day"] = [day] * (len(cols[0]) if cols else 0)
    return out


def unpack_rows(packed: bytes) -> list[dict]:
    """The rows of one ``ReadWindow(per_value=True)`` element, as dicts with their ``day``.

    They travel as one bytes object, its rows as columns, because a local runner's grouping holds its
    values as Python objects until they are consumed: a claim row as a dict takes about 1.4 KB there,
    pickled as columns 0.43 KB, compressed 0.21 KB (the 87,526 claim rows of the bench's 11-run history:
    37.5 MB pickled, 18.0 MB packed; zlib gave 13.6 MB at eight times the time), and the bytes are not
    decoded and encoded again on the way through. Every runner holds or shuffles these bytes whole.
    """
    day, names, cols = _unpack(packed)
    rows = [dict(zip(names, vals)) for vals in zip(*cols)]
    for row in rows:
        row["day"] = day
    return rows


def _files(pipeline, label: str, files: FileList):
    # File names only (the driver's listing); Reshuffle spreads the reading over workers.
    return pipeline | label >> beam.Create([tuple(f) for f in files])


class _Filtered(beam.PTransform):
    def __init__(self, files: FileList, column: str, columns: list[str] | None = None, distinct: str | None = None):
        super().__init__()
        self._files = files
        self._column = column
        self._columns = columns
        self._distinct = distinct

    def expand(self, wanted):
        p = wanted.pipeline
        distinct = wanted | "DistinctWanted" >> beam.Distinct()
        return (_files(p, "Files", self._files)
                | "Read" >> beam.ParDo(_FilteredReadFn(self._column, self._columns, self._distinct), AsList(distinct)))


class LookupKeys(_Filtered):
    """This run's keys (ints) in, the ``index_keys`` rows holding them out: ``{key, article_id, day}``."""

    def __init__(self, files: FileList):
        super().__init__(files, "key")


class LookupIds(_Filtered):
    """This run's keys (ints) in, the ids of the articles whose ``index_keys`` rows hold them out (each id
    once per index file that holds it): what a lookup that only needs the articles reads."""

    def __init__(self, files: FileList):
        super().__init__(files, "key", distinct="article_id")


class ReadByArticle(_Filtered):
    """Article ids in, the rows of those articles in one index table out."""

    def __init__(self, files: FileList, columns: list[str] | None = None):
        super().__init__(files, "article_id", columns)


class ReadWindow(beam.PTransform):
    """This run's days in (ISO dates), every row of the index days within ``window_days`` of them,
    or of ``run_day`` (the day undated articles are placed by), out.

    With ``column``, the input is ``(run_days, wanted)`` and only rows whose ``column`` is one of
    ``wanted`` come out: the window is read, but only what this run touches becomes rows. With
    ``per_value`` too, the output is ``(value, packed rows)`` per value and file (:func:`unpack_rows`
    gives the rows back): a story's claims of one day are one element (a story spans a few files,
    so a few elements), not one per claim.
    ``columns`` reads only those columns (rows are plain dicts of them, and ``day``).
    ``group_by``: packed rows per value of that column, as ``per_value`` gives them, with or without a
    ``column`` filter. ``where``: a function of the Arrow table read from each file that returns the
    rows to keep (a module-level function: it travels with the graph). ``shape``: a function of the
    Arrow table of the rows kept that returns what to emit of them (a column shortened, say), applied
    before any row becomes a Python object (module-level too).
    """

    def __init__(self, files: FileList, window_days: int, run_day: str = "", column: str | None = None,
                 per_value: bool = False, columns: list[str] | None = None, group_by: str | None = None,
                 where=None, shape=None):
        super().__init__()
        if per_value and column is None:
            raise ValueError("per_value needs a column")
        for name, role in ((column, "filter"), (group_by, "group_by")):
            if columns is not None and name is not None and name not in columns:
                raise ValueError(f"the {role} column {name!r} must be one of the columns read")
        self._files = files
        self._window_days = window_days
        self._run_day = run_day
        self._column = column
        self._per_value = per_value
        self._columns = list(columns) if columns is not None else None
        self._group_by = group_by
        self._where = where
        self._shape = shape

    def expand(self, inputs):
        run_days, wanted = inputs if self._column is not None else (inputs, None)
        p = run_days.pipeline
        sides = [AsList(run_days | "DistinctDays" >> beam.Distinct())]
        if wanted is not None:
            sides.append(AsList(wanted | "DistinctWanted" >> beam.Distinct()))
        fn = _WindowReadFn(self._window_days, self._run_day, self._column, self._per_value, self._columns,
                           self._group_by, self._where, self._shape)
        return _files(p, "Files", self._files) | "Read" >> beam.ParDo(fn, *sides)

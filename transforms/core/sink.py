"""What claimwire adds to Delta Lake: file names, Parquet encoding, add-action receipts.

Each dataset under the output URL is one Delta table (``<output>/<name>/``,
Hive-style partition folders, ``_delta_log/``). Workers write the data files
straight into the table folder and, beside each, a small JSON *receipt* under
the attempt's control folder::

    <output>/articles/published_date=2025-10-31/lang=fa/part-<run_id>-<attempt>-0000.parquet
    <output>/_claimwire/attempts/<attempt>/receipts/articles/<digest>.json
    <output>/_claimwire/attempts/<attempt>/merge/stories/part-<run_id>-<attempt>-0000.parquet

A receipt holds what a Delta ``add`` action needs (path, size, partition
values, statistics), so the driver commits a table's new files in one
transaction without reading a row. ``stories`` and ``story_claims`` change
as stories grow: their rows are written under the attempt folder and the driver
replaces the touched stories' rows with them. Every attempt has its own ``<attempt>`` id, so no
attempt ever rewrites a file that a committed version references. Files of an attempt that
never committed are invisible to every Delta reader (no version lists them)
and ``claimwire compact`` removes them.

Nothing here talks to a filesystem or to Delta: the Beam layer
(``transforms/sink.py``) and the driver (``pipelines/delta.py``) do.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
from datetime import datetime, timezone
from typing import IO, Any, Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from transforms.core.schemas import DATASETS, DatasetSpec, partition_value, sort_key

CONTROL_DIR = "_claimwire"
ROW_GROUP_SIZE = 50_000
# A data file of less Arrow data than this is written with snappy (``parquet_options``).
SMALL_FILE_BYTES = 32 * 1024
# Folders an older claimwire wrote: a manifest and a journal beside the datasets.
OLD_LAYOUT_MARKERS = ("_manifest.json", ".claimwire")
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
APP_ID = "claimwire"


class SinkError(RuntimeError):
    """The output cannot be written or read as claimwire tables; the message is the user's one line."""


def join(base: str, *parts: str) -> str:
    """``base/part/...`` for a local path or a URL alike (a URL is never a ``Path``)."""
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts if p)])


def attempt_folder(output: str, attempt_id: str) -> str:
    return join(output, CONTROL_DIR, "attempts", attempt_id)


def attempt_id(serial: int, salt: str) -> str:
    """Sortable by serial; the salt keeps two attempts of one serial (one was killed) apart."""
    return f"a{serial:06d}-{salt}"


def file_name(run_id: str, attempt: str, digest: str) -> str:
    """``part-<run_id>-<attempt>-<digest>.parquet``, ``digest`` from ``content_digest`` of the file's bytes."""
    return f"part-{run_id}-{attempt}-{digest}.parquet"


def content_digest(data: bytes) -> str:
    """What names a written file: the same rows give the same bytes, so a retried write keeps its name."""
    return hashlib.blake2b(data, digest_size=10).hexdigest()


# What CPython takes for a row dict, calibrated on this project's rows (a dict of ~25 fields, its
# values as objects): a str is 49 bytes plus its characters, a list 56 plus 8 per item plus its
# items, a number or a datetime 24-48. Counting only the text (16 bytes per other field) had
# underestimated claim and story_claims rows about 6x, so writers held 6x their budget.
_DICT_BASE = 232
_PER_FIELD = 40


def _value_weight(v: Any) -> int:
    if v is None or isinstance(v, bool):
        return 0
    if isinstance(v, str):
        return 49 + len(v)
    if isinstance(v, bytes):
        return 33 + len(v)
    if isinstance(v, (list, tuple)):
        return 56 + 8 * len(v) + sum(_value_weight(x) for x in v)
    if isinstance(v, dict):
        return _DICT_BASE + sum(_PER_FIELD + _value_weight(k) + _value_weight(x) for k, x in v.items())
    return 40


def _items_weight(v: list | tuple) -> int:
    """``_value_weight`` of a list or tuple, its common items (str, None, numbers) weighed inline."""
    total = 56 + 8 * len(v)
    for x in v:
        t = type(x)
        if t is str:
            total += 49 + len(x)
        elif t is int or t is float:
            total += 40
        elif x is not None and t is not bool:
            total += _value_weight(x)
    return total


def row_weight(row: Mapping[str, Any]) -> int:
    """About how many bytes a row dict holds in a writer's buffer, as Python objects: on every
    dataset's rows, 1.0x to 1.5x ``sys.getsizeof`` summed over the row and its values (never less).

    ``_PER_FIELD`` plus ``_value_weight`` of each value, with the common types weighed inline: every
    row a run writes is weighed, and this is 2.3x faster than calling ``_value_weight`` per value
    (0.6 s instead of 1.4 s for the 416,000 rows of run 12 of the bench's history corpus)."""
    total = _DICT_BASE + _PER_FIELD * len(row)
    for v in row.values():
        t = type(v)
        if t is str:
            total += 49 + len(v)
        elif t is list or t is tuple:
            total += _items_weight(v)
        elif t is int or t is float:
            total += 40
        elif v is not None and t is not bool:
            total += _value_weight(v)
    return total


def delta_schema(spec: DatasetSpec) -> pa.Schema:
    """The table's schema: the file columns, then the partition columns (strings, from the paths)."""
    fields = list(spec.schema) + [pa.field(k, pa.string()) for k in spec.partition_by]
    return pa.schema(fields)


def table_name(spec: DatasetSpec) -> str:
    """The Delta metadata ``name`` that marks a table as claimwire's (a foreign table has another)."""
    return f"claimwire.{spec.name}"


def table_for(spec: DatasetSpec, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    cols = spec.schema.names
    ordered = sorted(rows, key=sort_key(spec))
    table = pa.Table.from_pylist([{c: r.get(c) for c in cols} for r in ordered], schema=spec.schema)
    return table.replace_schema_metadata({"claimwire.schema": spec.version})


def parquet_options(table: pa.Table) -> dict[str, Any]:
    """How a data file of ``table`` is encoded: zstd with dictionaries, except under ``SMALL_FILE_BYTES``
    of data, where it is snappy without them.

    Setting up zstd costs ~50 µs per column chunk, most of the time it takes to write a small file
    (a 27-column claims file of 10 rows: 1.8 ms with zstd, 0.6 ms with snappy, 11.6 and 12.0 KB), and a
    small file's dictionaries cost more than they save (6 rows: 10.3 KB with them, 9.6 without). An
    archive replay writes thousands of those (1,000 pages over 577 days: ~3,500 files). From ~50 rows
    up zstd is worth it (21 KB against 26; 1,000 rows: 176 KB against 263), and ``claimwire compact``
    rewrites small files as zstd ones (delta-rs's codec).

    The size is the table's buffers (``get_total_buffer_size``: ~5 µs a table), not ``nbytes`` (~55 µs:
    it works out the byte ranges each array references, which a table built for one file does not
    need; 0.2 s of 1,000 pages' 3,635 files). It can count up to ~15% more, for padding.
    """
    if table.get_total_buffer_size() < SMALL_FILE_BYTES:
        return {"compression": "snappy", "compression_level": None, "use_dictionary": False}
    return {"compression": "zstd", "compression_level": 6, "use_dictionary": True}


def write_parquet(table: pa.Table, sink: str | IO[bytes]) -> None:
    """One Parquet file (encoded as ``parquet_options`` says), statistics, row groups sized for scans;
    no wall-clock in it."""
    pq.write_table(table, sink, row_group_size=ROW_GROUP_SIZE, write_statistics=True, **parquet_options(table))


def parquet_bytes(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    write_parquet(table, buf)
    return buf.getvalue()


def partition_values(spec: DatasetSpec, row: Mapping[str, Any]) -> dict[str, str | None]:
    """The values a Delta reader gives the partition columns: the folder-safe text, None when unknown."""
    out: dict[str, str | None] = {}
    for k in spec.partition_by:
        v = partition_value(row.get(k))
        out[k] = None if v == NULL_PARTITION else v
    return out


def partition_folder(values: Mapping[str, str | None], keys: Sequence[str]) -> str:
    return "/".join(f"{k}={NULL_PARTITION if values.get(k) is None else values[k]}" for k in keys)


def _stat_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return v


def file_stats(table: pa.Table) -> str:
    """Delta ``stats`` JSON: row count, null counts, min/max of numbers and timestamps.

    Strings get no min/max: Delta readers skip files by them, and a truncated
    bound would be a wrong one.
    """
    nulls: dict[str, int] = {}
    mins: dict[str, Any] = {}
    maxs: dict[str, Any] = {}
    for name in table.column_names:
        col = table[name]
        t = col.type
        if pa.types.is_list(t) or pa.types.is_struct(t) or pa.types.is_map(t):
            continue
        nulls[name] = col.null_count
        if (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_timestamp(t)) \
                and col.null_count < len(col):
            mm = pc.min_max(col).as_py()
            if isinstance(mm["min"], float) and (mm["min"] != mm["min"] or mm["max"] != mm["max"]):
                continue                   # NaN has no order a reader could skip by
            mins[name], maxs[name] = _stat_value(mm["min"]), _stat_value(mm["max"])
    return json.dumps({"numRecords": table.num_rows, "minValues": mins, "maxValues": maxs, "nullCount": nulls},
                      sort_keys=True)


def receipt(dataset: str, path: str, size: int, values: Mapping[str, str | None], table: pa.Table) -> dict:
    """What the driver needs to commit one data file (``path`` relative to the table folder)."""
    return {"dataset": dataset, "path": path, "size": size, "partition_values": dict(values),
            "rows": table.num_rows, "stats": file_stats(table)}


def parse_receipts(data: bytes) -> list[dict]:
    """The receipts of one receipts file: a list of receipts (the writers' batches) or one receipt."""
    got = json.loads(data.decode("utf-8"))
    return [_checked(r) for r in (got if isinstance(got, list) else [got])]


def _checked(r: Any) -> dict:
    if not isinstance(r, dict) or r.get("dataset") not in DATASETS or not isinstance(r.get("path"), str):
        raise SinkError(f"a receipt names no claimwire dataset: {r!r:.200}")
    return r


def sort_table(spec: DatasetSpec, table: pa.Table) -> pa.Table:
    """Rows in ``sort_by`` order, nulls last, ties broken by every other sortable column (a stable sort)."""
    rest = [c for c in spec.schema.names if c not in spec.sort_by and _sortable(spec.schema.field(c).type)]
    return table.sort_by([(c, "ascending", "at_end") for c in (*spec.sort_by, *rest)])


def _sortable(t: pa.DataType) -> bool:
    return not (pa.types.is_list(t) or pa.types.is_struct(t) or pa.types.is_map(t))


def pid_alive(pid: int) -> bool:
    """Whether a process of this host has ``pid`` (one we may not signal counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

"""FalkorDB's bulk path (``GRAPH.BULK``): build a whole new graph from node and edge tables.

This is the binary protocol that ``falkordb-bulk-loader`` speaks, without its CSV round trip:
a token per label holds a header (label, property names) and then, per node, each property as a
type byte and a value; a token per relationship type holds, per edge, the source and destination
as the 0-based position of the node in the order nodes were sent, then its properties. Nodes get
their positions in the order we send them, so every node must be sent before any edge.

``GRAPH.BULK`` only creates a graph that does not exist yet; the caller builds it under a
temporary name and renames it into place, which makes the whole load atomic.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

NULL, BOOL, DOUBLE, STRING, LONG, ARRAY = 0, 1, 2, 3, 4, 5
MAX_TOKEN_BYTES = 32_000_000
MAX_COMMAND_BYTES = 128_000_000

BIN = pa.large_binary()
_EMPTY = pa.scalar(b"", BIN)
_NULL_VALUE = pa.scalar(bytes([NULL]), BIN)
_FIXED = {  # property kind -> (type byte, numpy value type)
    "bool": (BOOL, "u1"),
    "long": (LONG, "<i8"),
    "double": (DOUBLE, "<f8"),
}


def _kind(values: pd.Series, present: np.ndarray) -> str:
    """The one type of a column (a column holds one type): decided once, not per value."""
    kind = values.dtype.kind
    first = values.iloc[int(np.argmax(present))] if present.any() else None
    if kind == "O" and isinstance(first, list | tuple | np.ndarray):
        return "list"
    if kind == "b" or (kind == "O" and isinstance(first, bool | np.bool_)):
        return "bool"
    if kind in "iu" or (kind == "O" and isinstance(first, int | np.integer)):
        return "long"
    if kind == "f":
        return "double"
    return "string"


def _pack_column(values: pd.Series) -> pa.Array:
    """One property column as one binary value per entity: type byte + value, or the null marker
    (the property is not set). Column-wise in Arrow: packing is the hot loop of a bulk load."""
    present = values.notna().to_numpy()
    kind = _kind(values, present)
    if kind in _FIXED:
        type_byte, value_type = _FIXED[kind]
        packed = np.zeros(len(values), dtype=[("t", "u1"), ("v", value_type)])  # packed: type byte, value
        packed["t"] = type_byte
        packed["v"][present] = values[present].to_numpy().astype(value_type)
        width = packed.dtype.itemsize
        fixed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), len(values), [None, pa.py_buffer(packed)])
        column = fixed.cast(BIN)
        return pc.if_else(pa.array(present), column, _NULL_VALUE)
    if kind == "list":
        arrays = [_pack_list(v) if p else None for v, p in zip(values.tolist(), present, strict=True)]
        return pc.fill_null(pa.array(arrays, BIN), _NULL_VALUE)
    try:
        text = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all str: dates, numbers among text
        text = pa.array([str(v) if p else None for v, p in zip(values.tolist(), present, strict=True)], pa.string())
    joined = pc.binary_join_element_wise(
        pa.scalar(bytes([STRING]), BIN), text.cast(BIN), pa.scalar(b"\x00", BIN), _EMPTY
    )
    return pc.fill_null(joined, _NULL_VALUE)


def _pack_scalar(value: Any) -> bytes:
    if isinstance(value, bool | np.bool_):
        return struct.pack("=B?", BOOL, bool(value))
    if isinstance(value, int | np.integer):
        return struct.pack("=Bq", LONG, int(value))
    if isinstance(value, float | np.floating):
        return struct.pack("=Bd", DOUBLE, float(value))
    return bytes([STRING]) + str(value).encode() + b"\x00"


def _pack_list(values: Any) -> bytes:
    """An array property: type byte, length, then each element with its own type byte."""
    return struct.pack("=Bq", ARRAY, len(values)) + b"".join(_pack_scalar(v) for v in values)


def _header(name: str, props: Sequence[str]) -> bytes:
    return name.encode() + b"\x00" + struct.pack("=I", len(props)) + b"".join(p.encode() + b"\x00" for p in props)


@dataclass
class Token:
    kind: str  # "node" or "edge"
    count: int
    payload: bytes


def _tokens(kind: str, name: str, props: list[str], entities: pa.Array | pa.ChunkedArray) -> Iterator[Token]:
    """Cut the entities (one binary value each) into tokens of at most MAX_TOKEN_BYTES."""
    header = _header(name, props)
    if isinstance(entities, pa.ChunkedArray):  # Arrow-backed pandas columns come chunked
        entities = entities.combine_chunks()
    entities = entities.cast(BIN) if entities.type != BIN else entities
    n = len(entities)
    _, offsets_buf, data = entities.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[entities.offset : entities.offset + n + 1]
    view = memoryview(data) if data is not None else memoryview(b"")
    start = 0
    while start < n:
        budget = offsets[start] + MAX_TOKEN_BYTES - len(header)
        end = max(start + 1, int(np.searchsorted(offsets, budget, side="right")) - 1)
        end = min(end, n)
        yield Token(kind, end - start, header + view[offsets[start] : offsets[end]].tobytes())
        start = end


def _join(columns: list[pa.Array], n: int) -> pa.Array:
    if not columns:
        return pa.array([b""] * n, BIN)
    if len(columns) == 1:
        return columns[0]
    return pc.binary_join_element_wise(*columns, _EMPTY)


def node_tokens(label: str, table: pd.DataFrame) -> Iterator[Token]:
    """Tokens for one label's nodes, in table order (their positions follow that order)."""
    props = [c for c in table.columns if table[c].notna().any()]
    yield from _tokens("node", label, props, _join([_pack_column(table[c]) for c in props], len(table)))


def edge_tokens(rel_type: str, src: np.ndarray, dst: np.ndarray, props: pd.DataFrame | None = None) -> Iterator[Token]:
    """Tokens for one relationship type; ``src``/``dst`` are node positions."""
    pairs = np.empty((len(src), 2), dtype="<u8")
    pairs[:, 0], pairs[:, 1] = src, dst
    ends = pa.FixedSizeBinaryArray.from_buffers(pa.binary(16), len(src), [None, pa.py_buffer(pairs)]).cast(BIN)
    names = [c for c in props.columns if props[c].notna().any()] if props is not None else []
    columns = [_pack_column(props[c]) for c in names] if props is not None else []
    yield from _tokens("edge", rel_type, names, _join([ends, *columns], len(src)))


def send(
    conn: Any, graph: str, tokens: Iterator[Token], on_entities: Callable[[int], None] | None = None
) -> tuple[int, int]:
    """Send tokens as ``GRAPH.BULK`` commands of bounded size; return (nodes, edges) created."""
    nodes = edges = 0
    first = True
    pending: list[Token] = []
    size = 0

    def flush() -> None:
        nonlocal first, nodes, edges, pending, size
        if not pending:
            return
        node_toks = [t for t in pending if t.kind == "node"]
        edge_toks = [t for t in pending if t.kind == "edge"]
        args: list[Any] = ["BEGIN"] if first else []
        args += [sum(t.count for t in node_toks), sum(t.count for t in edge_toks), len(node_toks), len(edge_toks)]
        args += [t.payload for t in node_toks] + [t.payload for t in edge_toks]
        reply = conn.execute_command("GRAPH.BULK", graph, *args)
        text = reply.decode() if isinstance(reply, bytes) else str(reply)
        parts = text.split(", ")
        nodes += int(parts[0].split(" ")[0])
        edges += int(parts[1].split(" ")[0])
        if on_entities:
            on_entities(sum(t.count for t in pending))
        first, pending, size = False, [], 0

    for token in tokens:
        # A command carries nodes before edges; flush before edges so positions are settled.
        if pending and (
            size + len(token.payload) > MAX_COMMAND_BYTES or (token.kind == "edge" and pending[-1].kind == "node")
        ):
            flush()
        pending.append(token)
        size += len(token.payload)
    flush()
    return nodes, edges

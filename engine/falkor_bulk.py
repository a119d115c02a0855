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

NULL, BOOL, DOUBLE, STRING, LONG = 0, 1, 2, 3, 4
MAX_TOKEN_BYTES = 32_000_000
MAX_COMMAND_BYTES = 128_000_000

_NULL = struct.pack("=B", NULL)
_TRUE = struct.pack("=B?", BOOL, True)
_FALSE = struct.pack("=B?", BOOL, False)


def _pack_column(values: pd.Series) -> list[bytes]:
    """Pack one property column; None/NaN become the null marker (the property is not set).

    The type is decided once per column (a column holds one type), not per value: packing is
    the hot loop of a bulk load.
    """
    present = values.notna().to_numpy()
    items = values.tolist()
    kind = values.dtype.kind
    if kind == "b" or (kind == "O" and isinstance(_first(items, present), bool | np.bool_)):
        return [(_TRUE if v else _FALSE) if p else _NULL for v, p in zip(items, present, strict=True)]
    if kind in "iu" or (kind == "O" and isinstance(_first(items, present), int | np.integer)):
        pack = struct.Struct("=Bq").pack
        return [pack(LONG, int(v)) if p else _NULL for v, p in zip(items, present, strict=True)]
    if kind == "f":
        pack = struct.Struct("=Bd").pack
        return [pack(DOUBLE, v) if p else _NULL for v, p in zip(items, present, strict=True)]
    return [b"\x03" + str(v).encode() + b"\x00" if p else _NULL for v, p in zip(items, present, strict=True)]


def _first(items: list[Any], present: np.ndarray) -> Any:
    index = int(np.argmax(present)) if present.any() else -1
    return items[index] if index >= 0 else None


def _header(name: str, props: Sequence[str]) -> bytes:
    return name.encode() + b"\x00" + struct.pack("=I", len(props)) + b"".join(p.encode() + b"\x00" for p in props)


@dataclass
class Token:
    kind: str  # "node" or "edge"
    count: int
    payload: bytes


def _tokens(kind: str, name: str, props: list[str], entities: list[bytes]) -> Iterator[Token]:
    header = _header(name, props)
    start = 0
    while start < len(entities):
        size, end = len(header), start
        while end < len(entities) and (size + len(entities[end]) < MAX_TOKEN_BYTES or end == start):
            size += len(entities[end])
            end += 1
        yield Token(kind, end - start, header + b"".join(entities[start:end]))
        start = end


def node_tokens(label: str, table: pd.DataFrame) -> Iterator[Token]:
    """Tokens for one label's nodes, in table order (their positions follow that order)."""
    props = [c for c in table.columns if table[c].notna().any()]
    columns = [_pack_column(table[c]) for c in props]
    entities = [b"".join(parts) for parts in zip(*columns, strict=True)] if props else [b""] * len(table)
    yield from _tokens("node", label, props, entities)


def edge_tokens(rel_type: str, src: np.ndarray, dst: np.ndarray, props: pd.DataFrame | None = None) -> Iterator[Token]:
    """Tokens for one relationship type; ``src``/``dst`` are node positions."""
    pairs = np.empty((len(src), 2), dtype="<u8")
    pairs[:, 0], pairs[:, 1] = src, dst
    names = [c for c in props.columns if props[c].notna().any()] if props is not None else []
    if not names:
        raw = pairs.tobytes()
        entities = [raw[i * 16 : (i + 1) * 16] for i in range(len(src))]
    else:
        assert props is not None
        columns = [_pack_column(props[c]) for c in names]
        raw = pairs.tobytes()
        entities = [raw[i * 16 : (i + 1) * 16] + b"".join(parts) for i, parts in enumerate(zip(*columns, strict=True))]
    yield from _tokens("edge", rel_type, names, entities)


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

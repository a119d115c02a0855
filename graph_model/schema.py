"""Load ``schema.yaml`` into typed, immutable objects.

Everything else (DDL, pydantic models, the README table, the Neo4j lint) reads ``SCHEMA``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

TYPES = ("string", "int", "float", "bool", "date", "list")
SCHEMA_FILE = Path(__file__).with_name("schema.yaml")


@dataclass(frozen=True)
class Property:
    name: str
    type: str = "string"
    doc: str = ""
    personal: bool = False


@dataclass(frozen=True)
class NodeType:
    label: str
    doc: str
    properties: tuple[Property, ...]
    index: tuple[str, ...] = ()
    fulltext: tuple[str, ...] = ()

    @cached_property
    def property_names(self) -> frozenset[str]:
        return frozenset(["id", *(p.name for p in self.properties)])

    @cached_property
    def personal(self) -> frozenset[str]:
        return frozenset(p.name for p in self.properties if p.personal)


@dataclass(frozen=True)
class RelType:
    type: str
    from_labels: tuple[str, ...]
    to_labels: tuple[str, ...]
    doc: str = ""
    properties: tuple[Property, ...] = ()


@dataclass(frozen=True)
class Schema:
    nodes: dict[str, NodeType] = field(default_factory=dict)
    relationships: dict[str, RelType] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return list(self.nodes)

    @property
    def relationship_types(self) -> list[str]:
        return list(self.relationships)

    def node(self, label: str) -> NodeType:
        try:
            return self.nodes[label]
        except KeyError:
            raise KeyError(f"unknown node label {label!r}; known: {', '.join(self.nodes)}") from None

    def rel(self, rel_type: str) -> RelType:
        try:
            return self.relationships[rel_type]
        except KeyError:
            known = ", ".join(self.relationships)
            raise KeyError(f"unknown relationship type {rel_type!r}; known: {known}") from None


def _properties(raw: dict | None, where: str) -> tuple[Property, ...]:
    props = []
    for name, spec in (raw or {}).items():
        prop = Property(name=name, **(spec or {}))
        if prop.type not in TYPES:
            raise ValueError(f"{where}.{name}: unknown type {prop.type!r} (one of {TYPES})")
        props.append(prop)
    return tuple(props)


def _as_tuple(value: str | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def load_schema(path: Path = SCHEMA_FILE) -> Schema:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    nodes = {}
    for label, spec in raw["nodes"].items():
        node = NodeType(
            label=label,
            doc=spec.get("doc", ""),
            properties=_properties(spec.get("properties"), label),
            index=tuple(spec.get("index", ())),
            fulltext=tuple(spec.get("fulltext", ())),
        )
        for prop in (*node.index, *node.fulltext):
            if prop not in node.property_names:
                raise ValueError(f"{label}: indexed property {prop!r} is not declared")
        nodes[label] = node
    rels = {}
    for rel_type, spec in raw["relationships"].items():
        rel = RelType(
            type=rel_type,
            from_labels=_as_tuple(spec["from"]),
            to_labels=_as_tuple(spec["to"]),
            doc=spec.get("doc", ""),
            properties=_properties(spec.get("properties"), rel_type),
        )
        for label in (*rel.from_labels, *rel.to_labels):
            if label not in nodes:
                raise ValueError(f"{rel_type}: unknown label {label!r}")
        rels[rel_type] = rel
    return Schema(nodes=nodes, relationships=rels)


SCHEMA = load_schema()

"""Jejak's graph schema: loaded from ``schema.yaml``, the one place it is declared."""

from graph_model.schema import SCHEMA, NodeType, Property, RelType, Schema

__all__ = ["SCHEMA", "NodeType", "Property", "RelType", "Schema"]

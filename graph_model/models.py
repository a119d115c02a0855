"""Pydantic models generated from the schema: one per node label, used by the API and validation."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, create_model

from graph_model.schema import SCHEMA, NodeType, Schema

PY_TYPES: dict[str, Any] = {
    "string": str,
    "int": int,
    "float": float,
    "bool": bool,
    "date": date,
    "list": list[str],
}


class NodeModel(BaseModel):
    """Base of every generated node model: a stable business ``id`` and nothing engine-specific."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str


def model_for(node: NodeType) -> type[NodeModel]:
    fields: dict[str, Any] = {p.name: (PY_TYPES[p.type] | None, None) for p in node.properties}
    return create_model(node.label, __base__=NodeModel, __doc__=node.doc, **fields)


def build_models(schema: Schema = SCHEMA) -> dict[str, type[NodeModel]]:
    return {label: model_for(node) for label, node in schema.nodes.items()}


MODELS = build_models()

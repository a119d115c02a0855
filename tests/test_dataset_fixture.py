"""The shared loaded dataset is what the other tests stand on: check it once."""

from __future__ import annotations

from engine.base import Engine
from queries.status import graph_counts


def test_loaded_copy_has_every_kind_of_node(loaded: Engine) -> None:
    labels, rels = graph_counts(loaded)
    for label in (
        "Worker",
        "Placement",
        "Agency",
        "Employer",
        "PartnerAgency",
        "Sponsor",
        "TrainingInstitute",
        "Case",
        "Region",
        "Country",
        "SourceRecord",
    ):
        assert labels.get(label, 0) > 0, label
    assert rels["HAS_PLACEMENT"] == labels["Placement"]

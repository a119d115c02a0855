"""Counts by country, sector, province, agency, year, checked against the generated files."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.base import Engine
from jejak.errors import InputError
from loaders.normalize import parse_date
from queries import stats
from reference.countries import lookup_country
from tests.conftest import Dataset


def _bp2mi(dataset: Dataset) -> pd.DataFrame:
    bp = pd.read_csv(dataset.files / "bp2mi_penempatan.csv", sep=";", dtype=str, keep_default_na=False)
    bp["date"] = bp["tanggal_berangkat"].map(lambda v: parse_date(v, ["DD-MM-YYYY"]))
    bp["iso"] = bp["negara_tujuan"].map(lookup_country)
    return bp[bp["date"].notna() & bp["iso"].notna()]


def test_bp2mi_counts_by_country_and_year_match_the_file(loaded: Engine, dataset: Dataset) -> None:
    bp = _bp2mi(dataset)
    by_country = {r["key"]: r["placements"] for r in stats.counts(loaded, "country", source="bp2mi")}
    expected = bp["iso"].value_counts()
    for iso, n in expected.items():
        assert abs(by_country.get(iso, 0) - n) <= max(2, 0.02 * n), iso  # rows rejected for other fields
    by_year = {r["key"]: r["placements"] for r in stats.counts(loaded, "year", source="bp2mi")}
    for year, n in bp["date"].map(lambda d: str(d.year)).value_counts().items():
        assert abs(by_year.get(year, 0) - n) <= max(2, 0.02 * n), year
    rows = stats.counts(loaded, "year")
    assert [r["key"] for r in rows] == sorted(r["key"] for r in rows)


def test_filters_and_totals_agree(loaded: Engine) -> None:
    total = stats.summary(loaded)
    for by in ("country", "sector", "year", "job"):  # every placement has exactly one of these
        assert sum(r["placements"] for r in stats.counts(loaded, by)) == total["placements"], by
    assert sum(r["placements"] for r in stats.counts(loaded, "agency")) < total["placements"]  # embassy rows: none
    departed = sum(r["placements"] for r in stats.counts(loaded, "sector", status="DEPARTED"))
    assert departed == total["by_status"]["DEPARTED"]
    hk = stats.counts(loaded, "country", country="hk")
    assert [r["key"] for r in hk] == ["HK"]
    assert (
        stats.counts(loaded, "agency", limit=3)[0]["placements"]
        >= stats.counts(loaded, "agency", limit=3)[2]["placements"]
    )
    by_source = {r["key"]: r["placements"] for r in stats.counts(loaded, "source")}
    assert by_source == total["by_source"]


def test_province_counts_follow_the_regions(loaded: Engine) -> None:
    rows = stats.counts(loaded, "province")
    assert all(len(r["key"]) == 2 for r in rows)
    assert rows[0]["workers"] <= rows[0]["placements"]


def test_bad_arguments(loaded: Engine) -> None:
    with pytest.raises(InputError):
        stats.counts(loaded, "colour")
    with pytest.raises(InputError):
        stats.counts(loaded, "country", year="twenty")

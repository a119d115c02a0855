"""The probabilistic part: a Fellegi-Sunter model in Splink (DuckDB), trained by EM without labels.

Comparisons (levels from most to least specific; each is null when a side lacks the value):
- name: spelling-neutral key equal (term-frequency adjusted: two 'SITI' agree less than two 'WARTINI'),
  one name's words contain the other's (a father's name added, a mononym), Jaro-Winkler >= 0.92,
  same first and last word (a middle name shortened to an initial), Jaro-Winkler >= 0.80, else;
- birth date: equal, day and month swapped, same year, else;
- sex; NIK; passport (equal, one typo); origin (regency, province); phone; destination country.

Candidate pairs (blocking, any rule): same passport; same phone; same birth date and the same first-
or last-name skeleton; birth date equal to the other's swapped date and the same first-name skeleton;
the same name key when a birth date is missing. Records sharing a NIK are linked as exact keys
before the model (``loaders.resolve.cluster``); the model still sees NIK as evidence.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

COMPARISON_COLUMNS = [
    "record_id",
    "source",
    "nik",
    "passport",
    "name_key",
    "first_key",
    "last_key",
    "first_skel",
    "last_skel",
    "birth_date",
    "birth_swapped",
    "birth_year",
    "sex",
    "regency",
    "province",
    "phone",
    "country",
]

PREDICTION_RULES = [
    "l.passport = r.passport",
    "l.phone = r.phone",
    "l.birth_date = r.birth_date AND l.first_skel = r.first_skel",
    "l.birth_date = r.birth_date AND l.last_skel = r.last_skel",
    "l.birth_date = r.birth_swapped AND l.first_skel = r.first_skel",
    "l.name_key = r.name_key AND (l.birth_date IS NULL OR r.birth_date IS NULL)",
]
TRAINING_RULES = [
    "l.passport = r.passport",
    "l.birth_date = r.birth_date AND l.first_skel = r.first_skel",
]
DETERMINISTIC_RULES = ["l.nik = r.nik", "l.passport = r.passport AND l.birth_date = r.birth_date"]

LinkType = Literal["link_only", "link_and_dedupe", "dedupe_only"]

# Field names of the comparison vector, for a pair's "reason" (which fields agreed).
FIELDS = ["name", "birth_date", "sex", "nik", "passport", "region", "phone", "country"]


def _settings(link_type: LinkType = "dedupe_only") -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator
    from splink.blocking_rule_library import CustomRule

    def custom(column: str, levels: list[Any], name: str) -> Any:
        return cl.CustomComparison(levels, output_column_name=name)

    tokens_l = "str_split(name_key_l, ' ')"
    tokens_r = "str_split(name_key_r, ' ')"
    name = custom(
        "name_key",
        [
            cll.NullLevel("name_key"),
            cll.ExactMatchLevel("name_key", term_frequency_adjustments=True),
            cll.CustomLevel(
                f"list_has_all({tokens_l}, {tokens_r}) OR list_has_all({tokens_r}, {tokens_l})",
                "words of one contain the other",
            ),
            cll.JaroWinklerLevel("name_key", 0.92),
            cll.CustomLevel("first_key_l = first_key_r AND last_key_l = last_key_r", "same first and last word"),
            cll.JaroWinklerLevel("name_key", 0.80),
            cll.ElseLevel(),
        ],
        "name",
    )
    birth = custom(
        "birth_date",
        [
            cll.NullLevel("birth_date"),
            cll.ExactMatchLevel("birth_date"),
            cll.CustomLevel(
                "birth_date_l = birth_swapped_r OR birth_swapped_l = birth_date_r", "day and month swapped"
            ),
            cll.CustomLevel("birth_year_l = birth_year_r", "same year"),
            cll.ElseLevel(),
        ],
        "birth_date",
    )
    passport = custom(
        "passport",
        [
            cll.NullLevel("passport"),
            cll.ExactMatchLevel("passport"),
            cll.DamerauLevenshteinLevel("passport", 1),
            cll.ElseLevel(),
        ],
        "passport",
    )
    region = custom(
        "regency",
        [
            cll.NullLevel("province"),
            cll.ExactMatchLevel("regency"),
            cll.ExactMatchLevel("province"),
            cll.ElseLevel(),
        ],
        "region",
    )
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="record_id",
        comparisons=[
            name,
            birth,
            cl.ExactMatch("sex"),
            cl.ExactMatch("nik"),
            passport,
            region,
            cl.ExactMatch("phone"),
            cl.ExactMatch("country"),
        ],
        blocking_rules_to_generate_predictions=[CustomRule(rule) for rule in PREDICTION_RULES],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
        additional_columns_to_retain=[],
    )


def _quiet() -> None:
    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.ERROR)


# DuckDB's own memory, beyond which it spills to disk. Its default (80 % of RAM) let scoring 1 M
# workers' candidate pairs peak at 7.9 GB in the process; capped at 3 GB it peaked at 6.5 GB and
# took 67 s instead of 62 (2 GB: 5.3 GB, 74 s).
DUCKDB_MEMORY = "3GB"


@contextmanager
def _db_api() -> Iterator[Any]:
    """Splink's DuckDB backend on a connection of its own, closed after use: DuckDB's memory goes
    back to the system then (left to the garbage collector, 2.5 GB stayed with the process)."""
    import duckdb
    from splink import DuckDBAPI

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
    # spill files go to the system's temporary directory (DuckDB's default is .tmp in the working one)
    con.execute(f"SET temp_directory = '{Path(tempfile.gettempdir()) / f'jejak-duckdb-{os.getpid()}'}'")
    try:
        yield DuckDBAPI(con)
    finally:
        con.close()


def _frame(records: pd.DataFrame) -> pd.DataFrame:
    return records[COMPARISON_COLUMNS].reset_index(drop=True)


def train(records: pd.DataFrame, seed: int = 42) -> dict[str, Any]:
    """Estimate the model from the records themselves (no labels): λ from deterministic rules,
    u from random pairs, m by EM on two blocking rules. Returns the model as a settings dict."""
    from splink import Linker
    from splink.blocking_rule_library import CustomRule

    _quiet()
    with _db_api() as api:
        linker = Linker(api.register(_frame(records)), _settings(), log_level=None)
        linker.training.estimate_probability_two_random_records_match(
            [CustomRule(rule) for rule in DETERMINISTIC_RULES], recall=0.8
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
        for rule in TRAINING_RULES:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True, record_sample_proportion=1.0, max_pairs=2e6
            )
        return linker.misc.save_model_to_json(overwrite=True)


def predict(
    records: pd.DataFrame, model: dict[str, Any], threshold: float, new_ids: pd.Series | None = None
) -> pd.DataFrame:
    """Scored candidate pairs above ``threshold`` (match probability): ``a``, ``b``, ``p`` and the
    comparison levels. With ``new_ids``, only pairs involving one of those records are scored
    (incremental runs: new records against everything)."""
    from splink import Linker

    _quiet()
    frame = _frame(records)
    with _db_api() as api:
        if new_ids is not None:
            is_new = frame["record_id"].isin(set(new_ids))
            settings = dict(model, link_type="link_only")
            left = api.register(frame[is_new].reset_index(drop=True), dataset_display_name="new_records")
            right = api.register(frame, dataset_display_name="known_records")
            linker = Linker([left, right], settings, log_level=None)
        else:
            linker = Linker(api.register(frame), dict(model, link_type="dedupe_only"), log_level=None)
        result = linker.inference.predict(threshold_match_probability=threshold)
        weights = ", ".join(f"mw_{f}" for f in FIELDS)
        sql = (
            f"SELECT record_id_l AS a, record_id_r AS b, match_probability AS p, match_weight AS w, {weights} "
            f"FROM {result.physical_name}"
        )
        pairs = api._execute_sql_against_backend(sql).df()
    pairs = pairs[pairs["a"] != pairs["b"]]
    # column-wise: a two-column .loc swap is wrong in pandas 3.1 when both share an object block
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    swap = a > b
    pairs = pairs.assign(a=np.where(swap, b, a), b=np.where(swap, a, b))
    return pairs.sort_values("p", ascending=False).drop_duplicates(["a", "b"]).reset_index(drop=True)


def reasons(pairs: pd.DataFrame) -> pd.Series:
    """'name+birth_date+passport': the fields whose comparison counted for the match (positive
    match weight), strongest first (equal weights in FIELDS order)."""
    weights = pairs[[f"mw_{f}" for f in FIELDS]].to_numpy()
    order = np.argsort(-weights, axis=1, kind="stable")
    counted = np.take_along_axis(weights, order, axis=1) > 0
    # Each pair's reason as one integer (per position: its field + 1, or 0 where it did not count),
    # then one string per distinct reason: a few hundred joins instead of one per pair (3 M at 1 M
    # workers: 14 s -> 2 s).
    code = ((order + 1) * counted) @ (len(FIELDS) + 1) ** np.arange(len(FIELDS), dtype=np.int64)
    distinct, which = np.unique(code, return_inverse=True)
    text = np.array([_reason_text(int(c)) for c in distinct], dtype=object)
    return pd.Series(text[which], index=pairs.index, dtype=object)


def _reason_text(code: int) -> str:
    fields = []
    while code:
        code, digit = divmod(code, len(FIELDS) + 1)
        if digit:
            fields.append(FIELDS[digit - 1])
    return "+".join(fields)


def save(model: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(model, indent=1), encoding="utf-8")


def load(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

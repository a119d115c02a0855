"""The same records exported another way read the same.

Other agencies' exporters (and other data than our generator's) write the formats with their own
habits: a byte-order mark, CRLF line ends, headers in upper case with spaces, columns in another
order plus extra ones, dates with '/', money as 'Rp 1.500.000,-', phones as '0062 812 ...',
'Hong Kong SAR' or 'Republic of Korea' for a country, 'Pria'/'Wanita' for the sex, a sheet name in
capitals. Each file of the generated dataset is rewritten that way, and must give the same
canonical rows and the same rejects (row, field, action) as the original.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from loaders.read import read_file
from tests.conftest import Dataset

COUNTRIES = {
    "Hong Kong": "Hong Kong SAR",
    "HK": "Hong Kong SAR, China",
    "Korea Selatan": "Republic of Korea",
    "South Korea": "Republic of Korea",
    "Arab Saudi": "Kerajaan Arab Saudi",
    "Uni Emirat Arab": "Persatuan Emirat Arab (PEA)",
}


def _reexport_csv(frame: pd.DataFrame, path: Path, delimiter: str) -> None:
    frame = frame.assign(catatan_ekspor="ekspor ulang")
    frame = frame[list(reversed(frame.columns))]
    frame.columns = [c.upper().replace("_", " ") for c in frame.columns]
    text = frame.to_csv(sep=delimiter, index=False, lineterminator="\r\n")
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))


def _mobile_0062(values: pd.Series) -> pd.Series:
    mobile = values.str.fullmatch(r"08[0-9]{8,11}").fillna(False).astype(bool)
    return values.where(~mobile, "0062 " + values.str[1:])


def bp2mi(src: Path, out: Path) -> Path:
    frame = pd.read_csv(src, sep=";", dtype=str, keep_default_na=False)
    for column in ("tanggal_lahir", "tanggal_sertifikat", "tanggal_pk", "tanggal_berangkat"):
        frame[column] = frame[column].str.replace("-", "/", regex=False)
    cost = frame["biaya_ditanggung_pmi"]
    whole = cost.str.fullmatch(r"[0-9]+")
    frame.loc[whole, "biaya_ditanggung_pmi"] = ["Rp " + f"{int(v):,}".replace(",", ".") + ",-" for v in cost[whole]]
    frame["no_hp"] = _mobile_0062(frame["no_hp"])
    frame["negara_tujuan"] = frame["negara_tujuan"].replace(COUNTRIES)
    frame["jenis_kelamin"] = frame["jenis_kelamin"].replace({"L": "Pria", "P": "Wanita"})
    target = out / src.name
    _reexport_csv(frame, target, ";")
    return target


def kemlu(src: Path, out: Path) -> Path:
    lines = []
    for line in src.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            lines.append(line)
            continue
        record = json.loads(line)
        if record.get("country") in COUNTRIES:
            record["country"] = COUNTRIES[record["country"]]
        if isinstance(record.get("phone_id"), str) and record["phone_id"].startswith("08"):
            record["phone_id"] = "0062 " + record["phone_id"][1:]
        lines.append(json.dumps(record, ensure_ascii=True))
    target = out / src.name
    target.write_bytes(codecs.BOM_UTF8 + "\r\n".join(lines).encode("utf-8") + b"\r\n")
    return target


def kemnaker(src: Path, out: Path) -> Path:
    workbook = openpyxl.load_workbook(src)
    sheet = workbook["Data PMI"]
    sheet.title = "renaming"  # Excel names are case-blind: straight to DATA PMI would give DATA PMI1
    sheet.title = "DATA PMI"
    header = [cell.value for cell in sheet[1]]
    for cell in sheet[1]:
        cell.value = str(cell.value).title().replace(" ", "_")
    sex = header.index("JENIS KELAMIN")
    for row in sheet.iter_rows(min_row=2):
        row[sex].value = {"Laki-laki": "Pria", "Perempuan": "Wanita"}.get(row[sex].value, row[sex].value)
    target = out / src.name
    workbook.save(target)
    return target


def registry(src: Path, out: Path) -> Path:
    frame = pd.read_csv(src, sep=",", dtype=str, keep_default_na=False)
    target = out / src.name
    _reexport_csv(frame, target, ",")
    return target


REEXPORT = {
    "bp2mi_penempatan.csv": bp2mi,
    "kemlu_lapor_diri.jsonl": kemlu,
    "kemnaker_siapkerja.xlsx": kemnaker,
    "p3mi_registry.csv": registry,
    "lpk_registry.csv": registry,
    "mitra_registry.csv": registry,
    "pengaduan.csv": registry,
}


@pytest.mark.parametrize("name", sorted(REEXPORT))
def test_another_exporters_file_reads_the_same(name: str, dataset: Dataset, tmp_path: Path) -> None:
    original = dataset.files / name
    variant = REEXPORT[name](original, tmp_path)
    assert variant.read_bytes() != original.read_bytes()
    rows, rejects = read_file(original).read_all()
    variant_rows, variant_rejects = read_file(variant).read_all()
    assert len(rows) > 0
    pd.testing.assert_frame_equal(variant_rows, rows)

    def outcome(frame: pd.DataFrame) -> list[tuple[int, str, str]]:
        return sorted((int(r.row), str(r.field), str(r.action)) for r in frame.itertuples())

    assert outcome(variant_rejects) == outcome(rejects)

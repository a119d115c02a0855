# ruff: noqa: E501  (data tables and fixed XML parts)
"""File writers: CSV, JSON lines and a small, fast, deterministic XLSX writer.

openpyxl stamps the current time into every workbook (so the bytes change from run to run) and writes
about 20,000 rows a second; this writer streams the sheet XML straight into the zip instead.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

XLSX_MAX_ROWS = 500_000  # rows per workbook; bigger exports are split into _01, _02, ... files
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def write_csv(df: pd.DataFrame, path: Path, sep: str) -> None:
    df.to_csv(path, sep=sep, index=False, lineterminator="\n", encoding="utf-8")


def write_jsonl(df: pd.DataFrame, path: Path) -> None:
    cols = list(df.columns)
    arrays = [df[c].to_numpy(dtype=object) for c in cols]
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for row in zip(*arrays, strict=True):
            rec = {k: (v if v != "" else None) for k, v in zip(cols, row, strict=True)}
            fh.write(json.dumps(rec, ensure_ascii=False))
            fh.write("\n")


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _esc(values: np.ndarray) -> np.ndarray:
    s = pd.Series(values, dtype=object).fillna("").astype(str)
    if s.str.contains(r"[&<>]", regex=True).any():
        s = (
            s.str.replace("&", "&amp;", regex=False)
            .str.replace("<", "&lt;", regex=False)
            .str.replace(">", "&gt;", regex=False)
        )
    return s.to_numpy(dtype=object)


def _cells(df: pd.DataFrame, date_cols: list[str], text_dates: np.ndarray, first_row: int) -> list[np.ndarray]:
    rows = np.arange(first_row, first_row + len(df)).astype(str).astype(object)
    out = []
    for j, col in enumerate(df.columns):
        ref = _col_letter(j) + rows
        if col in date_cols:
            d = pd.DatetimeIndex(df[col].to_numpy())
            missing = d.isna()
            serial = (d.to_numpy().astype("datetime64[D]").astype("int64") + 25569).astype(object)  # Excel day
            text = pd.Series(d.strftime("%Y-%m-%d"), dtype=object).fillna("").to_numpy()
            num = '<c r="' + ref + '" s="1"><v>' + serial.astype(str) + "</v></c>"
            txt = '<c r="' + ref + '" t="inlineStr"><is><t>' + text + "</t></is></c>"
            cell = np.where(missing, "", np.where(text_dates, txt, num))
        else:
            v = _esc(df[col].to_numpy())
            cell = np.where(v == "", "", '<c r="' + ref + '" t="inlineStr"><is><t>' + v + "</t></is></c>")
        out.append(cell)
    return out


_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
_WB_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""
_SHEET_HEAD = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"""
_SHEET_TAIL = "</sheetData></worksheet>"


def _zinfo(name: str) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    zi.compress_type = zipfile.ZIP_DEFLATED
    return zi


def write_xlsx(
    df: pd.DataFrame, path: Path, sheet: str, date_cols: list[str], text_dates: np.ndarray, chunk: int = 50_000
) -> None:
    header = "".join(
        f'<c r="{_col_letter(j)}1" t="inlineStr"><is><t>{c}</t></is></c>' for j, c in enumerate(df.columns)
    )
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr(_zinfo("[Content_Types].xml"), _CONTENT_TYPES)
        z.writestr(_zinfo("_rels/.rels"), _RELS)
        z.writestr(_zinfo("xl/workbook.xml"), _WORKBOOK.format(name=sheet))
        z.writestr(_zinfo("xl/_rels/workbook.xml.rels"), _WB_RELS)
        z.writestr(_zinfo("xl/styles.xml"), _STYLES)
        with z.open(_zinfo("xl/worksheets/sheet1.xml"), "w", force_zip64=True) as fh:
            fh.write(_SHEET_HEAD.encode())
            fh.write(f'<row r="1">{header}</row>'.encode())
            for start in range(0, len(df), chunk):
                part = df.iloc[start : start + chunk]
                cells = _cells(part, date_cols, text_dates[start : start + chunk], start + 2)
                rownums = np.arange(start + 2, start + 2 + len(part)).astype(str).astype(object)
                line = '<row r="' + rownums + '">'
                for c in cells:
                    line = line + c
                line = line + "</row>"
                fh.write("".join(line.tolist()).encode("utf-8"))
            fh.write(_SHEET_TAIL.encode())


def write_kemnaker(df: pd.DataFrame, text_dates: np.ndarray, out: Path, date_cols: list[str]) -> list[str]:
    """One workbook, or several `kemnaker_siapkerja_NN.xlsx` when it is too large for one sheet."""
    if len(df) <= XLSX_MAX_ROWS:
        write_xlsx(df, out / "kemnaker_siapkerja.xlsx", "Data PMI", date_cols, text_dates)
        return ["kemnaker_siapkerja.xlsx"]
    files = []
    for k, start in enumerate(range(0, len(df), XLSX_MAX_ROWS), start=1):
        name = f"kemnaker_siapkerja_{k:02d}.xlsx"
        write_xlsx(
            df.iloc[start : start + XLSX_MAX_ROWS],
            out / name,
            "Data PMI",
            date_cols,
            text_dates[start : start + XLSX_MAX_ROWS],
        )
        files.append(name)
    return files

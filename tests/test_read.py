"""read_file on small hand-written files, one per source: values, row numbers, rejects, file errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from loaders.read import FileError, list_sources, read_file, recognise

BP2MI_HEADER = (
    "id_sisko;nik;nama;jenis_kelamin;tanggal_lahir;kode_kabkota;no_hp;no_paspor;jabatan;negara_tujuan;"
    "p3mi;tanggal_berangkat;biaya_ditanggung_pmi;skema;catatan_internal"
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_sources_and_recognition() -> None:
    assert list_sources() == [
        "bp2mi",
        "kemlu",
        "kemnaker",
        "lpk_registry",
        "mitra_registry",
        "p3mi_registry",
        "pengaduan",
    ]
    assert recognise("x/bp2mi_penempatan_2024.csv") == "bp2mi"
    assert recognise("kemnaker_siapkerja.xlsx") == "kemnaker"
    assert recognise("kemlu_lapor_diri_01.jsonl") == "kemlu"
    assert recognise("p3mi_registry.csv") == "p3mi_registry"
    assert recognise("notes.txt") is None


def test_bp2mi_canonical_values_rows_and_rejects(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bp2mi_penempatan_a.csv",
        "\n".join(
            [
                BP2MI_HEADER,
                "SK-1;3507015505990001;SITI AMINAH BINTI AHMAD;P;15-05-1999;35.07;0812-3456-7890;c 123 4567;"
                "Penata Laksana Rumah Tangga;Arab Saudi;PT. Maju Jaya Abadi;01-02-2024;Rp 1.500.000;P to P;rahasia",
                "SK-2;12345;BUDI;L;31-02-1999;99.99;xx;;Caregiver;Taiwan;MAJU JAYA ABADI, PT;02-02-2024;;SPSK;",
                "",
                "SK-3;;TONO;L;;;;;;Narnia;;03-02-2024;;;",
                "SK-1;;DUPLIKAT;L;;;;;;Jepang;;04-02-2024;;;",
                "SK-4;too;few",
                'SK-5;;"DUA\nBARIS";L;;;;;;Jepang;;05-02-2024;;;',
                "SK-6;;;L;;;;;;Jepang;;06-02-2024;;;",
            ]
        )
        + "\n",
    )
    reading = read_file(path)
    assert reading.source == "bp2mi"
    rows, rejects = reading.read_all()

    assert list(rows["_row"]) == [2, 3, 8]
    first = rows.iloc[0]
    assert first["_record_id"] == "bp2mi:SK-1"
    assert first["worker.nik"] == "3507015505990001" and first["worker.nik_sex"] == "P"
    assert first["worker.name_norm"] == "SITI AMINAH" and first["worker.father_name"] == "AHMAD"
    assert first["worker.birth_date"] == "1999-05-15" and first["worker.sex"] == "P"
    assert first["worker.regency"] == "35.07" and first["worker.province"] == "35"
    assert first["worker.phone"] == "+6281234567890" and first["worker.passport_no"] == "C1234567"
    assert first["placement.job_code"] == "DOMESTIC_WORKER" and first["placement.country"] == "SA"
    assert first["agency.name_norm"] == "MAJU JAYA ABADI" and first["placement.cost_to_worker"] == 1_500_000
    assert first["placement.departure_date"] == "2024-02-01" and first["placement.status"] == "DEPARTED"
    assert rows.iloc[1]["agency.name_norm"] == "MAJU JAYA ABADI"

    found = {(r.row, r.field, r.action): r for r in rejects.itertuples()}
    assert found[(3, "nik", "field_cleared")].value == "12345"
    assert "16 digits" in found[(3, "nik", "field_cleared")].reason
    assert (3, "tanggal_lahir", "field_cleared") in found and (3, "kode_kabkota", "field_cleared") in found
    assert found[(5, "negara_tujuan", "row_rejected")].reason == "unknown country"
    assert "duplicate" in found[(6, "id_sisko", "row_rejected")].reason
    assert "expected 15 fields" in found[(7, "", "row_rejected")].reason
    assert found[(10, "nama", "row_rejected")].reason == "missing required value"
    assert set(rejects["file"]) == {str(path)}
    assert reading.rows_read == 7 and reading.rows_ok == 3 and reading.rows_rejected == 4


def test_raw_keeps_every_original_column(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bp2mi_penempatan_a.csv",
        BP2MI_HEADER + "\nSK-1;;ANI;P;;;;;;Malaysia;;01-02-2024;;;catatan rahasia\n",
    )
    batch = next(iter(read_file(path)))
    raw = batch.raw
    assert raw.loc[0, "catatan_internal"] == "catatan rahasia"
    assert raw.loc[0, "_row"] == 2 and raw.loc[0, "_record_id"] == "bp2mi:SK-1"
    assert "catatan_internal" not in batch.canonical.columns


def test_batches_split_and_number_rows_continuously(tmp_path: Path) -> None:
    lines = [f"SK-{i};;ANI;P;;;;;;Malaysia;;01-02-2024;;;" for i in range(25)]
    path = write(tmp_path / "bp2mi_penempatan_a.csv", BP2MI_HEADER + "\n" + "\n".join(lines) + "\n")
    batches = list(read_file(path, batch_size=10))
    assert [len(b.canonical) for b in batches] == [10, 10, 5]
    assert list(batches[2].canonical["_row"]) == list(range(22, 27))


def test_kemnaker_xlsx(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Data PMI"
    sheet.append(
        [
            "NO REGISTRASI",
            "NIK",
            "NAMA LENGKAP",
            "TGL LAHIR",
            "JENIS KELAMIN",
            "PROVINSI",
            "KAB/KOTA",
            "NEGARA TUJUAN",
            "JABATAN",
            "NAMA P3MI",
            "STATUS",
            "TGL DAFTAR",
            "KOLOM LAIN",
        ]
    )
    sheet.append(
        [
            "REG-1",
            3507015505990001,
            "Siti Aminah Binti Ahmad",
            dt.datetime(1999, 5, 15),
            "Perempuan",
            "Jawa Timur",
            "KAB. MALANG",
            "Hong Kong",
            "Caregiver",
            "MAJU JAYA ABADI, PT",
            "BATAL",
            "2024-01-10",
            "x",
        ]
    )
    sheet.append([None] * 13)
    sheet.append(
        [
            "REG-2",
            None,
            "Budi",
            36000,
            "Laki-laki",
            "Jawa Timur",
            "MALANG",
            "Korea Selatan",
            None,
            None,
            "BERANGKAT",
            None,
            None,
        ]
    )
    sheet.append(["REG-3", None, "Tono", None, "Laki-laki", None, None, "Malaysia", None, None, "HILANG", None, None])
    path = tmp_path / "kemnaker_siapkerja_2024.xlsx"
    workbook.save(path)

    reading = read_file(path)
    rows, rejects = reading.read_all()
    assert list(rows["_row"]) == [2, 4]
    first = rows.iloc[0]
    assert first["worker.nik"] == "3507015505990001" and first["worker.birth_date"] == "1999-05-15"
    assert first["worker.sex"] == "P" and first["worker.regency"] == "35.07" and first["worker.province"] == "35"
    assert first["placement.status"] == "CANCELLED" and first["placement.country"] == "HK"
    assert first["placement.registration_date"] == "2024-01-10" and first["agency.name_norm"] == "MAJU JAYA ABADI"
    assert rows.iloc[1]["worker.birth_date"] == "1998-07-24"  # Excel serial 36000
    ambiguous = rejects[(rejects["row"] == 4) & (rejects["field"] == "KAB/KOTA")].iloc[0]
    assert ambiguous.action == "field_cleared" and "ambiguous" in ambiguous.reason and "35.73" in ambiguous.reason
    status = rejects[rejects["field"] == "STATUS"].iloc[0]
    assert (status.row, status.value, status.action) == (5, "HILANG", "row_rejected")
    assert reading.rows_read == 3 and reading.rows_ok == 2


def test_kemlu_jsonl(tmp_path: Path) -> None:
    records = [
        {
            "registration_id": "LD-1",
            "passport_no": "c1234567",
            "full_name": "SITI AMINAH",
            "date_of_birth": "1999/05/15",
            "gender": "F",
            "country": "Saudi Arabia",
            "city": "Riyadh",
            "mission": "KBRI Riyadh",
            "occupation": "housemaid",
            "registered_at": "2024-03-05T10:22:33+03:00",
            "phone_local": "0501234567",
            "phone_id": "+62 812-3456-7890",
            "visa_type": "Work",
            "device": {"os": "android"},
        },
        {"registration_id": "LD-2", "full_name": "BUDI", "country": "TW", "gender": "X", "phone_local": 912345678},
        {"registration_id": "LD-3", "full_name": "TONO", "country": "Atlantis"},
    ]
    lines = [json.dumps(records[0]), "", json.dumps(records[1]), json.dumps(records[2])]
    path = write(tmp_path / "kemlu_lapor_diri_2024.jsonl", "\n".join(lines) + "\n")
    reading = read_file(path)
    rows, rejects = reading.read_all()
    assert list(rows["_row"]) == [1, 3]
    first = rows.iloc[0]
    assert (
        first["placement.country"] == "SA" and first["worker.sex"] == "P" and first["worker.passport_no"] == "C1234567"
    )
    assert first["worker.phone_abroad"] == "+966501234567" and first["worker.phone"] == "+6281234567890"
    assert first["placement.registration_date"] == "2024-03-05" and first["placement.status"] == "ARRIVED"
    assert first["placement.job_code"] == "DOMESTIC_WORKER" and first["placement.visa_type"] == "work"
    assert rows.iloc[1]["worker.phone_abroad"] == "+886912345678"
    gender = rejects[rejects["field"] == "gender"].iloc[0]
    assert (gender.row, gender.value, gender.action) == (3, "X", "field_cleared")
    assert rejects[rejects["field"] == "country"].iloc[0].row == 4
    batch_raw = next(iter(read_file(path))).raw
    assert json.loads(batch_raw.loc[0, "device"]) == {"os": "android"}


def test_registries_and_complaints(tmp_path: Path) -> None:
    p3mi = write(
        tmp_path / "p3mi_registry.csv",
        "no_sip3mi,nama_perusahaan,kode_kabkota,telepon,email,tanggal_terbit,berlaku_sampai,status\n"
        "SIP-1,PT. Maju Jaya Abadi,35.07,021-5551234,Info@Maju.co.id,2019-01-01,2024-01-01,DICABUT\n",
    )
    row = read_file(p3mi).read_all()[0].iloc[0]
    assert row["agency.licence_no"] == "SIP-1" and row["agency.name_norm"] == "MAJU JAYA ABADI"
    assert row["agency.phone"] == "+62215551234" and row["agency.email"] == "info@maju.co.id"
    assert row["agency.licence_expires"] == "2024-01-01" and row["agency.status"] == "DICABUT"

    lpk = write(
        tmp_path / "lpk_registry.csv", "no_izin,nama_lpk,kapasitas_per_bulan\nL-1,LPK Harapan,40\nL-2,LPK Dua,banyak\n"
    )
    rows, rejects = read_file(lpk).read_all()
    assert rows["lpk.capacity_per_month"].tolist()[0] == 40 and rows["lpk.capacity_per_month"].isna().tolist()[1]
    assert rejects.iloc[0].action == "field_cleared"

    mitra = write(
        tmp_path / "mitra_registry.csv",
        "nama,negara,status,p3mi_sip3mi\nAl Safwa Co. Ltd,Arab Saudi,BLACKLIST,SIP-1\n"
        "Al Safwa Co. Ltd,Arab Saudi,BLACKLIST,SIP-2\nAl Safwa Co. Ltd,Arab Saudi,BLACKLIST,SIP-1\n",
    )
    rows, rejects = read_file(mitra).read_all()
    assert list(rows["_record_id"]) == [
        "mitra_registry:Al Safwa Co. Ltd|Arab Saudi|SIP-1",
        "mitra_registry:Al Safwa Co. Ltd|Arab Saudi|SIP-2",
    ]
    assert rows.iloc[0]["partner.name_norm"] == "AL SAFWA" and rows.iloc[0]["partner.country"] == "SA"
    assert rejects.iloc[0].row == 4 and "duplicate" in rejects.iloc[0].reason

    cases = write(
        tmp_path / "pengaduan.csv",
        "no_pengaduan,tanggal,nik,nama_pmi,negara,jenis_masalah,teradu_p3mi,status\n"
        "P-1,2024-03-01,3507015505990001,Siti binti Ahmad,Malaysia,gaji tidak dibayar,PT Maju Jaya Abadi,PROSES\n",
    )
    row = read_file(cases).read_all()[0].iloc[0]
    assert row["case.case_id"] == "P-1" and row["case.kind"] == "GAJI_TIDAK_DIBAYAR" and row["case.country"] == "MY"
    assert row["case.worker_name_norm"] == "SITI" and row["case.agency_name_norm"] == "MAJU JAYA ABADI"


def test_explicit_source_overrides_the_name(tmp_path: Path) -> None:
    path = write(tmp_path / "export.txt", "no_izin,nama_lpk\nL-1,LPK Satu\n")
    with pytest.raises(FileError, match=r"export\.txt"):
        read_file(path)
    assert read_file(path, source="lpk_registry").read_all()[0].iloc[0]["lpk.licence_no"] == "L-1"


def error_of(path: Path) -> str:
    with pytest.raises(FileError) as info:
        list(read_file(path))
    message = str(info.value)
    assert str(path) in message
    return message


def test_latin1_csv_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "bp2mi_penempatan_a.csv"
    path.write_bytes((BP2MI_HEADER + "\nSK-1;;JOS\xc9;L;;;;;;Malaysia;;01-02-2024;;;\n").encode("latin-1"))
    assert "line 2" in error_of(path) and "UTF-8" in error_of(path)


def test_latin1_header_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "lpk_registry.csv"
    path.write_bytes("no_izin,nama_lpk,kéterangan\n".encode("latin-1"))
    assert "UTF-8" in error_of(path)


def test_lines_ending_in_a_lone_carriage_return_are_read(tmp_path: Path) -> None:
    """Old Mac line ends (a bare \r) end the header line too, as in the CSV reader proper: the header
    check used to pass the whole file to csv, which raised instead of a result or a file error."""
    path = tmp_path / "lpk_registry.csv"
    path.write_bytes(b"no_izin,nama_lpk\rLPK-1,LPK Maju\r")
    rows, rejects = read_file(path).read_all()
    assert rows["lpk.licence_no"].tolist() == ["LPK-1"] and rows["lpk.name"].tolist() == ["LPK Maju"]
    assert rows["_row"].tolist() == [2] and rejects.empty
    path.write_bytes(b"no_izin,nama\rlpk,x\n")
    assert "nama_lpk" in error_of(path)


def test_binary_garbage_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "bp2mi_penempatan_a.csv"
    path.write_bytes(bytes(range(256)) * 20)
    error_of(path)


def test_missing_required_header_is_a_file_error(tmp_path: Path) -> None:
    path = write(tmp_path / "bp2mi_penempatan_a.csv", BP2MI_HEADER.replace(";", ",") + "\n")
    assert "id_sisko" in error_of(path) and "';' between fields" in error_of(path)  # not split: the delimiter
    path = write(tmp_path / "bp2mi_penempatan_b.csv", BP2MI_HEADER.replace("id_sisko;", "") + "\n")
    assert "id_sisko" in error_of(path) and "between fields" not in error_of(path)  # split fine: a column is missing


def test_broken_xlsx_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "kemnaker_siapkerja.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert "XLSX" in error_of(path)


def test_xlsx_without_the_sheet_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "kemnaker_siapkerja.xlsx"
    openpyxl.Workbook().save(path)
    assert "Data PMI" in error_of(path)


def test_truncated_jsonl_is_a_file_error(tmp_path: Path) -> None:
    good = json.dumps({"registration_id": "LD-1", "full_name": "A", "country": "SA"})
    path = write(tmp_path / "kemlu_lapor_diri.jsonl", good + "\n" + good.replace("LD-1", "LD-2")[:25])
    message = error_of(path)
    assert "line 2" in message and "truncated" in message


def test_empty_file_is_a_file_error(tmp_path: Path) -> None:
    error_of(write(tmp_path / "pengaduan.csv", ""))


def test_header_case_spacing_and_underscores_do_not_matter(tmp_path: Path) -> None:
    """Exporters change a header's case or spacing; the column is still the same column."""
    row = "SK-1;3507015505990001;SITI;P;15-05-1999;35.07;;;;Arab Saudi;;01-02-2024;;;x\n"
    spec = read_file(write(tmp_path / "bp2mi_penempatan_a.csv", BP2MI_HEADER + "\n" + row)).read_all()[0]
    shouted = ";".join(f" {h.upper().replace('_', ' ')} " for h in BP2MI_HEADER.split(";"))
    reading = read_file(write(tmp_path / "bp2mi_penempatan_b.csv", "\ufeff" + shouted + "\r\n" + row))
    rows, rejects = reading.read_all()
    assert rows.drop(columns="_row").equals(spec.drop(columns="_row")) and rejects.empty
    assert rows.iloc[0]["worker.nik"] == "3507015505990001"
    assert "CATATAN INTERNAL" in next(iter(read_file(tmp_path / "bp2mi_penempatan_b.csv"))).raw.columns


def test_two_columns_that_could_be_one_is_a_file_error(tmp_path: Path) -> None:
    header = BP2MI_HEADER.replace("nik;", "NIK;Nik;")
    message = error_of(write(tmp_path / "bp2mi_penempatan_a.csv", header + "\n"))
    assert "line 1" in message and "'NIK'" in message and "'Nik'" in message


def test_xlsx_sheet_and_headers_in_another_case(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "DATA PMI"
    sheet.append(["No_Registrasi", "nama lengkap", "Negara  Tujuan", "status"])
    sheet.append(["REG-1", "Siti Aminah", "Hong Kong", "Berangkat"])
    path = tmp_path / "kemnaker_siapkerja.xlsx"
    workbook.save(path)
    rows, rejects = read_file(path).read_all()
    assert rows["placement.record_id"].tolist() == ["REG-1"] and rows["placement.country"].tolist() == ["HK"]
    assert rows["placement.status"].tolist() == ["DEPARTED"] and rejects.empty


def test_jsonl_with_a_byte_order_mark(tmp_path: Path) -> None:
    lines = [json.dumps({"registration_id": f"LD-{i}", "full_name": "A", "country": "SA"}) for i in (1, 2)]
    path = tmp_path / "kemlu_lapor_diri.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode() + b"\n")
    rows, _ = read_file(path).read_all()
    assert rows["_record_id"].tolist() == ["kemlu:LD-1", "kemlu:LD-2"] and rows["_row"].tolist() == [1, 2]


def test_jsonl_keys_are_matched_as_written(tmp_path: Path) -> None:
    """JSON keys are names a program wrote, not a person: a key in another case is another key."""
    path = write(tmp_path / "kemlu_lapor_diri.jsonl", json.dumps({"Registration_ID": "LD-1", "full_name": "A"}) + "\n")
    assert "registration_id" in error_of(path)


def test_a_nik_too_long_for_an_excel_number_is_reported_not_corrupted(tmp_path: Path) -> None:
    """An XLSX number is a double: above 2**53 the last digits are gone before Jejak sees them."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Data PMI"
    sheet.append(["NO REGISTRASI", "NIK", "NAMA LENGKAP", "NEGARA TUJUAN", "STATUS"])
    sheet.append(["REG-1", 9171015505990001, "Yohana", "Taiwan", "BERANGKAT"])
    sheet.append(["REG-2", "9171015505990001", "Yohana", "Taiwan", "BERANGKAT"])
    path = tmp_path / "kemnaker_siapkerja.xlsx"
    workbook.save(path)
    rows, rejects = read_file(path).read_all()
    assert rows["worker.nik"].tolist()[1] == "9171015505990001" and rows["worker.nik"].isna().tolist()[0]
    cleared = rejects[(rejects["row"] == 2) & (rejects["field"] == "NIK")].iloc[0]
    assert cleared.action == "field_cleared" and cleared.value == "9171015505990000.0"  # as Excel kept it


def test_xlsx_header_below_a_title(tmp_path: Path) -> None:
    """Exports often open with a title and a blank row; rows keep their sheet numbers."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Data PMI"
    sheet.append(["Data Pekerja Migran Indonesia, SIAPkerja, 2024"])
    sheet.append([])
    sheet.append(["NO REGISTRASI", "NAMA LENGKAP", "NEGARA TUJUAN", "STATUS"])
    sheet.append(["REG-1", "Siti", "Taiwan", "BERANGKAT"])
    sheet.append(["REG-2", "Budi", "Narnia", "BERANGKAT"])
    path = tmp_path / "kemnaker_siapkerja.xlsx"
    workbook.save(path)
    rows, rejects = read_file(path).read_all()
    assert rows["_row"].tolist() == [4] and rows["placement.record_id"].tolist() == ["REG-1"]
    assert rejects["row"].tolist() == [5] and rejects["field"].tolist() == ["NEGARA TUJUAN"]
    sheet.delete_rows(3)  # no header anywhere: the file fails, naming what row 1 lacks
    workbook.save(path)
    assert "NO REGISTRASI" in error_of(path)

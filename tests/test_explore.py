"""Exploration: search, identifiers, expand, shortest path, on the loaded generated dataset."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from engine.base import Engine
from jejak.errors import Forbidden, InputError, NotFound
from loaders.normalize import normalize_org_name, normalize_phone
from queries import explore, refs
from tests.conftest import Dataset


def _registry(dataset: Dataset) -> pd.DataFrame:
    return pd.read_csv(dataset.files / "p3mi_registry.csv", dtype=str, keep_default_na=False)


def test_search_ranks_the_exact_name_first(loaded: Engine, dataset: Dataset) -> None:
    row = _registry(dataset).iloc[5]
    hits = explore.search(loaded, row["nama_perusahaan"], limit=10)
    assert hits[0]["id"] == f"AG-{row['no_sip3mi']}" and hits[0]["exact"]
    assert all(not h["exact"] for h in hits[1:] if h["label"] != "Agency")


def test_search_finds_a_worker_despite_a_typo(loaded: Engine) -> None:
    w = loaded.read(
        "MATCH (w:Worker) WHERE w.name IS NOT NULL AND size(w.name) > 12 "
        "RETURN w.id AS id, w.name AS name ORDER BY id LIMIT 1"
    )[0]
    words = w["name"].split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    typo = list(words[longest])
    typo[2] = "X" if typo[2] != "X" else "Y"
    words[longest] = "".join(typo)
    hits = explore.search(loaded, " ".join(words), labels=["Worker"], limit=20)
    assert w["id"] in [h["id"] for h in hits]
    exact = explore.search(loaded, w["name"], labels=["Worker"], limit=20)
    assert exact[0]["exact"] and exact[0]["name"].upper() == w["name"].upper()


def test_search_finds_exact_names_beyond_the_full_text_candidates(
    loaded: Engine, dataset: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A common name matches more entities than the full-text candidates Python ranks; the exact
    name still comes first (from the name index), as does a company written with its form last."""
    monkeypatch.setattr(explore, "CANDIDATES", 1)
    names = {
        r["name"] for r in loaded.read("MATCH (w:Worker) WHERE w.name_norm IS NOT NULL RETURN w.name_norm AS name")
    }
    # names whose every word is also in a longer name: the full text matches both
    shared = sorted(n for n in names if any(m != n and set(n.split()) <= set(m.split()) for m in names))[:20]
    assert shared, "the dataset has names contained in longer names"
    for name in shared:
        hits = explore.search(loaded, name.lower(), labels=["Worker"], limit=5)
        assert hits[0]["exact"] and hits[0]["name"].upper().startswith(name), name
    row = _registry(dataset).iloc[3]
    company = normalize_org_name(row["nama_perusahaan"])
    hits = explore.search(loaded, f"{company}, PT", limit=5)
    assert (hits[0]["label"], hits[0]["id"], hits[0]["exact"]) == ("Agency", f"AG-{row['no_sip3mi']}", True)


def test_one_word_of_a_company_name_finds_the_company_before_similar_spellings(graph: Engine) -> None:
    """'mulia' means PT MULIA PERSADA KENCANA before JULIA or MUTIA, whose whole names are closer."""
    graph.write(
        "CREATE (:Agency {id: 'AG-1', name: 'PT. Mulia Persada Kencana', name_norm: 'MULIA PERSADA KENCANA'}), "
        "(:Worker {id: 'W-1', name: 'JULIA', name_norm: 'JULIA'}), "
        "(:Worker {id: 'W-2', name: 'MUTIA', name_norm: 'MUTIA'})"
    )
    graph._wait_for_indexes()  # type: ignore[attr-defined]
    assert [h["id"] for h in explore.search(graph, "mulia", limit=5)][:1] == ["AG-1"]


def test_search_hits_tell_namesakes_apart(loaded: Engine) -> None:
    name = loaded.read(
        "MATCH (w:Worker) WHERE w.birth_date IS NOT NULL WITH w.name AS name, count(*) AS n WHERE n > 1 "
        "RETURN name ORDER BY n DESC, name LIMIT 1"
    )[0]["name"]
    hits = [h for h in explore.search(loaded, name, labels=["Worker"], limit=10) if h["exact"]]
    assert len(hits) > 1 and all(h["props"].get("birth_date") for h in hits)
    masked = explore.search(loaded, name, labels=["Worker"], limit=10, role="analyst")
    assert all(h["props"]["birth_date"].endswith("-**-**") for h in masked if h["props"].get("birth_date"))


def test_search_refuses_empty_text_and_unknown_labels(loaded: Engine) -> None:
    with pytest.raises(InputError):
        explore.search(loaded, " -- ")
    with pytest.raises(InputError, match="no name search"):
        explore.search(loaded, "budi", labels=["Placement"])


def test_search_text_is_never_query_syntax(loaded: Engine) -> None:
    """Quotes, braces, RediSearch/Lucene operators: only letters and digits reach the engine."""
    assert explore.fulltext_query("a'b\") OR 1=1 //", "falkordb") == "a b or 1 1"
    assert explore.fulltext_query("Siti* ~Aminah", "neo4j") == "siti~ AND aminah~"
    explore.search(loaded, "Siti' ) | @name:{x} %% -- *", limit=5)  # no error


def test_public_role_does_not_search_directors(loaded: Engine) -> None:
    person = loaded.read("MATCH (p:Person) RETURN p.name AS name LIMIT 1")[0]["name"]
    assert any(h["label"] == "Person" for h in explore.search(loaded, person, limit=50))
    assert not any(h["label"] == "Person" for h in explore.search(loaded, person, limit=50, role="public"))


def test_find_by_nik_passport_phone_and_licence(loaded: Engine, dataset: Dataset) -> None:
    bp = pd.read_csv(dataset.files / "bp2mi_penempatan.csv", sep=";", dtype=str, keep_default_na=False)
    row = bp[(bp["no_hp"] != "") & (bp["nik"].str.fullmatch(r"\d{16}"))].iloc[0]
    worker = loaded.read(
        "MATCH (w:Worker)-[:HAS_PLACEMENT]->(:Placement {id: $p}) RETURN w.id AS id",
        {"p": f"PL-bp2mi:{row['id_sisko']}"},
    )[0]["id"]
    assert worker in [m["id"] for m in explore.find_identifier(loaded, row["nik"])["matches"]]
    phone = explore.find_identifier(loaded, row["no_hp"])
    assert phone["kind"] == "phone" and phone["value"] == normalize_phone(row["no_hp"])
    assert worker in [m["id"] for m in phone["matches"]]
    local = "0" + phone["value"][3:]  # +62812... written the Indonesian way
    assert explore.find_identifier(loaded, local)["matches"] == phone["matches"]
    passport = loaded.read("MATCH (w:Worker {id: $id})-[:HOLDS_PASSPORT]->(p) RETURN p.id AS p", {"id": worker})
    if passport:
        found = explore.find_identifier(loaded, passport[0]["p"].lower(), kind="passport")
        assert worker in [m["id"] for m in found["matches"]]
    reg = _registry(dataset).iloc[0]
    assert explore.find_identifier(loaded, reg["no_sip3mi"])["matches"][0]["id"] == f"AG-{reg['no_sip3mi']}"
    for role in ("analyst", "public"):  # a number the role sees masked names no one to it
        with pytest.raises(Forbidden, match="investigator role"):
            explore.find_identifier(loaded, row["nik"], role=role)
    licence = explore.find_identifier(loaded, reg["no_sip3mi"], role="public")  # business data
    assert licence["matches"][0]["id"] == f"AG-{reg['no_sip3mi']}"
    with pytest.raises(InputError):
        explore.find_identifier(loaded, "??")


def test_expand_groups_caps_and_counts(loaded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(explore, "COUNT_CAP", 10**6)  # every group counted exactly
    hk = explore.expand(loaded, "HK", limit=5)
    dest = next(g for g in hk["groups"] if g["type"] == "DESTINATION")
    expected = loaded.read("MATCH (:Country {id: 'HK'})<-[r:DESTINATION]-(:Placement) RETURN count(r) AS n")[0]["n"]
    assert dest["total"] == expected > 50 and dest["total_exact"] and hk["total_exact"]
    assert len(dest["items"]) == 5 and dest["more"] == expected - 5
    assert dest["direction"] == "in" and dest["label"] == "Placement"
    page2 = explore.expand(loaded, "HK", rel_types=["DESTINATION"], limit=5, skip=5)
    assert [g["type"] for g in page2["groups"]] == ["DESTINATION"]
    both = [i["id"] for i in dest["items"]] + [i["id"] for i in page2["groups"][0]["items"]]
    ten = explore.expand(loaded, "HK", rel_types=["DESTINATION"], limit=10)["groups"][0]["items"]
    assert both == [i["id"] for i in ten] and len(set(both)) == 10  # pages follow one stable order
    assert hk["total"] == sum(g["total"] for g in hk["groups"])


def test_expand_counts_a_crowded_hub_group_up_to_a_cap(loaded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A country's placements are counted up to skip + limit + COUNT_CAP; past it the total is a
    lower bound, said so, and paging still reaches every neighbour."""
    monkeypatch.setattr(explore, "COUNT_CAP", 20)
    expected = loaded.read("MATCH (:Country {id: 'HK'})<-[r:DESTINATION]-(:Placement) RETURN count(r) AS n")[0]["n"]
    assert expected > 50
    dest = explore.expand(loaded, "HK", rel_types=["DESTINATION"], limit=5)
    group = dest["groups"][0]
    assert (group["total"], group["total_exact"], dest["total_exact"]) == (25, False, False)
    assert group["more"] == 20 and len(group["items"]) == 5
    last = explore.expand(loaded, "HK", rel_types=["DESTINATION"], limit=50, skip=expected - 3)["groups"][0]
    assert len(last["items"]) == 3 and last["total"] == expected and last["total_exact"] and last["more"] == 0
    # a crowded type with neighbours of several labels: the cap is on the type, the split is partial
    employers = [g for g in explore.expand(loaded, "HK", limit=5)["groups"] if g["type"] == "EMPLOYER_IN"]
    n = loaded.read("MATCH (:Country {id: 'HK'})<-[r:EMPLOYER_IN]-() RETURN count(r) AS n")[0]["n"]
    assert sum(g["total"] for g in employers) == min(n, 25)
    assert all(g["total_exact"] == (n < 25) for g in employers)


def test_expand_a_worker_shows_its_links_and_masks(loaded: Engine) -> None:
    wid = loaded.read("MATCH (w:Worker)-[:HAS_PHONE]->() RETURN w.id AS id ORDER BY id LIMIT 1")[0]["id"]
    out = explore.expand(loaded, wid)
    types = {g["type"] for g in out["groups"]}
    assert {"HAS_PLACEMENT", "REPORTED_IN", "HAS_PHONE"} <= types
    phone = next(g for g in out["groups"] if g["type"] == "HAS_PHONE")["items"][0]
    assert phone["id"].startswith("+")
    address = explore.expand(loaded, wid, rel_types=["HAS_ADDRESS"], role="public")
    for g in address["groups"]:
        assert all(i["props"]["text"] == refs.HIDDEN for i in g["items"])
    with pytest.raises(InputError, match="unknown relationship type"):
        explore.expand(loaded, wid, rel_types=["KNOWS"])
    with pytest.raises(NotFound):
        explore.expand(loaded, "EM-0000000000000000")


def test_path_from_a_worker_to_their_employer(loaded: Engine) -> None:
    row = loaded.read(
        "MATCH (w:Worker)-[:HAS_PLACEMENT]->(p:Placement)-[:EMPLOYED_BY]->(e:Employer) "
        "RETURN w.id AS w, p.id AS p, e.id AS e ORDER BY w LIMIT 1"
    )[0]
    path = explore.shortest_path(loaded, row["w"], row["e"])
    assert path["found"] and path["length"] == 2 and path["complete"]
    assert next(n["id"] for n in path["nodes"]) == row["w"] and path["nodes"][-1]["id"] == row["e"]
    assert path["relationships"][0] == {"type": "HAS_PLACEMENT", "from": row["w"], "to": path["nodes"][1]["id"]}
    assert path["relationships"][1]["type"] == "EMPLOYED_BY" and path["relationships"][1]["to"] == row["e"]
    # the placement in the middle says when it was: a worker's placements are told apart by date
    middle = path["nodes"][1]
    held = loaded.read(
        "MATCH (p:Placement {id: $id}) RETURN p.departure_date AS d, p.registration_date AS r, p.arrival_date AS a",
        {"id": middle["id"]},
    )[0]
    assert middle["label"] == "Placement"
    assert (
        middle["props"]["departure_date"],
        middle["props"]["registration_date"],
        middle["props"]["arrival_date"],
    ) == (held["d"], held["r"], held["a"])
    # the same the other way round
    back = explore.shortest_path(loaded, row["e"], row["w"])
    assert back["length"] == 2 and back["nodes"][0]["id"] == row["e"]


def test_path_between_two_workers_of_one_agency(loaded: Engine) -> None:
    row = loaded.read(
        "MATCH (a:Agency)<-[:PLACED_BY]-(:Placement)<-[:HAS_PLACEMENT]-(w:Worker) "
        "WITH a, collect(DISTINCT w.id) AS ws WHERE size(ws) > 1 RETURN ws[0] AS a, ws[1] AS b LIMIT 1"
    )[0]
    path = explore.shortest_path(loaded, row["a"], row["b"])
    assert path["found"] and 2 <= path["length"] <= 4
    nodes = [n["id"] for n in path["nodes"]]
    for rel, (x, y) in zip(path["relationships"], itertools.pairwise(nodes), strict=True):
        assert {rel["from"], rel["to"]} == {x, y}
        assert (
            loaded.read(
                f"MATCH ({{id: $a}})-[r:{rel['type']}]->({{id: $b}}) RETURN count(r) AS n",
                {"a": rel["from"], "b": rel["to"]},
            )[0]["n"]
            == 1
        )


def test_path_lengths_are_the_true_shortest(loaded: Engine) -> None:
    """Against networkx on the whole graph (minus source hubs, countries and regions): every path the
    search calls complete has the true shortest length, up to six hops, both ways round."""
    import random

    import networkx as nx

    avoided = set(explore.PATH_AVOIDED_LABELS)
    rows = loaded.read(
        "MATCH (a)-[r]->(b) WHERE NOT type(r) IN $skip "
        "RETURN labels(a)[0] AS la, a.id AS a, labels(b)[0] AS lb, b.id AS b",
        {"skip": list(explore.PATH_EXCLUDED_TYPES)},
    )
    graph = nx.Graph((r["a"], r["b"]) for r in rows if r["la"] not in avoided and r["lb"] not in avoided)
    label = {r["a"]: r["la"] for r in rows} | {r["b"]: r["lb"] for r in rows}
    workers = sorted(n for n in graph if n.startswith("W-"))
    rng = random.Random(7)
    checked = 0
    for a in rng.sample(workers, 40):
        lengths = nx.single_source_shortest_path_length(graph, a, cutoff=6)
        far = sorted(n for n, d in lengths.items() if d >= 3)
        if not far:
            continue
        b = rng.choice(far)
        for x, y in ((a, b), (b, a)):
            ends = refs.Candidate(label[x], x), refs.Candidate(label[y], y)  # a record id can name two nodes
            found = explore.shortest_path(loaded, *ends, per_node=10_000, frontier_cap=100_000)
            assert found["complete"] and found["length"] == lengths[b], (x, y)
            checked += 1
    assert checked >= 40


def test_path_passes_through_regions_and_countries_only_when_asked(loaded: Engine) -> None:
    """Two workers from one regency: the region joins them in two hops, but everyone from there is
    joined that way, so by default the path avoids it (and every country) in its middle."""
    row = loaded.read(
        "MATCH (a:Worker)-[:FROM_REGION]->(r:Region)<-[:FROM_REGION]-(b:Worker) WHERE a.id < b.id "
        "RETURN a.id AS a, b.id AS b, r.id AS r ORDER BY a, b LIMIT 1"
    )[0]
    via = explore.shortest_path(loaded, row["a"], row["b"], through=["Region"])
    assert via["length"] == 2 and via["nodes"][1]["id"] == row["r"]
    plain = explore.shortest_path(loaded, row["a"], row["b"])
    assert all(n["label"] not in explore.PATH_AVOIDED_LABELS for n in plain["nodes"][1:-1])
    assert not plain["found"] or plain["length"] > 2
    # a region is still a path's end
    assert explore.shortest_path(loaded, row["a"], row["r"])["length"] == 1
    with pytest.raises(InputError, match="unknown label"):
        explore.shortest_path(loaded, row["a"], row["b"], through=["Galaxy"])


def test_no_path_beyond_max_depth_or_outside_the_types(loaded: Engine) -> None:
    row = loaded.read(
        "MATCH (w:Worker)-[:HAS_PLACEMENT]->(p:Placement)-[:EMPLOYED_BY]->(e:Employer) "
        "RETURN w.id AS w, e.id AS e LIMIT 1"
    )[0]
    assert not explore.shortest_path(loaded, row["w"], row["e"], max_depth=1)["found"]
    only_sources = explore.shortest_path(loaded, row["w"], row["e"], rel_types=["REPORTED_IN"])
    assert not only_sources["found"]
    loaded.write("CREATE (:Employer {id: 'EM-island', name: 'PULAU'})")
    lonely = explore.shortest_path(loaded, row["w"], "EM-island")
    assert not lonely["found"] and lonely["complete"]
    with pytest.raises(InputError):
        explore.shortest_path(loaded, row["w"], row["e"], max_depth=7)
    assert explore.shortest_path(loaded, row["w"], row["w"])["length"] == 0


def test_path_caps_say_the_search_was_cut(loaded: Engine) -> None:
    a, b = (r["id"] for r in loaded.read("MATCH (w:Worker) RETURN w.id AS id ORDER BY id LIMIT 2"))
    cut = explore.shortest_path(loaded, a, b, per_node=1, frontier_cap=1)
    assert not cut["complete"] or cut["found"]


def test_a_node_id_names_that_node_and_a_search_hit_can_be_expanded(loaded: Engine) -> None:
    shared = loaded.read(
        "MATCH (ph:Phone)<-[r:HAS_PHONE]-() WITH ph, count(r) AS n WHERE n > 1 RETURN ph.id AS id LIMIT 1"
    )[0]["id"]
    out = explore.expand(loaded, shared)  # its E.164 id is the Phone node, not its (several) holders
    assert out["node"] == {"label": "Phone", "id": shared, "name": None}
    assert sum(g["total"] for g in out["groups"]) > 1
    with pytest.raises(InputError, match="ambiguous"):
        refs.resolve_entity(loaded, "0" + shared[3:], labels=["Worker", "Agency", "Sponsor"])
    hit = explore.search(loaded, "Hong Kong", labels=["Country"], limit=1)[0]
    assert explore.expand(loaded, refs.Candidate(hit["label"], hit["id"]), limit=1)["node"]["id"] == "HK"


def test_phone_and_passport_numbers_are_masked_as_node_ids(loaded: Engine) -> None:
    wid = loaded.read("MATCH (w:Worker)-[:HAS_PHONE]->() MATCH (w)-[:HOLDS_PASSPORT]->() RETURN w.id AS id LIMIT 1")[0][
        "id"
    ]
    full = explore.expand(loaded, wid, rel_types=["HAS_PHONE", "HOLDS_PASSPORT"])
    public = explore.expand(loaded, wid, rel_types=["HAS_PHONE", "HOLDS_PASSPORT"], role="public")
    assert all(i["id"].startswith("+") or i["id"][0].isalpha() for g in full["groups"] for i in g["items"])
    assert all(i["id"] == refs.HIDDEN for g in public["groups"] for i in g["items"])
    phone = next(g for g in full["groups"] if g["type"] == "HAS_PHONE")["items"][0]["id"]
    with pytest.raises(Forbidden):  # the analyst cannot name the node by its number ...
        explore.shortest_path(loaded, wid, phone, role="analyst")
    pair = loaded.read(
        "MATCH (a:Worker)-[:HAS_PHONE]->(p:Phone)<-[:HAS_PHONE]-(b:Worker) WHERE a.id < b.id "
        "RETURN a.id AS a, b.id AS b, p.id AS phone LIMIT 1"
    )[0]
    path = explore.shortest_path(loaded, pair["a"], pair["b"], role="analyst", through=["Phone"])
    middle = path["nodes"][1]  # ... and sees it masked on a path between two people who share it
    assert middle["label"] == "Phone" and middle["id"] == refs.mask_value("phone", pair["phone"], "analyst")
    assert pair["phone"] not in str(path)

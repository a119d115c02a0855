"""The ``jejak`` command: a thin layer over the same functions the API calls."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from jejak.errors import InputError, JejakError

if TYPE_CHECKING:
    from engine.base import Engine
    from loaders.pipeline import LoadReport
    from loaders.resolve import ResolveReport

app = typer.Typer(
    name="jejak",
    help="Jejak: trace Indonesian migrant workers' placement chains across agencies.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
report_app = typer.Typer(help="Write reports (HTML + CSV + JSON).", no_args_is_help=True)
app.add_typer(report_app, name="report")

# Not a terminal (CI, pipes): wide enough that tables stay readable.
console = Console() if sys.stdout.isatty() else Console(width=150)
_state = {"debug": False}


@app.callback()
def _main(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False) -> None:
    _state["debug"] = debug


def _open_engine() -> Engine:
    import engine

    return engine.connect()


# -- spine --------------------------------------------------------------------------------------
@app.command()
def init(reset: Annotated[bool, typer.Option(help="Delete every node first.")] = False) -> None:
    """Apply the schema (indexes, uniqueness and full-text indexes) and bring a graph loaded by an
    earlier Jejak up to date; idempotent."""
    from loaders.upgrade import upgrade_graph

    with _open_engine() as eng:
        if reset:
            eng.clear()
        applied = eng.apply_schema()
        upgraded = upgrade_graph(eng)
        console.print(f"schema applied on {eng.name} ({eng.url}): {len(applied)} new index/constraint statements")
        if upgraded:
            console.print(f"graph brought up to date: {upgraded:,} properties set")


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Engine, URL, health and counts per label and relationship type."""
    from queries.status import graph_counts

    with _open_engine() as eng:
        health = eng.health()
        labels, rels = graph_counts(eng)
    if as_json:
        import json

        print(
            json.dumps(
                {
                    "engine": health.engine,
                    "url": health.url,
                    "ok": health.ok,
                    "version": health.version,
                    "labels": labels,
                    "relationships": rels,
                },
                indent=2,
            )
        )
        return
    console.print(
        f"engine  {health.engine}\nurl     {health.url}\nversion {health.version}\n"
        f"health  {'ok' if health.ok else 'DOWN'}"
    )
    table = Table("label", "nodes", "relationship", "count", title="graph contents")
    for i in range(max(len(labels), len(rels), 1)):
        lab = list(labels.items())[i] if i < len(labels) else ("", "")
        rel = list(rels.items())[i] if i < len(rels) else ("", "")
        table.add_row(lab[0], f"{lab[1]:,}" if lab[1] != "" else "", rel[0], f"{rel[1]:,}" if rel[1] != "" else "")
    console.print(table)


@app.command()
def schema(
    readme: Annotated[Path | None, typer.Option(help="Rewrite the schema table in this README.")] = None,
    ddl: Annotated[str | None, typer.Option(help="Print the DDL for an engine: neo4j or falkordb.")] = None,
) -> None:
    """Print the schema table (or DDL), or refresh the README's copy of it."""
    from graph_model import ddl as ddl_mod
    from graph_model.docs import schema_markdown, update_readme

    if readme:
        changed = update_readme(readme)
        console.print(f"{readme}: {'updated' if changed else 'already up to date'}")
    elif ddl:
        statements = {"neo4j": ddl_mod.neo4j_ddl, "falkordb": ddl_mod.falkordb_ddl}.get(ddl)
        if statements is None:
            raise InputError(f"unknown engine {ddl!r}: use neo4j or falkordb")
        for st in statements():
            print(st.text + (";" if ddl == "neo4j" else ""))
    else:
        print(schema_markdown())


# -- entry points the later issues fill ----------------------------------------------------------
@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Directory to write the files into.")],
    workers: Annotated[int, typer.Option(min=1, help="Number of distinct workers.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 1,
    mess: Annotated[float, typer.Option(min=0.0, max=1.0, help="How messy the sources are.")] = 0.3,
) -> None:
    """Write a synthetic dataset in the agencies' formats, plus ground_truth/."""
    from generator import generate as make_dataset
    from jejak.progress import RichProgress

    with RichProgress() as bar:
        summary = make_dataset(workers=workers, seed=seed, out=out, mess=mess, progress=bar.step)
    records = summary.get("records", {})
    console.print(f"wrote {sum(records.values()):,} records for {workers:,} workers (seed {seed}) to {out}")


@app.command()
def load(
    directory: Annotated[Path, typer.Argument(help="Directory with the agencies' files.")],
    source: Annotated[
        str | None,
        typer.Option(
            help="Declare the source of every file instead of recognising it by name: bp2mi, kemnaker, kemlu, "
            "p3mi_registry, lpk_registry, mitra_registry or pengaduan."
        ),
    ] = None,
    mode: Annotated[str, typer.Option(help="auto (bulk into an empty graph, else merge), bulk or merge.")] = "auto",
    then_resolve: Annotated[
        bool,
        typer.Option(
            "--resolve",
            help="Then reconcile workers across sources (jejak resolve); into an empty graph, the graph is "
            "built resolved, which is much faster than resolving it afterwards.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the load report as JSON.")] = False,
) -> None:
    """Load every recognised file in DIRECTORY (registries first); rejects go to DATA_DIR/graphs/GRAPH/rejects/."""
    report = _load(directory, source, mode, then_resolve)
    if as_json:
        import json

        print(json.dumps(report.as_dict(), indent=2, default=str))
    else:
        _print_load_report(report)
        if report.resolution is not None:
            _print_resolution(report.resolution)
    if report.failed:  # bad input: the other files are loaded, these are for the user to fix
        raise InputError(
            f"{len(report.failed)} file(s) could not be read: " + "; ".join(f.error for f in report.failed)
        )


@app.command()
def resolve(
    confirm: Annotated[tuple[str, str] | None, typer.Option(help="Record that A and B are the same person.")] = None,
    reject: Annotated[tuple[str, str] | None, typer.Option(help="Record that A and B are different people.")] = None,
    withdraw: Annotated[
        str | None, typer.Option(help="Withdraw a decision made before (its MD-... id); it is kept, marked withdrawn.")
    ] = None,
    note: Annotated[str, typer.Option(help="Why (kept with the decision).")] = "",
    full: Annotated[bool, typer.Option(help="Redo everything (retrain the model).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Entity resolution: one Worker per person across sources (ids: worker ids, aliases or record ids)."""
    from jejak.progress import RichProgress
    from jejak.settings import get_settings
    from loaders.resolve import decide
    from loaders.resolve import resolve as run_resolution
    from loaders.resolve import withdraw as withdraw_decision

    settings = get_settings()
    with _open_engine() as eng:
        if withdraw:
            gone = withdraw_decision(eng, withdraw, note)
            console.print(f"withdrawn: {gone['decision']} {gone['a']} / {gone['b']} ({gone['id']})")
        for decision, pair in (("confirm", confirm), ("reject", reject)):
            if pair:
                made = decide(eng, settings.work_dir, pair[0], pair[1], decision, note)
                console.print(
                    f"{decision}ed: {made['a']} {'=' if decision == 'confirm' else '!='} {made['b']} ({made['id']})"
                )
        with RichProgress() as bar:
            report = run_resolution(eng, settings.work_dir, full=full, progress=bar)
    if as_json:
        import json

        print(json.dumps(report.as_dict(), indent=2, default=str))
        return
    _print_resolution(report)


def _print_resolution(report: ResolveReport) -> None:
    console.print(
        f"resolution ({report.mode}, {report.seconds:.1f} s): {report.records:,} records "
        f"({report.new_records:,} new) -> {report.people:,} people; {report.merged_nodes:,} workers merged, "
        f"{report.review_pairs:,} matches await review, {report.unresolved:,} records unresolvable, "
        f"{report.decisions:,} human decisions applied"
    )


def _load(directory: Path, source: str | None, mode: str, resolve: bool = False) -> LoadReport:
    from jejak.progress import RichProgress
    from jejak.settings import get_settings
    from loaders.pipeline import load_directory

    if mode not in ("auto", "bulk", "merge"):
        raise InputError(f"unknown mode {mode!r}: use auto, bulk or merge")
    settings = get_settings()
    with _open_engine() as eng, RichProgress() as bar:
        return load_directory(
            directory, eng, work_dir=settings.work_dir, source=source, mode=mode, progress=bar, resolve=resolve
        )


def _print_load_report(report: LoadReport) -> None:
    table = Table(
        "file",
        "source",
        "read",
        "loaded",
        "rejected",
        "fields cleared",
        "already loaded",
        "changed",
        "status",
        title=f"load summary ({report.mode}, {report.seconds:.1f} s)",
    )
    for f in report.files:
        table.add_row(
            f.file,
            f.source,
            f"{f.rows_read:,}",
            f"{f.rows_loaded:,}",
            f"{f.rows_rejected:,}",
            f"{f.fields_cleared:,}",
            f"{f.rows_already_loaded:,}",
            f"{f.rows_changed:,}",
            "FAILED: " + f.error if f.error else "ok",
        )
    for name in report.unrecognised:
        table.add_row(name, "-", "", "", "", "", "", "", "skipped: no mapping recognises this file name")
    console.print(table)
    w = report.written
    console.print(
        f"graph: +{w.nodes_created:,} nodes, +{w.relationships_created:,} relationships; "
        f"rejected rows and cleared fields are listed in {report.rejects_dir}"
    )
    changed = sum(f.rows_changed for f in report.files)
    if changed:
        console.print(
            f"[yellow]{changed:,} rows were loaded before with other values and were NOT updated[/]: the graph "
            f"keeps what it loaded first (each field is listed in {report.rejects_dir}/<file>.changed.csv). "
            "To apply a corrected export, load it into an empty graph (jejak init --reset, then jejak load)."
        )


@app.command()
def chain(
    worker_ref: Annotated[str, typer.Argument(help="Jejak id, NIK, passport number or source record id.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A worker's full chain: origin, sponsor, training, agency, partner, employer, country."""
    from queries.chain import format_chain, worker_chain

    with _open_engine() as eng:
        result = worker_chain(eng, worker_ref, role="investigator")
    if as_json:
        import json

        print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    else:
        print(format_chain(result))


@app.command()
def flags(
    rule: Annotated[str | None, typer.Option(help="Only this rule id (R1-R11, H1-H4).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
    write_back: Annotated[bool, typer.Option("--write-back", help="Store rule ids on the flagged nodes.")] = False,
) -> None:
    """Red flags per rule of RULES.md, with their evidence."""
    import csv
    import json

    from queries import flags as rules_mod

    if fmt not in ("table", "csv", "json"):
        raise InputError(f"unknown format {fmt!r}: use table, csv or json")
    with _open_engine() as eng:
        found = rules_mod.run_rules(eng, [rule] if rule else None)
        written = rules_mod.write_back(eng, found) if write_back else None
    if fmt == "json":
        print(json.dumps([f.as_dict() for f in found], indent=2, ensure_ascii=False, default=str))
    elif fmt == "csv":
        out = csv.writer(sys.stdout)
        out.writerow(["rule", "entity_label", "entity_id", "summary", "record_ids", "evidence"])
        for f in found:
            out.writerow(
                [
                    f.rule,
                    f.entity_label,
                    f.entity_id,
                    f.summary,
                    " ".join(f.record_ids),
                    json.dumps(f.evidence, ensure_ascii=False, default=str),
                ]
            )
    else:
        table = Table("rule", "entity", "summary", "records", title=f"{len(found):,} red flags")
        for f in found:
            more = f" +{len(f.record_ids) - 3}" if len(f.record_ids) > 3 else ""
            table.add_row(f.rule, f"{f.entity_label} {f.entity_id}", f.summary, ", ".join(f.record_ids[:3]) + more)
        console.print(table)
        counts = rules_mod.count_by_rule(found)
        console.print("per rule: " + ", ".join(f"{r} {n:,}" for r, n in counts.items() if not rule or n))
    if written is not None:
        print(f"flags written on {sum(written.values()):,} nodes", file=sys.stderr)


def _writable(out: Path) -> None:
    """Fail before the work, in one line, where a report could not be written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot write the report to {out}: {exc.strerror or exc}") from None


@report_app.command("reconciliation")
def report_reconciliation(
    out: Annotated[Path, typer.Option(help="Directory for reconciliation.html, its CSV files and JSON.")],
) -> None:
    """Records vs distinct people per source, register overlap, conflicts."""
    from jejak.settings import get_settings
    from reports.reconciliation import write_report

    _writable(out)
    with _open_engine() as eng:
        paths = write_report(eng, get_settings().work_dir, out)
    console.print("wrote " + ", ".join(str(p) for p in paths))


@report_app.command("communities")
def report_communities(
    out: Annotated[Path, typer.Option(help="Directory for communities.html, its CSV files and JSON.")],
    seed: Annotated[int, typer.Option(help="Seed of community detection (the same seed, the same report).")] = 1,
) -> None:
    """Suspicious placement clusters: ranked communities with explanations."""
    from reports.communities import write_communities_report

    _writable(out)
    with _open_engine() as eng:
        path = write_communities_report(eng, out, seed=seed)
    console.print(f"wrote {path} (with CSV and JSON beside it)")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the HTTP API and the investigator's web page (http://HOST:PORT/)."""
    import uvicorn

    from api.app import create_app

    console.print(f"Jejak API and web page on http://{host}:{port}/ (API docs: /docs)")
    uvicorn.run(create_app(), host=host, port=port, log_level="info")


@app.command()
def viz(entity: Annotated[str, typer.Argument()], out: Annotated[Path, typer.Option()] = Path("graph.html")) -> None:
    """Write an interactive, offline HTML picture of an entity's network (two hops, capped)."""
    from viz.page import write_page

    with _open_engine() as eng:
        data = write_page(eng, entity, out)
    more = " (capped: more exist)" if data["truncated"] else ""
    console.print(
        f"wrote {out}: {len(data['nodes'])} entities, {len(data['edges'])} links around "
        f"{data['centre'].get('name') or data['centre']['id']}{more}"
    )


@app.command()
def demo(
    workers: Annotated[int, typer.Option(help="Workers in the demo dataset.")] = 20_000,
    out: Annotated[Path, typer.Option(help="Where the demo files go.")] = Path("demo-data"),
    reports: Annotated[Path, typer.Option(help="Where the demo reports go.")] = Path("demo-reports"),
    seed: Annotated[int, typer.Option(help="Seed of the demo dataset.")] = 1,
) -> None:
    """The main job on the embedded engine: demo data, load, resolve, flags, a chain, reports."""
    if not (out / "ground_truth" / "summary.json").exists():
        generate(out=out, workers=workers, seed=seed, mess=0.3)
    # Hold one connection for the whole demo, so the embedded server runs from first step to last
    # instead of stopping and starting (and replaying its log) between steps.
    with _open_engine():
        _demo_steps(out, reports, seed)


def _demo_steps(out: Path, reports: Path, seed: int) -> None:
    from jejak.settings import get_settings
    from queries import flags as rules_mod
    from queries.chain import format_chain, worker_chain
    from queries.status import busiest_worker
    from reports.communities import write_communities_report
    from reports.reconciliation import write_report

    init(reset=True)
    console.rule("1. load the agencies' exports")
    loaded = _load(out, None, "auto", resolve=True)  # into an empty graph: built resolved
    _print_load_report(loaded)
    console.rule("2. reconcile: one person, many records")
    _print_resolution(loaded.resolution)
    console.rule("3. red flags (RULES.md)")
    with _open_engine() as eng:
        found = rules_mod.run_rules(eng)
        rules_mod.write_back(eng, found)
        table = Table("rule", "flags", title=f"{len(found):,} red flags, written back to the graph")
        for rule_id, count in rules_mod.count_by_rule(found).items():
            table.add_row(rule_id, f"{count:,}")
        console.print(table)
        console.rule("4. one worker's full chain")
        worker = busiest_worker(eng)
        if worker:
            console.print(format_chain(worker_chain(eng, worker, role="analyst")), markup=False, highlight=False)
    console.rule("5. the graph")
    status(as_json=False)
    console.rule("6. reports")
    with _open_engine() as eng:
        paths = write_report(eng, get_settings().work_dir, reports / "reconciliation")
        console.print("reconciliation report: " + str(paths[0]))
        html = write_communities_report(eng, reports / "communities", seed=seed)
    console.print("explore it in a browser: jejak serve, then open http://127.0.0.1:8000")
    console.print(f"communities report: {html}")


def main() -> None:
    """Entry point: user errors are one line and an exit code; tracebacks only with --debug."""
    debug = "--debug" in sys.argv[1:]
    try:
        app(standalone_mode=False)
    except JejakError as exc:
        if debug:
            raise
        _fail(str(exc), exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        _fail("aborted", 130)
    except Exception as exc:  # the last line of defence: one line, no traceback
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):  # click's usage errors
            _fail(exc.format_message(), exc.exit_code or 2)
        if debug:
            raise
        _fail(f"{type(exc).__name__}: {exc} (run with --debug for details)", 1)


def _fail(message: str, code: int) -> NoReturn:
    # Plain print, not rich: a one-line message must stay one line whatever the terminal width.
    print(f"jejak: error: {' '.join(message.split())}", file=sys.stderr)
    sys.exit(code)

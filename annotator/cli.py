"""The `annotator` command: subcommands that never start the UI, except `label`.

Exit codes: 0 ok, 1 user error (one line per problem, naming the file and line), 2 usage.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import sys
from pathlib import Path

import orjson

from annotator import __version__
from annotator.corpus.text import shown, shown_lines
from annotator.errors import UserError
from annotator.export.formats import FORMATS

DEFAULT_DB = "annotator.db"


def _db_value(args: argparse.Namespace) -> str:
    return args.db or os.environ.get("ANNOTATOR_DB") or DEFAULT_DB


def _db_store(args: argparse.Namespace) -> str | Path:
    """--db / $ANNOTATOR_DB as a store opens it: an SQLite file's path, or a PostgreSQL URL."""
    from annotator.store import location

    where = location.parse(_db_value(args))
    return where.path if where.path is not None else _db_value(args)


def _db_name(args: argparse.Namespace) -> str:
    """The store as messages name it (a URL without its password)."""
    from annotator.store import location

    return location.parse(_db_value(args)).shown()


def _print_json(obj) -> None:
    sys.stdout.buffer.write(orjson.dumps(obj) + b"\n")


# ------------------------------------------------------------------------------------- commands


def cmd_ingest(args: argparse.Namespace) -> int:
    from annotator.corpus.reader import MAX_FILE_BYTES, read_inputs
    from annotator.ingest import ingest_docs
    from annotator.store import Store

    bad: list[str] = []
    limit = MAX_FILE_BYTES
    if args.max_file_mb is not None:
        if not args.max_file_mb > 0:
            raise UserError(f"--max-file-mb {args.max_file_mb}: expected a size in MB, more than 0")
        limit = int(args.max_file_mb * 2**20)
    sources = read_inputs(args.paths, bad.append if args.skip_bad else None, max_bytes=limit)
    for message in bad:
        print(f"annotator: {shown(message)} (skipped)", file=sys.stderr)
    with Store(_db_store(args)) as store:
        report = ingest_docs(store, sources, suggest=not args.no_suggestions)
    print(
        f"{_db_name(args)}: {len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged; {report.sentences} sentences"
        + (f"; labels kept {report.labels_kept}" if report.updated else "")
        + (
            f", {report.labels_retired} retired (their sentence text is gone)"
            if report.labels_retired
            else ""
        )
        + (f"; {len(bad)} bad files skipped" if bad else "")
    )
    if report.cut:
        from annotator.corpus.segment import MAX_SENTENCE

        where = ", ".join(shown(d) for d in list(report.cut)[:5]) + (", …" if len(report.cut) > 5 else "")
        print(
            f"annotator: text that ran past {MAX_SENTENCE:,} characters without a sentence end was cut "
            f"at whitespace into sentences ({sum(report.cut.values()):,} cuts, in {where})",
            file=sys.stderr,
        )
    return 1 if bad else 0


def cmd_segment(args: argparse.Namespace) -> int:
    from annotator.corpus.pipeline import analyse
    from annotator.corpus.reader import read_inputs
    from annotator.model import SegmentLine

    out = sys.stdout.buffer
    for doc in read_inputs(args.files):
        a = analyse(doc)
        for block, start, end in a.sentences():
            line = SegmentLine(
                doc_id=a.doc_id,
                block=block,
                block_type=a.types[block].block_type,
                start=start,
                end=end,
                text=a.text[start:end],
            )
            out.write(orjson.dumps(line.model_dump()) + b"\n")
    return 0


def cmd_suggest(args: argparse.Namespace) -> int:
    if args.parser:
        from annotator.suggest.parser import load

        load()  # a missing model is said before any work
    if args.refresh:
        return _refresh_suggestions(args)
    if not args.files:
        raise UserError("give the files to read, or --refresh to redo the suggestions stored in --db")
    from annotator.corpus.reader import read_inputs
    from annotator.ingest import analyse
    from annotator.model import SentenceLabels, SuggestionLine

    out = sys.stdout.buffer
    empty = SentenceLabels()
    for doc in read_inputs(args.files):
        a = analyse(doc, parser=args.parser)
        for (block, start, end), labels in zip(a.sentences(), a.suggestions, strict=True):
            typed = a.types[block]
            got = SentenceLabels.model_validate_json(labels) if labels else empty
            line = SuggestionLine(
                doc_id=a.doc_id,
                block=block,
                block_type=typed.block_type,
                lang=typed.lang,
                start=start,
                end=end,
                text=a.text[start:end],
                mode=got.mode,
                claim=got.claim,
                quotes=got.quotes,
            )
            out.write(orjson.dumps(line.model_dump(mode="json")) + b"\n")
    return 0


def _refresh_suggestions(args: argparse.Namespace) -> int:
    from annotator.ingest import refresh_suggestions
    from annotator.store import Store
    from annotator.suggest import engine_name

    with Store(_db_store(args), create=False) as store:
        changed, total = refresh_suggestions(store, parser=args.parser)
    print(
        f"{_db_name(args)}: suggestions of {engine_name(args.parser)} for {total} documents"
        f" ({changed} sentences changed); labels untouched"
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from annotator.export.formats import export
    from annotator.export.records import Selection

    selection = Selection(
        split=args.split,
        seed=args.seed,
        unit=args.unit,
        stratify=args.stratify,
        resplit=args.resplit,
        include_all=args.all,
        annotator=args.annotator,
        adjudicated=args.adjudicated,
    )
    from annotator.store import Store

    with Store(_db_store(args), create=False) as store:
        manifest = export(store, args.out, args.format, selection, args.licence)
    files = ", ".join(manifest.files)
    print(f"{shown(args.out)}: {manifest.records} records in {files} (+ manifest.json)")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from annotator.export.importer import import_file
    from annotator.store import Store

    with Store(_db_store(args), create=False) as store:
        report = import_file(store, args.file, overwrite=args.overwrite)
    print(
        f"{shown(args.file)}: {report.records} records, {report.changed} stored, "
        f"{report.records - report.changed - report.todo} already present"
        + (f", {report.todo} unfinished skipped" if report.todo else "")
    )
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from annotator.store import Store

    with Store(_db_store(args), create=False) as store:
        counts = store.counts()
        if args.json:
            from annotator.stats.figures import figures

            counts["figures"] = figures(store)
    if args.json:
        _print_json(counts)
    else:
        from annotator.stats import format_stats

        print(shown_lines(format_stats(counts)))
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UserError(
            "the dashboard needs a terminal (stdin and stdout are not one); `annotator report` writes it as HTML"
        )
    db = _db_store(args)
    _check_store(db)
    return _run_tui(db, args, dashboard=True)


def cmd_project_labels(args: argparse.Namespace) -> int:
    from annotator.labelling.projection import project_all
    from annotator.store import Store

    with Store(_db_store(args), create=False) as store:
        names = [_annotator_name(args)] if args.annotator or not args.everyone else store.annotators()
        for name in names:
            n = project_all(store, name)
            print(
                f"{shown(name)}: {n} sentences pre-filled from near-duplicates (pending; ⏎ on the screen accepts each)"
            )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from annotator.tui.serve import Access, AnnotatorServer, default_sessions, loopback, read_secret

    secret = read_secret(args.token_file)
    access = Access(secret)
    public_url = (args.public_url or f"http://{args.host}:{args.port}").rstrip("/")
    if args.link is not None:
        if secret is None:
            raise UserError("--link needs the access secret (--token-file FILE or $ANNOTATOR_SERVE_TOKEN)")
        print(f"{public_url}/?token={access.link_token(args.link)}")
        return 0
    if secret is None and not loopback(args.host):
        raise UserError(
            f"--host {args.host}: listening beyond this machine needs an access secret"
            " (--token-file FILE or $ANNOTATOR_SERVE_TOKEN); `serve --link NAME` then makes each annotator's link"
        )
    sessions = default_sessions() if args.max_sessions is None else args.max_sessions
    if sessions < 1 or args.idle_minutes <= 0:
        raise UserError("--max-sessions and --idle-minutes must be positive")
    db = _db_store(args)
    _check_store(db)
    server = AnnotatorServer(
        db.resolve() if isinstance(db, Path) else db,
        access,
        host=args.host,
        port=args.port,
        public_url=public_url,
        max_sessions=sessions,
        idle=args.idle_minutes * 60,
    )
    server.serve()
    return 0


def cmd_served(args: argparse.Namespace) -> int:
    """One served session (started by `serve`, one per browser tab): the first screen asks who
    labels, or shows the name the session's link is bound to."""
    from annotator.tui.app import make_app
    from annotator.tui.keymap import Config

    fixed = args.annotator is not None
    name = _annotator_name(args) if fixed else ""
    app = make_app(_db_store(args), name, Config(), welcome=True, fixed_name=fixed)
    try:
        app.run()
    finally:
        app.service.close()
    return app.return_code or 0


def cmd_report(args: argparse.Namespace) -> int:
    from annotator.stats.report import write_report
    from annotator.store import Store

    with Store(_db_store(args), create=False) as store:
        out = write_report(store, args.out)
    print(f"{shown(out)}: the project report (open it in a browser; it needs no network)")
    return 0


def cmd_agree(args: argparse.Namespace) -> int:
    from annotator import agreement
    from annotator.store import Store

    with Store(_db_store(args), create=False) as store:
        table = agreement.load(store, _names(args.annotators))
        projected = store.projected_count(_names(args.annotators))
    result = agreement.report(table)
    result["projected_left_out"] = projected
    if args.json:
        _print_json(result)
    else:
        print(shown_lines(agreement.format_report(result)))
    return 0


def _names(spec: str | None) -> list[str] | None:
    """'alice,bob' -> ['alice', 'bob']."""
    if spec is None:
        return None
    names = [n.strip() for n in spec.split(",") if n.strip()]
    if not names:
        raise UserError(f"{spec!r}: expected comma-separated annotator names")
    return names


def cmd_train(args: argparse.Namespace) -> int:
    from annotator.train import format_report, train

    report = train(args.folder, args.model)
    if args.json:
        _print_json(report)
    else:
        print(format_report(report))
        print(f"\nmodel written to {shown(args.model)}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from annotator.schemas import check_schemas, write_schemas

    if args.check:
        stale = check_schemas(args.dir)
        if stale:
            raise UserError(
                f"{args.dir}: stale or missing schemas: {', '.join(stale)} (run `annotator schema`)"
            )
        print(f"{shown(args.dir)}: schemas up to date")
    else:
        written = write_schemas(args.dir)
        print(f"{shown(args.dir)}: wrote {len(written)} schemas")
    return 0


def cmd_db_check(args: argparse.Namespace) -> int:
    from annotator.store import Store

    name = _db_name(args)
    with Store(_db_store(args), create=False) as store:
        problems, counts = store.check()
    for problem in problems:
        print(f"annotator: {name}: {shown(problem)}", file=sys.stderr)
    if problems:
        print(
            f"annotator: {name}: {len(problems)} problems (restore a backup: `annotator db backup`)",
            file=sys.stderr,
        )
        return 1
    print(f"{name}: ok (" + ", ".join(f"{n} {what}" for what, n in counts.items()) + " checked)")
    return 0


def cmd_db_backup(args: argparse.Namespace) -> int:
    from annotator.store import Store, location, transfer

    db = _db_store(args)
    if isinstance(db, Path):
        with Store(db, create=False) as store:
            store.backup(args.target)
    else:  # a server's store: a verified copy in a new file
        if args.target.exists():
            raise UserError(f"{shown(args.target)}: already exists; name a new file")
        transfer.copy(location.parse(db), location.Location(path=args.target))
    print(f"{shown(args.target)}: a copy of {_db_name(args)}")
    return 0


def cmd_db_info(args: argparse.Namespace) -> int:
    from annotator.store import location, transfer

    found = transfer.info(location.parse(_db_value(args)))
    if args.json:
        _print_json(found)
        return 0
    counts = found["counts"]
    print(f"store       {shown(found['store'])}")
    print(f"backend     {found['backend']} {found['server_version']}")
    print(f"version     {found['store_version']} (this annotator reads up to {found['reads_up_to']})")
    print(f"size        {found['bytes'] / 1e6:.1f} MB")
    print(
        f"holds       {counts['documents']} documents, {counts['sentences']} sentences, "
        f"{counts['suggestions']} suggestions"
    )
    print(
        f"labels      {counts['decisions']} decisions by {counts['annotators']} annotators, {counts['events']} events"
    )
    return 0


def cmd_db_copy(args: argparse.Namespace) -> int:
    from annotator.store import location, transfer

    src, dst = location.parse(args.source), location.parse(args.target)

    def progress(table: str) -> None:
        if sys.stderr.isatty():
            print(f"\rcopying {table}…\x1b[K", end="", file=sys.stderr, flush=True)

    copied = transfer.copy(src, dst, progress)
    if sys.stderr.isatty():
        print("\r\x1b[K", end="", file=sys.stderr)
    width = max(len(c.table) for c in copied)
    print(f"{shown(src.shown())} ({src.backend}) → {shown(dst.shown())} ({dst.backend}), verified:")
    for c in copied:
        print(f"  {c.table:<{width}}  {c.rows:>10} rows  digest {c.digest[:16]}")
    return 0


def _annotator_name(args: argparse.Namespace) -> str:
    from annotator.names import name_problem

    name = args.annotator or os.environ.get("ANNOTATOR_NAME") or os.environ.get("USER") or "annotator"
    if problem := name_problem(name):
        raise UserError(f"annotator name {shown(name)}: {problem}")
    return name


def _run_tui(
    db: str | Path, args: argparse.Namespace, review: dict | None = None, dashboard: bool = False
) -> int:
    from annotator.tui.app import make_app
    from annotator.tui.keymap import keymap_path, load_config

    config = load_config(keymap_path(args.keymap))
    ordering = {}
    if getattr(args, "order", "corpus") == "uncertain":
        from annotator.train import _sklearn

        _sklearn()  # a clear message now rather than a failing worker later
        if args.retrain_every < 1:
            raise UserError(
                f"--retrain-every {args.retrain_every}: expected a number of decisions, 1 or more"
            )
        ordering = {"uncertain_first": True, "retrain_every": args.retrain_every}
    app = make_app(db, _annotator_name(args), config, review, ordering, dashboard)
    for sig in (signal.SIGTERM, signal.SIGHUP):  # the screen stores every decision as it is made
        signal.signal(sig, signal.SIG_DFL)
    try:
        app.run()
    finally:
        app.service.close()
    return app.return_code or 0  # a screen that crashed does not exit 0


def cmd_label(args: argparse.Namespace) -> int:
    if args.keys:
        from annotator.tui.bindings import remappable

        for b in remappable():
            print(f"{b.id:<28} {b.key:<22} {b.description}")
        return 0
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UserError("the labelling screen needs a terminal (stdin and stdout are not one)")
    db = _db_store(args)
    _check_store(db)
    if args.overlap is not None:
        from annotator.store import Store

        with Store(db, create=False) as store:
            store.set_assignment(_plan(args))
    return _run_tui(db, args)


def cmd_review(args: argparse.Namespace) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UserError("the review screen needs a terminal (stdin and stdout are not one)")
    db = _db_store(args)
    _check_store(db)
    return _run_tui(db, args, {"everything": args.all, "annotators": _names(args.annotators)})


def _check_store(db: str | Path) -> None:
    from annotator.store import Store

    with Store(db, create=False) as store:
        if store.is_empty():
            raise UserError(f"{store.name}: the store has no documents (run `annotator ingest PATH`)")


def _plan(args: argparse.Namespace):
    """--overlap F --team A,B [--overlap-unit U] as an assignment; --overlap none removes it."""
    from annotator.assignment import Assignment

    if args.overlap == "none":
        return None
    try:
        fraction = float(args.overlap)
    except ValueError:
        raise UserError(f"--overlap {args.overlap!r}: expected a fraction such as 0.2, or none") from None
    team = _names(args.team) if args.team else None
    if not team:
        raise UserError("--overlap needs --team A,B,...: the annotators who share the work")
    return Assignment(tuple(team), fraction, args.overlap_unit)


def cmd_default(args: argparse.Namespace) -> int:
    """No subcommand: make sure the store has a corpus, then open the labelling screen."""
    from annotator.ingest import bundled_seeds, ingest_paths
    from annotator.stats import format_stats
    from annotator.store import Store

    db = _db_store(args)
    with Store(db) as store:
        if store.is_empty():
            report = ingest_paths(store, [bundled_seeds()])
            print(
                f"{_db_name(args)}: ingested the {len(report.added)} bundled seed articles ({report.sentences} sentences)"
            )
        counts = store.counts()
    if sys.stdin.isatty() and sys.stdout.isatty():
        return _run_tui(db, args)
    print(shown_lines(format_stats(counts)))
    print(
        f"\nNot a terminal, so no labelling screen. Export the labels with: annotator --db {_db_name(args)} export --out exports/"
    )
    return 0


# ------------------------------------------------------------------------------------- parser


def _label_options(p: argparse.ArgumentParser, who: str = "your name") -> None:
    p.add_argument("--annotator", help=f"{who} (default $ANNOTATOR_NAME, else $USER)")
    p.add_argument(
        "--keymap",
        type=Path,
        help='TOML settings: [keymap] binding-id = "keys", [labelling] auto_advance = true/false '
        "(default ~/.config/annotator/keys.toml)",
    )


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help=f"store: a file, sqlite:///path or postgresql://user@host/dbname (default ${{ANNOTATOR_DB}} or {DEFAULT_DB})",
    )
    parser = argparse.ArgumentParser(
        prog="annotator",
        description="Label claims, quotes and commentary in French news, from the keyboard.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"annotator {__version__}")
    _label_options(parser)
    parser.set_defaults(func=cmd_default)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = sub.add_parser("label", parents=[common], help="the labelling screen")
    _label_options(p)
    p.add_argument(
        "--keys", action="store_true", help="list every binding id and its default keys, then exit"
    )
    p.add_argument(
        "--overlap",
        metavar="FRACTION",
        help="serve this fraction of sentences to every annotator of --team and divide the rest among "
        "them; kept in the store for every later session (`none` removes it)",
    )
    p.add_argument("--team", metavar="A,B,...", help="the annotators who share the work (with --overlap)")
    p.add_argument(
        "--order",
        choices=("corpus", "uncertain"),
        default="corpus",
        help="next sentence in corpus order (default), or the one a model is least sure about "
        "(uncertainty sampling; needs the train extra)",
    )
    p.add_argument(
        "--retrain-every",
        type=int,
        default=25,
        metavar="N",
        help="with --order uncertain: refit after N decisions",
    )
    p.add_argument(
        "--overlap-unit",
        choices=("sentence", "document"),
        default="sentence",
        help="share and divide single sentences (default) or whole documents",
    )
    p.set_defaults(func=cmd_label)

    p = sub.add_parser(
        "ingest", parents=[common], help="add .txt files, folders or .jsonl of {id, text} to the store"
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument(
        "--skip-bad",
        action="store_true",
        help="report bad files, ingest the others (exit status 1 all the same)",
    )
    p.add_argument(
        "--max-file-mb",
        type=float,
        metavar="MB",
        help="refuse an input file larger than this (default 1 GB); only regular files are read",
    )
    p.add_argument(
        "--no-suggestions",
        action="store_true",
        help="store no suggestions: every sentence starts empty (`suggest --refresh` adds them later)",
    )
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("segment", parents=[common], help="print one JSON line per sentence (no store)")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.set_defaults(func=cmd_segment)

    p = sub.add_parser(
        "suggest", parents=[common], help="print the suggested labels of every sentence (no store)"
    )
    p.add_argument("files", nargs="*", type=Path, metavar="FILE")
    p.add_argument(
        "--refresh",
        action="store_true",
        help="recompute the suggestions stored in --db with this engine; human labels are not touched",
    )
    p.add_argument(
        "--parser",
        action="store_true",
        help="repair the rules' quotes with a spaCy dependency parse (needs the `parser` extra; about 100x slower)",
    )
    p.set_defaults(func=cmd_suggest)

    p = sub.add_parser("export", parents=[common], help="write validated JSONL records and manifest.json")
    p.add_argument("--out", type=Path, default=Path("exports"), help="output folder (default exports/)")
    p.add_argument(
        "--format",
        choices=tuple(FORMATS),
        default="jsonl",
        help=", ".join(f"{name} ({f.help})" for name, f in FORMATS.items()),
    )
    p.add_argument("--split", help="train/dev/test percentages by story cluster, e.g. 80/10/10 (then frozen)")
    p.add_argument("--seed", type=int, default=0, help="seed of the split assignment (default 0)")
    p.add_argument(
        "--unit",
        choices=("cluster", "document"),
        default="cluster",
        help="what a split keeps whole: a near-duplicate story cluster (default) or a document",
    )
    p.add_argument(
        "--stratify",
        choices=("mode", "claim"),
        default="mode",
        help="the label each split keeps the distribution of",
    )
    p.add_argument(
        "--resplit", action="store_true", help="forget the frozen splits and assign every story afresh"
    )
    p.add_argument("--licence", help="hf: the licence id written in the dataset card (default: other)")
    p.add_argument("--all", action="store_true", help="also unfinished and skipped sentences (for inference)")
    p.add_argument("--annotator", help="only this annotator's labels")
    p.add_argument(
        "--adjudicated", action="store_true", help="only the adjudicated layer (see `annotator review`)"
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "import", parents=[common], help="read export records back into the store (all or nothing)"
    )
    p.add_argument("file", type=Path, metavar="FILE.jsonl")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace decisions the store holds that are later than the file's (refused otherwise)",
    )
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("stats", parents=[common], help="documents, sentences, blocks, progress per annotator")
    p.add_argument(
        "--json",
        action="store_true",
        help="machine-readable output, with the dashboard's figures under `figures`",
    )
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser(
        "dashboard",
        parents=[common],
        help="the project at a glance: progress, speed, labels, suggestions, agreement",
    )
    p.set_defaults(func=cmd_dashboard)

    p = sub.add_parser(
        "project-labels",
        parents=[common],
        help="carry an annotator's decisions onto the same sentences in other copies of a story (pending until accepted)",
    )
    p.add_argument(
        "--everyone", action="store_true", help="every annotator with decisions, not only --annotator"
    )
    p.set_defaults(func=cmd_project_labels)

    p = sub.add_parser(
        "serve", parents=[common], help="the labelling screen in a browser (one app process per tab)"
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)"
    )
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--public-url", help="the address annotators open, behind a reverse proxy (https://…)")
    p.add_argument(
        "--token-file",
        type=Path,
        help="the access secret (else $ANNOTATOR_SERVE_TOKEN); needed beyond 127.0.0.1",
    )
    p.add_argument(
        "--link", metavar="NAME", help="print NAME's access link (a token bound to that name) and exit"
    )
    p.add_argument(
        "--max-sessions", type=int, default=None, help="app processes at once (default 2 per core)"
    )
    p.add_argument(
        "--idle-minutes", type=float, default=30.0, help="close a session without a key for so long"
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("served", parents=[common])  # one session of `serve`; not for people to type
    p.set_defaults(func=cmd_served)

    p = sub.add_parser(
        "report", parents=[common], help="the dashboard's figures as one self-contained HTML file"
    )
    p.add_argument(
        "--out", type=Path, default=Path("report.html"), help="the file to write (default report.html)"
    )
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "review",
        parents=[common],
        help="the adjudication screen: disagreements side by side, take one with a key",
    )
    _label_options(p, "the reviewer's name")
    p.add_argument(
        "--annotators", metavar="A,B,...", help="only these annotators' versions (default: everyone)"
    )
    p.add_argument("--all", action="store_true", help="every sentence two annotators finished, agreed or not")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser(
        "train",
        parents=[common],
        help="baseline TF-IDF + logistic regression for mode and claim on an export",
    )
    p.add_argument(
        "folder", type=Path, nargs="?", default=Path("exports"), help="a JSONL export (default exports/)"
    )
    p.add_argument("--model", type=Path, default=Path("models/baseline.pkl"), help="where to write the model")
    p.add_argument("--json", action="store_true", help="machine-readable scores")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "agree", parents=[common], help="inter-annotator agreement: kappa, alpha, quote span F1, per document"
    )
    p.add_argument("--annotators", metavar="A,B,...", help="only these annotators (default: everyone)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_agree)

    p = sub.add_parser(
        "schema", parents=[common], help="write (or --check) the JSON Schemas of every record type"
    )
    p.add_argument("--check", action="store_true", help="exit 1 when the files in the folder are stale")
    p.add_argument("--dir", type=Path, default=Path("schemas"), help="schema folder (default schemas/)")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser(
        "db",
        parents=[common],
        help="look after the store: check it, back it up, copy it between backends, describe it",
    )
    db = p.add_subparsers(title="db commands", metavar="COMMAND", required=True)
    q = db.add_parser(
        "check",
        parents=[common],
        help="SQLite's integrity check and the store's own (texts, offsets, hashes, references)",
    )
    q.set_defaults(func=cmd_db_check)
    q = db.add_parser(
        "backup",
        parents=[common],
        help="a consistent copy of the store in one new file (labelling may go on)",
    )
    q.add_argument("target", type=Path, metavar="FILE")
    q.set_defaults(func=cmd_db_backup)
    q = db.add_parser(
        "info", parents=[common], help="the backend, the store version and what the store holds"
    )
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=cmd_db_info)
    q = db.add_parser(
        "copy",
        parents=[common],
        help="copy a whole project between stores (SQLite file ↔ PostgreSQL), verified table by table",
    )
    q.add_argument(
        "source", metavar="SRC", help="the store to copy: a file, sqlite:///path or postgresql://…"
    )
    q.add_argument("target", metavar="DST", help="a new file, or an empty PostgreSQL database")
    q.set_defaults(func=cmd_db_copy)
    return parser


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    # A closed terminal (SIGHUP) or a `kill` (SIGTERM) stops a command as ctrl+c does: what it
    # was writing is discarded, nothing partial is left.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupted)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "db"):
        args.db = None
    try:
        return args.func(args)
    except UserError as exc:
        for line in str(exc).splitlines():
            print(f"annotator: {shown(line)}", file=sys.stderr)
        return 1
    except sqlite3.DatabaseError as exc:  # a damaged file, found on a read the opening did not make
        db = _db_name(args)
        print(
            f"annotator: {db}: the store cannot be read ({exc}); `annotator db check` says more",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("annotator: interrupted; nothing partial was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())

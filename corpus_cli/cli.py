"""The ``corpus`` command: a thin Click layer over the library.

Each command parses its options, calls one library function and hands what it returns to
:mod:`corpus_cli.output`. Every command that prints records takes the same format flags
(``--table/--tsv/--csv/--json/--jsonl``), ``-o FILE`` and ``--force``. Library errors
(:class:`CorpusError`) become one-line messages; ``--debug`` shows the traceback. Exit
codes: 0 success (including no matches), 1 runtime error or some inputs unreadable, 2 usage
error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import nullcontext

import click

from corpus_cli import __version__
from corpus_cli.errors import CorpusError

# Kept here (not imported from corpus_cli.inputs) so that --help loads nothing more.
FORMATS = ("text", "html", "warc")
DEFAULT_PATTERNS = ("*.txt", "*.html", "*.htm", "*.warc", "*.warc.gz")

FORMAT_FLAGS = (
    ("--table", "table", "A table (the default on a terminal)."),
    ("--tsv", "tsv", "Tab-separated, with a header row (the default when piped)."),
    ("--csv", "csv", "CSV with a header row."),
    ("--json", "json", "JSON: an array of records, or the one document."),
    ("--jsonl", "jsonl", "JSON Lines: one record a line (streams)."),
)
DOCS = "corpus docs"  # the documentation ships with the package


class CorpusGroup(click.Group):
    """Turns library errors into one-line messages and a closed pipe into a quiet exit.
    Every error message is made inert: a path, a query or an option value given by the user
    (or read from a page) never reaches the terminal as raw control characters."""

    def make_context(self, *args, **kwargs) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.ClickException as exc:
            raise _inert_error(exc) from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CorpusError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise _inert_error(click.ClickException(str(exc))) from None
        except BrokenPipeError:
            _silence_stdout()
            sys.exit(0)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except click.ClickException as exc:
            raise _inert_error(exc) from None
        except (click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - the one place that catches everything
            # (a panic of a native library, pyo3's PanicException, is a BaseException too)
            if (ctx.obj and ctx.obj.get("debug")) or not isinstance(exc, Exception) and \
                    type(exc).__name__ != "PanicException":
                raise
            from corpus_cli.errors import explain

            why = explain(exc)  # a busy store, a full disk...: not a bug
            raise _inert_error(click.ClickException(
                why or f"internal error: {type(exc).__name__}: {exc} (run with --debug for "
                "details)")) from None


def _inert_error(exc: click.ClickException) -> click.ClickException:
    """``exc`` with its message shown inert (control characters as visible escapes)."""
    from corpus_cli.output.safe import inert

    if not getattr(exc, "_inert", False):
        message = exc.format_message
        exc.format_message = lambda: inert(message(), keep_newlines=True)  # type: ignore
        exc._inert = True  # type: ignore[attr-defined]
    return exc


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


# ---- shared options -----------------------------------------------------------------------
def output_options(target_help: str = "Write to FILE (atomically) instead of stdout; the "
                   "format comes from the flag or else from FILE's ending (.csv, .json...)."
                   ) -> Callable:
    """The format flags, ``-o FILE`` and ``--force``: the same on every command."""

    def deco(f: Callable) -> Callable:
        f = click.option("--raw-formulas", is_flag=True,
                         help="Write CSV/TSV cells starting with = + - @ as they are in a "
                         "file and in export (by default they get a leading ' so that a "
                         "spreadsheet does not run them).")(f)
        f = click.option("--force", is_flag=True,
                         help="Replace an existing output file (or write into a non-empty "
                         "folder).")(f)
        f = click.option("-o", "--output", "target", metavar="FILE", help=target_help)(f)
        for flag, value, help_ in reversed(FORMAT_FLAGS):
            f = click.option(flag, "fmt", flag_value=value, help=help_)(f)
        return f

    return deco


def input_options(f: Callable) -> Callable:
    """PATHS, --glob, --format, --html and --encoding, given to the command as ``paths``,
    ``pattern`` and ``reading`` (:class:`~corpus_cli.inputs.pages.ReadOptions`)."""
    import functools

    @functools.wraps(f)
    def wrapper(*args, input_format: str, html: str, encoding: str | None, **kw):
        from corpus_cli.inputs.pages import ReadOptions

        return f(*args, reading=ReadOptions(encoding, input_format, html), **kw)

    g = click.option("--encoding", metavar="NAME",
                     help="Force this encoding instead of detecting it.")(wrapper)
    g = click.option("--html", type=click.Choice(["main", "full"]), default="main",
                     show_default=True,
                     help="HTML pages: the main content only, or every visible text block "
                          "(menus and sidebars too; cross-page dedupe then decides).")(g)
    g = click.option("--format", "input_format", type=click.Choice(["auto", *FORMATS]),
                     default="auto", show_default=True,
                     help="Read every input as text, HTML or WARC (auto: by file extension, "
                          "then by content).")(g)
    g = click.option("--glob", "pattern", metavar="PATTERN",
                     help="Files to take from folders (searched recursively); default: "
                          + ", ".join(DEFAULT_PATTERNS) + ".")(g)
    g = click.argument("paths", nargs=-1, required=True)(g)
    return g


def db_option(f: Callable) -> Callable:
    return click.option(
        "--db", "db", envvar="CORPUS_DB", metavar="PATH",
        help="The corpus store (default ./corpus.db, or $CORPUS_DB).")(f)


# A limit above any count means "all": capped where SQLite's integers end.
MAX_LIMIT = 2**63 - 1


def scheduler_option(f: Callable) -> Callable:
    return click.option(
        "--scheduler", metavar="ADDRESS",
        help="Run on a Dask cluster (tcp://host:8786); needs corpus-cli[distributed].")(f)


def _engine(scheduler: str | None):
    """The Dask engine of ``--scheduler`` (connected: a bad address fails here), or None."""
    if not scheduler:
        return None
    from corpus_cli.distributed import DaskEngine

    return DaskEngine(scheduler)


def limit_option(help_: str, *aliases: str, default: int | None = None) -> Callable:
    return click.option("--limit", *aliases, "limit", type=click.IntRange(min=0),
                        default=default, metavar="N", help=help_,
                        callback=lambda _ctx, _p, v: v if v is None else min(v, MAX_LIMIT))


def filter_options(f: Callable) -> Callable:
    opts = [
        click.option("--entity", metavar="NAME", help="Items mentioning this entity (any alias)."),
        click.option("--source", metavar="TEXT", help="Items with a source path containing TEXT."),
        click.option("--site", metavar="HOST",
                     help="Items seen on this site: a URL host (and its subdomains), or the "
                          "folder name of pages without a URL."),
        click.option("--kind", type=click.Choice(["article", "brief"]), help="Only this kind."),
        click.option("--to", "date_to", metavar="DATE", callback=_check_date,
                     help="Dated on or before DATE (2024, 2024-06 or 2024-06-30)."),
        click.option("--from", "date_from", metavar="DATE", callback=_check_date,
                     help="Dated on or after DATE (2024, 2024-06 or 2024-06-01)."),
        click.option("--year", type=click.IntRange(1, 9999), help="Dated in this year."),
    ]
    for o in opts:
        f = o(f)
    return f


def _check_date(ctx, param, value: str | None) -> str | None:
    """A real date, possibly partial: 2024, 2024-06 or 2024-06-30 (not 2024-13 or
    2024-02-30)."""
    import datetime
    import re

    if value is None:
        return None
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value)
    if not m:
        raise click.BadParameter(f"{value} is not an ISO date: use YYYY, YYYY-MM or "
                                 "YYYY-MM-DD")
    year, month, day = (int(g) if g else None for g in m.groups())
    try:
        datetime.date(year, 1 if month is None else month, 1 if day is None else day)
    except ValueError as exc:
        raise click.BadParameter(f"{value} is not a date ({exc})") from None
    return value


def _filter(kw: dict, limit: int | None = None):
    from corpus_cli.storage.store import ArticleFilter

    lo, hi = kw.get("date_from"), kw.get("date_to")
    if lo and hi and lo > hi and not lo.startswith(hi):
        raise click.BadParameter(f"--from {lo} is after --to {hi}", param_hint="'--from'")
    return ArticleFilter(
        year=kw.get("year"), date_from=kw.get("date_from"), date_to=kw.get("date_to"),
        kind=kw.get("kind"), source=kw.get("source"), entity=kw.get("entity"),
        limit=limit, site=kw.get("site"),
    )


def _pick_format(fmt: str | None, target: str | None, allowed: tuple[str, ...]) -> str | None:
    """The format asked for by a flag, or named by ``-o FILE``'s ending; a flag and an
    ending that disagree are a usage error. ``None``: the command's default."""
    from corpus_cli.output import format_of_path

    named = format_of_path(target)
    if named is not None and named not in allowed:
        if named == "txt" and "table" in allowed:
            named = None  # a .txt file gets what a pipe gets
        elif fmt is None:
            raise click.UsageError(
                f"cannot write {named} to {target}: this command writes "
                f"{', '.join(allowed)} (give a flag or another file name)")
        else:
            named = None
    if fmt is not None and named is not None and fmt != named:
        raise click.UsageError(f"--{fmt} does not match the file name {target} ({named}): "
                               "use one or the other")
    return fmt or named


def _emit(view: Callable, fmt: str | None, target: str | None, force: bool,
          allowed: tuple[str, ...] = ("table", "tsv", "csv", "json", "jsonl"),
          document: bool = False, store=None, inputs=(), what: str = "record",
          raw_formulas: bool = False) -> int:
    """Open stdout or ``-o FILE``, pick the format and call ``view(fmt, stream)``.
    ``document``: the default is the human view even when piped (``dedupe``, ``show``,
    ``stats``); else a table on a terminal and TSV when piped. ``store``: the store's path,
    or the open store (whose pages are inputs too: never written)."""
    from corpus_cli import output

    fmt = _pick_format(fmt, target, allowed)
    is_input = None
    if store is not None and not isinstance(store, str):
        is_input = store.holds_page
        store = store.path
    with output.open_output(target, force, store=store, inputs=inputs,
                            inert_on_terminal=fmt == "csv", is_input=is_input,
                            neutral_formulas=False if raw_formulas else None) as stream:
        if fmt is None:
            fmt = "table" if document else output.default_format(None, stream)
        n = view(fmt, stream)
    if target not in (None, "-"):
        output.message(f"corpus: wrote {n} {what}(s) to {target}")
    return n


def _report_problems(problems) -> None:
    from corpus_cli import output

    for p in problems:
        label = "warning: " if p.level == "warning" else ""
        output.message(f"corpus: {p.path}: {label}{p.message}", style="yellow")
    errors = [p for p in problems if p.level != "warning"]
    skipped = sum(p.line is None for p in errors)
    if skipped:
        output.message(f"corpus: {skipped} input(s) skipped", style="yellow")
    if len(errors) > skipped:
        output.message(f"corpus: {len(errors) - skipped} extraction(s) failed; the items "
                       "are kept without what failed", style="yellow")


def _exit_for(problems) -> None:
    if any(p.level != "warning" for p in problems):
        sys.exit(1)


@click.group(cls=CorpusGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="corpus")
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Turn a folder of scraped web pages into a clean, deduplicated, article-level corpus.

    \b
    Start with:   corpus dedupe PAGES/        (builds ./corpus.db)
    Then:         corpus list --year 2024
                  corpus search "some words"
                  corpus report -o report.html
    Every command that prints records takes --table, --tsv, --csv, --json,
    --jsonl and -o FILE. Documentation: corpus docs (or corpus docs cli).
    Shell completion: eval "$(_CORPUS_COMPLETE=bash_source corpus)" (zsh_source, fish_source).
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


# ---------------------------------------------------------------------------------------
@cli.command()
@input_options
@click.option("--explain", is_flag=True, help="List every removal with its reason.")
@limit_option("At most N paragraphs.")
@output_options("A file gets the paragraph records (format from the flag or FILE's ending); "
                "a folder (existing, ending in /, or a name without a format ending) gets "
                "one cleaned text file per page.")
def clean(paths, pattern, reading, explain, limit, fmt, target, force, raw_formulas) -> None:
    """Show the cleaned paragraphs of pages (files, folders, globs, - for stdin).

    \b
    Examples:
      corpus clean seeds/ --explain
      corpus clean seeds/ --jsonl | jq -r 'select(.status == "removed") | .reason'
      corpus clean seeds/ -o cleaned/
      corpus clean page.html          (the text read from an HTML page)

    Text, HTML and WARC inputs: the paragraphs of an HTML page are those of the
    text extracted from it (corpus docs inputs).
    """
    from corpus_cli import output
    from corpus_cli.output.views import clean_summary, clean_view
    from corpus_cli.pipeline import clean_paths

    with output.progress_bar() as progress:
        report = clean_paths(paths, pattern or DEFAULT_PATTERNS, reading,
                             progress=progress)
    _report_problems(report.problems)
    if target and _is_folder(target, fmt):
        written = output.write_clean_pages(report.pages, target, force=force)
        output.message(f"corpus: wrote {written} cleaned page(s) to {target}")
    else:
        inputs = [cp.page.path for cp in report.pages]
        if target and _names_input(target, paths, pattern):
            inputs.append(target)
        _emit(lambda f, s: clean_view(report.pages, f, s, explain=explain, limit=limit),
              fmt, target, force, inputs=inputs, what="paragraph", raw_formulas=raw_formulas)
    output.message(clean_summary(report.counts))
    if not report.pages and not report.problems:
        raise click.ClickException("no pages found")
    _exit_for(report.problems)


def _names_input(target: str, paths, pattern) -> bool:
    from corpus_cli.inputs.loader import names_input

    return names_input(target, paths, pattern or DEFAULT_PATTERNS)


def _is_folder(target: str, fmt: str | None) -> bool:
    from corpus_cli.output import format_of_path

    if target == "-":
        return False
    if target.endswith(("/", os.sep)) or os.path.isdir(target):
        return True
    return fmt is None and format_of_path(target) is None


# ---------------------------------------------------------------------------------------
@cli.command()
@input_options
@db_option
@click.option("--threshold", type=click.FloatRange(0.5, 1.0), default=0.8, show_default=True,
              help="Similarity (rapidfuzz ratio, 0-1) for two paragraphs to be copies.")
@click.option("--dry-run", is_flag=True, help="Report what would be stored; write nothing.")
@click.option("--explain", is_flag=True, help="List every dropped paragraph and why.")
@limit_option("Clusters shown (the report: 10 unless given; JSON, CSV: all unless given).",
              "--top")
@click.option("--workers", type=click.IntRange(1, 64),
              help="Processes for loading, dates and entities (default: cores, at most 8).")
@click.option("--rebuild", is_flag=True,
              help="Clean every page again instead of reusing unchanged pages from the store.")
@click.option("--replace", is_flag=True,
              help="Rebuild the corpus from these inputs even though the store holds pages "
                   "that are not among them (they and their items go).")
@click.option("--ner", type=click.Choice(["builtin", "spacy", "none"]), default="builtin",
              show_default=True,
              help="Entity extractor: the built-in rules, spaCy (if installed), or none.")
@scheduler_option
@output_options()
def dedupe(paths, pattern, reading, db, threshold, dry_run, explain, limit, workers, rebuild,
           replace, ner, scheduler, fmt, target, force, raw_formulas) -> None:
    """Build the corpus of these pages: load, clean, deduplicate, write the store.

    Prints a report: what changed, counts, the largest clusters of copies
    (--json: the whole report, --csv/--tsv: one row per cluster). Run again on
    the same inputs, it reads only pages that changed (nothing at all when none
    did). A store holding pages that are not among the inputs is refused: grow
    it with 'corpus add', or rebuild it with --replace.

    \b
    Examples:
      corpus dedupe seeds/
      corpus dedupe pages/ --db site.db --explain > drops.txt
      corpus dedupe seeds/ --json | jq '.clusters | length'
      corpus dedupe crawl/ --html full   (HTML and WARC too)
      corpus dedupe batch2/ --replace
    """
    from corpus_cli import output
    from corpus_cli.dedupe import DedupeConfig
    from corpus_cli.output.views import dedupe_view
    from corpus_cli.pipeline import run_dedupe
    from corpus_cli.storage.store import default_path

    _pick_format(fmt, target, ("table", "tsv", "csv", "json", "jsonl"))  # fail early
    engine = _engine(scheduler)
    with engine or nullcontext(), output.progress_bar() as progress:
        report = run_dedupe(paths, pattern=pattern or DEFAULT_PATTERNS, encoding=reading, db=db,
                            config=DedupeConfig(threshold=threshold), dry_run=dry_run,
                            workers=workers, progress=progress, ner=ner,
                            incremental=not rebuild, engine=engine, replace=replace)
    _report_problems(report.problems)
    if not report.counts.pages and not report.problems:
        raise click.ClickException("no pages found")
    _emit(lambda f, s: dedupe_view(report, f, s, limit=limit, explain=explain), fmt, target,
          force, document=True, store=db or default_path(), what="cluster",
          inputs=[target] if target and _names_input(target, paths, pattern) else (),
          raw_formulas=raw_formulas)
    _exit_for(report.problems)


def report_options(f: Callable) -> Callable:
    """--dry-run, --explain, --top, --workers and the output options of add and remove."""
    opts = [
        output_options(),
        click.option("--workers", type=click.IntRange(1, 64),
                     help="Processes for loading, dates and entities (default: cores, at "
                          "most 8)."),
        limit_option("Clusters shown (the report: 10 unless given; JSON, CSV: all unless "
                     "given).", "--top"),
        click.option("--explain", is_flag=True, help="List every dropped paragraph and why."),
        click.option("--dry-run", is_flag=True,
                     help="Report what the corpus would be; write nothing."),
    ]
    for o in opts:
        f = o(f)
    return f


def _show_update(report, db, fmt, target, force, limit, explain, raw_formulas=False,
                 inputs=()) -> None:
    from corpus_cli.output.views import dedupe_view
    from corpus_cli.storage.store import default_path

    _report_problems(report.problems)
    _emit(lambda f, s: dedupe_view(report, f, s, limit=limit, explain=explain), fmt, target,
          force, document=True, store=db or default_path(), what="cluster", inputs=inputs,
          raw_formulas=raw_formulas)
    _exit_for(report.problems)


@cli.command()
@input_options
@db_option
@report_options
@scheduler_option
def add(paths, pattern, reading, db, dry_run, explain, limit, workers, fmt, target,
        force, raw_formulas, scheduler) -> None:
    """Grow the stored corpus with these pages.

    New pages are cleaned and deduplicated against everything stored; a page
    read again (same path, or another path with the same URL) replaces its
    earlier contribution; the other stored pages stay. The store's options
    (threshold, --ner, encoding) are used. The result is the corpus a fresh
    'corpus dedupe' of all its pages would give.

    \b
    Examples:
      corpus add scrape-2024-06-02/
      corpus add new-pages/ --json | jq .changes
    """
    from corpus_cli import output
    from corpus_cli.pipeline import run_add

    _pick_format(fmt, target, ("table", "tsv", "csv", "json", "jsonl"))  # fail early
    engine = _engine(scheduler)
    with engine or nullcontext(), output.progress_bar() as progress:
        report = run_add(paths, pattern=pattern or DEFAULT_PATTERNS, encoding=reading, db=db,
                         workers=workers, progress=progress, dry_run=dry_run, engine=engine)
    _show_update(report, db, fmt, target, force, limit, explain, raw_formulas,
                 [target] if target and _names_input(target, paths, pattern) else ())


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@db_option
@report_options
@scheduler_option
def remove(paths, db, dry_run, explain, limit, workers, fmt, target, force,
           raw_formulas, scheduler) -> None:
    """Take pages out of the stored corpus; clusters and items are formed again.

    PATHS are stored page paths (as 'corpus list' shows them), folders holding
    stored pages, globs over stored paths, or page URLs. The files themselves
    are not touched and need not exist.

    \b
    Examples:
      corpus remove scrape-2024-06-01/page-17.txt
      corpus remove 'old/*.txt' --json | jq .changes.items
    """
    from corpus_cli import output
    from corpus_cli.pipeline import run_remove

    _pick_format(fmt, target, ("table", "tsv", "csv", "json", "jsonl"))  # fail early
    engine = _engine(scheduler)
    with engine or nullcontext(), output.progress_bar() as progress:
        report = run_remove(paths, db=db, workers=workers, progress=progress, dry_run=dry_run,
                            engine=engine)
    _show_update(report, db, fmt, target, force, limit, explain, raw_formulas)


# ---------------------------------------------------------------------------------------
@cli.command(name="list")
@db_option
@filter_options
@limit_option("At most N items.")
@output_options()
def list_(db, limit, fmt, target, force, raw_formulas, **kw) -> None:
    """List the news items of the corpus, newest first.

    \b
    Examples:
      corpus list --year 2024
      corpus list --kind article --jsonl | jq -r .title
      corpus list --csv -o items.csv
    """
    from corpus_cli.output.views import items_view
    from corpus_cli.storage.store import open_store

    with open_store(db) as store:
        n = _emit(lambda f, s: items_view(store.articles(_filter(kw, limit)), f, s), fmt,
                  target, force, store=store, what="item", raw_formulas=raw_formulas)
    if n == 0:
        _no_match()


def _no_match(what: str = "items") -> None:
    from corpus_cli import output

    output.message(f"corpus: no {what} match")


@cli.command()
@db_option
@click.argument("ident", metavar="ID")
@output_options()
def show(db, ident, fmt, target, force, raw_formulas) -> None:
    """Show one item in full: text, sources, dates, entities and merged copies.

    ID is an item id (the last column of list and search) or a unique prefix of
    at least 4 characters.

    \b
    Examples:
      corpus show 3f2a9c
      corpus show 3f2a9c --json | jq .sources
    """
    from corpus_cli.output.views import item_view
    from corpus_cli.storage.store import open_store

    with open_store(db) as store:
        article = store.article(ident)
        if article is None:
            many = store.ids_starting(ident, 4) if len(ident) >= 4 else []
            if len(many) > 1:
                shown = ", ".join(many[:3]) + (", ..." if len(many) > 3 else "")
                raise click.ClickException(
                    f"{ident!r} starts {'more than 3' if len(many) > 3 else len(many)} item "
                    f"ids ({shown}): give more characters")
            raise click.ClickException(f"no item with id {ident!r} (see 'corpus list')")
        paragraphs = list(store.paragraphs(ids=article.paragraph_ids))
        copies = store.copies(article.paragraph_ids)
        _emit(lambda f, s: item_view(article, paragraphs, copies, f, s), fmt, target, force,
              document=True, store=store, what="item", raw_formulas=raw_formulas)


@cli.command()
@db_option
@click.option("--type", "type_", type=click.Choice(["PERSON", "ORG", "PLACE", "EVENT"],
              case_sensitive=False), help="Only entities of this type.")
@limit_option("The N most mentioned.", "--top")
@output_options()
def entities(db, type_, limit, fmt, target, force, raw_formulas) -> None:
    """List canonical entities (people, organizations, places, events) with aliases.

    \b
    Examples:
      corpus entities --type PERSON --limit 10
      corpus entities --json | jq -r '.[] | select(.aliases | length > 1) | .name'
    """
    from corpus_cli.output.views import entities_view
    from corpus_cli.storage.store import open_store

    with open_store(db) as store:
        n = _emit(lambda f, s: entities_view(store.entities(type_, limit), f, s), fmt, target,
                  force, store=store, what="entity", raw_formulas=raw_formulas)
    if n == 0:
        _no_match("entities")


# ---------------------------------------------------------------------------------------
@cli.command()
@db_option
@click.argument("query", nargs=-1, required=True)
@filter_options
@limit_option("At most N hits (default 20; 0: all).", default=20)
@click.option("--fuzzy/--no-fuzzy", default=True, show_default=True,
              help="Also match similar spellings of rare words (Yuri/Yury).")
@click.option("--engine", type=click.Choice(["auto", "fts5", "tantivy"]), default="auto",
              show_default=True,
              help="auto: the tantivy index when installed and up to date, else SQLite FTS5.")
@output_options()
def search(db, query, limit, fuzzy, engine, fmt, target, force, raw_formulas, **kw) -> None:
    """Full-text search of titles and texts, best matches first.

    \b
    Words must all occur; "a phrase" in quotes; AND, OR, NOT (upper case)
    and parentheses; a prefix with a star: terror*. Case and accents are
    ignored. The whole syntax: corpus docs search.

    \b
    Examples:
      corpus search Afghanistan --year 2024
      corpus search '"Working Group" OR terror*' --jsonl | jq -r .id
      corpus show "$(corpus search water --jsonl --limit 1 | jq -r .id)"
    """
    from corpus_cli import output
    from corpus_cli.output.views import hits_view
    from corpus_cli.search import run_search
    from corpus_cli.storage.store import open_store

    with open_store(db) as store:
        result = run_search(store, " ".join(query), _filter(kw, limit or None), fuzzy=fuzzy,
                            engine=engine)
        for term, variants in result.variants.items():
            output.message(f"corpus: {_quoted(term)} also matched "
                           + ", ".join(_quoted(v) for v in variants))
        n = _emit(lambda f, s: hits_view(result.hits, f, s), fmt, target, force,
                  store=store, what="hit", raw_formulas=raw_formulas)
    if n == 0:
        _no_match()


def _quoted(text: str) -> str:
    return text if text.startswith('"') else f'"{text}"'


@cli.command()
@db_option
@filter_options
@limit_option("At most N items.")
@click.option("--format", "export_fmt", type=click.Choice(
    ["jsonl", "json", "csv", "tsv", "md", "txt"]),
    help="The format (default: from -o's ending, else jsonl); the flags say the same.")
@output_options("A file, a folder (md/txt: one file per item) or - for stdout (default).")
def export(db, limit, export_fmt, fmt, target, force, raw_formulas, **kw) -> None:
    """Export the items (newest first) as JSON Lines, JSON, CSV, TSV, Markdown or text.

    The records are those of 'corpus list'; the format comes from --format (or a
    format flag) or from the ending of -o FILE, and the two must agree.

    \b
    Examples:
      corpus export -o items.jsonl
      corpus export -o items.csv --year 2024
      corpus export --format md -o items/
    """
    from corpus_cli import output
    from corpus_cli.storage.store import open_store

    if export_fmt and fmt and export_fmt != fmt:
        raise click.UsageError(f"--format {export_fmt} and --{fmt} disagree")
    if fmt == "table":
        raise click.UsageError("export writes jsonl, json, csv, tsv, md or txt (not a table)")
    chosen = _pick_format(export_fmt or fmt, target, output.EXPORT_FORMATS) or "jsonl"
    with open_store(db) as store:
        n = output.export_items(store.articles(_filter(kw, limit)), chosen, target or "-",
                                force, store=store.path, neutral_formulas=not raw_formulas,
                                is_input=store.holds_page)
    if target not in (None, "-"):
        output.message(f"corpus: exported {n} item(s) to {target}")
    if n == 0:
        _no_match()


@cli.command()
@db_option
@filter_options
@click.option("--by", type=click.Choice(["month", "year"]),
              help="Histogram periods (default: month, or year when the bulk of the dates "
              "spans more than 3 years).")
@limit_option("The N entities in most items (default 10).", default=10)
@output_options()
def stats(db, by, limit, fmt, target, force, raw_formulas, **kw) -> None:
    """Counts, date range, items per month or year and top entities (filters: items only).

    --csv and --tsv give the histogram (period, items); --json everything.

    \b
    Examples:
      corpus stats --year 2024
      corpus stats --by month --csv -o months.csv
      corpus stats --json | jq .removed_by_reason
    """
    from corpus_cli.output.views import stats_view
    from corpus_cli.stats import corpus_stats
    from corpus_cli.storage.store import open_store

    with open_store(db) as store:
        st = corpus_stats(store, _filter(kw), by, top=limit)
        _emit(lambda f, s: stats_view(st, f, s), fmt, target, force, document=True,
              store=store, what="record", raw_formulas=raw_formulas)


@cli.command()
@db_option
@limit_option("Rows in each table and chart (default 15).", default=15)
@click.option("-o", "--output", "target", metavar="FILE.html",
              help="The HTML file to write (default: stdout when it is not a terminal).")
@click.option("--force", is_flag=True, help="Replace an existing file.")
def report(db, limit, target, force) -> None:
    """Write a self-contained HTML report of the corpus.

    Items per month, top entities by type, sites, duplicate clusters by kind
    and every dropped paragraph. One file, no network needed to view it:
    charts are inline SVG. Each chart links to the corpus command that prints
    its data.

    \b
    Examples:
      corpus report -o report.html
      corpus report --db site.db -o site.html && xdg-open site.html
    """
    from corpus_cli import output
    from corpus_cli.output.report import render_report
    from corpus_cli.report import build_report
    from corpus_cli.storage.store import open_store

    if target in (None, "-") and output.is_terminal():
        raise click.UsageError("give -o FILE.html (the report is an HTML file)")
    with open_store(db) as store:
        if target not in (None, "-") and store.holds_page(target):
            raise click.ClickException(f"refusing to overwrite {target}: it is an input page "
                                       "of the corpus")
        data = build_report(store, limit=limit)
    html = render_report(data)
    with output.open_output(target, force, store=data.db) as stream:
        stream.write(html)
    if target not in (None, "-"):
        output.message(f"corpus: wrote the report to {target}")


@cli.command()
@click.argument("topic", required=False)
def docs(topic) -> None:
    """Print the documentation that ships with corpus (Markdown).

    Without TOPIC, lists the topics.

    \b
    Examples:
      corpus docs
      corpus docs search | less
      corpus docs json
    """
    from corpus_cli import output
    from corpus_cli.manual import doc_text, topics

    if topic is None:
        for name, title in topics():
            sys.stdout.write(f"{name:<12} {title}\n")
        return
    text = doc_text(topic)
    if text is None:
        names = ", ".join(n for n, _ in topics())
        raise click.ClickException(f"no documentation on {topic!r} (topics: {names})")
    sys.stdout.write(output.inert(text, keep_newlines=True))


def main() -> None:  # pragma: no cover
    cli(prog_name="corpus")

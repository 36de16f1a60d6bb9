"""The ``corpus`` command: a thin Click layer over the library.

Each command parses its options, calls one library function and hands the records to
:mod:`corpus_cli.output`. Library errors (:class:`CorpusError`) become one-line messages;
``--debug`` shows the traceback. Exit codes: 0 success (including no matches), 1 runtime
error or some inputs unreadable, 2 usage error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import click

from corpus_cli import __version__
from corpus_cli.errors import CorpusError

FORMAT_FLAGS = (
    ("--json", "json", "A JSON array."),
    ("--jsonl", "jsonl", "JSON Lines: one record a line (streams)."),
    ("--csv", "csv", "CSV with a header row."),
    ("--tsv", "tsv", "Tab-separated columns (the default when piped)."),
    ("--table", "table", "A table (the default on a terminal)."),
)


class CorpusGroup(click.Group):
    """Turns library errors into one-line messages and a closed pipe into a quiet exit."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CorpusError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise click.ClickException(str(exc)) from None
        except BrokenPipeError:
            _silence_stdout()
            sys.exit(0)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the one place that catches everything
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise click.ClickException(
                f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)"
            ) from None


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def format_options(default_help: str = "") -> Callable:
    """--json/--jsonl/--csv/--tsv/--table, stored as ``fmt``."""

    def deco(f: Callable) -> Callable:
        for flag, value, help_ in reversed(FORMAT_FLAGS):
            f = click.option(flag, "fmt", flag_value=value, help=help_)(f)
        return f

    return deco


def input_options(f: Callable) -> Callable:
    f = click.option("--encoding", metavar="NAME",
                     help="Force this encoding instead of detecting it.")(f)
    f = click.option("--glob", "pattern", default="*.txt", show_default=True,
                     help="Files to take from folders (searched recursively).")(f)
    f = click.argument("paths", nargs=-1, required=True)(f)
    return f


def db_option(f: Callable) -> Callable:
    return click.option(
        "--db", "db", envvar="CORPUS_DB", metavar="PATH",
        help="The corpus store (default ./corpus.db, or $CORPUS_DB).")(f)


def filter_options(f: Callable) -> Callable:
    opts = [
        click.option("--limit", type=click.IntRange(min=0), help="At most this many items."),
        click.option("--entity", metavar="NAME", help="Items mentioning this entity (any alias)."),
        click.option("--source", metavar="TEXT", help="Items with a source path containing TEXT."),
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
    import re

    if value is None:
        return None
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        raise click.BadParameter("use an ISO date: YYYY, YYYY-MM or YYYY-MM-DD")
    return value


def _filter(kw: dict):
    from corpus_cli.store import ArticleFilter

    return ArticleFilter(
        year=kw.get("year"), date_from=kw.get("date_from"), date_to=kw.get("date_to"),
        kind=kw.get("kind"), source=kw.get("source"), entity=kw.get("entity"),
        limit=kw.get("limit"),
    )


def _report_problems(problems) -> None:
    from corpus_cli import output

    for p in problems:
        output.message(f"corpus: {p.path}: {p.message}", style="yellow")
    if problems:
        output.message(f"corpus: {len(problems)} input(s) skipped", style="yellow")


def _exit_for(problems) -> None:
    if problems:
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
    Shell completion: eval "$(_CORPUS_COMPLETE=bash_source corpus)" (zsh_source, fish_source).
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


# ---------------------------------------------------------------------------------------
@cli.command()
@input_options
@click.option("--explain", is_flag=True, help="List every removal with its reason.")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Write each cleaned page as a text file into DIR.")
@click.option("--force", is_flag=True, help="Allow writing into a non-empty DIR.")
@format_options()
def clean(paths, pattern, encoding, explain, out_dir, force, fmt) -> None:
    """Show the cleaned paragraphs of pages (files, folders, globs, - for stdin)."""
    from corpus_cli import output
    from corpus_cli.pipeline import clean_paths

    with output.progress_bar() as progress:
        pages, problems = clean_paths(paths, pattern, encoding, progress=progress)
    _report_problems(problems)
    if out_dir:
        written = output.write_clean_pages(pages, out_dir, paths, force=force)
        output.message(f"corpus: wrote {written} cleaned page(s) to {out_dir}")
    else:
        output.show_clean(pages, fmt, explain=explain)
    n = sum(len(cp.paragraphs) for cp in pages)
    removed = [p for cp in pages for p in cp.paragraphs if p.status == "removed"]
    output.message(
        f"corpus: {len(pages)} page(s), {n} paragraph(s): {n - len(removed)} kept, "
        f"{len(removed)} removed" + output.by_reason(p.reason for p in removed))
    if not pages and not problems:
        raise click.ClickException("no pages found")
    _exit_for(problems)


# ---------------------------------------------------------------------------------------
@cli.command()
@input_options
@db_option
@click.option("--threshold", type=click.FloatRange(0.5, 1.0), default=0.8, show_default=True,
              help="Similarity (rapidfuzz ratio, 0-1) for two paragraphs to be copies.")
@click.option("--dry-run", is_flag=True, help="Report what would be stored; write nothing.")
@click.option("--explain", is_flag=True, help="List every dropped paragraph and why.")
@click.option("--top", type=click.IntRange(0), default=10, show_default=True,
              help="Clusters shown in the report.")
@click.option("--workers", type=click.IntRange(1, 64),
              help="Processes for loading, dates and entities (default: cores, at most 8).")
@click.option("--rebuild", is_flag=True,
              help="Clean every page again instead of reusing unchanged pages from the store.")
@click.option("--ner", type=click.Choice(["builtin", "spacy", "none"]), default="builtin",
              show_default=True,
              help="Entity extractor: the built-in rules, spaCy (if installed), or none.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Run on a Dask cluster (tcp://host:8786); needs corpus-cli[distributed].")
@click.option("--json", "fmt", flag_value="json", help="The report as one JSON object.")
def dedupe(paths, pattern, encoding, db, threshold, dry_run, explain, top, workers, rebuild,
           ner, scheduler, fmt) -> None:
    """Load, clean and deduplicate pages, and write the corpus store."""
    from contextlib import nullcontext

    from corpus_cli import output
    from corpus_cli.dedupe import DedupeConfig
    from corpus_cli.pipeline import run_dedupe

    engine = None
    if scheduler:
        from corpus_cli.distributed import DaskEngine

        engine = DaskEngine(scheduler)
    with engine or nullcontext(), output.progress_bar() as progress:
        report = run_dedupe(paths, pattern=pattern, encoding=encoding, db=db,
                            config=DedupeConfig(threshold=threshold), dry_run=dry_run,
                            workers=workers, progress=progress, ner=ner,
                            incremental=not rebuild, engine=engine)
    _report_problems(report.problems)
    if not report.pages and not report.problems:
        raise click.ClickException("no pages found")
    output.show_dedupe(report, fmt or "human", top=top, explain=explain)
    _exit_for(report.problems)


# ---------------------------------------------------------------------------------------
@cli.command(name="list")
@db_option
@filter_options
@format_options()
def list_(db, fmt, **kw) -> None:
    """List the news items of the corpus, newest first."""
    from corpus_cli import output
    from corpus_cli.store import open_store

    with open_store(db) as store:
        n = output.show_articles(store.articles(_filter(kw)), output.default_format(fmt))
    if n == 0:
        output.message("corpus: no items match")


@cli.command()
@db_option
@click.argument("ident", metavar="ID")
@click.option("--json", "fmt", flag_value="json", help="The item as one JSON object.")
def show(db, ident, fmt) -> None:
    """Show one item in full: text, sources, dates, entities and merged copies."""
    from corpus_cli import output
    from corpus_cli.store import open_store

    with open_store(db) as store:
        article = store.article(ident)
        if article is None:
            raise click.ClickException(f"no item with id {ident!r} (see 'corpus list')")
        paragraphs = list(store.paragraphs(ids=article.paragraph_ids))
        copies = store.copies(article.paragraph_ids)
        output.show_article(article, paragraphs, fmt or "human", copies)


@cli.command()
@db_option
@click.option("--type", "type_", type=click.Choice(["PERSON", "ORG", "PLACE", "EVENT"],
              case_sensitive=False), help="Only entities of this type.")
@click.option("--top", type=click.IntRange(0), help="The N most mentioned.")
@format_options()
def entities(db, type_, top, fmt) -> None:
    """List canonical entities (people, organizations, places, events) with aliases."""
    from corpus_cli import output
    from corpus_cli.store import open_store

    with open_store(db) as store:
        n = output.show_entities(store.entities(type_, top), output.default_format(fmt))
    if n == 0:
        output.message("corpus: no entities")


# ---------------------------------------------------------------------------------------
@cli.command(context_settings={"default_map": {"limit": 20}})
@db_option
@click.argument("query", nargs=-1, required=True)
@filter_options
@click.option("--fuzzy/--no-fuzzy", default=True, show_default=True,
              help="Also match similar spellings of rare words (Yuri/Yury).")
@click.option("--engine", type=click.Choice(["auto", "fts5", "tantivy"]), default="auto",
              show_default=True,
              help="auto: the tantivy index when installed and up to date, else SQLite FTS5.")
@format_options()
def search(db, query, fuzzy, engine, fmt, **kw) -> None:
    """Full-text search of titles and texts, best matches first (20 unless --limit; 0: all).

    \b
    Words must all occur; "a phrase" in quotes; AND, OR, NOT (upper case)
    and parentheses; a prefix with a star: terror*. Case and accents are
    ignored. See docs/search.md.
    """
    from corpus_cli import output
    from corpus_cli.search import run_search
    from corpus_cli.store import open_store

    if kw.get("limit") == 0:
        kw["limit"] = None
    with open_store(db) as store:
        result = run_search(store, " ".join(query), _filter(kw), fuzzy=fuzzy, engine=engine)
    for term, variants in result.variants.items():
        output.message(f"corpus: {_quoted(term)} also matched "
                       + ", ".join(_quoted(v) for v in variants))
    n = output.show_hits(result.hits, output.default_format(fmt))
    if n == 0:
        output.message("corpus: no items match")


def _quoted(text: str) -> str:
    return text if text.startswith('"') else f'"{text}"'


@cli.command()
@db_option
@filter_options
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json", "csv", "md", "txt"]),
              default="jsonl", show_default=True, help="The export format.")
@click.option("-o", "--output", "target", default="-", show_default=True, metavar="FILE|DIR|-",
              help="A file, a folder (md/txt: one file per item) or - for stdout.")
@click.option("--force", is_flag=True, help="Replace an existing file / write into a "
              "non-empty folder.")
def export(db, fmt, target, force, **kw) -> None:
    """Export the items (newest first) as JSON Lines, JSON, CSV, Markdown or text."""
    from corpus_cli import output
    from corpus_cli.store import open_store

    with open_store(db) as store:
        n = output.export_articles(store.articles(_filter(kw)), fmt, target, force,
                                   protect=(store.path,))
    if target != "-":
        output.message(f"corpus: exported {n} item(s) to {target}")
    if n == 0:
        output.message("corpus: no items match")


@cli.command()
@db_option
@filter_options
@click.option("--by", type=click.Choice(["month", "year"]),
              help="Histogram periods (default: month, or year when the dates span > 3 years).")
@click.option("--json", "fmt", flag_value="json", help="The statistics as one JSON object.")
def stats(db, by, fmt, **kw) -> None:
    """Counts, date range, items per month or year and top entities (filters: items only)."""
    from corpus_cli import output
    from corpus_cli.search import corpus_stats
    from corpus_cli.store import open_store

    with open_store(db) as store:
        st = corpus_stats(store, _filter(kw), by)
    output.show_stats(st, fmt)


def main() -> None:  # pragma: no cover
    cli(prog_name="corpus")


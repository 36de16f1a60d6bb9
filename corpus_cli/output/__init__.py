"""The only package that formats or writes anything (the library never prints).

* :mod:`~corpus_cli.output.safe`: inert text, JSON, consoles, messages on stderr;
* :mod:`~corpus_cli.output.formats`: columns, records in each format, the default format,
  tables fitted to the terminal, progress bars;
* :mod:`~corpus_cli.output.views`: what each command prints;
* :mod:`~corpus_cli.output.export`: files and folders, written atomically;
* :mod:`~corpus_cli.output.report`: the HTML report.

Importing it is cheap: rich is imported only when something is drawn.
"""

from corpus_cli.output.export import (
    EXPORT_FORMATS,
    atomic_file,
    atomic_write,
    export_items,
    open_output,
    write_clean_pages,
)
from corpus_cli.output.formats import (
    RECORD_FORMATS,
    Column,
    default_format,
    format_of_path,
    progress_bar,
    write_records,
)
from corpus_cli.output.safe import inert, is_terminal, message, to_json

__all__ = [
    "EXPORT_FORMATS", "RECORD_FORMATS", "Column", "atomic_file", "atomic_write",
    "default_format", "export_items", "format_of_path", "inert", "is_terminal", "message",
    "open_output", "progress_bar", "to_json", "write_clean_pages", "write_records",
]

"""corpus: turn scraped web pages into a clean, deduplicated, article-level corpus."""

__version__ = "0.1.0"

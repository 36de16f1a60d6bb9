"""The storage layer: the SQLite store (:mod:`.store`) and the tantivy side index
(:mod:`.index`). One writer (:meth:`Store.writer`) owns both formats."""

"""Reading inputs: files, folders, globs and stdin (:mod:`.loader`), in any of three
formats (:mod:`.detect`): text files (:mod:`.loader`), HTML pages (:mod:`.html`) and WARC
archives (:mod:`.warc`). :func:`.pages.read_pages` turns one input into its pages.

The HTML and WARC readers import their libraries (trafilatura, lxml, htmldate, warcio)
only when such an input is read.
"""

"""`nnlab report`: runs compared from their run folders alone, never importing TensorFlow.

`build` reads the runs (through `nnlab.runs.read`), checks every option and
computes the report: `entries` (each run as names and values), `columns` (what
differs, what is shared), `groups` and `stats` (across seeds: Student's t
intervals, paired comparisons with the best), `where` (the `--where`
language). Renderers only read the result: `text` and `terminal` (the
tables), `plotting` and `figures` (PNG figures), `page` (one HTML file) and
`export` (CSV, Markdown, `--out`).
"""

"""Run folders, written and read back, without TensorFlow.

`folder` is the one definition of what a run folder holds; `record` its
`run.json` and status; `metrics` its `metrics.csv` and summary; `read` finds and
reads runs (sweeps included) for `report` and sweep resume; `plots` draws them.
"""

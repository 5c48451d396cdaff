"""Sweeps: one experiment, many trials, run in warm workers into one resumable folder.

Data flows one way, as for `nnlab train`: a sweep file (an experiment config
plus a `sweep:` section, maybe starting from a `base:` file) is read
(`file`), its section checked (`section`), expanded into trials and every
trial resolved and validated before anything runs (`trials`). The sweep
folder (`folder`, `table`) holds `sweep.yaml`, `trials.csv`, `sweep.json`
and one ordinary run folder per trial under `trials/<id>/`; `resume` reads
an existing one back through `nnlab.runs.read`. `schedule` hands trials to a
pool of warm workers: local processes (`local`, `worker`) or Ray actors
(`ray_pool`), each importing TensorFlow once (`runner`); the parent process
never imports TensorFlow.
"""

COMMAND = "nnlab sweep"  # what problems with the command line itself (its options) are reported against

"""Training: the only room of nnlab that imports Keras, TensorFlow or JAX.

Python runs this file before any module of the package, so the Keras backend
is chosen here, before Keras is first imported, whatever order the modules
below are imported in (an import sorter cannot break it). The caller chooses
the backend through `$NNLAB_BACKEND` before importing this package
(`nnlab.experiment.select_backend`); without it, TensorFlow.
"""

from nnlab.training.backend import activate

activate()

"""The dependency rules: only nnlab/training/ imports Keras, TensorFlow or JAX."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "nnlab"
FRAMEWORKS = ("keras", "tensorflow", "jax")


def modules_outside_training():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).with_suffix("")
        if relative.parts[1] != "training" and relative.name != "__main__":
            yield ".".join(relative.parts).removesuffix(".__init__")


def framework_imports(path: Path) -> list[str]:
    """Every import of a framework anywhere in a file, inside functions too."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        found += [f"{path.relative_to(ROOT)}:{node.lineno}: {name}" for name in names if name.split(".")[0] in FRAMEWORKS]
    return found


def test_no_module_outside_training_imports_a_framework_anywhere():
    files = [path for path in PACKAGE.rglob("*.py") if "training" not in path.relative_to(PACKAGE).parts]
    assert [line for path in files for line in framework_imports(path)] == []


def test_importing_every_room_but_training_imports_no_framework():
    modules = list(modules_outside_training())
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + f"print(sorted(m for m in {FRAMEWORKS!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.train
@pytest.mark.parametrize("module", ["nnlab.training.run", "nnlab.training.callbacks", "nnlab.training.build"])
def test_the_backend_is_chosen_before_any_training_module_imports_keras(module):
    """Importing a training module first still activates the backend first (the package's __init__ runs before it)."""
    code = f"import os, sys; os.environ['KERAS_BACKEND'] = 'jax'; import {module}; import keras; print(keras.config.backend())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "tensorflow"

"""The dependency rules: only nnlab/training/ imports Keras, TensorFlow or JAX."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fake_runs import config, write_sweep

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


COMMANDS = {
    "help": ["--help"],
    "validate": ["validate", "configs/digits_mlp.yaml"],
    "show": ["show", "configs/digits_mlp.yaml"],
    "data list": ["data", "list"],
    "data show": ["data", "show", "digits", "--output", "{tmp}/grid.png"],
    "sweep --dry-run": ["sweep", "configs/init_sweep.yaml", "--dry-run"],
    "validate a sweep": ["validate", "configs/init_sweep.yaml"],
    "report": ["report", "{tmp}/runs", "--out", "{tmp}/report"],
}
RUN_COMMANDS = """
import json, sys
from nnlab.cli import app
imported = {}
for name, argv in json.loads(sys.argv[1]).items():
    try:
        app(argv)
    except SystemExit as exit:
        assert exit.code in (0, None), (name, exit.code)
    imported[name] = sorted(m for m in FRAMEWORKS if m in sys.modules)
print(json.dumps(imported))
"""


@pytest.fixture(scope="module")
def imported_by_command(tmp_path_factory) -> dict[str, list[str]]:
    """Every command that does not train, run one after another in one fresh interpreter: the frameworks loaded after each."""
    tmp = tmp_path_factory.mktemp("commands")
    write_sweep(tmp / "runs" / "sweep", [(config(seed=seed), 0.8 + 0.01 * seed) for seed in range(2)], {"seeds": [0, 1]})
    commands = {name: [part.format(tmp=tmp) for part in argv] for name, argv in COMMANDS.items()}
    code = f"FRAMEWORKS = {FRAMEWORKS!r}\n" + RUN_COMMANDS
    out = subprocess.run([sys.executable, "-c", code, json.dumps(commands)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert (tmp / "report" / "report.html").exists() and (tmp / "grid.png").exists()
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("command", COMMANDS)
def test_commands_that_do_not_train_never_import_a_framework(imported_by_command, command):
    assert imported_by_command[command] == []


@pytest.mark.train
@pytest.mark.parametrize("module", ["nnlab.training.run", "nnlab.training.callbacks", "nnlab.training.build"])
def test_the_backend_is_chosen_before_any_training_module_imports_keras(module):
    """Importing a training module first still activates the backend first (the package's __init__ runs before it)."""
    code = f"import os, sys; os.environ['KERAS_BACKEND'] = 'jax'; import {module}; import keras; print(keras.config.backend())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "tensorflow"

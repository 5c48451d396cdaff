"""`nnlab data`: the dataset catalogue, and a look at one dataset.

Neither command imports TensorFlow: loaders read files with NumPy, and only a
download (which `list` never starts) goes through Keras.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from nnlab.errors import ExitCode

EXIT_USAGE = ExitCode.USAGE

data_app = typer.Typer(no_args_is_help=True, add_completion=False, help="The datasets nnlab knows: list them, look at one.")


@data_app.command("list")
def list_datasets() -> None:
    """Every dataset name with its task, shapes, classes, and whether it is on this machine (no download needed)."""
    from nnlab.data import REGISTRY

    rows = [("NAME", "KIND", "TASK", "SHAPES", "CLASSES", "OFFLINE")]
    for entry in sorted(REGISTRY.values(), key=lambda e: (_KIND_ORDER.index(e.kind), e.name)):
        offline = "yes" if entry.is_available() else "no (download)"
        if entry.kind == "file":
            offline = "your file"
        rows.append((entry.name, entry.kind, entry.task, entry.shapes, "" if entry.classes is None else str(entry.classes), offline))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


_KIND_ORDER = ["embedded", "downloadable", "generated", "file"]


@data_app.command("show")
def show_dataset(
    name: Annotated[str, typer.Argument(help="A dataset name, as in data.dataset (see `nnlab data list`).", show_default=False)],
    path: Annotated[str | None, typer.Option("--path", "-p", help="data.path: the file or folder to read.", show_default=False)] = None,
    arguments: Annotated[
        list[str] | None,
        typer.Option("--arg", "-a", help="A dataset argument as in data.dataset: --arg target=price (YAML-typed, repeatable).", show_default=False),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Where the PNG of sample images goes. Default: NAME-samples.png.", show_default=False)
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for the generated datasets and the samples shown.")] = 0,
) -> None:
    """Shapes, dtypes, value range and class balance of a dataset; a PNG grid of sample images for image datasets."""
    from nnlab.data import REGISTRY, DataError, load_raw, overview
    from nnlab.errors import did_you_mean

    if name not in REGISTRY:
        typer.echo(f"{name}: unknown dataset" + did_you_mean(name, REGISTRY), err=True)
        raise typer.Exit(EXIT_USAGE)
    spec = {"type": name, **_parse_arguments(arguments or [])}
    accepted = REGISTRY[name].arguments()
    for key in spec:
        if key != "type" and key not in accepted:
            typer.echo(f"{name}: unknown argument '{key}'" + did_you_mean(key, accepted), err=True)
            raise typer.Exit(EXIT_USAGE)
    try:
        _, raw = load_raw({"dataset": spec, "path": path}, seed)
    except DataError as error:
        typer.echo(f"{name}: {error.key}: {error}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    for line in overview.describe_raw(name, raw):
        typer.echo(line)
    if raw.image_shape is not None:
        written = overview.sample_grid(raw, output or Path(f"{name}-samples.png"), seed=seed)
        typer.echo(f"samples: {written}")


def _parse_arguments(pairs: list[str]) -> dict[str, Any]:
    import yaml

    parsed = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key:
            typer.echo(f"--arg {pair}: expected KEY=VALUE, e.g. --arg target=price", err=True)
            raise typer.Exit(EXIT_USAGE)
        parsed[key] = yaml.safe_load(value)
    return parsed


__all__ = ["data_app"]

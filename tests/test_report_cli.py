"""`nnlab report` on the command line: the table, the files it writes, bad input, and no TensorFlow."""

import csv
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nnlab.cli import app
from tests.fake_runs import config, write_run, write_sweep

ROOT = Path(__file__).parent.parent
runner = CliRunner()
OPTIMIZERS = [{"type": "SGD", "learning_rate": 0.1}, {"type": "Adam"}]
INITIALIZERS = ["glorot_uniform", {"type": "TruncatedNormal", "stddev": 0.001}]


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    """An optimizer x initializer sweep, 3 seeds, one failed trial."""
    trials = []
    for o, optimizer in enumerate(OPTIMIZERS):
        for i, initializer in enumerate(INITIALIZERS):
            for seed in range(3):
                cfg = config(optimizer=optimizer, seed=seed, **{"model.defaults.kernel_initializer": initializer})
                trials.append((cfg, 0.7 + 0.1 * o + 0.05 * i + 0.01 * seed))
    folder = write_sweep(tmp_path / "sweep", trials, {"grid": {"optimizer": OPTIMIZERS}, "seeds": [0, 1, 2], "metric": "val_accuracy"})
    write_run(folder / "trials" / "failedtrial", config(seed=7), status="failed", error="ValueError: out of memory")
    return folder


def test_the_table_shows_differing_columns_groups_and_failed_runs(sweep):
    result = runner.invoke(app, ["report", str(sweep)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "13 runs (12 completed, 1 failed) in 4 groups; ranked by val_accuracy (higher is better)" in out
    assert "kernel_initializer" in out and "TruncatedNormal(stddev=0.001)" in out and "SGD(learning_rate=0.1)" in out
    assert "Groups across seeds" in out and "best" in out and "worse" in out
    assert "failedtrial  failed" in out and "ValueError: out of memory" in out


def test_one_seed_per_group_says_the_ranking_is_untested(tmp_path):
    write_run(tmp_path / "a", config(), val_accuracy=0.9)
    write_run(tmp_path / "b", config(optimizer={"type": "Adam"}), val_accuracy=0.8)
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert "n = 1 in every group: the ranking is untested (one seed each); add `repeats: 3`" in result.stdout


def test_csv_has_one_row_per_run_with_every_config_value_and_metric(sweep, tmp_path):
    result = runner.invoke(app, ["report", str(sweep), "--csv", str(tmp_path / "runs.csv")])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "runs.csv").open()))
    assert len(rows) == 13
    completed = next(row for row in rows if row["model.defaults.kernel_initializer"] == "TruncatedNormal(stddev=0.001)")
    assert completed["model.defaults.kernel_initializer.stddev"] == "0.001"
    assert {"optimizer", "optimizer.type", "data.dataset.type", "training.batch_size", "seed", "val_accuracy", "test_loss", "status"} <= set(completed)
    assert float(completed["val_accuracy"]) > 0


class Page(HTMLParser):
    """The section ids, image sources and text of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.images: list[str] = []
        self.scripts = 0
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "section":
            self.sections.append(attributes["id"])
        elif tag == "img":
            self.images.append(attributes["src"])
        elif tag == "script":
            self.scripts += 1
        elif tag in ("link", "a") and attributes.get("href"):
            self.links.append(attributes["href"])

    def handle_data(self, data):
        self.text.append(data)


def test_the_html_page_holds_every_section_and_its_figures_inline(sweep, tmp_path):
    result = runner.invoke(
        app, ["report", str(sweep), "--html", str(tmp_path / "r.html"), "--facet", "optimizer", "--color", "model.defaults.kernel_initializer"]
    )
    assert result.exit_code == 0, result.output
    page = Page()
    page.feed((tmp_path / "r.html").read_text())
    assert page.sections == ["groups", "comparisons", "figures", "problems", "runs", "metrics", "shared"]
    assert len(page.images) == 2 and all(src.startswith("data:image/png;base64,iVBORw0KGgo") for src in page.images)
    assert page.scripts == 0 and all(link.startswith("#") for link in page.links)  # nothing fetched, nothing run
    text = " ".join(page.text)
    assert "not distinguishable at 95%" in text or "worse" in text
    assert "ValueError: out of memory" in text


def test_out_writes_every_file(sweep, tmp_path):
    result = runner.invoke(app, ["report", str(sweep), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    names = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert names == ["report.curves.png", "report.groups.png", "report.html", "report.md", "runs.csv"]
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert "![Learning curves (val_accuracy)](report.curves.png)" in markdown and "| rank |" in markdown


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["{empty}"], "no run folders found"),
        (["{empty}/missing"], "missing: no such file or folder"),
        (["{runs}", "--where", "val_loss <"], "--where 'val_loss <': expected a value after '<'"),
        (["{runs}", "--where", "optimiser.type == 'adam'"], "did you mean 'optimizer.type'?"),
        (["{runs}", "--facet", "optimiser"], "--facet: no run has the config path 'optimiser'"),
        (["{runs}", "--color", "initializer"], "--color: no run has the config path 'initializer'"),
        (["{runs}", "--metric", "val_f1"], "--metric: no run recorded 'val_f1'"),
        (["{runs}", "--html", "{empty}/no/such/folder/r.html"], "the folder"),
    ],
    ids=["no-runs", "missing-path", "where-syntax", "where-unknown", "facet", "color", "metric", "output-folder"],
)
def test_bad_input_is_one_line_and_exit_2_with_nothing_written(tmp_path, arguments, message):
    (tmp_path / "empty").mkdir()
    write_run(tmp_path / "runs" / "a", config())
    arguments = [argument.format(empty=tmp_path / "empty", runs=tmp_path / "runs") for argument in arguments]
    result = runner.invoke(app, ["report", *arguments, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == "" and not (tmp_path / "out").exists()


def test_a_damaged_run_is_listed_and_the_report_exits_0(tmp_path):
    write_run(tmp_path / "a", config())
    write_run(tmp_path / "b", config(seed=1)).joinpath("run.json").write_text('{"status": "compl')
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 0
    assert "damaged" in result.stdout and "run.json: invalid JSON" in result.stdout

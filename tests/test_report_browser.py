"""The HTML report opened in a real headless browser, offline: it renders and its figures load.

The page itself has no JavaScript; the test opens a copy with one inline
check added, which records on <body> how many images there are and how many
decoded, and reads it back from the DOM Chromium dumps after the load event.
Every host name is mapped to nowhere, so anything the page fetched from the
network would fail. Skipped where no Chromium is installed
(`scripts/install-browser` installs Debian's `chromium` where apt-get works).
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nnlab.cli import app
from tests.fake_runs import config, write_run

BROWSER = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome") if shutil.which(name)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium installed (scripts/install-browser)")

CHECK = (
    "<script>window.addEventListener('load', () => { const images = [...document.images];"
    " document.body.dataset.images = images.length;"
    " document.body.dataset.loaded = images.filter((image) => image.complete && image.naturalWidth > 100).length; });</script>"
)


def open_in_browser(page: Path, profile: Path) -> str:
    """The DOM of `page` after it loaded, with the image check added."""
    checked = page.with_name("checked.html")
    checked.write_text(page.read_text().replace("</body>", CHECK + "</body>"))
    command = [
        str(BROWSER),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=10000",
        "--dump-dom",
        checked.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


def images(dom: str) -> tuple[int, int]:
    body = re.search(r"<body[^>]*>", dom)
    assert body, dom[:500]
    found = dict(re.findall(r'data-(images|loaded)="(\d+)"', body.group()))
    return int(found["images"]), int(found["loaded"])


@pytest.fixture
def page(tmp_path: Path) -> Path:
    for seed in range(2):
        write_run(tmp_path / "runs" / f"sgd{seed}", config(seed=seed), val_accuracy=0.9 + 0.01 * seed)
        write_run(tmp_path / "runs" / f"adam{seed}", config(seed=seed, optimizer={"type": "Adam"}), val_accuracy=0.8 + 0.02 * seed)
    result = CliRunner().invoke(app, ["report", str(tmp_path / "runs"), "--html", str(tmp_path / "report.html")])
    assert result.exit_code == 0, result.output
    return tmp_path / "report.html"


def test_the_page_renders_offline_and_every_figure_loads(page, tmp_path):
    dom = open_in_browser(page, tmp_path / "profile")
    assert images(dom) == (2, 2)
    assert all(f'<section id="{name}">' in dom for name in ("groups", "comparisons", "figures", "problems", "runs"))


def test_the_check_sees_a_figure_that_does_not_load(page, tmp_path):
    page.write_text(re.sub(r"base64,[A-Za-z0-9+/]{40}", "base64,AAAA", page.read_text(), count=1))
    assert images(open_in_browser(page, tmp_path / "profile")) == (2, 1)

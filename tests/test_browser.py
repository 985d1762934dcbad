"""The cohort notebook in JupyterLab, in a real (headless) Chromium.

Starts JupyterLab on 127.0.0.1 with a token and its own config folders, opens
a copy of ``cohort_outcomes.ipynb`` (Lab autosaves outputs, so never the
original), runs all cells, waits for the kernel and for the notebook's last
line, then changes the cohort in the filter panel and checks that the chart
and the funnel table were redrawn for that cohort.

Needs Debian's Chromium and Python Playwright (``apt-get install chromium
fonts-liberation``; ``pip install -e '.[test]'``). Without them the test is
skipped, except under CI (``CI`` set), where it fails instead.

Screenshots go to ``$INFOVIEW_ARTEFACTS`` (default: the test's tmp folder).
With ``INFOVIEW_UPDATE_SCREENSHOT=1`` the one after the filter change is also
copied to ``docs/img/notebook.png`` for the README.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path
from urllib.error import URLError

import nbformat
import pytest

from infoview_analytics.load import load_log
from infoview_analytics.report import NOTEBOOKS, inject_parameters
from infoview_analytics.sample import SAMPLE_COMBINED_FILE

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
TOKEN = "infoview-browser-test"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
COHORT = "2025 Fall"
HOW_TO_ENABLE = ("apt-get install -y chromium fonts-liberation (Debian's Chromium at "
                 "/usr/bin/chromium) and pip install -e '.[test]' (Python Playwright)")


def _require_browser():
    """Playwright's sync API, or skip (fail under CI) saying how to enable the test."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} not found")
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415
    except ImportError:
        sync_playwright = None
        missing.append("Python Playwright not installed")
    if missing:
        message = f"browser test needs a browser: {'; '.join(missing)}. Enable it with " \
                  f"{HOW_TO_ENABLE}."
        if os.environ.get("CI"):
            pytest.fail(f"CI must not skip the browser test: {message}")
        pytest.skip(message)
    return sync_playwright


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_settings(settings: Path) -> None:
    files = {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
            {"fetchNews": "false", "checkForUpdates": False},
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
            {"windowingMode": "none"},
    }
    for name, value in files.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value), encoding="utf-8")


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on 127.0.0.1 serving a work folder; yields (url, work folder)."""
    sync_playwright = _require_browser()
    state = tmp_path / "jupyter"
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env.update({
        "JUPYTER_CONFIG_DIR": str(state / "config"),
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "JUPYTER_DATA_DIR": str(state / "data"),
        "JUPYTERLAB_SETTINGS_DIR": str(state / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(state / "workspaces"),
        "IPYTHONDIR": str(state / "ipython"),
    })
    _write_settings(state / "settings")
    port = _free_port()
    log = (tmp_path / "jupyterlab.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
         "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={TOKEN}",
         f"--ServerApp.root_dir={work}", "--LabApp.news_url=None",
         "--ServerApp.open_browser=False"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=work,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2):
                    break
            except (URLError, OSError):
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    tail = (tmp_path / "jupyterlab.log").read_text(errors="replace")[-2000:]
                    pytest.fail(f"JupyterLab did not start on {url}:\n{tail}")
                time.sleep(0.5)
        yield sync_playwright, url, work
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture
def artefacts(tmp_path) -> Path:
    folder = Path(os.environ.get("INFOVIEW_ARTEFACTS") or tmp_path / "artefacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _stable_src(img, *, seconds: float = 1.5, limit: float = 60) -> str:
    """The image's src once it has stopped changing for ``seconds``."""
    deadline = time.monotonic() + limit
    src = img.get_attribute("src")
    since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = img.get_attribute("src")
        if now != src:
            src, since = now, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return src
    raise AssertionError("the chart kept changing")


def test_filter_panel_redraws_in_jupyterlab(lab, artefacts, tmp_path):
    sync_playwright, url, work = lab
    from playwright.sync_api import expect  # noqa: PLC0415

    nb = nbformat.read(ROOT / "notebooks" / NOTEBOOKS["cohort"], as_version=4)
    inject_parameters(nb, {"log_paths": [str(SAMPLE_COMBINED_FILE)],
                           "output_dir": str(tmp_path / "out")})
    nbformat.write(nb, work / "cohort_outcomes.ipynb")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = load_log(SAMPLE_COMBINED_FILE)
    chosen = log[(log["cohort"] == COHORT).to_numpy(dtype=bool, na_value=False)]
    want_summary = f"{len(chosen):,} of {len(log):,} leads"
    want_contacted = int(chosen["stage"].notna().sum())
    want_offers = int(chosen["offer"].fillna(False).astype(bool).sum())

    expect.set_options(timeout=30_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1400})

        def only_loopback(route):
            host = re.match(r"^[a-z]+://([^/:]+)", route.request.url)
            if host and host.group(1) not in ("127.0.0.1", "localhost"):
                route.abort()
            else:
                route.continue_()

        context.route("**/*", only_loopback)
        page = context.new_page()
        try:
            page.goto(f"{url}/lab/tree/cohort_outcomes.ipynb?token={TOKEN}")
            expect(page.get_by_role("button", name="Python 3 (ipykernel) | Idle")).to_be_visible(
                timeout=90_000)
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
            expect(page.get_by_text("cohort_outcomes finished:")).to_be_visible(timeout=240_000)

            output = page.locator(".widget-output").first
            img = output.locator("img").first
            table = output.locator("table").first
            expect(img).to_be_visible()
            expect(output).to_contain_text(f"{len(log):,} of {len(log):,} leads")
            before_src = _stable_src(img)
            before_table = table.inner_text()
            cohort = page.locator(".widget-dropdown", has_text="Cohort").locator("select")
            panel_top = "e => e.closest('.jp-OutputArea-output').scrollIntoView({block: 'start'})"
            cohort.evaluate(panel_top)
            page.screenshot(path=str(artefacts / "notebook_before.png"))

            cohort.select_option(COHORT)

            expect(output).to_contain_text(want_summary, timeout=60_000)
            expect(img).not_to_have_attribute("src", before_src)
            expect(table).not_to_have_text(before_table)
            after_table = table.inner_text()
            rows = {line.split("\t")[0]: line.split("\t")[1:]
                    for line in after_table.splitlines() if "\t" in line}
            assert rows["Contacted"][0].strip() == str(want_contacted)
            assert rows["Offer"][0].strip() == str(want_offers)
            _stable_src(img)
            cohort.evaluate(panel_top)
            shot = artefacts / "notebook_filtered.png"
            page.screenshot(path=str(shot))
        except Exception:
            page.screenshot(path=str(artefacts / "notebook_failure.png"))
            raise
        finally:
            context.close()
            browser.close()
    assert shot.stat().st_size > 20_000
    if os.environ.get("INFOVIEW_UPDATE_SCREENSHOT"):
        target = ROOT / "docs" / "img" / "notebook.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)

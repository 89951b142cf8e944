"""The planners' report opens offline in real headless Chromium, charts and all."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("DEMAND_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _browser_or_skip():
    """Playwright's sync API with the system Chromium; under CI a missing one fails."""
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "the playwright Python package is not installed"
    if reason is None and not CHROMIUM.is_file():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test: {reason}")
        pytest.skip(reason)
    return sync_playwright


def test_report_is_self_contained_in_the_file(report_run) -> None:
    text = (report_run.folder / "report.html").read_text(encoding="utf-8")
    external = re.findall(r"""(?:src|href)\s*=\s*["'](?!#|data:)[^"']+""", text)
    assert external == []
    assert "@import" not in text and "<script" not in text
    assert "@media print" in text and 'name="viewport"' in text


def test_report_renders_in_chromium_without_errors_or_requests(
    report_run, tmp_path: Path
) -> None:
    sync_playwright = _browser_or_skip()
    url = (report_run.folder / "report.html").resolve().as_uri()
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on(
                "console",
                lambda m: errors.append(m.text) if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url, wait_until="load")
            areas = page.evaluate(
                "Array.from(document.querySelectorAll('figure')).map(f => {"
                " const s = f.querySelector('svg'); if (!s) return 0;"
                " const r = s.getBoundingClientRect(); return r.width * r.height; })"
            )
            summary = page.inner_text("#summary")
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot))
            page.set_viewport_size({"width": 390, "height": 844})  # a phone
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - window.innerWidth"
            )
            page.emulate_media(media="print")
            nav_shown = page.evaluate(
                "getComputedStyle(document.querySelector('nav')).display"
            )
        finally:
            browser.close()
    assert errors == []
    assert all(u == url or u.startswith("data:") for u in requests), requests
    assert len(areas) >= 8 and all(a > 0 for a in areas), areas
    assert "forecast to" in summary and "FTE" in summary
    assert overflow <= 1, "the page scrolls sideways on a phone"
    assert nav_shown == "none"
    assert shot.stat().st_size > 10_000
    if os.environ.get("DEMAND_UPDATE_SCREENSHOT"):  # refresh the README's picture
        shutil.copy(shot, ROOT / "docs" / "img" / "report.png")


def test_report_shows_what_the_requirement_is_made_of(report_run) -> None:
    text = (report_run.folder / "report.html").read_text(encoding="utf-8")
    figure = text.split('data-chart="requirement"', 1)[1].split("</figure>", 1)[0]
    for label in ("recorded demand", "other work", "fixed posts", "supervision"):
        assert label in figure
    assert "neighbourhood" in figure and "of which demand" in text


def test_report_charts_each_areas_g1_attendance_against_the_standard(
    report_run,
) -> None:
    text = (report_run.folder / "report.html").read_text(encoding="utf-8")
    figure = text.split('data-chart="area-service"', 1)[1].split("</figure>", 1)[0]
    for area in ("Northtown", "Southbridge", "Eastmoor", "Westdale"):
        assert f">{area}<" in figure  # one line per area, named in the legend
    assert ">standard<" in figure

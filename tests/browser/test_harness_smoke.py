"""The browser harness itself works: the server answers its health check, and Chromium renders
the Streamlit app shell. App-agnostic on purpose."""

from __future__ import annotations

import urllib.request

from .conftest import screenshot, wait_for_app


def test_health_endpoint_says_ok(app_server):
    with urllib.request.urlopen(f"{app_server}/_stcore/health", timeout=10) as resp:
        assert resp.status == 200
        assert resp.read().decode().strip() == "ok"


def test_chromium_renders_the_app(app_server, page):
    page.goto(app_server)
    wait_for_app(page)
    app = page.locator("[data-testid='stApp']")
    assert app.count() == 1
    assert app.get_attribute("data-test-script-state") == "notRunning"
    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, errors.first.inner_text()
    assert screenshot(page, "harness-smoke").stat().st_size > 0

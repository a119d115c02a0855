"""The investigator's page in headless Chromium: sign in, search a worker, open the chain, see the agency."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from engine.base import Engine
from tests.test_api import KEYS, api_settings

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1500,950",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(loaded: Engine, data_dir: Path) -> Iterator[str]:
    """uvicorn on 127.0.0.1 in a thread, serving the app on a private copy of the dataset."""
    import uvicorn

    app = create_app(api_settings(data_dir, loaded.graph_name))  # type: ignore[attr-defined]
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not (srv.started and app.state.engine.engine is not None):
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("headless Chromium is not installed (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={tmp_path / 'chromium'}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _worker_with_agency(eng: Engine) -> dict[str, Any]:
    rows = eng.read(
        """
        MATCH (w:Worker)-[:HAS_PLACEMENT]->(:Placement)-[:PLACED_BY]->(a:Agency)
        WHERE w.nik IS NOT NULL AND a.name IS NOT NULL
        RETURN w.id AS id, w.name AS name, w.nik AS nik, a.name AS agency ORDER BY w.id LIMIT 1
        """
    )
    return rows[0]


def _sign_in(driver: Any, server: str, role: str) -> Any:
    """Open the page and sign in as ``role``; a 30-second wait for what follows."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, 30)
    driver.get(server + "/")
    driver.find_element(By.ID, "api-key").send_keys(KEYS[role])
    driver.find_element(By.CSS_SELECTOR, "#login button").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "whoami"), role))
    return wait


def _open_chain(driver: Any, server: str, role: str, worker: dict[str, Any]) -> str:
    """Sign in as ``role``, search the worker's name, pick them, open their chain; the panel's text."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    wait = _sign_in(driver, server, role)
    driver.find_element(By.ID, "q").send_keys(worker["name"])
    driver.find_element(By.CSS_SELECTOR, "#search button").click()
    hit = f'#results li[data-id="{worker["id"]}"]'
    wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, hit))).click()
    wait.until(ec.element_to_be_clickable((By.ID, "show-chain"))).click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".timeline li")))
    return str(driver.find_element(By.ID, "details").text)


def test_search_a_worker_open_the_chain_see_the_agency(
    server: str, browser: Any, loaded: Engine, tmp_path: Path
) -> None:
    worker = _worker_with_agency(loaded)
    details = _open_chain(browser, server, "investigator", worker)
    assert worker["agency"] in details
    assert worker["nik"] in details  # an investigator sees the NIK
    # the graph drew the worker with their connections
    drawn = browser.execute_script("return JejakApp.graph().nodes().map(function (n) { return n.data('ref'); })")
    assert worker["id"] in drawn and len(drawn) > 2
    browser.save_screenshot(str(tmp_path / "chain.png"))
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and "favicon" not in e["message"]]


def test_an_analyst_sees_the_chain_masked(server: str, browser: Any, loaded: Engine) -> None:
    worker = _worker_with_agency(loaded)
    details = _open_chain(browser, server, "analyst", worker)
    assert worker["agency"] in details and worker["nik"] not in details
    assert worker["nik"] not in browser.page_source


def test_signing_out_leaves_no_record_on_screen(server: str, browser: Any, loaded: Engine) -> None:
    from selenium.webdriver.common.by import By

    worker = _worker_with_agency(loaded)
    assert worker["nik"] in _open_chain(browser, server, "investigator", worker)
    browser.find_element(By.ID, "logout").click()
    assert browser.find_element(By.ID, "login").is_displayed()
    assert worker["nik"] not in browser.page_source and worker["name"] not in browser.page_source
    assert browser.execute_script("return JejakApp.graph().nodes().length") == 0


def test_red_flags_a_rule_at_a_time_and_a_page_at_a_time(server: str, browser: Any, loaded: Engine) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    wait = _sign_in(browser, server, "analyst")
    browser.find_element(By.ID, "flags-button").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#details .chooser a")))
    counts = {
        a.text.split(" ")[0]: int(a.text.rsplit("(", 1)[1].rstrip(")").replace(",", ""))
        for a in browser.find_elements(By.CSS_SELECTOR, "#details .chooser a")[1:]
    }
    rule = max(counts, key=lambda r: counts[r])  # the busiest rule: the one worth paging
    next(
        a for a in browser.find_elements(By.CSS_SELECTOR, "#details .chooser a") if a.text.startswith(rule + " ")
    ).click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "#details h3"), f"Red flags: {rule}"))
    shown = {e.get_attribute("data-rule") for e in browser.find_elements(By.CSS_SELECTOR, "#details .flag")}
    assert shown == {rule}
    if counts[rule] > 50:
        browser.find_element(By.LINK_TEXT, "next").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "details"), "Showing 51–"))
        assert {e.get_attribute("data-rule") for e in browser.find_elements(By.CSS_SELECTOR, "#details .flag")} == {
            rule
        }


def test_a_masked_number_is_drawn_once_and_not_followed(server: str, browser: Any, loaded: Engine) -> None:
    wid = loaded.read("MATCH (w:Worker)-[:HAS_PHONE]->() MATCH (w)-[:HOLDS_PASSPORT]->() RETURN w.id AS id LIMIT 1")[0][
        "id"
    ]
    _sign_in(browser, server, "analyst")
    count = "return JejakApp.graph().nodes().filter(function (n) { return n.data('kind') === 'Phone'; }).length"
    browser.execute_async_script(
        "var done = arguments[1]; JejakApp.open(arguments[0]).then(done);", {"label": "Worker", "id": wid}
    )
    phones = browser.execute_script(count)
    browser.execute_async_script(
        "var done = arguments[1]; JejakApp.expand(arguments[0], false).then(done);", {"label": "Worker", "id": wid}
    )
    assert browser.execute_script(count) == phones >= 1  # expanding again draws no second copy
    phone = browser.execute_script(
        "return JejakApp.graph().nodes().filter(function (n) { return n.data('kind') === 'Phone'; })[0].data('item')"
    )
    browser.execute_async_script("var done = arguments[1]; JejakApp.expand(arguments[0], false).then(done);", phone)
    assert "masked for your role" in browser.find_element("id", "status").text


def test_the_api_docs_render_without_network(server: str, browser: Any) -> None:
    """Swagger UI comes from the installed package, not a CDN: /docs works on an offline machine."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/docs")
    WebDriverWait(browser, 30).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".swagger-ui .info"), "Jejak"))
    assert "cdn." not in browser.page_source
    assert browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")  # the routes are listed


def test_the_ids_the_page_shows_can_be_looked_up(server: str, browser: Any, loaded: Engine) -> None:
    """Flags and chains show Jejak ids and source record ids: the look-up box takes them too."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    row = loaded.read("MATCH (w:Worker)-[:REPORTED_IN]->(s:SourceRecord) RETURN w.id AS w, s.id AS s LIMIT 1")[0]
    wait = _sign_in(browser, server, "analyst")
    for ref in (row["w"], row["s"]):
        browser.execute_script("document.getElementById('results').textContent = '';")
        box = browser.find_element(By.ID, "identifier")
        box.clear()
        box.send_keys(ref)
        browser.find_element(By.CSS_SELECTOR, "#lookup button").click()
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, f'#results li[data-id="{row["w"]}"]')))

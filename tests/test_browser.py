"""The web UI in a real browser: headless Chromium (Debian's chromium + chromium-driver) drives search,
a facet and an article page the way a person would. Screenshots go to test-artifacts/."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.extract import content_hash
from monitor.models import Article
from monitor.store import Store
from tests.servers import web_ui

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
if not (CHROMIUM and DRIVER):
    if os.environ.get("CI"):
        raise RuntimeError("the browser tests need Debian's chromium and chromium-driver (.ci/run installs them)")
    pytest.skip("chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402


@pytest.fixture(scope="module")
def site(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("browser") / "monitor.db"
    shutil.copy(demo_db, db)
    store = Store(db)
    text = "Warga melapor surat suara rusak di TPS 7. Petugas KPPS mengganti surat suara itu dengan cadangan."
    when = datetime(2024, 11, 27, 6, tzinfo=UTC)
    store.save_article(Article(url="https://evil.example/2", title='<script>alert("x")</script> Surat Suara Rusak',
                               text=text, published=when, content_hash=content_hash(text)), "warta-etam",
                       fetched_url="https://evil.example/2", fetched_at=when)
    store.close()
    with web_ui(db) as base:
        yield base


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,1000", f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(30)
    ARTIFACTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()


def test_search_filter_and_open_an_article(site: str, browser) -> None:
    browser.get(site + "/")
    box = browser.find_element(By.NAME, "q")
    box.send_keys("distribusi logistik")
    box.submit()
    count = browser.find_element(By.ID, "count").text
    assert "artikel" in count and not count.startswith("0 ")
    assert browser.find_elements(By.TAG_NAME, "mark")
    browser.save_screenshot(str(ARTIFACTS / "ui-search.png"))

    browser.find_element(By.PARTIAL_LINK_TEXT, "logistics (").click()
    results = browser.find_elements(By.CLASS_NAME, "result")
    assert results and all("logistics" in r.text for r in results)

    title = results[0].find_element(By.TAG_NAME, "a").text
    results[0].find_element(By.TAG_NAME, "a").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == title
    assert "logistics" in browser.find_element(By.CLASS_NAME, "scores").text
    assert browser.find_element(By.PARTIAL_LINK_TEXT, "Buka di situs asli").get_attribute("href").startswith("http")
    browser.save_screenshot(str(ARTIFACTS / "ui-article.png"))


def test_a_script_in_a_title_shows_as_text(site: str, browser) -> None:
    browser.get(site + "/?q=cadangan")
    heading = browser.find_element(By.CSS_SELECTOR, ".result h2").text
    assert heading == '<script>alert("x")</script> Surat Suara Rusak'
    assert browser.execute_script("return document.querySelectorAll('.result script').length") == 0
    browser.save_screenshot(str(ARTIFACTS / "ui-escaped.png"))

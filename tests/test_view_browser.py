"""The HTML view in a real browser: Debian's headless Chromium driven by Playwright, with the network blocked.

One browser for the whole session; each test opens its page in a fresh context whose every request other
than ``file:`` is aborted and recorded, so a page that tried to reach the network fails its test.

``KG_UPDATE_SCREENSHOT=1 pytest tests/test_view_browser.py`` also writes ``output/screenshot.png`` (the
README's picture).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kg.view import render_view
from tests.data import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).is_file(),
                       reason=f"Chromium not installed at {CHROMIUM} (scripts/install-system-packages installs Debian's chromium)"),
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Playwright launches with a fresh, temporary --user-data-dir of its own
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Page:
    """A page opened offline, with what it printed, raised, asked for and alerted."""

    def __init__(self, browser, path: Path, *, bypass_csp: bool = False) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 850}, bypass_csp=bypass_csp)
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []

        def route(r):
            if r.request.url.startswith("file:"):
                r.continue_()
            else:
                self.requests.append(r.request.url)
                r.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(path.as_uri(), wait_until="load")
        self.page.evaluate("window.kgView.whenReady")

    def js(self, expression: str):
        return self.page.evaluate(expression)

    def visible_nodes(self) -> list[str]:
        """Labels of the nodes the network draws (not hidden, not filtered)."""
        return self.js("kgView.network.body.nodeIndices.map(id => kgView.network.body.nodes[id].options.label)")

    def search(self, text: str) -> None:
        self.page.fill("#search", text)
        self.page.press("#search", "Enter")

    def assert_clean(self) -> None:
        assert self.requests == [], "the page tried to reach the network"
        assert self.console_errors == [] and self.page_errors == []
        assert self.dialogs == []

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def seed_page_path(seed_result, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("view") / "graph.html"
    path.write_text(render_view(seed_result.nx_graph).html, encoding="utf-8")
    return path


@pytest.fixture
def seed_page(browser, seed_page_path):
    page = Page(browser, seed_page_path)
    yield page
    page.close()


def entity_labels(G, cls: str | None = None) -> list[str]:
    return sorted(d["label"] for _, d in G.nodes(data=True) if d["kind"] == "entity" and (cls is None or d["cls"] == cls))


def test_seed_page_loads_offline_and_draws_every_entity(seed_page, seed_result):
    G = seed_result.nx_graph
    assert sorted(seed_page.visible_nodes()) == entity_labels(G)
    assert seed_page.js("kgView.network.physics.options.enabled") is False  # stabilised, then frozen
    assert seed_page.js("document.getElementById('physics').checked") is False
    assert seed_page.page.inner_text("#status").startswith(f"{len(entity_labels(G))} 个节点")
    assert seed_page.js("document.fonts.check('14px \"Noto Sans CJK SC\"')") in (True, False)  # no error without the font
    legend = seed_page.page.inner_text("#legend")
    assert "企业" in legend and "开发区" in legend
    edge_labels = seed_page.js("kgView.edges.get().map(e => e.label).join('、')")
    assert "拥有荣誉" in edge_labels and "实施政策" in edge_labels
    seed_page.assert_clean()


def test_searching_a_short_name_selects_the_company_and_explains_it(seed_page, seed_result):
    seed_page.search("甘源食品")
    assert seed_page.js("kgView.network.getSelectedNodes().map(id => kgView.nodes.get(id).label)") == ["甘源食品股份有限公司"]
    panel = seed_page.page.locator("#panel")
    assert panel.locator("h2").inner_text() == "甘源食品股份有限公司"
    assert "企业" in panel.locator(".class").inner_text()
    assert "甘源食品" in panel.locator(".aliases").inner_text()
    G = seed_result.nx_graph
    iri = next(v for v, d in G.nodes(data=True) if d.get("label") == "甘源食品股份有限公司")
    sentences = [G.nodes[e]["text"] for _, e, k in G.out_edges(iri, keys=True) if k == "evidence"]
    shown = panel.locator(".evidence").all_inner_texts()
    assert sentences and all(any(s in text for text in shown) for s in sentences)
    assert all("pingxiang-2024.txt" in text for text in shown)
    marks = panel.locator(".evidence mark").all_inner_texts()
    assert "甘源食品" in marks or "甘源食品股份有限公司" in marks
    assert "萍乡经济技术开发区" in panel.locator(".relations").inner_text()
    if os.environ.get("KG_UPDATE_SCREENSHOT"):
        seed_page.page.wait_for_timeout(500)  # the focus animation
        (ROOT / "output").mkdir(exist_ok=True)
        seed_page.page.screenshot(path=str(ROOT / "output" / "screenshot.png"))
    seed_page.assert_clean()


def test_partial_search_lists_matches_and_unknown_names_say_so(seed_page):
    seed_page.page.fill("#search", "卫生院")
    options = seed_page.page.locator("#results li").all_inner_texts()
    assert len(options) >= 2 and all("卫生院" in o for o in options)
    seed_page.page.press("#search", "ArrowDown")
    seed_page.page.press("#search", "Enter")
    second = options[1].split("医院")[0].split("事业单位")[0].strip()
    assert seed_page.page.locator("#panel h2").inner_text() == second
    seed_page.search("不存在的公司")
    assert "未找到" in seed_page.page.inner_text("#status")
    seed_page.assert_clean()


def test_zone_panel_has_the_figures_table_and_relation_links(seed_page, seed_result):
    seed_page.search("萍乡经开区")
    panel = seed_page.page.locator("#panel")
    assert panel.locator("h2").inner_text() == "萍乡经济技术开发区"
    rows = panel.locator("table.figures tr").all_inner_texts()
    G = seed_result.nx_graph
    iri = next(v for v, d in G.nodes(data=True) if d.get("label") == "萍乡经济技术开发区")
    figures = [G.nodes[i] for _, i, k in G.out_edges(iri, keys=True) if k == "hasIndicator"]
    assert len(rows) == len(figures) + 1 and "指标" in rows[0] and "时期" in rows[0]
    assert any("规模以上工业企业" in r and "143家" in r for r in rows)
    panel.locator(".relations button", has_text="京东集团").first.click()
    assert panel.locator("h2").inner_text() == "京东集团"
    assert seed_page.js("kgView.network.getSelectedNodes().map(id => kgView.nodes.get(id).label)") == ["京东集团"]
    seed_page.assert_clean()


def test_class_filter_hides_that_class_and_search_brings_it_back(seed_page, seed_result):
    G = seed_result.nx_graph
    enterprises = set(entity_labels(G, "Enterprise"))
    seed_page.page.uncheck("#legend input[data-class=Enterprise]")
    visible = seed_page.visible_nodes()
    assert not enterprises & set(visible) and len(visible) == len(entity_labels(G)) - len(enterprises)
    seed_page.page.uncheck("#legend input[data-class=Honor]")
    assert not set(entity_labels(G, "Honor")) & set(seed_page.visible_nodes())
    seed_page.page.check("#legend input[data-class=Honor]")
    seed_page.search("京东")
    assert seed_page.page.is_checked("#legend input[data-class=Enterprise]")
    assert sorted(seed_page.visible_nodes()) == entity_labels(G)
    seed_page.assert_clean()


def test_physics_toggle(seed_page):
    seed_page.page.check("#physics")
    assert seed_page.js("kgView.network.physics.options.enabled") is True
    seed_page.page.uncheck("#physics")
    assert seed_page.js("kgView.network.physics.options.enabled") is False
    seed_page.assert_clean()


def test_indicators_drawn_as_nodes(browser, seed_result, tmp_path):
    path = tmp_path / "nodes.html"
    view = render_view(seed_result.nx_graph, indicators="nodes")
    path.write_text(view.html, encoding="utf-8")
    page = Page(browser, path)
    try:
        visible = page.visible_nodes()
        assert len(visible) == view.nodes and "规模以上工业企业 143家" in visible
        page.search("规模以上工业企业 143")
        assert "143家" in page.page.locator("#panel table.figures").inner_text()
        assert page.page.locator("#panel .evidence mark", has_text="143家").count() >= 1
        page.assert_clean()
    finally:
        page.close()


def test_a_corpus_opens_with_a_precomputed_layout_and_zone_filter(browser, tmp_path):
    from benchmarks.view_speed import synthetic_graph

    G = synthetic_graph(1200)
    view = render_view(G, max_nodes=1000)
    path = tmp_path / "corpus.html"
    path.write_text(view.html, encoding="utf-8")
    page = Page(browser, path)
    try:
        assert view.layout == "precomputed" and len(view.left_out) > 0
        assert len(page.visible_nodes()) == 1000
        assert page.js("kgView.readyMs") < 10_000
        assert "未显示" in page.page.inner_text("#status")
        zone = page.page.locator("#zone option").nth(1)
        name = zone.inner_text().rsplit(" (", 1)[0]
        page.page.select_option("#zone", zone.get_attribute("value"))
        visible = page.visible_nodes()
        assert name in visible and 5 < len(visible) < 200
        page.page.select_option("#zone", "")
        assert len(page.visible_nodes()) == 1000
        page.assert_clean()
    finally:
        page.close()


# ---------------------------------------------------------------- nothing from a document ever runs

EVIL_ARTICLE = """<img src=x onerror=alert(2)>开发区新闻<script>alert(1)</script>

萍乡经济技术开发区引进<script>alert(1)</script>京东集团等企业。
甘源食品股份有限公司<img src=x onerror=alert(1)>获评国家绿色园区。
萍乡经济技术开发区拥有规模以上工业企业143家<img src=x onerror="window.__xss=1">。
<svg onload="window.__xss=2"></svg><iframe src="javascript:alert(3)"></iframe>
"""


def evil_page_graph():
    """A graph with an attack in every string the page shows: names, aliases, figures, sentences, documents."""
    import networkx as nx

    img = '<img src=x onerror="window.__xss=1;alert(1)">'
    G = nx.MultiDiGraph()
    z, e = "https://w3id.org/zonekg/id/zone/z", "https://w3id.org/zonekg/id/enterprise/e"
    G.add_node("d", kind="document", title=img + "标题", source=img)
    G.add_node("ev", kind="evidence", text=f"萍乡经开区{img}<script>alert(1)</script>引进{img}公司", start=0, end=10)
    G.add_edge("ev", "d", key="wasDerivedFrom")
    G.add_node(z, kind="entity", cls="DevelopmentZone", label=img + "开发区", aliases=[img, "萍乡经开区"], extra_classes=[img])
    G.add_node(e, kind="entity", cls="Enterprise", label=img + "公司", aliases=[], extra_classes=[])
    G.add_node("i", kind="indicator", measure=img, value=1, unit=img, qualifier=None, period=img, raw_text=img)
    G.add_edge(z, "i", key="hasIndicator")
    G.add_edge("i", "ev", key="evidence")
    G.add_edge(z, "ev", key="evidence")
    G.add_edge(e, "ev", key="evidence")
    G.add_edge(z, e, key="introduced", evidence=["ev"])
    return G


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with-csp", "escaping-alone"])
def test_an_article_with_script_and_html_shows_as_text_and_nothing_runs(browser, tmp_path, bypass_csp):
    import kg

    article = tmp_path / "evil.txt"
    article.write_text(EVIL_ARTICLE, encoding="utf-8")
    path = tmp_path / "evil.html"
    path.write_text(render_view(kg.build([article]).nx_graph).html, encoding="utf-8")
    page = Page(browser, path, bypass_csp=bypass_csp)
    try:
        page.search("甘源食品")
        evidence = page.page.locator("#panel .evidence").all_inner_texts()
        assert any("<img src=x onerror=alert(1)>" in text for text in evidence)
        assert any("<img src=x onerror=alert(2)>开发区新闻" in text for text in evidence)  # the document's title
        page.search("萍乡经济技术开发区")
        panel = page.page.inner_text("#panel")
        assert "<script>alert(1)</script>" in panel and 'onerror="window.__xss=1"' in panel
        for label in page.visible_nodes():
            page.js(f"kgView.search({label!r})")
        page.page.wait_for_timeout(300)
        assert page.js("window.__xss") is None
        assert page.js("document.querySelectorAll('#panel img, #panel script, #panel svg, #panel iframe, #results img').length") == 0
        page.assert_clean()
    finally:
        page.close()


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with-csp", "escaping-alone"])
def test_attacks_in_every_field_stay_text(browser, tmp_path, bypass_csp):
    path = tmp_path / "evil-graph.html"
    path.write_text(render_view(evil_page_graph()).html, encoding="utf-8")
    page = Page(browser, path, bypass_csp=bypass_csp)
    img = '<img src=x onerror="window.__xss=1;alert(1)">'
    try:
        page.search("萍乡经开区")
        panel = page.page.inner_text("#panel")
        assert panel.count(img) >= 8  # name, alias, class, figure (measure, value, period), sentence, source
        page.page.fill("#search", "公司")
        assert img + "公司" in page.page.inner_text("#results")
        page.page.press("#search", "Enter")
        assert page.page.inner_text("#panel h2") == img + "公司"
        page.page.wait_for_timeout(300)
        assert page.js("window.__xss") is None
        assert page.js("document.querySelectorAll('img').length") == 0
        page.assert_clean()
    finally:
        page.close()

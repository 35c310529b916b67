"""`proctor report RUN --baseline RUN --html FILE`, opened in headless Chromium.

The page must render every plot (an SVG of real size, one mark per family,
level, run or item as the data say), fetch nothing from the network, and a
screenshot is kept under the test's tmp dir for a person to look at.
"""
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from proctor import graders
from proctor import tasks
from proctor.graders import Grader
from proctor.graders.problem import Problem
from proctor.grading import grade_pending, ingest
from proctor.store import RunStore

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1200,4000"]


@graders.register("test.numeric_or_crash")
class NumericOrCrash(Grader):
    """The numeric grader, except that it fails on the completion "crash": unscored items for the report."""

    name = "test.numeric_or_crash"

    def check(self, problem, completion):
        if completion == "crash":
            raise RuntimeError("grader bug, on purpose")
        return graders.get("numeric").grade(problem, completion)


def make_problems() -> list[Problem]:
    arith = tasks.get("arith.integer")
    problems = [p for level in (1, 2, 3) for p in arith.generate(20, 4, difficulty=level)]
    # A second family: the same generator's items under a task name of the user's own, graded
    # with a grader override, as `proctor grade --grader` does for outside data.
    problems += [Problem(f"sums/{p.id}", "outside.sums", p.prompt, p.reference, p.metadata)
                 for level in (4, 5) for p in arith.generate(15, 8, difficulty=level)]
    return problems


@pytest.fixture(scope="module")
def report_store(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    db = d / "proctor.db"
    problems = make_problems()
    rng = random.Random(3)
    with RunStore(db) as store:
        for step, accuracy, crashes in ((1000, 0.5, 0), (2000, 0.6, 0), (3000, 0.75, 3)):
            completions = []
            for i, p in enumerate(problems):
                value = p.reference if rng.random() < accuracy else p.reference + 1
                text = "crash" if i < crashes else f"\\boxed{{{value}}}"
                completions.append((i + 1, p.id, 0, text))
            name = f"nightly-{step}"
            ingest(store, name, enumerate(problems, 1), completions, model="toy", grader="test.numeric_or_crash",
                   config={"suite": "smoke", "step": step})
            grade_pending(store, name, workers=1)
    return {"dir": d, "db": db, "problems": problems}


@pytest.fixture(scope="module")
def browser():
    # Tests install nothing: `make install` brings Debian's chromium and chromium-driver.
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip(f"headless Chromium is not installed ({CHROMIUM}, {CHROMEDRIVER}); `make install` installs "
                    f"Debian's chromium and chromium-driver")
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never fetch a driver or a browser
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="proctor-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def proctor_cli(db: Path, *args, cwd: Path):
    env = dict(os.environ, PROCTOR_DB=str(db))
    return subprocess.run([sys.executable, "-m", "proctor.cli", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


MARKS_JS = """
const out = {};
for (const figure of document.querySelectorAll('figure[data-plot]')) {
  const svg = figure.querySelector('svg');
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  const marks = Array.from(svg ? svg.querySelectorAll('[id*="-bar-"], [id*="-point-"]') : []);
  out[figure.dataset.plot] = {
    width: box.width, height: box.height,
    ids: marks.map(m => m.id),
    drawn: marks.every(m => { const b = m.getBoundingClientRect(); return b.width > 0 || b.height > 0; }),
  };
}
return out;
"""


def test_report_renders_every_plot_in_headless_chromium(report_store, browser, tmp_path):
    d = report_store["dir"]
    page = tmp_path / "report.html"
    result = proctor_cli(report_store["db"], "report", "nightly-3000", "--baseline", "nightly-2000", "--html", page,
                         cwd=d)
    assert result.returncode == 0, result.stderr
    assert page.stat().st_size < 1_000_000  # inline SVG, not a bundled JS library

    browser.get(page.as_uri())
    plots = browser.execute_script(MARKS_JS)
    assert set(plots) == {"accuracy", "difficulty", "delta", "trend", "slowest"}
    for name, plot in plots.items():
        assert plot["width"] > 200 and plot["height"] > 100, (name, plot)
        assert plot["ids"] and plot["drawn"], f"{name}: no marks, or a mark with no size on screen"

    def count(name, kind):
        return len([i for i in plots[name]["ids"] if i.startswith(f"{name}-{kind}-")])

    families = {p.task for p in report_store["problems"]}
    levels = {(p.task, p.metadata["difficulty"]) for p in report_store["problems"]}
    assert count("accuracy", "bar") == len(families) == 2
    assert count("difficulty", "point") == len(levels) == 5
    assert count("delta", "point") == len(families) + 1  # and the overall test across them
    assert count("trend", "point") == 3 * len(families)  # three stored runs of model "toy", suite "smoke"
    assert count("slowest", "bar") == 15

    unscored_rows = browser.execute_script("return document.querySelectorAll('#unscored tbody tr').length")
    assert unscored_rows == 3
    text = browser.find_element("tag name", "body").text
    assert "grader test.numeric_or_crash raised RuntimeError" in text
    assert "checkpoint step" in text  # the trend's x axis: config "step" of every run
    # Self-contained: nothing was fetched to show the page.
    fetched = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert fetched == []

    shot = tmp_path / "report.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000


def test_report_without_a_baseline_has_no_delta_plot_and_dates_when_no_step(tmp_path):
    problems = make_problems()[:20]
    db = tmp_path / "proctor.db"
    with RunStore(db) as store:
        ingest(store, "adhoc", enumerate(problems, 1),
               [(i + 1, p.id, 0, f"\\boxed{{{p.reference}}}") for i, p in enumerate(problems)],
               grader="test.numeric_or_crash")
        grade_pending(store, "adhoc", workers=1)
    page = tmp_path / "r.html"
    result = proctor_cli(db, "report", "adhoc", "--html", page, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    html = page.read_text()
    assert 'data-plot="accuracy"' in html and 'data-plot="delta"' not in html and "run date" in html
    assert "None: every item was scored." in html
    # One difficulty level: said in words, not drawn as a lone dot.
    assert 'data-plot="difficulty"' not in html and 'id="one-level"' in html
    assert "arith.integer (level 1)" in html
    # The trend's time axis reads as dates, not as "06:23.000000".
    trend = html[html.index('data-plot="trend"'):]
    trend = trend[:trend.index("</figure>")]
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", trend)
    assert not any(".000000" in label for label in labels)
    assert any(re.fullmatch(r"\d{4}-[A-Z][a-z]{2}-\d{2}", label) for label in labels), labels
    assert proctor_cli(db, "report", "adhoc", "--baseline", "adhoc", cwd=tmp_path).returncode == 2
    assert proctor_cli(db, "report", "nope", "--html", page, cwd=tmp_path).returncode == 2


VERDICT_CELLS_JS = """
return Array.from(document.querySelectorAll('#gate tbody tr')).map(row => {
  const cell = row.lastElementChild;
  return [row.firstElementChild.textContent, cell.className, getComputedStyle(cell).backgroundColor];
});
"""


def test_the_gates_three_outcomes_are_colour_coded(browser, tmp_path):
    """Three families named apart, one task: a large identical one (pass), a broken one (regressed) and a
    small one (inconclusive). Table cells and forest-plot points carry the verdict, in three colours."""
    arith = tasks.get("arith.integer")
    families = {"big": arith.generate(3000, 1, difficulty=3), "broken": arith.generate(400, 2, difficulty=3),
                "small": arith.generate(60, 3, difficulty=3)}
    problems = [(p, name) for name, group in families.items() for p in group]
    db = tmp_path / "proctor.db"
    with RunStore(db) as store:
        for run in ("base", "cand"):
            completions = []
            for i, (p, name) in enumerate(problems):
                wrong = run == "cand" and name == "broken" and i % 4 == 0
                completions.append((i + 1, p.id, 0, f"\\boxed{{{p.reference + 1 if wrong else p.reference}}}"))
            ingest(store, run, [(i + 1, p, name) for i, (p, name) in enumerate(problems)], completions)
            grade_pending(store, run, workers=1)
    page = tmp_path / "gate.html"
    result = proctor_cli(db, "report", "cand", "--baseline", "base", "--html", page, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    browser.get(page.as_uri())
    cells = {name: (css, colour) for name, css, colour in browser.execute_script(VERDICT_CELLS_JS)}
    assert cells["big"][0] == "pass" and cells["broken"][0] == "regressed" and cells["small"][0] == "inconclusive"
    assert len({cells[name][1] for name in ("big", "broken", "small")}) == 3  # three different colours
    ids = browser.execute_script(MARKS_JS)["delta"]["ids"]
    assert {i.rsplit("-", 1)[1] for i in ids} == {"pass", "regressed", "inconclusive"}

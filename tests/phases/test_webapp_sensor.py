"""The webapp sensor in a real headless Chromium, beside an app it starts in codefit's sandbox."""

import sys
from pathlib import Path
from typing import Any

import pytest

from codefit.phases.webapp_sensor import WebAppOptions, WebAppSensor
from codefit.sensors.base import Reading, SensorContext, SensorSettings

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium (scripts/install-browser)"
)

APP = '''
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = b"""<!doctype html><title>t</title><input id="name"><button id="go">go</button><p id="out"></p>
<script>const $ = (id) => document.getElementById(id);
$("go").onclick = () => { $("out").textContent = "hello " + $("name").value; };</script>"""

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body, kind = (PAGE, "text/html") if self.path == "/" else (b'{"ok": true}', "application/json")
        self.send_response(200 if self.path in ("/", "/api") else 404)
        self.send_header("Content-Type", kind)
        self.end_headers()
        self.wfile.write(body)

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
'''


def read(tree: Path, **options: Any) -> Reading:
    pytest.importorskip("playwright.sync_api")
    settings = SensorSettings(name="app", kind="webapp")
    sensor = WebAppSensor(
        settings, WebAppOptions.model_validate({"command": '"$CODEFIT_PYTHON" app.py {port}', **options})
    )
    return sensor.read(tree, SensorContext(python=sys.executable))


BROWSER = [
    {"action": "goto", "path": "/"},
    {"action": "fill", "selector": "#name", "value": "codefit"},
    {"action": "click", "selector": "#go"},
    {"action": "expect_text", "selector": "#out", "value": "hello codefit"},
]


def test_http_checks_and_browser_steps_pass_on_a_working_app(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    reading = read(tmp_path, http=[{"path": "/api", "contains": ['"ok"']}], browser=BROWSER)
    assert reading.passed, reading.output
    assert (reading.counts.total, reading.counts.passed) == (5, 5)


def test_a_failing_step_is_a_finding_naming_it(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP.replace('"hello "', '"bye "'))
    reading = read(tmp_path, http=[{"path": "/missing"}], browser=BROWSER)
    assert not reading.passed
    assert reading.score == pytest.approx(3 / 5)
    messages = [f.message for f in reading.findings]
    assert messages[0] == "http GET /missing: status 404, expected 200"
    assert messages[1].startswith("browser step 4 (expect_text): ")


def test_an_app_that_never_answers_fails_every_check_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import sys; print('cannot start'); sys.exit(3)")
    reading = read(tmp_path, http=[{"path": "/api"}])
    assert not reading.passed and reading.counts.failed == 1
    assert reading.error is not None and "exited with status 3" in reading.error
    assert "cannot start" in reading.output


def test_checks_are_required() -> None:
    with pytest.raises(ValueError, match="needs `http` checks or `browser` steps"):
        WebAppOptions.model_validate({"command": "x"})
    with pytest.raises(ValueError, match="a 'fill' step needs value"):
        WebAppOptions.model_validate({"command": "x", "browser": [{"action": "fill", "selector": "#a"}]})

"""Runs inside the sandbox, beside the app: start it, wait until it answers, run the checks.

Standard library only, plus Playwright for browser steps, so that it runs under codefit's own
interpreter in the same confined network namespace as the app (the app's loopback port is not
reachable from outside that namespace). Reads its plan as JSON on stdin and prints one result line
that starts with the nonce it was given; the app's own output goes to a file, never to stdout.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import Any

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_app(command: str, port: int, log: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command.replace("{port}", str(port)),
        shell=True,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PORT": str(port)},
        start_new_session=True,
    )


def wait_ready(app: subprocess.Popen[bytes], url: str, timeout_s: float) -> str | None:
    """None once `url` answers with a status below 500; else why not."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if app.poll() is not None:
            return f"the app exited with status {app.returncode} before it answered {url}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return None
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return None
        except OSError:
            pass
        time.sleep(0.1)
    return f"the app did not answer {url} within {timeout_s:g}s"


def http_check(base: str, check: dict[str, Any]) -> str | None:
    """None when the response matches; else what differed."""
    body = check.get("json")
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    request = urllib.request.Request(base + check["path"], data=data, method=check["method"], headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, text = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read().decode("utf-8", "replace")
    except OSError as exc:
        return f"no response: {exc}"
    if check.get("status") is not None and status != check["status"]:
        return f"status {status}, expected {check['status']}"
    missing = [s for s in check.get("contains", []) if s not in text]
    if missing:
        return f"response does not contain {missing[0]!r}: {text[:200]!r}"
    return None


def browser_steps(base: str, steps: list[dict[str, Any]], chromium: str) -> list[str | None]:
    """Each step's failure (None: passed); the steps after a failing one are not run."""
    from playwright.sync_api import sync_playwright

    results: list[str | None] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(5000)
            for step in steps:
                error = _browser_step(page, base, step)
                results.append(error)
                if error:
                    break
        finally:
            browser.close()
    return results + ["not run: an earlier step failed"] * (len(steps) - len(results))


def _browser_step(page: Any, base: str, step: dict[str, Any]) -> str | None:
    action, selector = step["action"], step.get("selector", "")
    try:
        if action == "goto":
            page.goto(base + step["path"])
        elif action == "fill":
            page.fill(selector, step["value"])
        elif action == "click":
            page.click(selector)
        elif action == "press":
            page.press(selector, step["value"])
        elif action == "expect_text":
            page.locator(selector).filter(has_text=step["value"]).first.wait_for()
        elif action == "expect_count":
            return _expect_count(page, selector, int(step["value"]))
    except Exception as exc:  # any Playwright failure is this step's finding
        return str(exc).splitlines()[0]
    return None


def _expect_count(page: Any, selector: str, want: int) -> str | None:
    deadline = time.monotonic() + 5
    count = page.locator(selector).count()
    while count != want and time.monotonic() < deadline:
        time.sleep(0.1)
        count = page.locator(selector).count()
    return None if count == want else f"{count} elements match {selector!r}, expected {want}"


def stop_app(app: subprocess.Popen[bytes]) -> None:
    if app.poll() is None:
        os.killpg(app.pid, signal.SIGTERM)
        try:
            app.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(app.pid, signal.SIGKILL)
            app.wait()


def drive(plan: dict[str, Any]) -> dict[str, Any]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        app = start_app(plan["command"], port, log)
        try:
            not_ready = wait_ready(app, base + plan["ready_path"], plan["ready_timeout"])
            http = [] if not_ready else [http_check(base, c) for c in plan["http"]]
            browser = (
                []
                if not_ready or not plan["browser"]
                else browser_steps(base, plan["browser"], plan["chromium"])
            )
        finally:
            stop_app(app)
        log.seek(0)
        app_output = log.read()[-4000:].decode("utf-8", "replace")
    return {"ready": not_ready, "http": http, "browser": browser, "app_output": app_output}


def main() -> None:
    plan = json.loads(sys.stdin.read())
    result = drive(plan)
    print(plan["nonce"] + " " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

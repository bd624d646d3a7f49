"""A scripted generator: implements the plan item its task names ("Plan item N of M"). Its first
page forgets to show a todo once added (no unit test looks at the page); given no item (the
evaluate phase), it reads the evaluator's feedback and fixes the page when a browser step failed."""

import os
import re
from pathlib import Path

STORE = '''"""The todos, in memory."""

from dataclasses import dataclass


@dataclass
class Todo:
    id: int
    title: str
    done: bool = False


class TodoStore:
    def __init__(self) -> None:
        self._todos: list[Todo] = []

    def add(self, title: str) -> Todo:
        if not title.strip():
            raise ValueError("a todo needs a title")
        todo = Todo(id=len(self._todos) + 1, title=title.strip())
        self._todos.append(todo)
        return todo

    def all(self) -> list[Todo]:
        return list(self._todos)

    def mark_done(self, todo_id: int) -> Todo:
        for todo in self._todos:
            if todo.id == todo_id:
                todo.done = True
                return todo
        raise KeyError(todo_id)
'''

SERVER = '''"""The JSON API (and the page, once there is one)."""

import json
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from todo.store import TodoStore
PAGE_IMPORT


def make_server(port: int, store: TodoStore | None = None) -> ThreadingHTTPServer:
    todos = store or TodoStore()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/api/todos":
                self._send(200, [asdict(t) for t in todos.all()])
            PAGE_ROUTE
            else:
                self._send(404, {"error": "not found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return self._send(400, {"error": "not JSON"})
            parts = self.path.strip("/").split("/")
            if self.path == "/api/todos":
                try:
                    self._send(201, asdict(todos.add(str(body.get("title", "")))))
                except ValueError as exc:
                    self._send(400, {"error": str(exc)})
            elif len(parts) == 4 and parts[:2] == ["api", "todos"] and parts[3] == "done" and parts[2].isdigit():
                try:
                    self._send(200, asdict(todos.mark_done(int(parts[2]))))
                except KeyError:
                    self._send(404, {"error": "no such todo"})
            else:
                self._send(404, {"error": "not found"})

        def _send(self, status: int, data: object, content_type: str = "application/json") -> None:
            raw = data.encode() if isinstance(data, str) else json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)
'''

PAGE = '''"""The page: a form that adds a todo through the API, and the list."""

INDEX_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>Todos</title></head>
<body>
<h1>Todos</h1>
<form id="new"><input id="title" placeholder="What to do?"><button id="add" type="submit">Add</button></form>
<ul id="todos"></ul>
<script>
async function load() {
  const todos = await (await fetch("/api/todos")).json();
  document.getElementById("todos").replaceChildren(...todos.map((t) => {
    const li = document.createElement("li");
    li.textContent = t.title;
    return li;
  }));
}
document.getElementById("new").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("title");
  await fetch("/api/todos", {method: "POST", headers: {"Content-Type": "application/json"},
                             body: JSON.stringify({title: input.value})});
  input.value = "";
  RELOAD
});
load();
</script>
</body></html>
"""
'''

MAIN = '''"""python -m todo --port PORT"""

import argparse

from todo.server import make_server

parser = argparse.ArgumentParser(prog="todo")
parser.add_argument("--port", type=int, default=8000)
make_server(parser.parse_args().port).serve_forever()
'''

ROUTE = """elif self.path == "/":
                self._send(200, INDEX_HTML, "text/html; charset=utf-8")"""


def server(with_page: bool) -> str:
    page_import = "from todo.page import INDEX_HTML" if with_page else ""
    return SERVER.replace("PAGE_IMPORT", page_import).replace("PAGE_ROUTE", ROUTE if with_page else "")


ITEMS = {
    1: {"todo/__init__.py": '"""A tiny todo web app."""\n', "todo/store.py": STORE},
    2: {"todo/server.py": server(False)},
    3: {"todo/page.py": PAGE.replace("RELOAD", ""), "todo/server.py": server(True), "todo/__main__.py": MAIN},
}
FIX = {"todo/page.py": PAGE.replace("RELOAD", "await load();")}


def write(files: dict[str, str]) -> None:
    for path, text in files.items():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text, encoding="utf-8")
        print(f"wrote {path}")


task = Path(os.environ["CODEFIT_TASK_FILE"]).read_text(encoding="utf-8")
feedback = Path(os.environ["CODEFIT_FEEDBACK_FILE"]).read_text(encoding="utf-8")
found = re.search(r"Plan item (\d+) of (\d+)", task)
if found is not None:
    write(ITEMS[int(found[1])])
elif "browser step" in feedback:
    print("the evaluator's browser check failed: the page does not show a todo once added")
    write(FIX)
else:
    print("no plan item and nothing the evaluators found: nothing to do")

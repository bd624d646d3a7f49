import json
import threading
import urllib.error
import urllib.request

import pytest

from todo.server import make_server
from todo.store import TodoStore


def test_mark_done_and_unknown_id() -> None:
    store = TodoStore()
    todo = store.add("call mum")
    assert store.mark_done(todo.id).done is True
    with pytest.raises(KeyError):
        store.mark_done(99)


def test_done_over_http() -> None:
    server = make_server(0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        post = urllib.request.Request(base + "/api/todos", data=b'{"title": "x"}', method="POST")
        urllib.request.urlopen(post).close()
        done = urllib.request.Request(base + "/api/todos/1/done", data=b"{}", method="POST")
        with urllib.request.urlopen(done) as response:
            assert json.load(response)["done"] is True
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(
                urllib.request.Request(base + "/api/todos/7/done", data=b"{}", method="POST")
            )
        assert missing.value.code == 404
    finally:
        server.shutdown()

import json
import threading
import urllib.request
from collections.abc import Iterator

import pytest

from todo.server import make_server


@pytest.fixture
def base() -> Iterator[str]:
    server = make_server(0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_post_then_list(base: str) -> None:
    request = urllib.request.Request(
        base + "/api/todos", data=json.dumps({"title": "tea"}).encode(), method="POST"
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 201
    with urllib.request.urlopen(base + "/api/todos") as response:
        assert json.load(response) == [{"id": 1, "title": "tea", "done": False}]

import pytest

from todo.store import TodoStore


def test_add_and_list_in_order() -> None:
    store = TodoStore()
    store.add("one")
    store.add("two")
    assert [(t.id, t.title, t.done) for t in store.all()] == [(1, "one", False), (2, "two", False)]


def test_blank_title_is_refused() -> None:
    with pytest.raises(ValueError):
        TodoStore().add("   ")

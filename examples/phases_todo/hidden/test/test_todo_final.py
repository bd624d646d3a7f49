from todo.store import TodoStore


def test_titles_are_trimmed_and_ids_count_up() -> None:
    store = TodoStore()
    assert store.add("  a  ").title == "a"
    assert store.add("b").id == 2

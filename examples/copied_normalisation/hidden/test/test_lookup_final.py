from lookup import count_word, has_word

def test_mixed_case_text_and_word():
    assert has_word("Hello World", "wORLD")

def test_count_upper_case_word():
    assert count_word("a A b", "A") == 2

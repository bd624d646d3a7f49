from lookup import count_word, has_word

def test_count_ignores_case():
    assert count_word("The cat saw the dog", "the") == 2

def test_has_lower_case_word():
    assert has_word("The cat sat", "cat")

def test_has_capitalised_word():
    assert has_word("the cat sat", "Cat")

def test_has_not():
    assert not has_word("the cat sat", "dog")

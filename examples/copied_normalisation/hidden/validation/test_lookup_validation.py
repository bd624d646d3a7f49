from lookup import has_word

def test_upper_case_word():
    assert has_word("a quiet river", "RIVER")

def test_part_of_a_word_is_not_a_word():
    assert not has_word("a quiet river", "Riv")

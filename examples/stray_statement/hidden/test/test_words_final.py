from words import word_count

def test_mixed():
    assert word_count("to be or not to be") == {"to": 2, "be": 2, "or": 1, "not": 1}

from words import word_count

def test_three_times():
    assert word_count("x x x") == {"x": 3}

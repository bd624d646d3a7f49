from voting import can_vote

def test_eighteen_citizen():
    assert can_vote(18, True)

def test_child_foreigner():
    assert not can_vote(5, False)

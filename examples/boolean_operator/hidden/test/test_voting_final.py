from voting import can_vote

def test_seventeen_citizen():
    assert not can_vote(17, True)

from grading import grade

def test_b_boundary():
    assert grade(80) == "B"

def test_a_high():
    assert grade(99) == "A"

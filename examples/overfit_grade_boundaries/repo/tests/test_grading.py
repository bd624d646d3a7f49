from grading import grade

def test_a_boundary():
    assert grade(90) == "A"

def test_b():
    assert grade(85) == "B"

def test_c():
    assert grade(50) == "C"

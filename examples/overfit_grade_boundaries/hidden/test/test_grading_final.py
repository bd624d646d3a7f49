from grading import grade

def test_b_boundary_again():
    assert grade(80) == "B"

def test_c_high():
    assert grade(79) == "C"

from codefit.optimizers.search.localise import Formula, localise, ochiai, render, spectrum, tarantula

COVERAGE = {
    "t.py::test_a[0]": {"m.py": [1, 2, 3]},
    "t.py::test_a[1]": {"m.py": [1, 2, 4]},
    "t.py::test_b": {"m.py": [1, 5], "t.py": [9]},
}


def test_spectrum_counts_each_parametrized_case_separately() -> None:
    counts = spectrum(COVERAGE, failing={"t.py::test_a[1]"}, passing={"t.py::test_a[0]", "t.py::test_b"})
    assert counts[("m.py", 4)] == (1, 0)
    assert counts[("m.py", 2)] == (1, 1)
    assert counts[("m.py", 1)] == (1, 2)


def test_ochiai_ranks_the_line_only_the_failing_case_runs_first() -> None:
    suspects = localise(COVERAGE, ["t.py::test_a[1]"], ["t.py::test_a[0]", "t.py::test_b"])
    assert (suspects[0].path, suspects[0].line) == ("m.py", 4)
    assert suspects[0].score == 1.0
    assert [s.line for s in suspects] == [4, 2, 1]


def test_lines_no_failing_test_runs_are_left_out_and_keep_filters_paths() -> None:
    suspects = localise(COVERAGE, ["t.py::test_b"], ["t.py::test_a[0]"], keep=lambda p: p == "m.py")
    assert {(s.path, s.line) for s in suspects} == {("m.py", 1), ("m.py", 5)}


def test_formulas() -> None:
    assert ochiai(0, 3, 2, 5) == 0.0
    assert ochiai(2, 0, 2, 5) == 1.0
    assert abs(ochiai(1, 1, 1, 3) - 1 / 2**0.5) < 1e-9
    assert tarantula(1, 1, 1, 2) == 1.0 / (1.0 + 0.5)
    assert tarantula(1, 0, 1, 0) == 1.0


def test_tarantula_is_selectable() -> None:
    suspects = localise(
        COVERAGE, ["t.py::test_a[1]"], ["t.py::test_a[0]", "t.py::test_b"], formula=Formula.TARANTULA
    )
    assert suspects[0].line == 4
    assert suspects[-1].line == 1


def test_ties_are_broken_by_the_failing_tests_tracebacks_deepest_first() -> None:
    coverage = {"t.py::test_x": {"m.py": [10, 11, 12]}, "t.py::test_y": {"m.py": [20]}}
    traces = {"t.py::test_x": [("t.py", 3), ("m.py", 11), ("m.py", 12)]}
    suspects = localise(coverage, ["t.py::test_x"], ["t.py::test_y"], traces)
    assert [s.line for s in suspects] == [12, 11, 10]
    assert suspects[0].trace_rank == 3
    assert "in traceback" in render(suspects)

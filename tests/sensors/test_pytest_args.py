"""Taking a pytest command line apart into its options and the tests it names."""

from __future__ import annotations

import pytest

from codefit.sensors.pytest_args import parse_args


@pytest.mark.parametrize(
    ("args", "options", "paths"),
    [
        (["-o", "pythonpath=src", "tests"], ["-o", "pythonpath=src"], ["tests"]),
        (
            ["--tb=short", "-rA", "-vv", "tests/a.py::test_x"],
            ["--tb=short", "-rA", "-vv"],
            ["tests/a.py::test_x"],
        ),
        (
            ["-p", "no:cacheprovider", "-k", "not slow", "a", "b"],
            ["-p", "no:cacheprovider", "-k", "not slow"],
            ["a", "b"],
        ),
        (
            ["--import-mode", "importlib", "--strict-markers", "t"],
            ["--import-mode", "importlib", "--strict-markers"],
            ["t"],
        ),
        (["-x", "--", "-odd-name.py"], ["-x"], ["-odd-name.py"]),
    ],
)
def test_options_keep_their_values_and_the_rest_names_tests(
    args: list[str], options: list[str], paths: list[str]
) -> None:
    parsed = parse_args(args)
    assert (list(parsed.options), list(parsed.paths), parsed.plain) == (options, paths, True)


def test_an_option_codefit_does_not_know_makes_the_command_line_not_plain() -> None:
    # `-n 4` (pytest-xdist) or `--cov src`: a plugin's option whose value pytest reads as its own.
    for args in (["-n", "4", "tests"], ["--cov", "src", "tests"]):
        assert not parse_args(args).plain, args

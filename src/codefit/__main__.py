"""`python -m codefit ...`: the CLI through an interpreter, for where the `codefit` script is not on PATH."""

from codefit.cli import main

if __name__ == "__main__":
    main()

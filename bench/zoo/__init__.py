"""The guards zoo's second corpus: issue 11's attack classes and honest changes that look like hacks."""

"""Stock lines and their summaries."""

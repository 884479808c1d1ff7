"""One module per group of `okno` commands."""

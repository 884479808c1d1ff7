"""The `okno` command and the embedded composition of the three services (the only place that knows all three)."""

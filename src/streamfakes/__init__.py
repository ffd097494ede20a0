"""The glue above `fakes` and `assertions`: the command line, the demo and the pytest
entry point. Neither library imports this package."""

"""Integration tests: the store, the workers and the CLI together over moto's in-process AWS, without HTTP."""

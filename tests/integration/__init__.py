"""Integration tests: the store, the services, the workers and the CLI over moto's in-process AWS, without HTTP."""

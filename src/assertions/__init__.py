"""Assertions for LLM streams; the pytest plugin lives in `assertions.pytest_plugin`."""

__all__: list[str] = []

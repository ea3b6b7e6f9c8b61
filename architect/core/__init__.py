"""The planning engine: pure Python, no Django. See docs/architecture.md."""

"""The planning engine: pure Python, no Django. See docs/planner.md."""

"""The PySide6 workbench. Calls the domain functions in `inspector` only."""

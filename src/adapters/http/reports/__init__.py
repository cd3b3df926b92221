"""CSV reports."""

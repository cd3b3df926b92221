"""Chapters, teams and their members."""

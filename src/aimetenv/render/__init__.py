"""Rendering: the only place that turns results into text for people or JSON for scripts."""

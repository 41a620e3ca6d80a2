"""The shell side of an install: which exports a release needs and how each shell gets them."""

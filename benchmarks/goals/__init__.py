"""The benchmark sections, one module per goal group."""

"""The typer command-line layer: parse options, call the quiet core, hand results to render."""

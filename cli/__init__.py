"""The ``gongjian`` command line (typer): one module per command group."""

"""HTTP entrypoints: the route table (`routes.py`) and the views it names, one module per resource."""

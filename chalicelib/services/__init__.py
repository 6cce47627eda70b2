"""What each endpoint does, one module per resource: typed inputs in, entities or bodies out, no HTTP."""

"""API views: thin. Parse input, call a service or a scoped read, shape the output."""

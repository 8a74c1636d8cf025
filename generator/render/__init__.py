"""Pure functions from validated models to Kubernetes objects (plain dicts); no I/O here."""

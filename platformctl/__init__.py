"""platformctl: the command line on top of the generator and the checks."""

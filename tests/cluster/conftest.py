"""The control-plane fixtures live in tests/conftest.py: the drift tests use them too."""

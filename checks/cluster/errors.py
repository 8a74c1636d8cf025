"""The one error type of the local control plane."""

from __future__ import annotations


class ClusterError(Exception):
    """The control plane could not be started or stopped; the message says why and what to do (CLI exit 2)."""

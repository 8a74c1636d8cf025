"""How long `up` waits for each phase (a module of its own so the CLI can show defaults without heavy imports)."""

from __future__ import annotations

APISERVER = 120.0  # kube-apiserver /readyz: the --timeout default; a cold start takes ~10-20 s on 2 CI cores
ETCD = 60.0  # etcd /health
SETUP = 60.0  # CRDs Established, the read-only binding in effect

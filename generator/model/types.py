"""Constrained scalar types shared by the blueprint kinds.

Each type rejects bad input with a message a platform engineer can act on; the loader adds the
file, line and field.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from croniter import croniter
from pydantic import AfterValidator, BeforeValidator, Field


def _client_parse_quantity() -> Callable[[str], Decimal]:
    """``kubernetes.utils.quantity.parse_quantity``, loaded from its file alone.

    ``import kubernetes.utils.quantity`` first runs the client package's ``__init__``, which loads the
    whole API client: 150 ms on every command that reads blueprints, for a function that needs only
    ``decimal``. Locating the package (``find_spec``) does not execute it.
    """
    package = importlib.util.find_spec("kubernetes")
    if package is None or package.origin is None:
        raise ImportError("the kubernetes client is not installed (pip install -e .)")
    spec = importlib.util.spec_from_file_location("_platformctl_quantity",
                                                  Path(package.origin).parent / "utils" / "quantity.py")
    if spec is None or spec.loader is None:
        raise ImportError("kubernetes/utils/quantity.py not found in the installed client")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.parse_quantity


parse_quantity = _client_parse_quantity()

_DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
# k8s.io/apimachinery resource.Quantity: sign, digits with an optional fraction, then a binary
# suffix, a decimal SI suffix, or a decimal exponent.
_QUANTITY = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?")
_DURATION = re.compile(r"^[0-9]+[dwmy]$")  # CNPG retentionPolicy: 30d, 4w, 6m, 1y


def dns_label(max_len: int) -> object:
    """A DNS-1123 label of at most ``max_len`` characters (it will prefix or name a namespace)."""

    def check(value: str) -> str:
        if not _DNS_LABEL.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a DNS label: use lower-case letters, digits and '-', "
                "starting and ending with a letter or digit"
            )
        if len(value) > max_len:
            raise ValueError(f"{value!r} is {len(value)} characters, at most {max_len} allowed")
        return value

    return AfterValidator(check)


def _quantity(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"expected a Kubernetes quantity such as 500m, 2 or 4Gi, got {value!r}")
    text = str(value)
    try:
        # The client's parse_quantity is looser than the API server (NaN, Infinity, 1_000, " 1"):
        # the grammar decides, parse_quantity only computes.
        if not _QUANTITY.fullmatch(text):
            raise ValueError(text)
        amount = parse_quantity(text)
    except (ValueError, ArithmeticError):
        raise ValueError(
            f"{text!r} is not a Kubernetes quantity (examples: 500m, 2, 512Mi, 20Gi; "
            "binary suffixes are Ki Mi Gi Ti, decimal k M G T)"
        ) from None
    if amount < 0:
        raise ValueError(f"{text!r} must not be negative")
    return text


def _cron(value: str) -> str:
    fields = value.split()
    if value.startswith("@") or len(fields) != 6 or not croniter.is_valid(value, second_at_beginning=True):
        raise ValueError(
            f"{value!r} is not a 6-field cron schedule (seconds minutes hours day month weekday, "
            "as CloudNativePG expects, e.g. '0 0 3 * * *')"
        )
    return value


def _duration(value: str) -> str:
    if not _DURATION.fullmatch(value):
        raise ValueError(f"{value!r} is not a retention such as 30d, 4w, 6m or 1y")
    return value


def _repo(value: str) -> str:
    owner, _, name = value.partition("/")
    if ".." in value or owner == "." or name == ".":
        raise ValueError(f"{value!r} would escape its directory")
    if not _REPO.fullmatch(value):
        raise ValueError(f"{value!r} is not a Gitea repository 'owner/name'")
    return value


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError(f"{value!r} is not an e-mail address (SSO users are named by e-mail)")
    return value


def _host(value: str) -> str:
    if not _HOST.fullmatch(value) or len(value) > 253:
        raise ValueError(f"{value!r} is not a lower-case DNS name")
    return value


def _str_from_int(value: object) -> object:
    """Accept ``version: 16`` as well as ``version: "16"``: YAML users write both."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Quantity = Annotated[
    str,
    BeforeValidator(_quantity, json_schema_input_type=str | int),
    Field(json_schema_extra={"examples": ["500m", "4Gi"]}),
]
CronSchedule = Annotated[str, AfterValidator(_cron)]
Retention = Annotated[str, AfterValidator(_duration)]
RepoRef = Annotated[str, AfterValidator(_repo)]
Email = Annotated[str, AfterValidator(_email)]
Hostname = Annotated[str, AfterValidator(_host)]
IntString = Annotated[str, BeforeValidator(_str_from_int, json_schema_input_type=str | int)]
Port = Annotated[int, Field(ge=1, le=65535)]


@functools.lru_cache(maxsize=65536)
def quantity_value(text: str) -> Decimal:
    """The numeric value of a quantity that already passed validation (memoized: blueprints repeat a few
    quantities thousands of times, and quota accounting reads each per environment)."""
    return parse_quantity(text)

"""Container image references: parsed once, so checks talk about registry and tag, not strings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator

_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_HOST = re.compile(r"^[A-Za-z0-9.-]+(?::[0-9]+)?$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")


@dataclass(frozen=True)
class ImageRef:
    registry: str  # docker.io when the reference names none
    repository: str  # path below the registry
    tag: str | None
    digest: str | None


def parse_image(text: str) -> ImageRef:
    """Parse ``[registry/]path[:tag][@digest]`` the way container runtimes do."""
    rest, _, digest = text.partition("@")
    if digest and not _DIGEST.fullmatch(digest):
        raise ValueError(f"image {text!r}: digest must be sha256:<64 hex>")
    head, _, last = rest.rpartition("/")
    name, _, tag = last.partition(":")
    path = f"{head}/{name}" if head else name
    parts = path.split("/")
    registry = "docker.io"
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        registry = parts.pop(0)
        if not _HOST.fullmatch(registry):
            raise ValueError(f"image {text!r}: registry {registry!r} is not a host name")
    if registry == "index.docker.io":
        registry = "docker.io"
    if registry == "docker.io" and len(parts) == 1:
        parts.insert(0, "library")  # Docker Hub's official images: nginx is docker.io/library/nginx
    if not all(_COMPONENT.fullmatch(p) for p in parts):
        raise ValueError(f"image {text!r}: repository path must be lower-case letters, digits and . _ -")
    if tag and not _TAG.fullmatch(tag):
        raise ValueError(f"image {text!r}: tag {tag!r} is not a valid tag")
    return ImageRef(registry, "/".join(parts), tag or None, digest or None)


def _pinned(text: str) -> str:
    ref = parse_image(text)
    if ref.tag is None and ref.digest is None:
        raise ValueError(f"image {text!r} has no tag: pin a version, e.g. {text}:1.2.3")
    if ref.tag == "latest" and ref.digest is None:
        raise ValueError(f"image {text!r} uses ':latest': pin a version")
    return text


def registry_allowed(text: str, allowed: list[str]) -> bool:
    """Allowed entries are a registry host or a host/path prefix (``ghcr.io/acme``)."""
    ref = parse_image(text)
    full = f"{ref.registry}/{ref.repository}"
    return any(full == a or full.startswith(a.rstrip("/") + "/") for a in allowed)


Image = Annotated[str, AfterValidator(_pinned)]

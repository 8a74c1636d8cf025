"""The platform's own component directories, ``system/<component>/``.

At this stage each holds the component's Namespace; the component's chart and values are wired by
its Argo CD Application (generator/render/argocd.py). Later renderers add objects here.
"""

from __future__ import annotations

from generator.model import Environment
from generator.model.platform import Component
from generator.render.meta import Obj, labels, make


def render(env: Environment, component: Component) -> list[Obj]:
    lab = labels(env.name, component=component.name)
    return [make("v1", "Namespace", component.namespace, labels=lab)]

"""Apps with ``runtime: kubero``: one KuberoPipeline per tenant and one KuberoApp per app, for Kubero to run.

Kubero's shapes (checks/schemas/kubero/ has the sources): a KuberoPipeline lives in Kubero's own namespace
(the server lists pipelines there, KUBERO_NAMESPACE); an app of pipeline ``N`` in phase ``P`` lives in the
namespace ``N-P``, which the server computes and the operator's pipeline chart creates for every enabled phase.
Here the pipeline is the tenant and the phase is the environment, so a tenant's Kubero apps share the namespace
``<tenant>-<env>`` (``naming.kubero_namespace``). Each environment is its own cluster with its own Kubero, so a pipeline
has one phase, this environment's: phases of other environments would point this cluster's Kubero at namespaces
it cannot serve, and naming them would make every environment's output depend on the others.

The operator renders a CR's spec with its Helm chart over the chart's defaults, which include a sample cronjob,
sample env vars, a worker Deployment with one replica and a sample ingress host: the app sets those fields
explicitly (empty, zero, off) so nothing from the defaults runs.

How apps get built: not by Kubero. Its in-cluster builds (``deploymentstrategy: git``) run fetch and build
init containers that need privileged pods, which the namespaces' Pod Security ``restricted`` refuses, and
after each build Kubero patches the image tag into the KuberoApp, which Argo CD's self-heal would revert. So
a kubero app deploys the pinned ``image`` from its blueprint (``deploymentstrategy: docker``); the app's repo
builds and pushes it with Gitea Actions, and a new release is a blueprint change like any other. Kubero's
chart passes env vars by value only, so a kubero app cannot use databases (the loader says so).

Kubero's pipeline chart creates the phase namespace ``<pipeline>-<phase>`` with Helm, and tenancy renders
the same Namespace (labels for Pod Security and network policy). Whichever comes first, Helm must be able
to adopt it: the tenancy Namespace carries Helm's ownership metadata for the pipeline's release
(``HELM_ADOPTION``), so Helm's install patches only what it owns and keeps the labels.

Where things go: KuberoApps are tenant workloads. KuberoPipelines sit in Kubero's namespace, where the
tenant's AppProject may not deploy, so they travel with the guardrails (``Rendered.guardrails``, synced by
the platform-owned ``tenancy-<tenant>`` Application, whose project allows any namespace).
"""

from __future__ import annotations

from typing import Any

from generator import naming
from generator.model import Environment, Platform, Tenant
from generator.model.image import parse_image
from generator.model.tenant import App
from generator.render.meta import Obj, Rendered, labels, make
from generator.render.workload import ISSUER_ANNOTATION

API_VERSION = "application.kubero.dev/v1alpha1"
COMPONENT = "kubero"
KUBERO_NAMESPACE = "kubero"  # when the platform lists no kubero component
GITEA_HOST_LABEL = "gitea"  # Gitea's public host is gitea.<environment domain>
BRANCH = "main"
DEPLOYMENT_STRATEGY = "docker"  # run the blueprint's image; no in-cluster build (see above)
BUILD_STRATEGY = "plain"  # what Kubero records for docker apps; its chart builds nothing then
IN_CLUSTER_CONTEXT = "inClusterContext"  # the context @kubernetes/client-node names an in-cluster config
RUN_AS = 1000  # the app image runs as this uid/gid unless its own USER is non-root
HEALTHCHECK = {"enabled": True, "path": "/", "startupSeconds": 90, "timeoutSeconds": 3, "periodSeconds": 10}


def pipeline_name(tenant: Tenant) -> str:
    return tenant.name


def phase_name(env: Environment) -> str:
    return env.name


def kubero_apps(tenant: Tenant) -> list[App]:
    return [a for a in tenant.spec.apps if a.runtime == "kubero"]


def gitea_host(env: Environment) -> str:
    return naming.public_host(env, GITEA_HOST_LABEL)


def git_repository(env: Environment, repo: str) -> dict[str, Any]:
    """The repo as Kubero's IGithubRepository. ``ssh_url`` is in the form Gitea puts in its webhook payloads
    (Kubero finds the apps to redeploy by comparing it); builds clone ``clone_url`` since ``admin`` is off."""
    owner, name = repo.split("/", 1)
    host = gitea_host(env)
    return {"admin": False, "clone_url": f"https://{host}/{repo}.git", "name": name, "owner": owner,
            "ssh_url": f"git@{host}:{repo}.git"}


def helm_adoption(platform: Platform, tenant: str) -> tuple[dict[str, str], dict[str, str]]:
    """(labels, annotations) by which Helm adopts an existing object into the tenant pipeline's release: the
    operator names the release after the KuberoPipeline, in the pipeline's namespace."""
    return ({"app.kubernetes.io/managed-by": "Helm"},
            {"meta.helm.sh/release-name": tenant,
             "meta.helm.sh/release-namespace": platform.namespace_of("kubero", KUBERO_NAMESPACE)})


def image(app: App) -> tuple[str, str]:
    """(repository, tag) of the blueprint's pinned image; the chart writes "<repository>:<tag>"."""
    assert app.image is not None  # the loader requires one for kubero apps
    rest, _, digest = app.image.partition("@")
    ref = parse_image(app.image)
    repository = rest[: len(rest) - len(ref.tag) - 1] if ref.tag else rest
    tag = ref.tag or ""
    return repository, f"{tag}@{digest}" if digest else tag


def _security_context() -> dict[str, Any]:
    """Kubero's ISecurityContext at Pod Security "restricted" (seccomp is set for the whole pod); the chart's
    default runs as root."""
    return {"allowPrivilegeEscalation": False, "capabilities": {"add": [], "drop": ["ALL"]},
            "readOnlyRootFilesystem": True, "runAsGroup": RUN_AS, "runAsNonRoot": True,
            "runAsUser": RUN_AS}


def _pod_security_context() -> dict[str, Any]:
    return {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}


def _image(app: App) -> dict[str, Any]:
    repository, tag = image(app)
    return {
        "repository": repository, "tag": tag, "containerPort": app.port,
        "pullPolicy": "Always",  # a node's cached copy of a private image is not another tenant's to reuse
        "run": {"readOnlyAppStorage": True, "securityContext": _security_context()},
    }


def _scaling(app: App) -> dict[str, Any]:
    """The chart runs an HPA when autoscaling.enabled, else web.replicaCount replicas."""
    scale = app.autoscale
    if scale is None:
        off = {"minReplicas": 0, "maxReplicas": 0}  # how Kubero itself writes an app without autoscaling
        return {"autoscale": False, "autoscaling": {"enabled": False},
                "web": {"replicaCount": app.replicas, "autoscaling": off}}
    target = {"minReplicas": scale.min, "maxReplicas": scale.max, "targetCPUUtilizationPercentage": scale.cpu_percent}
    return {"autoscale": True, "autoscaling": {"enabled": True},
            "web": {"replicaCount": app.replicas, "autoscaling": target}}


def _ingress(env: Environment, app: App) -> dict[str, Any]:
    settings = env.spec.ingress
    if app.ingress is None:
        return {"enabled": False, "className": settings.class_name, "annotations": {}, "hosts": [], "tls": []}
    host = f"{app.ingress.host}.{env.spec.domain}"
    return {
        "enabled": True, "className": settings.class_name,
        "annotations": {ISSUER_ANNOTATION: settings.tls_issuer},
        "hosts": [{"host": host, "paths": [{"path": "/", "pathType": "Prefix"}]}],
        "tls": [{"hosts": [host], "secretName": f"{app.name}-tls"}],
    }


def _resources(app: App) -> dict[str, Any]:
    """Requests from the blueprint, memory limit = request, no CPU limit (as for every platform workload)."""
    res = app.resources
    requests = {k: v for k, v in (("cpu", res.cpu if res else None), ("memory", res.memory if res else None)) if v}
    result: dict[str, Any] = {"requests": requests}
    if "memory" in requests:
        result["limits"] = {"memory": requests["memory"]}
    return result


def kubero_app(env: Environment, tenant: Tenant, app: App) -> Obj:
    """One app in this environment's phase; repo and image are required for kubero apps (the loader checks)."""
    pipeline, phase = pipeline_name(tenant), phase_name(env)
    spec = {
        "name": app.name, "pipeline": pipeline, "phase": phase,
        "deploymentstrategy": DEPLOYMENT_STRATEGY, "buildstrategy": BUILD_STRATEGY,
        "gitrepo": git_repository(env, str(app.repo)), "branch": BRANCH, "autodeploy": True,
        "sleep": "disabled",
        "image": _image(app),
        **_scaling(app),
        "worker": {"replicaCount": 0, "autoscaling": {"minReplicas": 0, "maxReplicas": 0}},
        "envVars": [{"name": k, "value": v} for k, v in sorted(app.env.items())],
        "ingress": _ingress(env, app),
        "resources": _resources(app),
        "healthcheck": dict(HEALTHCHECK),
        "podSecurityContext": _pod_security_context(),
        # no own ServiceAccount: the chart's would come with a Role to patch KuberoApps, and a token in the pod
        "serviceAccount": {"annotations": {}, "create": False, "name": ""},
        "basicAuth": {"enabled": False, "realm": "", "accounts": []},
        "vulnerabilityscan": {"enabled": False},
        "cronjobs": [], "addons": [], "extraVolumes": [],
    }
    return make(API_VERSION, "KuberoApp", app.name, namespace=naming.kubero_namespace(pipeline, phase),
                labels=labels(env.name, tenant=tenant.name, component=COMPONENT), spec=spec)


def pipeline(platform: Platform, env: Environment, tenant: Tenant, apps: list[App]) -> Obj:
    """The tenant's pipeline in Kubero's namespace. A pipeline holds one repository (used for review apps,
    which stay off): the first kubero app's; every app carries its own repo."""
    name, domain = pipeline_name(tenant), env.spec.domain
    phase = {"name": phase_name(env), "enabled": True, "context": IN_CLUSTER_CONTEXT, "domain": domain,
             "defaultEnvvars": []}
    spec = {
        "name": name, "domain": domain, "reviewapps": False, "phases": [phase],
        "git": {"provider": "gitea", "repository": git_repository(env, str(apps[0].repo)), "keys": {}, "webhook": {}},
        "deploymentstrategy": DEPLOYMENT_STRATEGY, "buildstrategy": BUILD_STRATEGY,
        "access": {"teams": [tenant.name]},  # Kubero shows the pipeline to its team <tenant> (and admins) only
    }
    return make(API_VERSION, "KuberoPipeline", name, namespace=platform.namespace_of("kubero", KUBERO_NAMESPACE),
                labels=labels(env.name, tenant=tenant.name, component=COMPONENT), spec=spec)


def render(platform: Platform, env: Environment, tenant: Tenant) -> Rendered:
    """Kubero objects of one effective tenant in one environment; nothing when it has no kubero apps."""
    apps = kubero_apps(tenant)
    if not apps:
        return Rendered()
    return Rendered(workloads=[kubero_app(env, tenant, a) for a in apps],
                    guardrails=[pipeline(platform, env, tenant, apps)])

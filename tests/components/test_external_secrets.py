"""generator.render.components.external_secrets: the environment's ClusterSecretStore."""

from __future__ import annotations

from generator.loader import load
from generator.render import components
from generator.render.externalsecret import external_secret
from tests.support import REPO

BP = load(REPO)


def _context(env: str, provider: dict | None = None) -> components.Context:
    environment = BP.environments[env]
    if provider is not None:
        store = environment.spec.secret_store.model_copy(update={"provider": provider})
        spec = environment.spec.model_copy(update={"secret_store": store})
        environment = environment.model_copy(update={"spec": spec})
    (component,) = [c for c in BP.platform.spec.components if c.name == "external-secrets"]
    return components.Context(BP.platform, environment, component, ())


def test_the_store_every_external_secret_reads_is_rendered_from_the_environment() -> None:
    for env in BP.environments:
        ctx = _context(env)
        (namespace, store) = components.objects(ctx)
        assert namespace["kind"] == "Namespace"
        assert (store["kind"], store["metadata"]["name"]) == ("ClusterSecretStore", "platform-secrets")
        assert "namespace" not in store["metadata"]  # cluster-scoped
        assert store["spec"] == {"provider": BP.environments[env].spec.secret_store.provider}
        # and it is the store the renderers' ExternalSecrets name
        secret = external_secret(ctx.env, "x", "ns", {}, [("k", "key", "prop")])
        assert secret["spec"]["secretStoreRef"] == {"kind": store["kind"], "name": store["metadata"]["name"]}


def test_each_environment_reads_its_own_vault() -> None:
    servers = {env: _context(env).env.spec.secret_store.provider["vault"]["server"] for env in BP.environments}
    assert len(set(servers.values())) == len(servers)


def test_without_a_provider_the_store_is_someone_elses() -> None:
    objects = components.objects(_context("prod", provider={}))
    assert [o["kind"] for o in objects] == ["Namespace"]

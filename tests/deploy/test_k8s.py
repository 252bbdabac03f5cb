"""deploy/k8s, checked offline: every manifest against Kubernetes' own schemas (kubernetes-validate),
and what the manifests promise (replicas, probes on the health endpoints, measured resources, secrets
only from the Secret, sticky routing to every Rasa replica, shared uploads); docker-compose.yml too."""

import re
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
VERSION = "1.30.0"
SECRET_NAMES = re.compile(r"TOKEN|SECRET|PASSWORD|DATABASE_URL|REDIS_URL")


def documents() -> list[dict]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    return docs


def named(kind: str, name: str) -> dict:
    (doc,) = [d for d in documents() if d["kind"] == kind and d["metadata"]["name"] == name]
    return doc


def container(workload: dict) -> dict:
    (only,) = workload["spec"]["template"]["spec"]["containers"]
    return only


def env(workload: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container(workload).get("env", [])}


@pytest.mark.parametrize("doc", documents(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_every_manifest_is_valid_kubernetes(doc):
    kubernetes_validate.validate(doc, VERSION, strict=True)  # raises with the offending field


WORKLOADS = [("Deployment", "desk", "/livez", "/readyz"), ("StatefulSet", "rasa", "/", "/"),
             ("Deployment", "actions", "/health", "/health")]


@pytest.mark.parametrize("kind, name, live, ready", WORKLOADS)
def test_each_part_runs_two_replicas_with_probes_resources_and_secrets_from_the_secret(kind, name, live, ready):
    workload = named(kind, name)
    assert workload["spec"]["replicas"] >= 2
    c = container(workload)
    assert c["livenessProbe"]["httpGet"]["path"] == live and c["readinessProbe"]["httpGet"]["path"] == ready
    assert {"cpu", "memory"} <= set(c["resources"]["requests"]) and "memory" in c["resources"]["limits"]
    for var_name, var in env(workload).items():
        if SECRET_NAMES.search(var_name):
            assert var["valueFrom"]["secretKeyRef"]["name"] == "desk-secrets", var_name
    service = named("Service", name)
    assert service["spec"]["selector"] == workload["spec"]["selector"]["matchLabels"]
    assert service["spec"]["selector"].items() <= workload["spec"]["template"]["metadata"]["labels"].items()


def test_the_secret_example_holds_only_placeholders_the_parts_refuse():
    secret = named("Secret", "desk-secrets")
    needed = {e["valueFrom"]["secretKeyRef"]["key"] for kind, name, *_ in WORKLOADS
              for e in env(named(kind, name)).values() if "valueFrom" in e}
    assert needed <= set(secret["stringData"])
    for key, value in secret["stringData"].items():  # short placeholders: production refuses them
        assert "change-me" in value or (key.endswith("_URL") and "example.internal" in value), key


def test_the_desk_routes_each_conversation_to_one_of_every_rasa_replica():
    rasa, headless = named("StatefulSet", "rasa"), named("Service", "rasa")
    assert headless["spec"]["clusterIP"] == "None" and rasa["spec"]["serviceName"] == "rasa"
    listed = env(named("Deployment", "desk"))["DESK_RASA_URL"]["value"].split(",")
    assert listed == [f"http://rasa-{i}.rasa:5005" for i in range(rasa["spec"]["replicas"])]


def test_every_desk_replica_reads_the_same_uploads():
    desk = named("Deployment", "desk")
    (mount,) = container(desk)["volumeMounts"]
    assert env(desk)["DESK_UPLOADS_DIR"]["value"] == mount["mountPath"]
    (volume,) = desk["spec"]["template"]["spec"]["volumes"]
    claim = named("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]


def test_the_rasa_endpoints_match_the_compose_ones():
    """The ConfigMap is docker/endpoints.yml: the same action server Service and tracker store."""
    mounted = yaml.safe_load(named("ConfigMap", "rasa-endpoints")["data"]["endpoints.yml"])
    compose = yaml.safe_load((ROOT / "docker" / "endpoints.yml").read_text(encoding="utf-8"))
    assert mounted == compose


def test_docker_compose_stays_valid():
    command = (["docker", "compose"] if shutil.which("docker") and subprocess.run(
        ["docker", "compose", "version"], capture_output=True).returncode == 0
        else ["docker-compose"] if shutil.which("docker-compose") else None)
    if command is None:
        pytest.skip("neither `docker compose` nor docker-compose is installed here")
    secrets = {name: "x" * 32 for name in ("DESK_SERVICE_TOKEN", "RASA_TOKEN", "DESK_SHOP_SECRET",
                                           "DESK_SESSION_SECRET", "DESK_ADMIN_PASSWORD")}
    done = subprocess.run(command + ["-f", str(ROOT / "docker-compose.yml"), "config", "-q"], capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin:/usr/local/bin", **secrets})
    assert done.returncode == 0, done.stderr

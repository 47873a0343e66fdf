"""docker-compose.yml and its GPU override, checked without a Docker engine: Debian's
``docker-compose`` (scripts/test.sh installs it) parses and resolves them with ``config``."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import pytest

from tests.conftest import REPO_DIR

yaml = pytest.importorskip("yaml")

DOCKER_COMPOSE = shutil.which("docker-compose")
pytestmark = pytest.mark.skipif(
    DOCKER_COMPOSE is None,
    reason="docker-compose is not installed (scripts/test.sh installs Debian's docker-compose)",
)


def compose_config(*files: str) -> dict[str, Any]:
    """``docker-compose -f ... config``: the merged, interpolated project as a dict."""
    assert DOCKER_COMPOSE is not None
    # The defaults in the files, not whatever this shell happens to set.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADTRACE_", "COMPOSE_"))}
    args = [DOCKER_COMPOSE]
    for name in files:
        args += ["-f", name]
    result = subprocess.run(
        [*args, "config"], cwd=REPO_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    return compose_config("docker-compose.yml")


@pytest.fixture(scope="module")
def gpu() -> dict[str, Any]:
    return compose_config("docker-compose.yml", "docker-compose.gpu.yml")


def test_the_services_and_the_published_page(base: dict[str, Any]) -> None:
    services = base["services"]
    assert set(services) == {"proxy", "web", "worker", "redis"}
    # One port on the host, the proxy's: web replicas publish none, so they can be scaled.
    (port,) = services["proxy"]["ports"]
    assert (int(port["published"]), int(port["target"])) == (8000, 8000)
    assert "ports" not in services["web"] and "ports" not in services["worker"]
    config_file = services["proxy"]["volumes"][0].split(":")[0]
    assert os.path.isfile(config_file)


def test_web_and_worker_run_the_native_commands_from_one_image(base: dict[str, Any]) -> None:
    web, worker = base["services"]["web"], base["services"]["worker"]
    assert web["command"] == ["serve"]
    assert worker["command"] == ["worker"]
    assert web["image"] == worker["image"]
    assert web["build"]["args"]["TORCH_VARIANT"] == "cpu"
    for service in (web, worker):
        assert service["environment"]["GRADTRACE_REDIS_URL"] == "redis://redis:6379/0"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
    assert web["environment"]["GRADTRACE_TRUST_FORWARDED_FOR"] == "true"  # behind the proxy


def test_redis_persists_to_a_volume(base: dict[str, Any]) -> None:
    redis = base["services"]["redis"]
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert any(volume.split(":")[:2] == ["redis-data", "/data"] for volume in redis["volumes"])
    assert "redis-data" in base["volumes"]
    assert redis["healthcheck"]["test"][-1] == "ping"


def test_every_setting_named_in_compose_exists(base: dict[str, Any]) -> None:
    from app.config import Settings

    for service in ("web", "worker"):
        for name in base["services"][service]["environment"]:
            assert name.removeprefix("GRADTRACE_").lower() in Settings.model_fields, name


def test_the_gpu_override_reserves_gpus_for_workers_and_builds_cuda_torch(
    gpu: dict[str, Any],
) -> None:
    worker, web = gpu["services"]["worker"], gpu["services"]["web"]
    (device,) = worker["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    assert worker["build"]["args"]["TORCH_VARIANT"].startswith("cu")
    assert web["image"] == worker["image"]  # still one image for both
    assert "deploy" not in web  # web replicas need no GPU
    assert worker["command"] == ["worker"]  # the rest comes from docker-compose.yml


def test_the_proxy_streams_events_unbuffered_and_sets_the_client_address() -> None:
    config = (REPO_DIR / "deploy" / "nginx.conf").read_text()
    events = config[config.index("location ~ ^/api/runs/") :]
    assert "proxy_buffering off;" in events
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in config  # replaced, not appended
    assert "resolver 127.0.0.11" in config  # re-resolves `web` as it is scaled

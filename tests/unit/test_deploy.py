"""The deployment files agree with the code they deploy: the cluster manifest runs the same Serve
config as `serve deploy`, the compose stack's defaults are the service's, and only the proxy
faces clients."""

from __future__ import annotations

import re

import yaml

from nst.config import Config
from tests.helpers import ROOT


def test_the_kuberay_manifest_serves_the_packaged_serve_config():
    manifest = yaml.safe_load((ROOT / "deploy/kuberay/rayservice.yaml").read_text())
    packaged = yaml.safe_load((ROOT / "nst/service/serve_config.yaml").read_text())
    assert manifest["kind"] == "RayService"
    assert yaml.safe_load(manifest["spec"]["serveConfigV2"]) == packaged
    pinned = re.search(r"^ray\[[a-z,]+\]==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M)
    assert pinned and manifest["spec"]["rayClusterConfig"]["rayVersion"] == pinned.group(1)


def test_only_the_proxy_publishes_a_port_and_its_upload_limit_is_the_services():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert [name for name, s in services.items() if "ports" in s] == ["proxy"]
    assert services["proxy"]["ports"] == ["${NST_PUBLISH:-127.0.0.1:8443}:8443"]  # loopback unless told
    default_mb = Config.model_fields["service_upload_mb"].default
    assert services["proxy"]["environment"]["PROXY_API_MB"] == f"${{NST_SERVICE_UPLOAD_MB:-{default_mb}}}"
    assert services["service"]["environment"]["NST_SERVICE_UPLOAD_MB"] == f"${{NST_SERVICE_UPLOAD_MB:-{default_mb}}}"
    for name in ("app", "service"):
        assert services[name]["read_only"] is True and services[name]["tmpfs"] == ["/tmp"]

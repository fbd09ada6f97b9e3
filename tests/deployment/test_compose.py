"""docker-compose.yml and its image: valid for docker-compose (`config`, when Debian's docker-compose or the
compose plugin is installed: bin/test installs it as root), and shaped as README's "Production" says."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import IN_CI

REPO = Path(__file__).resolve().parent.parent.parent
APP_SERVICES = ("migrate", "web", "worker", "beat")
SECRETS = ("SECRET_KEY", "PLEDGE_AUDIT_KEY", "PLEDGE_APP_DB_PASSWORD", "POSTGRES_PASSWORD")


def compose_command():
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return None


@pytest.fixture
def project(tmp_path):
    """A copy of the compose project with deploy/pledge.env made from the example, its secrets filled."""
    shutil.copy(REPO / "docker-compose.yml", tmp_path)
    shutil.copytree(REPO / "deploy", tmp_path / "deploy", ignore=shutil.ignore_patterns("pledge.env"))
    example = (REPO / "deploy" / "pledge.env.example").read_text()
    filled = re.sub(rf"^({'|'.join(SECRETS)})=$", r"\1=filled-in-for-the-test", example, flags=re.M)
    (tmp_path / "deploy" / "pledge.env").write_text(filled)
    return tmp_path


def test_docker_compose_accepts_the_file_with_the_example_settings(project):
    command = compose_command()
    if command is None:
        if IN_CI:  # bin/test installs Debian's docker-compose as root: in CI its absence is a failure
            pytest.fail("CI=true but neither docker-compose nor the docker compose plugin is installed")
        pytest.skip("neither docker-compose nor the docker compose plugin is installed (the structure test runs)")
    result = subprocess.run([*command, "--env-file", "deploy/pledge.env", "config", "-q"], cwd=project,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    # The example's empty secrets are refused by name, not run with blanks.
    (project / "deploy" / "pledge.env").write_text((REPO / "deploy" / "pledge.env.example").read_text())
    result = subprocess.run([*command, "--env-file", "deploy/pledge.env", "config", "-q"], cwd=project,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "PASSWORD" in result.stdout + result.stderr


def test_the_topology_of_the_compose_file():
    spec = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = spec["services"]
    assert set(services) == {"postgres", "redis", *APP_SERVICES}
    for name in ("postgres", "redis", "web"):
        assert services[name]["healthcheck"]["test"], name
    assert "gunicorn" in " ".join(services["web"]["command"]) and "worker" in services["worker"]["command"]
    assert services["beat"]["deploy"] == {"replicas": 1} and "beat" in services["beat"]["command"]
    assert services["migrate"]["restart"] == "no" and "migrate" in services["migrate"]["command"]
    for name in APP_SERVICES:
        service, env = services[name], services[name]["environment"]
        # ONE shared volume, at PLEDGE_VAR_DIR (evidence, exports, the audit anchor all derive from it).
        assert service["volumes"] == ["pledge-var:/var/pledge"] and env["PLEDGE_VAR_DIR"] == "/var/pledge", name
        assert not any(k in env for k in ("PLEDGE_EVIDENCE_ROOT", "PLEDGE_EXPORTS_ROOT", "PLEDGE_AUDIT_ANCHOR"))
        assert env["DEBUG"] == "false" and service["env_file"] == ["deploy/pledge.env"]
        assert env["DATABASE_URL"].startswith("postgres://pledge_app:")
        assert ("DATABASE_OWNER_URL" in env) == (name == "migrate"), name  # only migrate acts as the owner
        assert env["POSTGRES_PASSWORD"] == "" and env["PLEDGE_APP_DB_PASSWORD"] == ""
        if name != "migrate":
            assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert set(spec["volumes"]) == {"pgdata", "redisdata", "pledge-var"}


def test_the_image_makes_pdfs_and_serves_its_static_files():
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-noto-cjk",
                    "postgresql-client"):
        assert re.search(rf"apt-get install[^\n]*\n?[^\n]*\b{re.escape(package)}\b", dockerfile), package
    static_root = re.search(r"^ENV [^\n]*STATIC_ROOT=(\S+)", dockerfile, re.M)
    collect = re.search(r"^RUN [^\n]*manage\.py collectstatic", dockerfile, re.M)
    assert static_root and collect and static_root.start() < collect.start()  # collectstatic into STATIC_ROOT
    assert not static_root.group(1).startswith("/var/pledge")  # in the image: the shared volume would hide it
    ignored = (REPO / ".dockerignore").read_text().split()
    assert ".env.local" in ignored and ".venv/" in ignored


def test_every_setting_the_compose_file_reads_is_in_the_example():
    example = (REPO / "deploy" / "pledge.env.example").read_text()
    named = set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", example, re.M))
    wanted = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", (REPO / "docker-compose.yml").read_text()))
    assert wanted <= named, wanted - named
    assert set(SECRETS) <= named and not re.search(rf"^({'|'.join(SECRETS)})=\S", example, re.M)  # none filled in

"""The README's production guide and the deployment files agree with the settings the code reads."""

from __future__ import annotations

from pathlib import Path

import yaml

from settlement.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_the_configuration_reference_lists_every_setting():
    guide = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [f"SETTLEMENT_{name.upper()}" for name in Settings.model_fields if f"`SETTLEMENT_{name.upper()}`" not in guide]
    assert not missing, f"README.md (Run it in production) does not list {missing}"


def test_compose_secrets_are_files_the_settings_read():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    service = compose["services"]["settlement"]
    for secret in service["secrets"]:
        assert secret.startswith("settlement_") and secret.removeprefix("settlement_") in Settings.model_fields, secret
        assert compose["secrets"][secret]["file"].startswith("./secrets/")
    # A variable would win over the secret file, so the compose file must not set the database URL.
    assert "SETTLEMENT_DATABASE_URL" not in (service.get("environment") or {})


def test_the_image_sets_no_secret_and_no_database_url():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    env_lines = [line for line in dockerfile.splitlines() if line.strip().startswith(("ENV", "SETTLEMENT_"))]
    assert env_lines and not any(word in " ".join(env_lines) for word in
                                 ("SETTLEMENT_DATABASE_URL", "SETTLEMENT_FIKEN_TOKEN=", "CLIENT_SECRET"))
    assert 'ENTRYPOINT ["settlement", "serve"]' in dockerfile and "HEALTHCHECK" in dockerfile and "USER 10001" in dockerfile

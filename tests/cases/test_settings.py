"""Settings come from the environment; with nothing set they give the embedded default."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; django.setup(); from django.conf import settings; "
    "from django.core.files.storage import storages; from config import celery_app; "
    "default_storage = storages['default']; database = settings.DATABASES['default']; "
    "print(json.dumps({'db': database['ENGINE'], 'name': str(database['NAME']),"
    " 'storage': type(default_storage).__name__,"
    " 'location': str(getattr(default_storage, 'location', '')), 'eager': celery_app.conf.task_always_eager}))"
)


def run(env: dict, *args, code: str | None = None):
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env}
    command = [sys.executable, "-c", code] if code else [sys.executable, "manage.py", *args]
    return subprocess.run(
        command,
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_defaults_are_the_embedded_default(tmp_path):
    result = run({"DEBUG": "1", "VAR_DIR": str(tmp_path)}, code=PROBE)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["db"] == "django.db.backends.sqlite3"
    assert found["name"] == str(tmp_path / "db.sqlite3")
    assert found["storage"] == "PrivateFileSystemStorage"
    assert found["location"] == str(tmp_path / "media")
    assert found["eager"] is True


def test_environment_switches_each_part(tmp_path):
    result = run(
        {
            "DEBUG": "1",
            "VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://u:p@db.example:5432/hromada",
            "CELERY_BROKER_URL": "redis://redis.example:6379/0",
            "AWS_STORAGE_BUCKET_NAME": "intake",
            "AWS_S3_ENDPOINT_URL": "http://s3.example:9000",
        },
        code=PROBE,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["db"] == "django.db.backends.postgresql"
    assert found["storage"] == "S3Storage"
    assert found["eager"] is False


def test_secret_key_has_no_default_in_production(tmp_path):
    result = run({"VAR_DIR": str(tmp_path)}, "check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run(
        {
            "VAR_DIR": str(tmp_path),
            "SECRET_KEY": "x" * 20 + "production-secret-key-that-is-long-and-random-enough-1234567890",
            "ALLOWED_HOSTS": "intake.example.gov.ua",
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("var", ["DATABASE_URL", "CELERY_BROKER_URL", "AWS_STORAGE_BUCKET_NAME", "SECRET_KEY", "DEBUG"])
def test_env_example_documents_the_variables(var):
    assert f"{var}=" in (ROOT / ".env.example").read_text()


def test_local_files_have_no_url():
    from cases.storage import PrivateFileSystemStorage

    with pytest.raises(ValueError, match="private"):
        PrivateFileSystemStorage(location="/tmp").url("cases/1/originals/x.jpg")

"""The S3 path through django-storages, against a local S3-compatible server (moto in server mode): a file
written by one process (the web) is read back by another (a worker) with the production settings."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3_server():
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)


def process(env: dict, code: str) -> str:
    full = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "DEBUG": "1", **env}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_web_writes_worker_reads(s3_server, tmp_path):
    import boto3

    env = {
        "VAR_DIR": str(tmp_path),
        "AWS_STORAGE_BUCKET_NAME": "intake-test",
        "AWS_S3_ENDPOINT_URL": s3_server,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_S3_REGION_NAME": "us-east-1",
    }
    boto3.client(
        "s3", endpoint_url=s3_server, aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    ).create_bucket(Bucket="intake-test")
    setup = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup(); "
    written = process(
        env,
        setup
        + "from django.core.files.base import ContentFile; from django.core.files.storage import default_storage; "
        "from django.core.files.storage import storages; print(type(storages['default']).__name__, "
        "default_storage.save('cases/1/originals/scan.jpg', ContentFile(b'\\xff\\xd8\\xff scan bytes')))",
    )
    backend, name = written.split()
    assert backend == "S3Storage"
    assert name == "cases/1/originals/scan.jpg"
    read = process(
        env,
        setup + "from django.core.files.storage import default_storage, storages; "
        f"print(type(storages['default']).__name__, default_storage.open({name!r}).read()[3:])",
    )
    assert read == "S3Storage b' scan bytes'"

from celery import shared_task

from uploads import services


@shared_task(name="uploads.sweep_expired", ignore_result=True)
def sweep_expired() -> None:
    services.uploads_sweep_expired()

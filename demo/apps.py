from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run`. It may use every app's services; no app imports it."""

    name = "demo"
    verbose_name = "Demo data"

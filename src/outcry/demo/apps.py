from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "outcry.demo"
    label = "demo"
    verbose_name = "Demo"

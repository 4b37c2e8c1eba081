from django.apps import AppConfig


class GradingConfig(AppConfig):
    name = "lms.grading"
    label = "grading"

from django.apps import AppConfig


class AssignmentsConfig(AppConfig):
    name = "lms.assignments"
    label = "assignments"

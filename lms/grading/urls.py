"""Grading pages. Mounted at the site root because their addresses live under the course and
the assignment they belong to (`/courses/<id>/gradebook/`, `/assignments/<id>/release/`), the
paths the browser tests and the course page link to."""

from django.urls import path

from lms.grading import views

app_name = "grading"

urlpatterns = [
    path("courses/<int:course_id>/gradebook/", views.gradebook, name="gradebook"),
    path("courses/<int:course_id>/gradebook.csv", views.gradebook_download, name="gradebook_csv"),
    path(
        "courses/<int:course_id>/gradebook/import/",
        views.gradebook_import,
        name="gradebook_import",
    ),
    path("assignments/<int:assignment_id>/release/", views.release, name="release"),
    path(
        "assignments/<int:assignment_id>/release/student/",
        views.release_student,
        name="release_student",
    ),
]

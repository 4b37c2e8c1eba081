"""The student's own grades: `/grades/` and `/grades/courses/<id>/`."""

from django.urls import path

from lms.grading import student_views

app_name = "my_grades"

urlpatterns = [
    path("", student_views.my_grades_page, name="list"),
    path("courses/<int:course_id>/", student_views.my_course_grades_page, name="course"),
]

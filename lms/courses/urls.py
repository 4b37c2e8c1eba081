from django.urls import path

from lms.courses import views

app_name = "courses"

urlpatterns = [
    path("join/", views.join, name="join"),
    path("<int:course_id>/", views.detail, name="detail"),
]

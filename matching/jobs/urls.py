from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/download/", views.download, name="download"),
    path("exports/new/", views.export_new, name="export-new"),
    path("recompute/new/", views.recompute_new, name="recompute-new"),
]

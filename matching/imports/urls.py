from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/rows.csv", views.row_report, name="rows"),
    path("<slug:kind>/", views.upload, name="upload"),
]

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("region/<int:pk>/", views.region_page, name="region"),
    path("district/<int:pk>/", views.district_page, name="district"),
    path("iati.xml", views.iati_export, name="iati"),
    path("<slug:name>/", views.table_page, name="table"),
    path("<slug:name>.<slug:fmt>", views.download, name="download"),
]

from django.urls import path

from . import views

app_name = "reminders"
urlpatterns = [
    path("", views.reminder_list, name="list"),
    path("<int:pk>/done/", views.reminder_done, name="done"),
    path("overdue-tranches/", views.overdue_tranches, name="overdue-tranches"),
]

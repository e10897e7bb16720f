from django.urls import include, path

from newsletter import views

app_name = "newsletter"

urlpatterns = [
    path("", views.subscribe, name="subscribe"),
    path("merci/", views.subscribe_done, name="subscribe_done"),
    path("confirmer/<str:token>/", views.confirm, name="confirm"),
    path("desinscription/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("preferences/<str:token>/export/", views.export, name="export"),
    path("preferences/<str:token>/effacer/", views.erase, name="erase"),
    path("editions/<int:pk>/", views.edition, name="edition"),
    # Tracking webhooks of the ESP in use: /newsletter/anymail/<esp>/tracking/ (bounces, complaints).
    path("anymail/", include("anymail.urls")),
]

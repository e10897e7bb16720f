from django.urls import path

from newsletter import alert_views, views, webhooks

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
    path("alerte/<int:live_pk>/", alert_views.send_alert_view, name="send_alert"),
    # Tracking webhook of the ESP in use only (NEWSLETTER_ESP; none with SMTP), authenticated.
    path("anymail/<slug:esp>/tracking/", webhooks.tracking, name="tracking_webhook"),
]

from django.urls import path

from p2ham.reviews import views_panel as views

app_name = "panel"
PANEL = "<int:year>/<str:unit_code>/panel/"
urlpatterns = [
    path(PANEL, views.panel_page, name="page"),
    path(PANEL + "pratinjau/", views.preview, name="preview"),
    # Each assessor's own work.
    path(PANEL + "nilai/<str:indicator_code>/", views.score_save, name="score"),
    path(PANEL + "kirim/", views.submit, name="submit"),
    path(PANEL + "konflik/", views.conflict_declare, name="conflict"),
    # The chair's work once every assessor has submitted.
    path(PANEL + "moderasi/<str:indicator_code>/", views.moderate, name="moderate"),
    path(PANEL + "penyesuaian/", views.adjustment_add, name="adjustment_add"),
    path(PANEL + "penyesuaian/<int:pk>/tarik/", views.adjustment_remove, name="adjustment_remove"),
    path(PANEL + "coret/", views.veto_set, name="veto_set"),
    path(PANEL + "coret/cabut/", views.veto_remove, name="veto_remove"),
    path(PANEL + "uji-petik/", views.field_visit_add, name="field_visit"),
    path(PANEL + "selesai/", views.finish, name="finish"),
    # Private files, streamed to the people who may read the panel.
    path("panel/penyesuaian/<int:pk>/dokumen/", views.adjustment_document, name="adjustment_document"),
    path("panel/uji-petik/foto/<int:pk>/", views.field_visit_photo, name="field_visit_photo"),
]

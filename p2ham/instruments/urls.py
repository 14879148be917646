from django.urls import path

from p2ham.instruments import views

app_name = "instruments"
urlpatterns = [
    path("periode/<int:year>/bawaan/", views.load_defaults, name="load_defaults"),
    path("<int:pk>/", views.instrument_detail, name="detail"),
    path("<int:pk>/pratinjau/", views.instrument_preview, name="preview"),
    path("<int:pk>/pengaturan/", views.settings_edit, name="settings"),
    path("<int:pk>/kriteria/baru/", views.criterion_edit, name="criterion_new"),
    path("<int:pk>/kriteria/<int:criterion_pk>/", views.criterion_edit, name="criterion_edit"),
    path("<int:pk>/indikator/baru/", views.indicator_edit, name="indicator_new"),
    path("<int:pk>/indikator/<int:indicator_pk>/", views.indicator_edit, name="indicator_edit"),
    path("<int:pk>/skala/baru/", views.scale_edit, name="scale_new"),
    path("<int:pk>/skala/<int:scale_pk>/", views.scale_edit, name="scale_edit"),
    path("<int:pk>/<str:kind>/<int:item_pk>/<str:action>/", views.item_action, name="item_action"),
    path("<int:pk>/ekspor.xlsx", views.export_xlsx, name="export"),
    path("<int:pk>/impor/", views.import_xlsx, name="import"),
    path("<int:pk>/versi-baru/", views.new_version, name="new_version"),
    path("<int:pk>/terbitkan/", views.publish_version, name="publish"),
    path("<int:pk>/salin/", views.clone, name="clone"),
]

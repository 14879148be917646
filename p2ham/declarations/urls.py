from django.urls import path

from p2ham.declarations import views

app_name = "declarations"
urlpatterns = [
    path("verifikasi/pernyataan/<str:code>", views.verify_statement, name="verify"),
    path("pencanangan/", views.declaration_index, name="list"),
    path("pencanangan/baru/", views.declaration_create, name="create"),
    path("pencanangan/kemajuan/", views.progress, name="progress"),
    path("pencanangan/kalender/", views.calendar, name="calendar"),
    path("pencanangan/<int:pk>/", views.declaration_detail, name="detail"),
    path("pencanangan/<int:pk>/ubah/", views.declaration_edit, name="edit"),
    path("pencanangan/<int:pk>/acara/", views.ceremony, name="ceremony"),
    path("pencanangan/<int:pk>/aksi/<str:action>/", views.declaration_act, name="act"),
    path("pencanangan/<int:pk>/pernyataan/<str:unit_code>/", views.statement_download, name="statement"),
    path("pencanangan/<int:pk>/pernyataan/<str:unit_code>/tandatangan/", views.sign, name="sign"),
    path("pencanangan/<int:pk>/dokumen/<int:doc_pk>/", views.document_download, name="document"),
]

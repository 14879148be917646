from django.urls import path

from p2ham.reviews import views_assign as views

app_name = "assign"
urlpatterns = [
    path("", views.assign_index, name="index"),
    path("saya/", views.mine_index, name="mine_current"),
    # Ditjen HAM: the list, assignment one by one or in bulk, removal, workload.
    path("<int:year>/", views.assignment_list, name="list"),
    path("<int:year>/massal/", views.bulk_assign, name="bulk"),
    path("<int:year>/verifikator/", views.verifier_add, name="verifier_add"),
    path("<int:year>/verifikator/<int:pk>/hapus/", views.verifier_remove, name="verifier_remove"),
    path("<int:year>/panel/", views.assessor_add, name="assessor_add"),
    path("<int:year>/panel/<int:pk>/hapus/", views.assessor_remove, name="assessor_remove"),
    path("<int:year>/beban-kerja/", views.workload, name="workload"),
    # A verifier's or an assessor's own work.
    path("<int:year>/saya/", views.worklist, name="mine"),
]

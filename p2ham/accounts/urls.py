from django.contrib.auth import views as auth_views
from django.urls import path

from p2ham.accounts import views

app_name = "accounts"
urlpatterns = [
    path("masuk/", views.LoginView.as_view(), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("profil/", views.profile, name="profile"),
    path("kata-sandi/", views.PasswordChangeView.as_view(), name="password_change"),
    path("lupa-kata-sandi/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "lupa-kata-sandi/terkirim/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path("atur-kata-sandi/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path(
        "atur-kata-sandi/selesai/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]

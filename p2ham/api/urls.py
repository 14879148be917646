from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from p2ham.api import views

app_name = "api"
urlpatterns = [
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("auth/token", views.TokenView.as_view(), name="token"),
    path("me", views.MeView.as_view(), name="me"),
    path("unit-types", views.UnitTypeList.as_view(), name="unit_types"),
    path("provinces", views.ProvinceList.as_view(), name="provinces"),
    path("units", views.UnitList.as_view(), name="units"),
    path("units/<str:code>", views.UnitDetail.as_view(), name="unit_detail"),
]

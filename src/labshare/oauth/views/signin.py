"""/login and /logout: Django's views. django-axes counts failed sign-ins on every path (settings.AXES_*)."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


def account_name(request: HttpRequest, credentials: dict | None) -> str:
    """The account a sign-in attempt is counted under: e-mail addresses in any case are one account."""
    username = (credentials or {}).get("username") or request.POST.get("username") or ""
    return username.strip().lower()


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """django-axes' answer while an address or an account is locked, whatever the password."""
    retry_after = int(settings.AXES_COOLOFF_TIME.total_seconds())
    response = render(
        request, "registration/too_many_attempts.html", {"retry_after": retry_after}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response

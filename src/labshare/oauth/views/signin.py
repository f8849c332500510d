"""/login and /logout: Django's views, with sign-in attempts limited per address and per account."""

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from labshare.oauth import ratelimit


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        username = request.POST.get("username", "").strip().lower()
        retry_after = max(
            ratelimit.hit(
                "sign-in-address", ratelimit.client_address(request), ratelimit.token_endpoint_limit()
            ),
            ratelimit.hit("sign-in-account", username, ratelimit.sign_in_limit()) if username else 0,
        )
        if retry_after:
            response = render(
                request, "registration/too_many_attempts.html", {"retry_after": retry_after}, status=429
            )
            response["Retry-After"] = str(retry_after)
            return response
        return super().post(request, *args, **kwargs)


class SignOutView(auth_views.LogoutView):
    pass

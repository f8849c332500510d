"""/oauth/authorize: the consent page, where the user picks the labs the application may read.

Every redirect back to the client carries `iss` (RFC 9207); an error's also Doorkeeper's
`error_description`.
"""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import HttpResponse
from oauth2_provider import views as dot_views
from oauth2_provider.scopes import get_scopes_backend

from labshare.accounts.models import Account
from labshare.oauth.discovery import web_url
from labshare.oauth.errors import describe
from labshare.oauth.forms import ConsentForm
from labshare.oauth.models import Application
from labshare.oauth.tokens import authorise
from labshare.oauth.views.token import LabshareCore


def authorisation_response(redirect_to: str, issuer: str) -> str:
    """The client's redirect URI with `iss` added, and an error described as Doorkeeper does.
    The registered URI's own query parameters, repeated ones included, stay as they are."""
    parts = urlsplit(redirect_to)
    params = parse_qsl(parts.query, keep_blank_values=True)
    answer = dict(params)
    if "error" in answer:
        description = describe(answer["error"], answer.get("error_description", ""))
        params = [(key, value) for key, value in params if key != "error_description"]
        params.insert([key for key, _ in params].index("error") + 1, ("error_description", description))
    params.append(("iss", issuer))
    return urlunsplit(parts._replace(query=urlencode(params)))


class AuthorizeView(LabshareCore, dot_views.AuthorizationView):
    template_name = "oauth/authorize.html"
    form_class = ConsentForm
    chosen_labs = None

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self) -> dict:
        initial = super().get_initial()
        application = self.oauth2_data.get("application")
        if application is not None:
            # Asking again: the labs of the current authorisation start ticked.
            initial["labs"] = list(
                Account.objects.filter(
                    authorisations__user=self.request.user, authorisations__application=application
                ).values_list("pk", flat=True)
            )
        return initial

    def form_valid(self, form: ConsentForm) -> HttpResponse:
        self.chosen_labs = list(form.cleaned_data["labs"])
        return super().form_valid(form)

    def form_invalid(self, form: ConsentForm) -> HttpResponse:
        application = Application.objects.filter(client_id=form.data.get("client_id", "")).first()
        all_scopes = get_scopes_backend().get_all_scopes()
        scopes = [scope for scope in form.data.get("scope", "").split() if scope in all_scopes]
        context = self.get_context_data(
            form=form,
            application=application,
            scopes=scopes,
            scopes_descriptions=[all_scopes[scope] for scope in scopes],
        )
        return self.render_to_response(context, status=400)

    def redirect(self, redirect_to: str, application: Application | None) -> HttpResponse:
        return super().redirect(authorisation_response(redirect_to, web_url(self.request)), application)

    def create_authorization_response(self, request, scopes, credentials, allow):
        answer = super().create_authorization_response(request, scopes, credentials, allow)
        # Reached only when oauthlib issued a code; the consent form replaces the labs.
        if allow and self.chosen_labs is not None:
            application = Application.objects.get(client_id=credentials["client_id"])
            authorise(request.user, application, self.chosen_labs)
        return answer

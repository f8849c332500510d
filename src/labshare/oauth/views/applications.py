"""/oauth/applications: a lab administrator registers, edits and deletes OAuth applications."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods
from oauth2_provider.generators import generate_client_secret

from labshare.accounts.models import Membership, Role
from labshare.oauth.forms import SCOPE_LABELS, ApplicationForm
from labshare.oauth.models import Application

NEW_SECRET = "labshare.oauth.new_client_secret"


def lab_administrator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not Membership.objects.filter(user=request.user, role=Role.ADMINISTRATOR).exists():
            return render(request, "oauth/not_administrator.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def authorise_links(application: Application) -> list[tuple[str, str]]:
    """(callback URL, /oauth/authorize link) for each callback: the page's Authorise buttons."""
    links = []
    for redirect_uri in application.redirect_uris.split():
        query = urlencode(
            {
                "client_id": application.client_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": application.scopes,
            }
        )
        links.append((redirect_uri, f"/oauth/authorize?{query}"))
    return links


def own_application(request: HttpRequest, application_id: int) -> Application:
    return get_object_or_404(Application, pk=application_id, user=request.user)


@lab_administrator_required
def application_list(request: HttpRequest) -> HttpResponse:
    applications = Application.objects.filter(user=request.user).order_by("name", "id")
    rows = [(application, authorise_links(application)) for application in applications]
    return render(request, "oauth/application_list.html", {"rows": rows})


@lab_administrator_required
@require_http_methods(["GET", "POST"])
def application_new(request: HttpRequest) -> HttpResponse:
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        application = form.save(commit=False)
        application.user = request.user
        # DOT hashes the secret on save: keep the plaintext to show it once.
        secret = generate_client_secret()
        application.client_secret = secret
        application.save()
        request.session[NEW_SECRET] = {"id": application.pk, "secret": secret}
        return redirect("oauth:application-detail", application_id=application.pk)
    status = 400 if form.errors else 200
    return render(
        request, "oauth/application_form.html", {"form": form, "title": "New application"}, status=status
    )


@lab_administrator_required
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = own_application(request, application_id)
    new_secret = request.session.get(NEW_SECRET)
    secret = None
    if new_secret and new_secret["id"] == application.pk:
        secret = request.session.pop(NEW_SECRET)["secret"]
    context = {
        "application": application,
        "client_secret": secret,
        "scopes": [SCOPE_LABELS[scope] for scope in application.scope_list if scope in SCOPE_LABELS],
        "links": authorise_links(application),
    }
    response = render(request, "oauth/application_detail.html", context)
    response["Cache-Control"] = "no-store"
    return response


@lab_administrator_required
@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, application_id: int) -> HttpResponse:
    application = own_application(request, application_id)
    form = ApplicationForm(request.POST or None, instance=application)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("oauth:application-detail", application_id=application.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "title": f"Edit {application.name}", "application": application}
    return render(request, "oauth/application_form.html", context, status=status)


@lab_administrator_required
@require_http_methods(["GET", "POST"])
def application_delete(request: HttpRequest, application_id: int) -> HttpResponse:
    application = own_application(request, application_id)
    if request.method == "POST":
        # Cascades through the ORM to its tokens, codes and authorisations.
        application.delete()
        return redirect("oauth:application-list")
    return render(request, "oauth/application_confirm_delete.html", {"application": application})

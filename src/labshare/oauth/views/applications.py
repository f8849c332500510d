"""/oauth/applications: a lab administrator registers, edits and deletes OAuth applications."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from oauth2_provider.generators import generate_client_secret

from labshare.accounts.models import Membership, Role
from labshare.oauth.forms import SCOPE_LABELS, ApplicationForm, ServiceLabsForm
from labshare.oauth.models import Application
from labshare.oauth.service_access import bind_service, service_binding, stop_service
from labshare.webhooks.forms import EndpointForm
from labshare.webhooks.models import Delivery

NEW_SECRET = "labshare.oauth.new_client_secret"
NEW_WEBHOOK_SECRET = "labshare.webhooks.new_secret"
DELIVERY_LOG_LENGTH = 50


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


def webhooks_context(
    request: HttpRequest, application: Application, endpoint_form: EndpointForm | None
) -> dict[str, object]:
    """The endpoints, a secret just made (shown once) and the latest deliveries."""
    new = request.session.get(NEW_WEBHOOK_SECRET)
    endpoints = list(application.webhook_endpoints.order_by("id"))
    webhook_secret = None
    if new and any(endpoint.pk == new["id"] for endpoint in endpoints):
        webhook_secret = request.session.pop(NEW_WEBHOOK_SECRET)
    deliveries = (
        Delivery.objects.filter(endpoint__application=application).select_related("endpoint").order_by("-id")
    )
    return {
        "endpoints": endpoints,
        "webhook_secret": webhook_secret,
        "deliveries": deliveries[:DELIVERY_LOG_LENGTH],
        "endpoint_form": endpoint_form or EndpointForm(application=application),
    }


def detail_page(
    request: HttpRequest,
    application: Application,
    service_form: ServiceLabsForm | None = None,
    endpoint_form: EndpointForm | None = None,
) -> HttpResponse:
    new_secret = request.session.get(NEW_SECRET)
    secret = None
    if new_secret and new_secret["id"] == application.pk:
        secret = request.session.pop(NEW_SECRET)["secret"]
    webhooks = webhooks_context(request, application, endpoint_form)
    binding = service_binding(application)
    service_labs = list(binding.labs.order_by("name", "id")) if binding else []
    if service_form is None:
        initial = {"labs": [lab.pk for lab in service_labs]}
        service_form = ServiceLabsForm(user=request.user, initial=initial)
    context = {
        "application": application,
        "client_secret": secret,
        "scopes": [SCOPE_LABELS[scope] for scope in application.scope_list if scope in SCOPE_LABELS],
        "links": authorise_links(application),
        "service_labs": service_labs,
        "service_form": service_form,
        "token_url": request.build_absolute_uri("/oauth/token"),
        **webhooks,
    }
    status = 400 if service_form.errors or webhooks["endpoint_form"].errors else 200
    response = render(request, "oauth/application_detail.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@lab_administrator_required
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    return detail_page(request, own_application(request, application_id))


@lab_administrator_required
@require_POST
def application_service(request: HttpRequest, application_id: int) -> HttpResponse:
    """Bind the application to labs for client credentials, change its labs, or stop (`stop`)."""
    application = own_application(request, application_id)
    if "stop" in request.POST:
        stop_service(application)
        return redirect("oauth:application-detail", application_id=application.pk)
    form = ServiceLabsForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            bind_service(application, form.cleaned_data["labs"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("oauth:application-detail", application_id=application.pk)
    return detail_page(request, application, service_form=form)


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

"""Webhook endpoints on an application's page: register, rotate the secret, enable or
disable, delete, send a test ping, replay a delivery. Each a POST calling one function of
labshare/webhooks/services.py; the page itself is oauth/views/applications.py's."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from labshare.oauth.views.applications import (
    NEW_WEBHOOK_SECRET,
    detail_page,
    lab_administrator_required,
    own_application,
)
from labshare.webhooks import services
from labshare.webhooks.forms import EndpointForm
from labshare.webhooks.models import Delivery, Endpoint


def own_endpoint(request: HttpRequest, application_id: int, endpoint_id: int) -> Endpoint:
    application = own_application(request, application_id)
    return get_object_or_404(Endpoint, pk=endpoint_id, application=application)


def back(application_id: int) -> HttpResponse:
    return redirect("oauth:application-detail", application_id=application_id)


def remember_secret(request: HttpRequest, endpoint: Endpoint, secret: str) -> None:
    """Shown once, on the next view of the page (as the client secret is)."""
    request.session[NEW_WEBHOOK_SECRET] = {"id": endpoint.pk, "secret": secret}


@lab_administrator_required
@require_POST
def endpoint_new(request: HttpRequest, application_id: int) -> HttpResponse:
    application = own_application(request, application_id)
    form = EndpointForm(request.POST, application=application)
    if form.is_valid():
        try:
            endpoint, secret = services.create_endpoint(
                application=application,
                by=request.user,
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            remember_secret(request, endpoint, secret)
            return back(application.pk)
    return detail_page(request, application, endpoint_form=form)


@lab_administrator_required
@require_POST
def endpoint_rotate(request: HttpRequest, application_id: int, endpoint_id: int) -> HttpResponse:
    endpoint = own_endpoint(request, application_id, endpoint_id)
    remember_secret(request, endpoint, services.rotate_secret(endpoint=endpoint, by=request.user))
    return back(application_id)


@lab_administrator_required
@require_POST
def endpoint_enabled(request: HttpRequest, application_id: int, endpoint_id: int) -> HttpResponse:
    endpoint = own_endpoint(request, application_id, endpoint_id)
    services.set_endpoint_enabled(
        endpoint=endpoint, by=request.user, enabled=request.POST.get("enabled") == "1"
    )
    return back(application_id)


@lab_administrator_required
@require_POST
def endpoint_delete(request: HttpRequest, application_id: int, endpoint_id: int) -> HttpResponse:
    services.delete_endpoint(endpoint=own_endpoint(request, application_id, endpoint_id), by=request.user)
    return back(application_id)


@lab_administrator_required
@require_POST
def endpoint_ping(request: HttpRequest, application_id: int, endpoint_id: int) -> HttpResponse:
    services.send_ping(endpoint=own_endpoint(request, application_id, endpoint_id), by=request.user)
    return back(application_id)


@lab_administrator_required
@require_POST
def delivery_replay(request: HttpRequest, application_id: int, delivery_id: int) -> HttpResponse:
    application = own_application(request, application_id)
    delivery = get_object_or_404(Delivery, pk=delivery_id, endpoint__application=application)
    services.replay_delivery(delivery=delivery, by=request.user)
    return back(application_id)

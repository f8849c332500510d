"""/oauth/authorized_applications: what the user has authorised, for which labs; change or revoke.

Only the labs the user is still a member of are shown: the others are no longer read.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from labshare.oauth.forms import AuthorisedLabsForm
from labshare.oauth.models import Authorisation, held_labs
from labshare.oauth.revocation import revoke_authorisation
from labshare.oauth.tokens import authorise


def authorisations_page(
    request: HttpRequest, invalid: AuthorisedLabsForm | None = None, invalid_id: int | None = None
) -> HttpResponse:
    authorisations = (
        Authorisation.objects.filter(user=request.user)
        .select_related("application")
        .prefetch_related(Prefetch("labs", queryset=held_labs(request.user.pk), to_attr="held"))
        .order_by("application__name", "id")
    )
    rows = []
    for authorisation in authorisations:
        if invalid is not None and authorisation.pk == invalid_id:
            form = invalid
        else:
            form = AuthorisedLabsForm(
                user=request.user,
                initial={"labs": [lab.pk for lab in authorisation.held]},
                auto_id=f"id_{authorisation.pk}_%s",
            )
        rows.append((authorisation, form))
    status = 400 if invalid is not None else 200
    return render(request, "oauth/authorized_applications.html", {"rows": rows}, status=status)


@login_required
def authorised_list(request: HttpRequest) -> HttpResponse:
    return authorisations_page(request)


@login_required
@require_POST
def authorised_update(request: HttpRequest, authorisation_id: int) -> HttpResponse:
    authorisation = get_object_or_404(Authorisation, pk=authorisation_id, user=request.user)
    form = AuthorisedLabsForm(request.POST, user=request.user, auto_id=f"id_{authorisation.pk}_%s")
    if not form.is_valid():
        return authorisations_page(request, invalid=form, invalid_id=authorisation.pk)
    authorise(request.user, authorisation.application, form.cleaned_data["labs"])
    return redirect("oauth:authorized-applications")


@login_required
@require_POST
def authorised_revoke(request: HttpRequest, authorisation_id: int) -> HttpResponse:
    authorisation = get_object_or_404(Authorisation, pk=authorisation_id, user=request.user)
    revoke_authorisation(request.user, authorisation.application)
    return redirect("oauth:authorized-applications")

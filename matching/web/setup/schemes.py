"""Schemes on pages: the list, a scheme with its published versions, the editor (every rule,
with the match of an example project previewed as the rules change) and the copy to the next
fiscal year. Programme administrators write; regional administrators read their country's."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ... import policies, rules, rules_input, services
from ...errors import ServiceError
from ...models import Scheme
from ...services.schemes import party_dicts, scheme_rules
from ..common import add_service_error, submit
from .common import admin_required, managed
from .scheme_forms import ExampleForm, SchemeEditor


def _may_edit(request):
    if not policies.may_edit_schemes(request.user):
        raise PermissionDenied


@admin_required
def scheme_list(request):
    schemes = (Scheme.objects.managed_by(request.user).select_related("country")
               .annotate(version=Max("versions__number"), project_count=Count("projects",
                                                                               distinct=True))
               .order_by("-fiscal_year", "code"))
    return render(request, "setup/schemes/list.html", {
        "schemes": schemes, "can_edit": policies.may_edit_schemes(request.user)})


@admin_required
def scheme_detail(request, pk):
    scheme = managed(Scheme.objects.select_related("country"), request.user, pk=pk)
    return render(request, "setup/schemes/detail.html", {
        "scheme": scheme, "parties": party_dicts(scheme),
        "versions": scheme.versions.select_related("created_by").order_by("-number"),
        "envelopes": scheme.envelopes.managed_by(request.user).select_related("funder")
        .order_by("funder__kind", "funder__name"),
        "can_edit": policies.may_edit_schemes(request.user)})


def preview_of(rules_json: dict | None, example: ExampleForm) -> dict:
    """The match of the example project under `rules_json`, through the match-preview
    contract (the same reader and engine as POST /api/v1/match-preview/)."""
    if rules_json is None:
        return {"pending": True}
    if not example.is_valid():
        return {"example_errors": example.errors}
    data = example.cleaned_data
    try:
        request = rules_input.parse_preview({"rules": rules_json, "cost": str(data["cost"]),
                                             "received": str(data["received"]),
                                             "category": data["category"]})
    except rules.RulesError as error:
        return {"problems": [_(m) for ms in error.errors.values() for m in ms]}
    result = rules.compute_match(request.rules, cost=request.cost,
                                 received=request.received_total, category=request.category)
    rows = [{"role": p.role, "target": result.targets[p.role],
             "match": result.matches.get(p.role), "bound_by": result.bound_by.get(p.role)}
            for p in request.rules.parties]
    return {"result": result, "rows": rows,
            "steps": [step.render(_) for step in result.steps]}


def _editor_page(request, editor, scheme=None, status=200):
    if editor.form.is_bound:
        # a service's refusal lands on the form after the check: the preview waits for a fix
        valid = editor.is_valid() and not editor.form.errors
        preview = preview_of(editor.rules() if valid else None, editor.example)
    else:
        preview = preview_of(scheme_rules(scheme) if scheme else None, editor.example)
    return render(request, "setup/schemes/edit.html", {
        "scheme": scheme, "editor": editor, "form": editor.form, "parties": editor.parties,
        "example": editor.example, "preview": preview}, status=status)


def _save(request, editor, scheme):
    """Validate and publish; a refusal lands on the form. Returns the response."""
    if request.method == "POST":
        if editor.is_valid():
            try:
                saved, version = services.scheme_save(
                    actor=request.user, scheme=scheme, fields=editor.form.scheme_fields(),
                    parties=editor.party_list(), based_on=editor.form.cleaned_data["based_on"])
            except ServiceError as error:
                add_service_error(editor.form, error)
                return _editor_page(request, editor, scheme, status=error.status)
            messages.success(request, _("The rules of %(code)s are published as version "
                                        "%(n)s.") % {"code": saved.code, "n": version.number})
            return redirect("setup-scheme", pk=saved.pk)
        return _editor_page(request, editor, scheme, status=400)
    return _editor_page(request, editor, scheme)


@admin_required
def scheme_new(request):
    _may_edit(request)
    return _save(request, SchemeEditor(request.POST or None), None)


@admin_required
def scheme_edit(request, pk):
    _may_edit(request)
    scheme = managed(Scheme.objects.select_related("country"), request.user, pk=pk)
    return _save(request, SchemeEditor(request.POST or None, scheme=scheme), scheme)


@admin_required
@require_POST
def scheme_preview(request, pk=None):
    """htmx: the preview alone, recomputed from the editor's current (unsaved) values."""
    _may_edit(request)
    scheme = managed(Scheme.objects.all(), request.user, pk=pk) if pk else None
    editor = SchemeEditor(request.POST, scheme=scheme)
    valid = editor.is_valid()
    return render(request, "setup/schemes/_preview.html", {
        "preview": preview_of(editor.rules() if valid else None, editor.example),
        "invalid": not valid})


class CopyForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Code of the new scheme"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    fiscal_year = forms.IntegerField(label=gettext_lazy("Fiscal year"), min_value=2000,
                                     max_value=2100)
    copy_envelopes = forms.BooleanField(
        label=gettext_lazy("Open each funder's envelope with the same amount"), required=False,
        help_text=gettext_lazy("Each opening is recorded as an adjustment; change them later "
                               "on the envelopes' pages."))


def _next_code(scheme) -> str:
    year, following = str(scheme.fiscal_year), str(scheme.fiscal_year + 1)
    return (scheme.code.replace(year, following) if year in scheme.code
            else f"{scheme.code}-{following}")[:40]


@admin_required
def scheme_copy(request, pk):
    _may_edit(request)
    scheme = managed(Scheme.objects.all(), request.user, pk=pk)
    form = CopyForm(request.POST or None, initial={
        "code": _next_code(scheme), "name": scheme.name, "fiscal_year": scheme.fiscal_year + 1})
    done, copy, status = submit(request, form, lambda data: services.scheme_copy(
        actor=request.user, scheme=scheme, **data))
    if done:
        messages.success(request, _("%(code)s was copied to %(new)s for %(year)s.") % {
            "code": scheme.code, "new": copy.code, "year": copy.fiscal_year})
        return redirect("setup-scheme", pk=copy.pk)
    return render(request, "setup/schemes/copy.html", {"scheme": scheme, "form": form},
                  status=status)

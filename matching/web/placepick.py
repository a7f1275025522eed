"""Choosing mahallas on a form: first a district, then the mahallas of that district (ticked
boxes, or one choice). With thousands of settlements loaded, one long list would not fit a
phone; htmx reloads the mahallas when the district changes, and without JavaScript the
form's "Show its mahallas" button does the same by posting the form back unsaved."""

from django import forms
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ..models import District, Mahalla
from ..places import label_with_kind, local_name

# the fields the mahallas endpoint may render: name -> (several may be ticked, label)
FIELDS = {"home_mahallas": (True, _("Home mahallas")), "mahallas": (True, _("Mahallas")),
          "mahalla": (False, _("Mahalla"))}
SHOW_BUTTON = "show_mahallas"


class PlaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return label_with_kind(obj)


class PlacesChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return label_with_kind(obj)


class DistrictChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{local_name(obj)} ({local_name(obj.region)})"


def mahalla_field(name: str, queryset, *, required=True, help_text=""):
    multiple, label = FIELDS[name]
    field_class, widget = ((PlacesChoiceField, forms.CheckboxSelectMultiple) if multiple
                           else (PlaceChoiceField, forms.RadioSelect))
    field = field_class(queryset=queryset, label=label, required=required, widget=widget,
                        help_text=help_text)
    field.wrapper_id = f"pick-{name}"
    return field


def add_mahalla_picker(form, *, field: str, districts, selected=(), required=True):
    """Give `form` a `district` choice (among `districts`) and the field `field` listing the
    chosen district's mahallas, plus those already `selected` elsewhere (a clerk may keep
    mahallas of two districts)."""
    form.fields["district"] = DistrictChoiceField(
        label=_("District"), required=False,
        queryset=districts.select_related("region").order_by("region__name", "name"),
        help_text=_("Choose the district to list its mahallas."))
    form.fields["district"].widget.attrs.update({
        "hx-get": reverse("place-mahallas"), "hx-trigger": "change",
        "hx-target": f"#pick-{field}", "hx-swap": "outerHTML",
        "hx-vals": f'{{"field": "{field}"}}'})
    district_id = (form.data.get(form.add_prefix("district")) if form.is_bound
                   else form.initial.get("district"))
    district_id = getattr(district_id, "pk", district_id)
    selected_ids = [getattr(m, "pk", m) for m in selected]
    choices = Mahalla.objects.filter(Q(pk__in=selected_ids) | (
        Q(district_id=district_id) if str(district_id or "").isdigit() else Q(pk__in=[])))
    form.fields[field] = mahalla_field(field, choices.select_related("district")
                                       .order_by("name", "code"), required=required)
    form.show_mahallas_button = SHOW_BUTTON


def showing_mahallas(request) -> bool:
    """The no-JavaScript path: the form was posted back only to list a district's mahallas."""
    return request.method == "POST" and SHOW_BUTTON in request.POST


@require_GET
def mahallas(request):
    """htmx: the mahallas of a district as the field `field` of the asking form."""
    name = request.GET.get("field", "")
    if name not in FIELDS:
        name = "mahallas"
    district = request.GET.get("district", "")
    queryset = (Mahalla.objects.filter(district=district) if district.isdigit()
                and District.objects.filter(pk=district).exists() else Mahalla.objects.none())
    form = forms.Form()
    form.fields[name] = mahalla_field(name, queryset.order_by("name", "code"))
    return render(request, "web/_mahalla_pick.html", {"field": form[name]})

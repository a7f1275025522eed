"""Places and their populations: regions, districts and mahallas as loaded from the official
classifiers, with the population each has (or that it has none), its year and source; an
administrator enters a population for a place of his region."""

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ... import services
from ...models import District, Mahalla, Region
from ...places import local_name
from ..common import submit
from .common import admin_required, managed

MODELS = {"region": Region, "district": District, "mahalla": Mahalla}


class PopulationForm(forms.Form):
    population = forms.IntegerField(label=gettext_lazy("Population"), required=False,
                                    min_value=1, max_value=100_000_000,
                                    help_text=gettext_lazy("Empty: not known. Per-head figures "
                                                           "then say so."))
    population_year = forms.IntegerField(label=gettext_lazy("Year of the figure"),
                                         required=False, min_value=1900, max_value=2100)
    population_source = forms.CharField(label=gettext_lazy("Source"), max_length=300,
                                        required=False,
                                        help_text=gettext_lazy("e.g. Statistics agency, "
                                                               "estimate of 1 January 2026"))


@admin_required
def region_list(request):
    regions = (Region.objects.managed_by(request.user).select_related("country")
               .annotate(district_count=Count("districts"),
                         without_population=Count("districts",
                                                  filter=Q(districts__population__isnull=True)))
               .order_by("country__name", "name"))
    return render(request, "setup/places/regions.html", {"regions": regions})


@admin_required
def region_detail(request, pk):
    region = managed(Region.objects.select_related("country"), request.user, pk=pk)
    districts = (region.districts.annotate(mahalla_count=Count("mahallas")).order_by("name"))
    return render(request, "setup/places/region.html", {"region": region,
                                                        "districts": districts})


@admin_required
def district_detail(request, pk):
    district = managed(District.objects.select_related("region__country"), request.user, pk=pk)
    return render(request, "setup/places/district.html", {
        "district": district, "mahallas": district.mahallas.order_by("name", "code")})


@admin_required
def population_edit(request, kind, pk):
    """Enter, correct or clear a place's population, always with its year and source."""
    model = MODELS.get(kind)
    if model is None:
        raise Http404
    place = managed(model.objects.all(), request.user, pk=pk)
    form = PopulationForm(request.POST or None, initial={
        "population": place.population, "population_year": place.population_year,
        "population_source": place.population_source})
    done, _result, status = submit(request, form, lambda data: services.place_population_set(
        actor=request.user, place=place, population=data["population"],
        year=data["population_year"], source=data["population_source"]))
    if done:
        messages.success(request, _("The population of %(place)s was saved.")
                         % {"place": local_name(place)})
        return redirect(_back(place))
    return render(request, "setup/places/population_form.html",
                  {"place": place, "form": form, "back": _back(place)}, status=status)


def _back(place) -> str:
    from django.urls import reverse

    if isinstance(place, Region):
        return reverse("setup-region", args=[place.pk])
    if isinstance(place, District):
        return reverse("setup-region", args=[place.region_id])
    return reverse("setup-district", args=[place.district_id])

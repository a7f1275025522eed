"""Funders and their envelopes on pages: a funder's envelopes per scheme (and so per year),
each envelope's history of adjustments, and the forms that open, increase and cut them."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ... import policies, services
from ...models import BudgetEnvelope, Country, District, Funder, FunderKind, Region, Scheme
from ..common import submit
from ..fields import AmountField
from ..placepick import add_mahalla_picker, showing_mahallas
from .common import admin_required, managed

PAGE_SIZE = 50


class FunderForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=FunderKind.choices)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200,
                           help_text=gettext_lazy("e.g. Chirchiq shahar hokimiyati"))
    region = forms.ModelChoiceField(label=gettext_lazy("Region"), required=False,
                                    queryset=Region.objects.none(),
                                    help_text=gettext_lazy("For a region's administration."))
    country = forms.ModelChoiceField(label=gettext_lazy("Country"), required=False,
                                     queryset=Country.objects.all(),
                                     help_text=gettext_lazy("For a national government."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.managed_by(user)
        if not policies.programme_wide(user):
            self.fields["kind"].choices = [c for c in FunderKind.choices if c[0] in (
                FunderKind.MAHALLA, FunderKind.DISTRICT, FunderKind.REGION)]
            del self.fields["country"]
        add_mahalla_picker(self, field="mahalla", districts=District.objects.managed_by(user),
                           required=False)
        self.fields["district"].help_text = gettext_lazy(
            "For a district's hokimiyat; for a mahalla committee, the mahalla's district.")

    def place(self):
        data = self.cleaned_data
        return {FunderKind.MAHALLA: data.get("mahalla"), FunderKind.DISTRICT: data.get("district"),
                FunderKind.REGION: data.get("region")}.get(data["kind"])


class RenameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)


class EnvelopeForm(forms.Form):
    scheme = forms.ModelChoiceField(label=gettext_lazy("Scheme"), queryset=Scheme.objects.none())
    amount = AmountField(label=gettext_lazy("Amount"), allow_zero=True,
                         help_text=gettext_lazy("In the scheme's currency."))
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=gettext_lazy("e.g. Budget law of 2027, article 12"))

    def __init__(self, *args, user, funder, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = (Scheme.objects.managed_by(user)
                                          .exclude(envelopes__funder=funder))


class AdjustForm(forms.Form):
    INCREASE, CUT = "increase", "cut"
    direction = forms.ChoiceField(label=gettext_lazy("Change"), widget=forms.RadioSelect,
                                  choices=[(INCREASE, gettext_lazy("Increase")),
                                           (CUT, gettext_lazy("Cut"))])
    amount = AmountField(label=gettext_lazy("By"))
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=gettext_lazy("Kept with the envelope's history."))

    def change(self) -> Decimal:
        data = self.cleaned_data
        return data["amount"] if data["direction"] == self.INCREASE else -data["amount"]


@admin_required
def funder_list(request):
    funders = Funder.objects.managed_by(request.user).select_related(
        "mahalla", "district", "region", "country")
    kind, query = request.GET.get("kind", ""), request.GET.get("q", "").strip()[:100]
    if kind in FunderKind.values:
        funders = funders.filter(kind=kind)
    if query:
        funders = funders.filter(Q(name__icontains=query) | Q(district__name__icontains=query)
                                 | Q(mahalla__name__icontains=query))
    page = Paginator(funders.order_by("kind", "name"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "setup/funders/list.html", {
        "page": page, "kinds": FunderKind.choices, "kind": kind, "q": query})


@admin_required
def funder_new(request):
    form = FunderForm(request.POST or None, user=request.user)
    if showing_mahallas(request):
        return render(request, "setup/funders/form.html", {"form": form})
    done, funder, status = submit(request, form, lambda data: services.funder_save(
        actor=request.user, name=data["name"], kind=data["kind"], place=form.place(),
        country=data.get("country")))
    if done:
        messages.success(request, _("%(name)s was added.") % {"name": funder.name})
        return redirect("setup-funder", pk=funder.pk)
    return render(request, "setup/funders/form.html", {"form": form}, status=status)


@admin_required
def funder_detail(request, pk):
    funder = managed(Funder.objects.select_related("mahalla", "district", "region", "country"),
                     request.user, pk=pk)
    rename = RenameForm(request.POST or None, initial={"name": funder.name})
    done, _funder, status = submit(request, rename, lambda data: services.funder_save(
        actor=request.user, funder=funder, name=data["name"], kind=funder.kind))
    if done:
        messages.success(request, _("The funder was renamed."))
        return redirect("setup-funder", pk=funder.pk)
    return render(request, "setup/funders/detail.html", {
        "funder": funder, "rename": rename,
        "envelopes": funder.envelopes.select_related("scheme").order_by("-scheme__fiscal_year"),
        "envelope_form": EnvelopeForm(user=request.user, funder=funder)}, status=status)


@admin_required
def envelope_new(request, pk):
    funder = managed(Funder.objects.all(), request.user, pk=pk)
    form = EnvelopeForm(request.POST or None, user=request.user, funder=funder)
    done, envelope, status = submit(request, form, lambda data: services.envelope_open(
        actor=request.user, funder=funder, **data))
    if done:
        messages.success(request, _("The envelope was opened."))
        return redirect("setup-envelope", pk=envelope.pk)
    return render(request, "setup/funders/envelope_form.html", {"funder": funder, "form": form},
                  status=status)


@admin_required
def envelope_detail(request, pk):
    envelope = managed(BudgetEnvelope.objects.select_related("funder", "scheme"), request.user,
                       pk=pk)
    form = AdjustForm(request.POST or None)
    done, _adjustment, status = submit(request, form, lambda data: services.envelope_adjust(
        actor=request.user, envelope=envelope, change=form.change(), reason=data["reason"]))
    if done:
        messages.success(request, _("The envelope was changed."))
        return redirect("setup-envelope", pk=envelope.pk)
    return render(request, "setup/funders/envelope.html", {
        "envelope": envelope, "form": form,
        "adjustments": envelope.adjustments.select_related("created_by").order_by("-created_at",
                                                                                "-id")},
        status=status)


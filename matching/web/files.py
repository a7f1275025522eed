"""Uploaded files, served through Django so that scope applies: evidence of an approved
project is public; anything else, and every receipt's proof, only to those whose scope
covers the project. A photo reaches the public only as its copy without metadata (no EXIF
position or date leaves the system); those in scope get the original."""

import mimetypes

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from .. import photos, policies
from ..models import Contract, Evidence, Project, Receipt, RegistrationApplication, Role


def send_file(field):
    if not field:
        raise Http404
    content_type = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
    try:
        handle = field.open("rb")
    except FileNotFoundError:  # the row outlived its file (a restore, a lost volume)
        raise Http404 from None
    return FileResponse(handle, content_type=content_type)


def _evidence(request, pk) -> tuple[Evidence, bool]:
    """The evidence and whether the reader's scope covers its project; 404 when it is
    neither in scope nor public."""
    evidence = get_object_or_404(Evidence.objects.select_related("project__mahalla__district"),
                                 pk=pk)
    project = evidence.project
    in_scope = policies.in_scope(request.user, project)
    if not (in_scope or Project.objects.public().filter(pk=project.pk).exists()):
        raise Http404
    return evidence, in_scope


def evidence_file(request, pk):
    evidence, in_scope = _evidence(request, pk)
    if in_scope:
        return send_file(evidence.file)
    if photos.is_image(evidence.file.name):
        return send_file(evidence.public_copy)  # never the original: its EXIF may hold a position
    return send_file(evidence.file)


def evidence_thumbnail(request, pk):
    evidence, _in_scope = _evidence(request, pk)
    return send_file(evidence.thumbnail)


@login_required
def receipt_proof(request, pk):
    receipt = get_object_or_404(Receipt.objects.select_related("project__mahalla__district"),
                                pk=pk)
    if not policies.in_scope(request.user, receipt.project):
        raise Http404
    return send_file(receipt.proof)


@login_required
def statutes(request, pk):
    """An application's statutes: to the administrators of its region, auditors, and the
    association's own users."""
    application = get_object_or_404(RegistrationApplication, pk=pk)
    user = request.user
    own = (user.role == Role.ASSOCIATION and application.association_id is not None
           and application.association_id == user.association_id)
    if not (own or policies.role_of(user) == Role.AUDITOR
            or RegistrationApplication.objects.managed_by(user).filter(pk=pk).exists()):
        raise Http404
    return send_file(application.statutes)


@login_required
def contract_document(request, pk):
    """The signed works contract: within scope only, as a receipt's proof (it carries
    signatures and the executor's details)."""
    contract = get_object_or_404(Contract.objects.visible_to(request.user), pk=pk)
    return send_file(contract.document)

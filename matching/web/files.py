"""Uploaded files, served through Django so that scope applies: evidence of an approved
project is public; anything else, and every receipt's proof, only to those whose scope
covers the project."""

import mimetypes

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from .. import policies
from ..models import Contract, Evidence, Project, Receipt


def _send(field):
    if not field:
        raise Http404
    content_type = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
    try:
        handle = field.open("rb")
    except FileNotFoundError:  # the row outlived its file (a restore, a lost volume)
        raise Http404 from None
    return FileResponse(handle, content_type=content_type)


def evidence_file(request, pk):
    evidence = get_object_or_404(Evidence.objects.select_related("project__mahalla__district"),
                                 pk=pk)
    project = evidence.project
    if not (Project.objects.public().filter(pk=project.pk).exists()
            or policies.in_scope(request.user, project)):
        raise Http404
    return _send(evidence.file)


@login_required
def receipt_proof(request, pk):
    receipt = get_object_or_404(Receipt.objects.select_related("project__mahalla__district"),
                                pk=pk)
    if not policies.in_scope(request.user, receipt.project):
        raise Http404
    return _send(receipt.proof)


@login_required
def contract_document(request, pk):
    """The signed works contract: within scope only, as a receipt's proof (it carries
    signatures and the executor's details)."""
    contract = get_object_or_404(Contract.objects.visible_to(request.user), pk=pk)
    return _send(contract.document)

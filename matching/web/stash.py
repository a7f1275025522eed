"""Files chosen on a form that was refused are kept for the corrected submit, without
JavaScript too (a 2G phone whose script did not load would otherwise make the clerk choose
the proof again, and perhaps photograph it again).

When `common.submit` refuses a bound form, each file field's upload that is not itself in
error is saved in the default storage under `stash/<user id>/<time>-<random>/` and the form
carries a signed token for it in a hidden field `<field>__kept` (the field's template,
web/_kept_file.html, says which file is kept and that another may be chosen). The corrected
submit without a new file takes the kept one; a new file replaces it. The token names its
user: another user's token, a forged one or one older than a day is refused on the field,
and the files are never served (they are read only here). `purge` (a beat task) removes
those older than a day; a successful submit removes its own at once.
"""

import datetime
import mimetypes
import posixpath
import secrets
import time

from django import forms
from django.core import signing
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

PREFIX = "stash"
MAX_AGE = datetime.timedelta(days=1)
SALT = "hashar.web.stash"
SUFFIX = "__kept"
# under matching/templates: the forms renderer looks in the apps, not in templates/
TEMPLATE = "web/_kept_file.html"


class Kept(UploadedFile):
    """A kept file handed to the form as if it had just been uploaded."""

    def __init__(self, path: str, name: str):
        handle = default_storage.open(path, "rb")
        super().__init__(handle, name=name, size=default_storage.size(path),
                         content_type=mimetypes.guess_type(name)[0] or "application/octet-stream")


def _file_fields(form):
    return [(name, field) for name, field in form.fields.items()
            if isinstance(field, forms.FileField)]


def _user_dir(user) -> str:
    return f"{PREFIX}/{user.pk}/"


def _token(user, files: list[tuple[str, str, int]]) -> str:
    return signing.dumps({"u": user.pk, "f": files}, salt=SALT, compress=True)


def _read(token: str, user) -> list[tuple[str, str, int]] | None:
    """The files a token names, if it is this user's, recent, and its files still exist."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:  # expired too
        return None
    files = data.get("f") or []
    if data.get("u") != user.pk or not files:
        return None
    for path, _name, _size in files:
        if not path.startswith(_user_dir(user)) or not default_storage.exists(path):
            return None
    return [tuple(item) for item in files]


def restore(request, form) -> dict:
    """Before validation: each file field left empty whose kept token is sent gets the kept
    files. Returns what `after_validation` and `keep` need."""
    state = {"restored": {}, "refused": []}
    if not (form.is_bound and request.user.is_authenticated):
        return state
    files = form.files.copy()
    for name, _field in _file_fields(form):
        key = form.add_prefix(name)
        token = form.data.get(key + SUFFIX)
        if not token or any(files.getlist(key)):
            continue
        kept = _read(token, request.user)
        if kept is None:
            state["refused"].append(name)
            continue
        files.setlist(key, [Kept(path, shown) for path, shown, _size in kept])
        state["restored"][name] = (token, kept)
    form.files = files
    return state


def after_validation(form, state) -> bool:
    """Put a refused token's message on its field (once the form has validated); True if
    one was refused."""
    for name in state["refused"]:
        form.errors.pop(name, None)  # "This field is required" says less
        form.add_error(name, _("The file kept from your last try is no longer available: "
                               "choose it again."))
    return bool(state["refused"])


def keep(request, form, state) -> None:
    """After a refusal: keep each file field's upload that is not itself in error, and show
    the field with what is kept."""
    if not (form.is_bound and request.user.is_authenticated):
        return
    for name, field in _file_fields(form):
        if name in form.errors:
            continue
        if name in state["restored"]:
            token, kept = state["restored"][name]
        else:
            uploads = [item for item in form.files.getlist(form.add_prefix(name)) if item]
            if not uploads:
                continue
            kept = _save(request.user, uploads)
            if kept is None:
                continue
            token = _token(request.user, kept)
        field.kept = {"token": token, "name": form.add_prefix(name) + SUFFIX,
                      "files": [{"name": shown, "size": size} for _p, shown, size in kept]}
        field.template_name = TEMPLATE


def _save(user, uploads) -> list[tuple[str, str, int]] | None:
    folder = f"{_user_dir(user)}{int(time.time())}-{secrets.token_hex(12)}/"
    kept = []
    for upload in uploads:
        try:
            upload.seek(0)
            path = default_storage.save(folder + posixpath.basename(upload.name), upload)
        except (ValueError, OSError):  # the upload was closed on the way: nothing to keep
            return None
        kept.append((path, upload.name, upload.size))
    return kept


def discard(state) -> None:
    """After a successful submit: its kept files were copied where they belong."""
    for _token_, kept in state["restored"].values():
        for path, _name, _size in kept:
            default_storage.delete(path)


def close(form) -> None:
    for item in form.files.values() if form.files else ():
        if isinstance(item, Kept):
            item.close()


def purge(now: float | None = None) -> int:
    """Remove the kept files older than MAX_AGE; returns how many folders went."""
    cutoff = (now if now is not None else time.time()) - MAX_AGE.total_seconds()
    removed = 0
    try:
        users, _files = default_storage.listdir(PREFIX)
    except FileNotFoundError:
        return 0
    for user in users:
        folders, _files = default_storage.listdir(f"{PREFIX}/{user}")
        for folder in folders:
            stamp = folder.split("-", 1)[0]
            if stamp.isdigit() and int(stamp) >= cutoff:
                continue
            path = f"{PREFIX}/{user}/{folder}"
            for name in default_storage.listdir(path)[1]:
                default_storage.delete(f"{path}/{name}")
            default_storage.delete(path)
            removed += 1
    return removed

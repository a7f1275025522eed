"""Every message of the project is translated into the four languages, and the compiled
catalogues are the ones the pages use."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"
LANGUAGES = ["uz", "ru", "tg", "ky"]


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext tools are not installed")
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
                            capture_output=True, text=True, check=True)
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


@pytest.mark.parametrize("language, heading", [
    ("uz", "Moliyalashtirish kaskadi"), ("ru", "Каскад финансирования"),
    ("tg", "Зинаҳои маблағгузорӣ"), ("ky", "Каржылоо шаркыратмасы")])
def test_compiled_catalogue_is_used(language, heading):
    with translation.override(language):
        assert translation.gettext("Funding waterfall") == heading


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools are not installed")
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_in_the_code_is_in_the_catalogue(language, tmp_path):
    """A message added to the Python code but never extracted (`make messages`) would show in
    English to everyone: extract the code's messages as makemessages does and merge them into
    the catalogue; nothing may come out untranslated or fuzzy."""
    root = LOCALE.parent
    sources = sorted(str(p.relative_to(root)) for folder in ("matching", "config")
                     for p in (root / folder).rglob("*.py"))
    keywords = ["gettext_noop", "gettext_lazy", "ngettext_lazy:1,2", "pgettext:1c,2",
                "npgettext:1c,2,3", "pgettext_lazy:1c,2", "npgettext_lazy:1c,2,3", "_",
                "gettext", "ngettext:1,2"]
    subprocess.run(["xgettext", "--language=Python", "--from-code=UTF-8", "--force-po",
                    *(f"--keyword={k}" for k in keywords), "-o", str(tmp_path / "code.pot"),
                    *sources], cwd=root, check=True, capture_output=True)
    merged = tmp_path / "merged.po"
    subprocess.run(["msgmerge", "--quiet", "--no-fuzzy-matching", "-o", str(merged),
                    str(LOCALE / language / "LC_MESSAGES" / "django.po"),
                    str(tmp_path / "code.pot")], check=True, capture_output=True)
    missing = subprocess.run(["msgattrib", "--untranslated", "--no-obsolete", str(merged)],
                             capture_output=True, text=True, check=True).stdout
    assert "\nmsgid " not in missing.split("\n\n", 1)[-1], missing


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools are not installed")
def test_every_message_in_the_templates_is_in_the_catalogues(tmp_path, monkeypatch):
    """The same for the templates: extract every message of the code and the templates as
    `make messages` does, in a copy of the tree (makemessages writes into ./locale); nothing
    may come out untranslated or fuzzy."""
    from django.core.management import call_command

    root = LOCALE.parent
    for folder in ("matching", "config", "templates", "locale"):
        shutil.copytree(root / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "data", "static"))
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=LANGUAGES, no_obsolete=True, no_location=True,
                 verbosity=0)
    for language in LANGUAGES:
        po = str(tmp_path / "locale" / language / "LC_MESSAGES" / "django.po")
        for selection in ("--untranslated", "--only-fuzzy"):
            left = subprocess.run(["msgattrib", selection, "--no-obsolete", po],
                                  capture_output=True, text=True, check=True).stdout
            entries = left.split("\n\n", 1)[1] if "\n\n" in left else ""
            assert "msgid " not in entries, (language, left[:2000])

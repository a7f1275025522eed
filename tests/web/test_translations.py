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

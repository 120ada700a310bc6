"""The suite's own corpus stands in for the third-party samples, and a missing samples folder is a skip on a laptop
but a failure in CI."""

import io

import pikepdf
import pytest
from PIL import Image

from tests import corpus


def test_a_missing_samples_folder_skips_on_a_laptop_and_fails_in_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("HROMADA_SAMPLES_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setattr(corpus, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="HROMADA_SAMPLES_DIR"):
        corpus.shared_samples()
    monkeypatch.setattr(corpus, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI must run this test"):
        corpus.shared_samples()
    (tmp_path / "nowhere" / "third-party").mkdir(parents=True)
    assert corpus.shared_samples() == tmp_path / "nowhere" / "third-party"


def test_every_scan_has_its_stated_page_count_and_the_corpus_stays_small():
    assert set(corpus.scans()) == set(corpus.SCAN_PAGES)
    assert Image.open(io.BytesIO(corpus.scan("simple.heic"))).format == "HEIF"
    with pikepdf.open(io.BytesIO(corpus.scan("multi-page-mixed.pdf"))) as pdf:
        assert len(pdf.pages) == 6
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(io.BytesIO(corpus.encrypted_pdf("test")))
    pikepdf.open(io.BytesIO(corpus.encrypted_pdf("test")), password="test").close()
    made = [*corpus.scans().values(), *corpus.stacks().values(), *(make() for make in corpus.BAD.values())]
    assert sum(map(len, made)) < 6 * 2**20  # made in memory at test time, a few MB at most

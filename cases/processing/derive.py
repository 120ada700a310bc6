"""Derived files of a page: the normalised page image and its thumbnail, by the cheapest correct path. Runs in the
background task."""

import contextlib
import io
import math
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from PIL import Image, ImageChops, ImageOps

from cases.processing.formats import (
    EXIF_ORIENTATION,
    GREY_SPREAD,
    PAGE_QUALITY_COLOUR,
    PAGE_QUALITY_GREY,
    PASSTHROUGH_MAX_BYTES_PER_PIXEL,
    PDF,
    ROTATIONS,
    THUMB_BOX,
    fit,
)
from cases.processing.orientation import ORIENTATION_LONG_SIDE, text_orientation
from cases.processing.render import open_frame, pdf_page_jpeg, render_page, render_pdf_page


def _flatten(im: Image.Image) -> Image.Image:
    """Any mode to L or RGB: alpha onto white, CMYK and 16-bit to 8-bit, palette expanded."""
    if im.mode.startswith("I;16") or im.mode == "I":
        # 16-bit greyscale: scale 0..65535 down to 0..255 rather than letting convert() clip it to white.
        return (im if im.mode == "I" else im.convert("I")).point(lambda v: v * (1 / 256)).convert("L")
    if im.mode == "F":
        return ImageOps.autocontrast(im.convert("L"))
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = im.convert("RGBA")
        background = Image.new("RGB", im.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background.convert("L") if im.mode in ("LA", "La") else background
    if im.mode in ("1", "L"):
        return im.convert("L")
    return im.convert("RGB")


def looks_grey(im: Image.Image) -> bool:
    """A scan saved in colour whose colours are all near-grey (paper, ink, a little JPEG chroma noise). Checked on
    a small image (a thumbnail or a 1/8 decode): a few per mille of clearly coloured pixels (a stamp) keep colour."""
    if im.mode == "L":
        return True
    small = im if im.width * im.height <= 400_000 else im.reduce(max(1, min(im.size) // 400))
    r, g, b = small.convert("RGB").split()
    total = small.width * small.height
    coloured = 0
    for x, y in ((r, g), (g, b), (b, r)):
        coloured = max(coloured, sum(ImageChops.difference(x, y).histogram()[GREY_SPREAD:]))
    return coloured <= total * 0.002


@dataclass(frozen=True)
class Derived:
    image: bytes
    thumbnail: bytes
    width: int
    height: int


def _jpeg(im: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def _thumb_image(im: Image.Image) -> Image.Image:
    ratio = min(THUMB_BOX[0] / im.width, THUMB_BOX[1] / im.height, 1.0)
    size = (max(1, round(im.width * ratio)), max(1, round(im.height * ratio)))
    return im if size == im.size else im.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def thumbnail_jpeg(im: Image.Image) -> bytes:
    return _jpeg(_thumb_image(im), quality=75)


def derive(im: Image.Image, *, rotation: int = 0) -> Derived:
    """The normalised page (JPEG, fit to A4 at 300 dpi, grey when it is a grey scan) and its thumbnail."""
    im = _flatten(im)
    size = fit(im.size)
    if size != im.size:
        # Box (area) averaging: for the mild reductions pages need it is as sharp as bicubic, at half the cost.
        im = im.resize(size, Image.Resampling.BOX if size[0] * 2 > im.size[0] else Image.Resampling.BILINEAR)
    if rotation:
        im = im.transpose(ROTATIONS[rotation % 360])
    thumb = _thumb_image(im)
    if im.mode == "RGB" and looks_grey(thumb):
        im, thumb = im.convert("L"), thumb.convert("L")
    page = _jpeg(im, quality=PAGE_QUALITY_GREY if im.mode == "L" else PAGE_QUALITY_COLOUR, dpi=(300, 300))
    return Derived(image=page, thumbnail=_jpeg(thumb, quality=75), width=im.width, height=im.height)


def _derive_jpeg(data: bytes, *, rotation: int, orient: bool = False) -> Derived:
    """A JPEG page, decoded as little as possible. One reduced decode serves the text-orientation check (``orient``),
    the grey check and the thumbnail. When the JPEG is already a sensible page (upright, at most A4 at 300 dpi, not
    bloated) it is kept as it is; a colour JPEG of a grey scan is decoded once more, luma only, and stored grey;
    anything else goes the general way."""
    Image.MAX_IMAGE_PIXELS = settings.UPLOAD_MAX_PIXELS
    im = Image.open(io.BytesIO(data))
    width, height = im.size
    if im.mode not in ("L", "RGB") or im.getexif().get(EXIF_ORIENTATION, 1) != 1:
        if orient:
            raise ValueError("a CMYK or odd JPEG inside a PDF: let PDFium draw the page")
        return derive(render_page(io.BytesIO(data), "image/jpeg", 0), rotation=rotation)
    ratio = (ORIENTATION_LONG_SIDE if orient else max(THUMB_BOX)) / max(width, height)
    im.draft(im.mode, (max(1, math.ceil(width * ratio)), max(1, math.ceil(height * ratio))))
    small = im.convert(im.mode)
    if orient:
        rotation = (rotation + (text_orientation(small) or 0)) % 360
    if (
        rotation
        or fit((width, height)) != (width, height)
        or len(data) > PASSTHROUGH_MAX_BYTES_PER_PIXEL * width * height
    ):
        return derive(open_frame(io.BytesIO(data), 0), rotation=rotation)
    if small.mode == "RGB" and looks_grey(small):
        full = Image.open(io.BytesIO(data))
        full.draft("L", full.size)  # libjpeg decodes the luma channel only
        full.load()
        page = _jpeg(full, quality=PAGE_QUALITY_GREY, dpi=(300, 300))
        return Derived(image=page, thumbnail=thumbnail_jpeg(small.convert("L")), width=width, height=height)
    return Derived(image=data, thumbnail=thumbnail_jpeg(small), width=width, height=height)


def process(f: IO[bytes], content_type: str, index: int, *, rotation: int = 0) -> Derived:
    """Page ``index`` of a stored original -> its normalised image and thumbnail, by the cheapest correct path.
    ``rotation``: the clerk's clockwise quarter turns. PDF pages are also turned upright when their text says so."""
    if content_type == PDF:
        jpeg = pdf_page_jpeg(f, index)
        f.seek(0)
        if jpeg is not None:
            with contextlib.suppress(OSError, ValueError, SyntaxError):  # else the renderer tries, and reports
                return _derive_jpeg(jpeg, rotation=rotation, orient=True)
        image = render_pdf_page(f, index)
        return derive(image, rotation=(rotation + (text_orientation(image) or 0)) % 360)
    if content_type == "image/jpeg":
        return _derive_jpeg(f.read(), rotation=rotation)
    return derive(render_page(f, content_type, index), rotation=rotation)

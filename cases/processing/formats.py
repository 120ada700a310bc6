"""What uploads may be and what a page becomes: content types, the A4-at-300-dpi page box, JPEG qualities."""

from PIL import Image
from pillow_heif import register_heif_opener

register_heif_opener()  # before any Image.open: phones upload HEIC

PDF = "application/pdf"
IMAGE_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "TIFF": "image/tiff",
    "GIF": "image/gif",
    "HEIF": "image/heif",
}
EXTENSIONS = {PDF: "pdf", "image/jpeg": "jpg", "image/png": "png", "image/tiff": "tif", "image/gif": "gif"}
EXTENSIONS["image/heif"] = "heic"

# A4 at 300 dpi: what a normalised page is sized for (long side x short side).
PAGE_LONG, PAGE_SHORT = 3508, 2480
THUMB_BOX = (240, 340)
PDF_RENDER_DPI = 300
FIT_TOLERANCE = 1.02  # up to 2% over the A4 box is kept as it is
DRAFT_MIN_SHARE = 0.6  # an oversized JPEG keeps at least 60% of the box (about 180 dpi over A4)
PAGE_QUALITY_GREY, PAGE_QUALITY_COLOUR = 80, 82
# A stored JPEG is kept as the page when it needs no turning or shrinking and is no bigger than this per pixel
# (a 300-dpi A4 scan at quality 85 is about 0.1-0.4 bytes per pixel; 1.5 means a wasteful quality 100 export).
PASSTHROUGH_MAX_BYTES_PER_PIXEL = 1.5
GREY_SPREAD = 28  # channel difference above which a pixel counts as coloured
EXIF_ORIENTATION = 0x0112
ROTATIONS = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}


def fit(size: tuple[int, int]) -> tuple[int, int]:
    """The size a page of ``size`` pixels is kept at: within the A4 box at 300 dpi, aspect kept."""
    width, height = size
    box = (PAGE_SHORT, PAGE_LONG) if height >= width else (PAGE_LONG, PAGE_SHORT)
    ratio = min(1.0, box[0] / width, box[1] / height)
    if ratio >= 1 / FIT_TOLERANCE:
        return width, height  # a pixel or two over A4 at 300 dpi: resampling would cost more than it saves
    return max(1, round(width * ratio)), max(1, round(height * ratio))

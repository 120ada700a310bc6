"""Uploaded files: decide what they are by content, refuse what we cannot take, derive page images.

Pure functions over file objects and Pillow images; no database. By responsibility:

- ``formats``: content types, the A4-at-300-dpi page box and qualities;
- ``inspection``: ``inspect`` runs before anything is stored (a refused file leaves nothing behind);
- ``render``: a stored original's page as an upright image;
- ``derive``: the normalised page image and thumbnail (``process``), run in the background task;
- ``orientation``: which way up a scanned page's text is.

Callers import the module that owns a name. The five names below are also importable from here, for
``frontoffice.services`` only (it uses ``processing.inspect`` etc. and is being rewritten at the same time); new code
imports the owning module.
"""

from frontoffice.processing.derive import process
from frontoffice.processing.formats import EXTENSIONS
from frontoffice.processing.inspection import Ready, check_file_name, inspect

__all__ = ["EXTENSIONS", "Ready", "check_file_name", "inspect", "process"]

"""Uploaded files: decide what they are by content, refuse what we cannot take, derive page images.

Pure functions over file objects and Pillow images; no database. By responsibility:

- ``formats``: content types, the A4-at-300-dpi page box and qualities;
- ``inspection``: ``inspect`` runs before anything is stored (a refused file leaves nothing behind);
- ``render``: a stored original's page as an upright image;
- ``derive``: the normalised page image and thumbnail (``process``), run in the background task;
- ``orientation``: which way up a scanned page's text is.

They sit in the kernel because every way a file enters a case (the clerk's upload, a scanned batch, the applicant's
phone link, a tus upload) goes through ``cases.documents``, which uses them. Callers import the module that owns a name.
"""

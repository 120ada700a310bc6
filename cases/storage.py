from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    """Local files that have no URL at all: applicants' documents are served only through views that check
    access (``cases.views``), so asking a stored file for its URL is a programming error."""

    def url(self, name):
        raise ValueError("Files are private: link to the access-checked view instead of the storage URL.")

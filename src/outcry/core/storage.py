"""File storage for files that name supporters (delivery packages)."""

from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible(path="outcry.core.storage.PrivateFileStorage")
class PrivateFileStorage(FileSystemStorage):
    """Files readable by the service's own user only (0600, folders 0700), whatever the
    process's umask: another account on the host must not read supporters' names."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        super().__init__(**kwargs)

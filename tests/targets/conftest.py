import pytest


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Uploads waiting for confirmation go to the test's own folder, removed with it."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }

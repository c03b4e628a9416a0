from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilesConfig(AppConfig):
    name = "tongban.files"
    label = "files"
    verbose_name = _("材料文件")

    def ready(self) -> None:
        from tongban.core.backup import backup_reference_register

        # The encrypted bytes of every row live in the "files" storage under storage_name (tongban.files.storage).
        backup_reference_register(alias="files", model="files.StoredFile", fields=["storage_name"])

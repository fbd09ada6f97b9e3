from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObligationsConfig(AppConfig):
    name = "obligations"
    verbose_name = _("承诺义务")

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
        from .trust import signins

        signins.connect()  # sign-ins, sign-outs, failures and password changes are audited

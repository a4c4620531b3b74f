import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.conf.settings.dev")
application = get_asgi_application()

from tinhso.common.warmup import warm  # noqa: E402 — after the application has set Django up

warm()

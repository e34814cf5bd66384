"""WSGI entry point (`granian --interface wsgi config.wsgi:application`, see README)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

from registry.api.bodylimit import ChunkedBodyLength  # noqa: E402  (after Django is set up)

# A chunked request body gets a length Django can read, up to STEWARD_MAX_BODY_BYTES.
application = ChunkedBodyLength(django_application)

# Everything loaded so far (Django, the apps, their URL patterns and schema) lives as long as the
# process. Moving it out of the collector's reach spares every full collection — which a large
# page such as the accountability map triggers — from walking hundreds of thousands of objects
# that can never be freed.
gc.freeze()

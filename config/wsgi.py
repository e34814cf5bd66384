"""WSGI entry point (`granian --interface wsgi config.wsgi:application`, see README)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their URL patterns and schema) lives as long as the
# process. Moving it out of the collector's reach spares every full collection — which a large
# page such as the accountability map triggers — from walking hundreds of thousands of objects
# that can never be freed.
gc.freeze()

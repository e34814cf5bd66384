"""Where Django's admin finds governance's model admins: each capability registers its own."""

from governance.approvals import admin as approvals_admin  # noqa: F401
from governance.chasing import admin as chasing_admin  # noqa: F401
from governance.documents import admin as documents_admin  # noqa: F401
from governance.policies import admin as policies_admin  # noqa: F401
from governance.reviews import admin as reviews_admin  # noqa: F401

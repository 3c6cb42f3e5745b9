import rules

from accounts.permissions import is_administrator

rules.add_perm("providers.manage_organisations", is_administrator)

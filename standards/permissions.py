import rules

from accounts.permissions import is_administrator, is_signed_in

rules.add_perm("standards.view_standard", is_signed_in)
rules.add_perm("standards.manage_standards", is_administrator)

//! What each role may do, and the scope rule: a grant on a unit covers its subtree.

use crate::{Role, UnitId, unit::UnitPath};

/// An action that needs permission on a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See units, their subtree and their people.
    ViewUnits,
    /// Create, edit, move and archive units.
    ManageUnits,
    /// Create and edit user accounts whose home unit is in scope.
    ManageUsers,
    /// Grant and revoke roles on units in scope.
    ManageGrants,
    /// Grant the admin role itself.
    GrantAdmin,
    /// Read the audit log.
    ViewAudit,
    /// Create and edit campaigns, their plans and tasks, and close assignments.
    ManagePlans,
    /// Sign for assignments and report their progress.
    ReportProgress,
    /// Accept or return reported progress.
    ReviewProgress,
    /// Enter inspector scores in an evaluation (督导评分) for the units in scope: an inspector
    /// is assigned to units by a grant on them (or on a unit above them).
    Inspect,
    /// Score the contestants of the contest rounds one is seated on the panel of.
    Judge,
    /// Edit and review the deployment's own translations of the interface (issue 18).
    ManageTranslations,
}

impl Permission {
    pub fn held_by(self, role: Role) -> bool {
        use Role::*;
        match self {
            Self::ViewUnits => true,
            Self::ManageUnits | Self::ManageUsers | Self::ManageGrants | Self::ManagePlans => {
                matches!(role, Admin | Coordinator)
            }
            Self::GrantAdmin | Self::ViewAudit | Self::ManageTranslations => role == Admin,
            Self::ReportProgress => matches!(role, Liaison | Coordinator),
            Self::ReviewProgress => matches!(role, UnitApprover | Coordinator),
            Self::Inspect => matches!(role, Inspector | Coordinator),
            Self::Judge => role == Judge,
        }
    }
}

/// One grant as the permission rules see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScopedRole {
    pub role: Role,
    pub unit_id: UnitId,
    pub path: UnitPath,
}

/// All the grants of one user: answers "may they do P on this unit?".
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Scope {
    pub grants: Vec<ScopedRole>,
}

impl Scope {
    pub fn new(grants: Vec<ScopedRole>) -> Self {
        Self { grants }
    }

    /// True when some grant holding `permission` covers `target`.
    pub fn allows(&self, permission: Permission, target: &UnitPath) -> bool {
        self.grants.iter().any(|g| permission.held_by(g.role) && target.is_within(&g.path))
    }

    /// True when `permission` is held anywhere at all (to show a menu entry, say).
    pub fn has_anywhere(&self, permission: Permission) -> bool {
        self.grants.iter().any(|g| permission.held_by(g.role))
    }

    /// The subtree roots where `permission` holds, with nested ones removed.
    pub fn roots(&self, permission: Permission) -> Vec<UnitPath> {
        let mut paths: Vec<UnitPath> =
            self.grants.iter().filter(|g| permission.held_by(g.role)).map(|g| g.path.clone()).collect();
        paths.sort_by_key(|p| p.as_str().len());
        let mut roots: Vec<UnitPath> = Vec::new();
        for path in paths {
            if !roots.iter().any(|r| path.is_within(r)) {
                roots.push(path);
            }
        }
        roots
    }

    pub fn roles(&self) -> Vec<Role> {
        let mut roles: Vec<Role> = self.grants.iter().map(|g| g.role).collect();
        roles.sort();
        roles.dedup();
        roles
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn grant(role: Role, ids: &[i64]) -> ScopedRole {
        let mut path = UnitPath::root(UnitId(ids[0]));
        for id in &ids[1..] {
            path = path.child(UnitId(*id));
        }
        ScopedRole { role, unit_id: UnitId(*ids.last().unwrap_or(&0)), path }
    }

    #[test]
    fn liaison_sees_own_subtree_and_manages_nothing() {
        let scope = Scope::new(vec![grant(Role::Liaison, &[1, 2])]);
        let county = UnitPath::root(UnitId(1)).child(UnitId(2)).child(UnitId(3));
        let sibling = UnitPath::root(UnitId(1)).child(UnitId(4));
        assert!(scope.allows(Permission::ViewUnits, &county));
        assert!(!scope.allows(Permission::ViewUnits, &sibling));
        assert!(!scope.allows(Permission::ManageUnits, &county));
    }

    #[test]
    fn roots_drop_nested_grants() {
        let scope = Scope::new(vec![grant(Role::Viewer, &[1, 2]), grant(Role::Coordinator, &[1])]);
        assert_eq!(scope.roots(Permission::ViewUnits), vec![UnitPath::root(UnitId(1))]);
        assert_eq!(scope.roots(Permission::ManageUnits), vec![UnitPath::root(UnitId(1))]);
    }

    proptest! {
        /// A grant never reaches outside its own subtree, whatever the role.
        #[test]
        fn grants_never_leak_to_siblings(a in 1i64..50, b in 51i64..100, child in 101i64..200, role_ix in 0usize..7) {
            let role = Role::ALL[role_ix];
            let scope = Scope::new(vec![grant(role, &[1, a])]);
            let sibling = UnitPath::root(UnitId(1)).child(UnitId(b)).child(UnitId(child));
            for permission in [Permission::ViewUnits, Permission::ManageUnits, Permission::ManageUsers, Permission::ManageGrants] {
                prop_assert!(!scope.allows(permission, &sibling));
            }
            let own = UnitPath::root(UnitId(1)).child(UnitId(a)).child(UnitId(child));
            prop_assert!(scope.allows(Permission::ViewUnits, &own));
        }
    }
}

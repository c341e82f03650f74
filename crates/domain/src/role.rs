//! Roles a user can hold on a unit; each covers the unit's whole subtree.

/// A role granted on a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Coordinator,
    Liaison,
    UnitApprover,
    Inspector,
    Judge,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 7] =
        [Self::Admin, Self::Coordinator, Self::Liaison, Self::UnitApprover, Self::Inspector, Self::Judge, Self::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Coordinator => "coordinator",
            Self::Liaison => "liaison",
            Self::UnitApprover => "unit_approver",
            Self::Inspector => "inspector",
            Self::Judge => "judge",
            Self::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text.trim())
    }
}

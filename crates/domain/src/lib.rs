//! Pure types and rules of Pacesetter: identifiers, units, roles, permissions, audit chain.
//!
//! Nothing here does IO, is async or knows SQL; every rule is a plain function that can be
//! property-tested.

pub mod assignment;
pub mod audit;
pub mod collation;
pub mod contest;
pub mod error;
pub mod evaluation;
pub mod evidence;
pub mod ids;
pub mod indicator;
pub mod inspection;
pub mod light;
pub mod locale;
pub mod meeting;
pub mod notification;
pub mod password;
pub mod permission;
pub mod plan;
pub mod plan_sheet;
pub mod quiz;
pub mod role;
pub mod rollup;
pub mod table;
pub mod text;
pub mod timestamp;
pub mod translation;
pub mod unit;
pub mod user;

pub use error::{FieldError, ValidationError};
pub use ids::{UnitId, UserId};
pub use locale::Locale;
pub use permission::{Permission, Scope};
pub use role::Role;
pub use timestamp::Timestamp;
pub use unit::{UnitKind, UnitPath};

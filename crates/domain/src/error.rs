//! Validation errors that name the field and carry a stable code the UI translates.

use std::fmt;

/// One invalid field: which one, and a stable snake_case code such as `name_required`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub code: &'static str,
}

/// A set of invalid fields found while parsing one input.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ValidationError {
    pub fields: Vec<FieldError>,
}

impl ValidationError {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: &'static str, code: &'static str) -> Self {
        Self { fields: vec![FieldError { field, code }] }
    }

    pub fn push(&mut self, field: &'static str, code: &'static str) {
        self.fields.push(FieldError { field, code });
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Collects the error of one field parse, keeping the value if it parsed.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.fields.push(error);
                None
            }
        }
    }

    /// `Ok(())` when no field failed.
    pub fn into_result(self) -> Result<(), ValidationError> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    pub fn code_for(&self, field: &str) -> Option<&'static str> {
        self.fields.iter().find(|f| f.field == field).map(|f| f.code)
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.fields.iter().map(|e| format!("{}: {}", e.field, e.code)).collect();
        write!(f, "invalid input ({})", parts.join(", "))
    }
}

impl std::error::Error for ValidationError {}

impl From<FieldError> for ValidationError {
    fn from(error: FieldError) -> Self {
        Self { fields: vec![error] }
    }
}

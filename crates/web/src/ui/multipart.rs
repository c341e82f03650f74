//! Multipart forms read whole (the server's body limit bounds them): text fields by name, and
//! the files chosen, each with its field and file name. A file input left empty sends no file.

use axum::{
    extract::{FromRequest, Multipart, Request},
    response::IntoResponse,
};
use pacesetter_app::AppError;

use super::page::{FormToken, PageError, check_token};

pub struct MultipartForm {
    fields: Vec<(String, String)>,
    files: Vec<Upload>,
}

/// A page's multipart form, read once its form token is checked against the session's; put it
/// after [`super::context::SignedIn`] among the handler's arguments.
impl<S: Send + Sync> FromRequest<S> for MultipartForm {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let session = request.extensions().get::<FormToken>().cloned();
        let multipart = Multipart::from_request(request, state).await.map_err(|rejection| rejection.into_response())?;
        let form = Self::read(multipart).await?;
        check_token(session.as_ref(), &form.value("csrf"))?;
        Ok(form)
    }
}

/// Reads a body sent as `multipart/form-data` with `boundary`, as every page form with files
/// is read, for the fuzz target of the multipart reader: whatever the bytes, an answer and no
/// panic. Returns the number of fields and files read, or `None` when the body was refused.
pub async fn read_untrusted(boundary: &str, body: Vec<u8>) -> Option<usize> {
    let request = Request::builder()
        .method("POST")
        .header(axum::http::header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(axum::body::Body::from(body))
        .ok()?;
    let multipart = Multipart::from_request(request, &()).await.ok()?;
    let form = MultipartForm::read(multipart).await.ok()?;
    Some(form.fields.len() + form.files.len())
}

/// One file as sent.
pub struct Upload {
    pub field: String,
    pub filename: String,
    pub bytes: Vec<u8>,
}

impl MultipartForm {
    /// Reads every part; a body cut short or malformed is refused as a damaged `file`.
    pub async fn read(mut multipart: Multipart) -> Result<Self, AppError> {
        let damaged = || AppError::invalid("file", "file_damaged");
        let mut form = Self { fields: Vec::new(), files: Vec::new() };
        while let Some(part) = multipart.next_field().await.map_err(|_| damaged())? {
            let field = part.name().unwrap_or("").to_owned();
            match part.file_name().map(str::to_owned) {
                Some(filename) => {
                    let bytes = part.bytes().await.map_err(|_| damaged())?;
                    if !bytes.is_empty() {
                        form.files.push(Upload { field, filename, bytes: bytes.to_vec() });
                    }
                }
                None => form.fields.push((field, part.text().await.map_err(|_| damaged())?)),
            }
        }
        Ok(form)
    }

    /// The first value of a text field, or empty.
    pub fn value(&self, name: &str) -> String {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// Every text field, in the order sent.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// Every value of a repeated field (checkboxes) that reads as a number.
    pub fn numbers(&self, name: &str) -> Vec<i64> {
        self.fields.iter().filter(|(n, _)| n == name).filter_map(|(_, v)| v.trim().parse().ok()).collect()
    }

    /// The files sent under `field`, in order.
    pub fn files<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a Upload> {
        self.files.iter().filter(move |f| f.field == field)
    }
}

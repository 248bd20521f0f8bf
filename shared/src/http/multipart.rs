//! `multipart/form-data` → [`Form`], with the original multer limits and
//! messages (cross-cutting.md §5): a file over the limit is `File too large`,
//! a file in a field that takes none (or one file too many) is
//! `Unexpected field`.

use bytes::Bytes;
use lambda_http::Request;

use super::{body_bytes, header};
use crate::ApiError;

pub const FILE_TOO_LARGE: &str = "File too large";
pub const UNEXPECTED_FIELD: &str = "Unexpected field";
pub const TOO_MANY_FILES: &str = "Too many files";

#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub field: String,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Bytes,
}

#[derive(Debug, Default)]
pub struct Form {
    /// Text parts in arrival order (a repeated name keeps every value).
    pub fields: Vec<(String, String)>,
    pub files: Vec<UploadedFile>,
}

impl Form {
    /// The first value of a text field.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a text field, in order.
    pub fn texts(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The one field that may carry files.
    pub file_field: &'static str,
    pub max_files: usize,
    pub max_file_bytes: usize,
}

/// Parses the request body; a body that is not `multipart/form-data` is a 400.
pub async fn parse(req: &Request, limits: Limits) -> Result<Form, ApiError> {
    let content_type = header(req.headers(), "content-type").unwrap_or_default();
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| ApiError::bad_request("multipart/form-data 형식의 요청이 아닙니다."))?;
    let body = Bytes::copy_from_slice(body_bytes(req));
    let stream = futures::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut form = Form::default();
    while let Some(mut field) = multipart.next_field().await.map_err(bad_multipart)? {
        let name = field.name().unwrap_or_default().to_owned();
        let Some(file_name) = field.file_name().map(str::to_owned) else {
            let text = field.text().await.map_err(bad_multipart)?;
            form.fields.push((name, text));
            continue;
        };
        if name != limits.file_field {
            return Err(ApiError::bad_request(UNEXPECTED_FIELD));
        }
        if form.files.len() >= limits.max_files {
            return Err(ApiError::bad_request(TOO_MANY_FILES));
        }
        let content_type = field
            .content_type()
            .map(|m| m.essence_str().to_owned())
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(bad_multipart)? {
            if bytes.len() + chunk.len() > limits.max_file_bytes {
                return Err(ApiError::bad_request(FILE_TOO_LARGE));
            }
            bytes.extend_from_slice(&chunk);
        }
        form.files.push(UploadedFile {
            field: name,
            file_name,
            content_type,
            bytes: bytes.into(),
        });
    }
    Ok(form)
}

fn bad_multipart(e: multer::Error) -> ApiError {
    ApiError::bad_request(format!("잘못된 multipart 요청입니다: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDARY: &str = "XyZ";

    fn request(parts: &[(&str, Option<&str>, &[u8])]) -> Request {
        let mut body = Vec::new();
        for (name, file, content) in parts {
            body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            match file {
                Some(f) => body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: image/png\r\n\r\n").as_bytes(),
                ),
                None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
            }
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        let mut req = Request::new(lambda_http::Body::Binary(body));
        req.headers_mut().insert(
            "content-type",
            http::HeaderValue::from_static("multipart/form-data; boundary=XyZ"),
        );
        req
    }

    const LIMITS: Limits = Limits {
        file_field: "image",
        max_files: 1,
        max_file_bytes: 10,
    };

    #[tokio::test]
    async fn text_fields_and_files_are_separated() {
        let form = parse(
            &request(&[
                ("nickname", None, "러너".as_bytes()),
                ("image", Some("a.png"), b"PNG"),
            ]),
            LIMITS,
        )
        .await
        .expect("parsed");
        assert_eq!(form.text("nickname"), Some("러너"));
        assert_eq!(form.files.len(), 1);
        assert_eq!(form.files[0].file_name, "a.png");
        assert_eq!(form.files[0].content_type, "image/png");
        assert_eq!(form.files[0].bytes.as_ref(), b"PNG");
    }

    #[tokio::test]
    async fn a_file_over_the_limit_is_too_large() {
        let err = parse(&request(&[("image", Some("a.png"), &[0u8; 11])]), LIMITS)
            .await
            .expect_err("too large");
        assert_eq!(err.to_string(), FILE_TOO_LARGE);
    }

    #[tokio::test]
    async fn a_file_in_another_field_is_unexpected_and_one_too_many_is_too_many() {
        let err = parse(&request(&[("photo", Some("a.png"), b"x")]), LIMITS)
            .await
            .expect_err("field");
        assert_eq!(err.to_string(), UNEXPECTED_FIELD);
        let err = parse(
            &request(&[
                ("image", Some("a.png"), b"x"),
                ("image", Some("b.png"), b"y"),
            ]),
            LIMITS,
        )
        .await
        .expect_err("count");
        assert_eq!(err.to_string(), TOO_MANY_FILES);
    }

    #[tokio::test]
    async fn a_body_that_is_not_multipart_is_a_clear_400() {
        let mut req = Request::new(lambda_http::Body::Text("{}".into()));
        req.headers_mut().insert(
            "content-type",
            http::HeaderValue::from_static("application/json"),
        );
        let err = parse(&req, LIMITS).await.expect_err("not multipart");
        assert!(matches!(err, ApiError::BadRequest(_)));
    }
}

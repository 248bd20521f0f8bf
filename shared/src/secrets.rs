//! Secrets from SSM Parameter Store, read once per cold start.
//!
//! A deployed function names the secrets it needs in `ERUN_SECRETS`
//! (`TOKENKEY,PHONE_KEY`) and where they live in `ERUN_SECRETS_PATH`
//! (`/erunjrun/prod`): each is the SecureString parameter
//! `{ERUN_SECRETS_PATH}/{NAME}`, fetched decrypted with **one**
//! `GetParameters` call (IAM grants exactly those names; template.yaml,
//! "---- operations ----"). The values then stand in for the environment
//! variables of the same names, so [`crate::config::Config`] reads them like
//! any other variable and never learns where they came from.
//!
//! Without `ERUN_SECRETS` nothing is fetched (the dev gateway and the tests
//! pass their values as plain variables). A listed parameter that does not
//! exist is left unset: the configuration then decides whether that is fatal
//! (`TOKENKEY`) or a feature that stays off (`KAKAO_SECRET` is optional).

use std::collections::HashMap;

use anyhow::{Context, bail};

/// Variable that lists the secrets a function needs.
pub const SECRETS_VAR: &str = "ERUN_SECRETS";
/// Variable that holds the parameter path prefix.
pub const SECRETS_PATH_VAR: &str = "ERUN_SECRETS_PATH";
/// `GetParameters` takes at most ten names per call.
const MAX_NAMES_PER_CALL: usize = 10;

/// Secret values by variable name. `Debug` shows the names only.
#[derive(Default, Clone)]
pub struct Secrets {
    values: HashMap<String, String>,
    /// Names that were asked for and do not exist as parameters.
    pub missing: Vec<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.values.keys().collect();
        names.sort();
        f.debug_struct("Secrets")
            .field("loaded", &names)
            .field("missing", &self.missing)
            .finish()
    }
}

/// What to fetch: the variable names and their parameter names.
#[derive(Debug, PartialEq, Eq)]
pub struct Wanted {
    pub names: Vec<String>,
    pub path: String,
}

impl Wanted {
    /// Reads `ERUN_SECRETS` / `ERUN_SECRETS_PATH` from `get`; `None` when no
    /// secret is wanted.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Option<Self>> {
        let Some(list) = get(SECRETS_VAR).filter(|v| !v.trim().is_empty()) else {
            return Ok(None);
        };
        let path = get(SECRETS_PATH_VAR)
            .filter(|p| p.starts_with('/'))
            .with_context(|| {
                format!("{SECRETS_PATH_VAR} must be a parameter path like /erunjrun/prod")
            })?;
        let mut names: Vec<String> = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if !name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            {
                bail!("{SECRETS_VAR} lists {name:?}, not a variable name");
            }
            if !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
        }
        Ok(Some(Self {
            names,
            path: path.trim_end_matches('/').to_owned(),
        }))
    }

    /// The SSM parameter name of a variable.
    pub fn parameter(&self, name: &str) -> String {
        format!("{}/{name}", self.path)
    }
}

impl Secrets {
    /// The value standing in for variable `name`, if it was fetched.
    pub fn get(&self, name: &str) -> Option<String> {
        self.values.get(name).cloned()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Fetches every wanted secret, decrypted, with `GetParameters`.
    pub async fn fetch(ssm: &aws_sdk_ssm::Client, wanted: &Wanted) -> anyhow::Result<Self> {
        let by_parameter: HashMap<String, &String> = wanted
            .names
            .iter()
            .map(|n| (wanted.parameter(n), n))
            .collect();
        let mut secrets = Secrets::default();
        for chunk in wanted.names.chunks(MAX_NAMES_PER_CALL) {
            let out = ssm
                .get_parameters()
                .set_names(Some(chunk.iter().map(|n| wanted.parameter(n)).collect()))
                .with_decryption(true)
                .send()
                .await
                .with_context(|| {
                    format!(
                        "reading the secrets {chunk:?} under {} from SSM",
                        wanted.path
                    )
                })?;
            for parameter in out.parameters() {
                let (Some(name), Some(value)) = (parameter.name(), parameter.value()) else {
                    continue;
                };
                if let Some(variable) = by_parameter.get(name) {
                    secrets.values.insert((*variable).clone(), value.to_owned());
                }
            }
            for name in out.invalid_parameters() {
                secrets.missing.push(name.clone());
            }
        }
        if !secrets.missing.is_empty() {
            tracing::warn!(missing = ?secrets.missing, "secret parameters not found; left unset");
        }
        Ok(secrets)
    }

    /// The environment lookup with these secrets in front of it.
    pub fn overlay<'a>(
        &'a self,
        env: impl Fn(&str) -> Option<String> + 'a,
    ) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| self.get(name).or_else(|| env(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn no_list_means_nothing_to_fetch() {
        assert_eq!(Wanted::from_lookup(lookup(&[])).expect("ok"), None);
        assert_eq!(
            Wanted::from_lookup(lookup(&[(SECRETS_VAR, " ")])).expect("ok"),
            None
        );
    }

    #[test]
    fn the_list_names_parameters_under_the_path() {
        let wanted = Wanted::from_lookup(lookup(&[
            (SECRETS_VAR, "TOKENKEY, PHONE_KEY,TOKENKEY"),
            (SECRETS_PATH_VAR, "/erunjrun/prod/"),
        ]))
        .expect("ok")
        .expect("wanted");
        assert_eq!(wanted.names, ["TOKENKEY", "PHONE_KEY"]);
        assert_eq!(wanted.parameter("PHONE_KEY"), "/erunjrun/prod/PHONE_KEY");
    }

    #[test]
    fn a_list_without_a_path_or_with_a_bad_name_is_refused() {
        assert!(Wanted::from_lookup(lookup(&[(SECRETS_VAR, "TOKENKEY")])).is_err());
        assert!(
            Wanted::from_lookup(lookup(&[
                (SECRETS_VAR, "TOKENKEY,../x"),
                (SECRETS_PATH_VAR, "/erunjrun/prod"),
            ]))
            .is_err()
        );
    }

    #[test]
    fn fetched_values_win_over_the_environment_and_debug_hides_them() {
        let mut secrets = Secrets::default();
        secrets
            .values
            .insert("TOKENKEY".into(), "from-ssm-0123456789".into());
        let get = secrets.overlay(lookup(&[("TOKENKEY", "from-env"), ("TABLE_NAME", "t")]));
        assert_eq!(get("TOKENKEY").as_deref(), Some("from-ssm-0123456789"));
        assert_eq!(get("TABLE_NAME").as_deref(), Some("t"));
        assert!(!format!("{secrets:?}").contains("from-ssm"));
    }
}

//! A `zkliq serve` process on 127.0.0.1 and a small HTTP client for the service tests.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::zkliq;

/// A running `zkliq serve`; killed when dropped.
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    agent: ureq::Agent,
}

/// An answer: status, headers we look at, body.
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: String,
}

/// An answer to [`Server::try_post`].
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    /// `Idempotent-Replayed` was set: the answer of an earlier request with the same key.
    pub replayed: bool,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The `error` message of an error body.
    pub fn error(&self) -> String {
        self.json()["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error message: {}", self.body))
            .to_owned()
    }
}

impl Server {
    /// Starts `zkliq serve --state db --listen 127.0.0.1:0 extra...` and waits until it listens.
    /// Its log (stderr) goes to `log` if given.
    pub fn start(db: &str, extra: &[&str], log: Option<&std::path::Path>) -> Server {
        let mut cmd = zkliq();
        cmd.args(["serve", "--state", db, "--listen", "127.0.0.1:0"])
            .args(extra)
            .env("ZKLIQ_LOG", "info,tower_http=debug")
            .stdout(Stdio::piped());
        match log {
            Some(path) => {
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .unwrap();
                cmd.stderr(file);
            }
            None => {
                cmd.stderr(Stdio::null());
            }
        }
        let mut child = cmd.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_owned();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(300)))
            .build()
            .into();
        Server { child, base, agent }
    }

    fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut r = r.unwrap();
        Reply {
            status: r.status().as_u16(),
            retry_after: r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned()),
            body: r.body_mut().read_to_string().unwrap(),
        }
    }

    /// `GET path` with an optional bearer token.
    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut req = self.agent.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        Self::reply(req.call())
    }

    /// `POST path` with a JSON body and an optional bearer token.
    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.post_raw(path, token, "application/json", body.to_string().as_bytes())
    }

    /// `GET path` with a whole `Authorization` header.
    pub fn get_with(&self, path: &str, authorization: &str) -> Reply {
        Self::reply(
            self.agent
                .get(format!("{}{path}", self.base))
                .header("Authorization", authorization)
                .call(),
        )
    }

    /// `POST path` with a JSON body and an optional `Idempotency-Key`: the answer, or the
    /// transport error (a killed server).
    pub fn try_post(
        &self,
        path: &str,
        token: Option<&str>,
        idempotency_key: Option<&str>,
        body: &Value,
    ) -> Result<Answer, String> {
        self.try_post_keys(path, token, idempotency_key.as_slice(), body)
    }

    /// [`Server::try_post`] with one `Idempotency-Key` header per key given.
    pub fn try_post_keys(
        &self,
        path: &str,
        token: Option<&str>,
        idempotency_keys: &[&str],
        body: &Value,
    ) -> Result<Answer, String> {
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .content_type("application/json");
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        for k in idempotency_keys {
            req = req.header("Idempotency-Key", *k);
        }
        let mut r = req
            .send(body.to_string().as_bytes())
            .map_err(|e| e.to_string())?;
        let replayed = r.headers().get("idempotent-replayed").is_some();
        let text = r.body_mut().read_to_string().map_err(|e| e.to_string())?;
        Ok(Answer {
            status: r.status().as_u16(),
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            replayed,
        })
    }

    /// `POST path` with a raw body and content type.
    pub fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: &[u8],
    ) -> Reply {
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .content_type(content_type);
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        Self::reply(req.send(body))
    }

    /// `DELETE path` with a bearer token.
    pub fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        let mut req = self.agent.delete(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        Self::reply(req.call())
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `zkliq state grant --state db args...`: the token printed.
pub fn grant(db: &str, args: &[&str]) -> String {
    let mut all = vec!["state", "grant", "--state", db];
    all.extend(args);
    let r = super::run(&all);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout.trim().to_owned()
}

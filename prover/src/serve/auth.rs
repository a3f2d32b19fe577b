//! Who is calling: the bearer token of `Authorization: Bearer zkliq_…`, checked against the
//! hashed grants in the state database ([`zkliq_state::State::authenticate`]).
//!
//! 401: no token, or one that is malformed, unknown, revoked or wrong (the caller is not told
//! which). 403: a valid token acting outside its rights. Tokens are never logged.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use zkliq_circuits::Fp;
use zkliq_state::{Grant, Role};

use super::App;
use super::error::ApiError;

/// An authenticated caller.
pub struct Caller(pub Grant);

impl FromRequestParts<Arc<App>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        let header = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
            ApiError::unauthorized("missing bearer token (Authorization: Bearer zkliq_…)")
        })?;
        // The scheme's name is case-insensitive (RFC 9110).
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim().to_owned())
            .ok_or_else(|| {
                ApiError::unauthorized("the Authorization header is not `Bearer <token>`")
            })?;
        // No database work for what cannot be a token.
        if !zkliq_state::token_well_formed(&token) {
            return Err(ApiError::unauthorized("invalid or revoked token"));
        }
        let grant = app
            .db(move |s| s.authenticate(&token).map_err(ApiError::internal))
            .await?;
        grant
            .map(Caller)
            .ok_or_else(|| ApiError::unauthorized("invalid or revoked token"))
    }
}

impl Caller {
    /// 401 if this caller's grant was revoked or expired since its request was authenticated:
    /// checked when a queued job reaches its worker, so nothing waiting runs for it after.
    pub fn still_live(&self, app: &App) -> Result<(), ApiError> {
        let live = super::lock(&app.db)
            .grant_live(&self.0.token_id)
            .map_err(|e| app.state_error(e))?;
        if live {
            Ok(())
        } else {
            Err(ApiError::unauthorized("invalid or revoked token"))
        }
    }

    /// Passes only the operator.
    pub fn admin(&self) -> Result<(), ApiError> {
        match self.0.role {
            Role::Admin => Ok(()),
            _ => Err(ApiError::forbidden(
                "this endpoint is the operator's (an admin token)",
            )),
        }
    }

    /// Passes only the owner of account `id`.
    pub fn owner_of(&self, id: &str) -> Result<(), ApiError> {
        match &self.0.role {
            Role::Owner(own) if own == id => Ok(()),
            // The same answer whether or not `id` exists: no probing for accounts.
            _ => Err(ApiError::forbidden(
                "this token is not the owner's of that account",
            )),
        }
    }

    /// The liquidator this token acts as; 403 if it is not a liquidator's, or if `claimed` names
    /// another liquidator.
    pub fn liquidator(&self, claimed: Option<Fp>) -> Result<Fp, ApiError> {
        match self.0.role {
            Role::Liquidator(id) if claimed.is_none_or(|c| c == id) => Ok(id),
            Role::Liquidator(_) => Err(ApiError::forbidden(
                "liquidator: this token acts only as its own liquidator id",
            )),
            _ => Err(ApiError::forbidden(
                "this endpoint is for registered liquidators (a liquidator token)",
            )),
        }
    }
}

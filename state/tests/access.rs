//! The service's grants and price rounds: a token authenticates only as issued and until
//! revoked; only its secret's hash is stored; price rounds are published in increasing order.

use std::io::Cursor;
use std::path::Path;

use zkliq_circuits::tree::TreeSpec;
use zkliq_circuits::{Fp, Market};
use zkliq_state::{Role, State, StateError};

fn fixture(rel: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures")
            .join(rel),
    )
    .unwrap()
}

fn state(dir: &Path) -> State {
    let market = Market::from_json(&fixture("markets/aave-v3-4-liquidation.json")).unwrap();
    let mut s = State::create(&dir.join("s.db"), &market, TreeSpec::DEFAULT).unwrap();
    s.import(Cursor::new(fixture("state/accounts.jsonl")))
        .unwrap();
    s
}

#[test]
fn tokens_authenticate_as_issued_until_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = state(dir.path());
    let roles = [
        Role::Admin,
        Role::Owner("alice".into()),
        Role::Liquidator(Fp::from(0xd8da)),
    ];
    let issued: Vec<_> = roles.iter().map(|r| s.grant(r).unwrap()).collect();
    for (role, token) in roles.iter().zip(&issued) {
        let grant = s.authenticate(&token.token).unwrap().expect("a live token");
        assert_eq!(&grant.role, role);
        assert_eq!(grant.token_id, token.token_id);
        // Every other secret of the same id, and the id alone, fail.
        let mut wrong = token.token.clone();
        let last = wrong.pop().unwrap();
        wrong.push(if last == 'a' { 'b' } else { 'a' });
        assert_eq!(s.authenticate(&wrong).unwrap(), None);
        assert_eq!(s.authenticate(&token.token_id).unwrap(), None);
        assert!(
            !format!("{token:?}").contains(&token.token),
            "Debug hides the token"
        );
    }
    // Two grants never share an id or a secret.
    assert_ne!(issued[0].token, issued[1].token);
    assert_ne!(issued[0].token_id, issued[1].token_id);
    assert!(s.grant_live(&issued[1].token_id).unwrap());
    assert!(s.revoke(&issued[1].token_id).unwrap());
    assert_eq!(s.authenticate(&issued[1].token).unwrap(), None);
    assert!(!s.grant_live(&issued[1].token_id).unwrap());
    assert!(
        s.grant_live(&issued[0].token_id).unwrap(),
        "others stay live"
    );
    assert!(
        !s.grant_live("0123456789abcdef").unwrap(),
        "an unknown id is not live"
    );
    assert!(!s.revoke(&issued[1].token_id).unwrap(), "revoked once");
    assert!(
        s.authenticate(&issued[0].token).unwrap().is_some(),
        "others stay"
    );
    // An owner grant needs the account.
    assert!(matches!(
        s.grant(&Role::Owner("nobody".into())),
        Err(StateError::UnknownId(_))
    ));
    // The database holds no secret.
    drop(s);
    let bytes = std::fs::read(dir.path().join("s.db")).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    for t in &issued {
        let secret = t.token.rsplit('_').next().unwrap();
        assert!(!text.contains(secret));
    }
}

#[test]
fn price_rounds_go_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = state(dir.path());
    assert_eq!(s.latest_prices().unwrap(), None);
    // Round 10421, then round 10888.
    let (first, second) = (
        fixture("prices/aave-v3-4-calm.json"),
        fixture("prices/aave-v3-4-crash.json"),
    );
    let p = s.publish_prices(&first).unwrap();
    assert_eq!(s.latest_prices().unwrap().unwrap().prices, p);
    let e = s.publish_prices(&first).unwrap_err();
    assert!(
        e.to_string()
            .contains("must be above the last published round 10421"),
        "{e}"
    );
    let q = s.publish_prices(&second).unwrap();
    let latest = s.latest_prices().unwrap().unwrap();
    assert_eq!(latest.prices, q);
    assert_eq!(latest.json, second);
    let e = s.publish_prices(&first).unwrap_err();
    assert!(matches!(e, StateError::BadPrices(_)), "{e}");
    let e = s
        .publish_prices(&fixture("prices/perp-16-crash.json"))
        .unwrap_err();
    assert!(matches!(e, StateError::BadPrices(_)), "{e}");
    assert_eq!(
        s.latest_prices().unwrap().unwrap().prices,
        q,
        "refusals change nothing"
    );
}

#[test]
fn tokens_expire_and_old_grants_tables_gain_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut s = state(dir.path());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let role = Role::Owner("alice".into());
    let expired = s.grant_until(&role, Some(now - 1)).unwrap();
    let live = s.grant_until(&role, Some(now + 3600)).unwrap();
    let expired_before = expired.clone();
    let forever = s.grant(&role).unwrap();
    assert_eq!(s.authenticate(&expired.token).unwrap(), None, "expired");
    assert!(s.authenticate(&live.token).unwrap().is_some());
    assert!(s.authenticate(&forever.token).unwrap().is_some());
    drop(s);

    // A database from before tokens could expire: its grants table has no expires_at. Opened,
    // it gains the column; its grants stay live.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("ALTER TABLE grants DROP COLUMN expires_at")
        .unwrap();
    drop(conn);
    let mut s = State::open(&path).unwrap();
    assert!(s.authenticate(&forever.token).unwrap().is_some());
    assert!(
        s.authenticate(&expired_before.token).unwrap().is_some(),
        "without the column a grant never expired, and stays so"
    );
    let expired = s.grant_until(&role, Some(now - 1)).unwrap();
    assert_eq!(s.authenticate(&expired.token).unwrap(), None);
}

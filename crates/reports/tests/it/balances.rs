//! Balances by financial class: a charge's class is its payer's kind, self-pay without
//! one, and a charge moved to another payer moves its balance on the next refresh.

use records::{Address, Charge, Payer, PayerId, PayerKind};
use store::Actor;
use test_support::{TestStore, backend_tests};
use time::Duration;

use crate::derived::{answer, seed};

const BY_CLASS: &str = "balances as of 2026-01-01 group by financial_class, aging_bucket(0-90,91+) measure patients, sum(open_cents)";

fn rows(engine: &query::Engine) -> Vec<String> {
    answer(engine, BY_CLASS)
}

fn balances_follow_the_payers_kind(store: &TestStore) {
    seed(store);
    let (mut engine, mut sync) = reports::load(store).unwrap();
    // Items 1 (100.00 due 2025-06-01) and 3 (60.00 open, due 2025-12-01) are open.
    assert_eq!(
        rows(&engine),
        ["self-pay 0-90 1 6000", "self-pay 91+ 1 10000"]
    );

    store.clock.advance(Duration::seconds(5));
    let actor = Actor::new("test");
    store
        .write(|tx| {
            let payer = tx.create(
                &actor,
                &Payer {
                    name: "Medicare Part B".into(),
                    payer_code: None,
                    kind: PayerKind::Medicare,
                    address: Address::default(),
                    phone: None,
                },
            )?;
            let charges = tx.select::<Charge>("amount_cents = ?", &[10_000i64.into()], "id", 1)?;
            let mut charge = charges[0].record.clone();
            charge.payer_id = Some(PayerId(payer.meta.id));
            tx.update(&actor, charges[0].meta.id, charges[0].meta.version, &charge)?;
            Ok(())
        })
        .unwrap();
    sync.refresh(store, &mut engine).unwrap();
    assert_eq!(
        rows(&engine),
        ["medicare 91+ 1 10000", "self-pay 0-90 1 6000"]
    );
    let (fresh, _) = reports::load(store).unwrap();
    assert_eq!(rows(&fresh), rows(&engine));
}

backend_tests!(balances_follow_the_payers_kind);

//! The open-balance worklist agrees with each account's balance.

use crate::fixtures::{actor, full_chart, patient};
use test_support::{TestStore, backend_tests};

fn open_balances_list_owing_accounts_largest_first(store: &TestStore) {
    let owing = store
        .write(|tx| {
            let chart = full_chart(tx)?;
            tx.create(&actor(), &patient("MRN-9", "Nocharge", "Nina"))?;
            Ok(chart.patient.meta.id)
        })
        .unwrap();
    let expected = store.read(|tx| tx.account_balance(owing)).unwrap();
    assert!(expected.balance_cents > 0);
    let listed = store.read(|tx| tx.open_balances(10)).unwrap();
    assert_eq!(listed, [(owing, expected.balance_cents)]);
    assert!(store.read(|tx| tx.open_balances(0)).unwrap().is_empty());
}

backend_tests!(open_balances_list_owing_accounts_largest_first);

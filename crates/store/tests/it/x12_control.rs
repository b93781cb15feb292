//! X12 control numbers never repeat: consecutive blocks per sender and kind, kept across
//! transactions, refused past nine digits, unused when the transaction rolls back.

use store::{ControlKind, Error};
use test_support::{TestStore, backend_tests};

fn control_numbers_are_reserved_in_consecutive_blocks(store: &TestStore) {
    let reserve = |sender: &str, kind, count| {
        store.write(|tx| tx.reserve_control_numbers(sender, kind, count))
    };
    assert_eq!(
        reserve("CHARTROOM", ControlKind::Interchange, 1).unwrap(),
        1
    );
    assert_eq!(
        reserve("CHARTROOM", ControlKind::Interchange, 1).unwrap(),
        2
    );
    assert_eq!(
        reserve("CHARTROOM", ControlKind::Transaction, 1000).unwrap(),
        1
    );
    assert_eq!(
        reserve("CHARTROOM", ControlKind::Transaction, 5).unwrap(),
        1001
    );
    assert_eq!(reserve("OTHER", ControlKind::Interchange, 1).unwrap(), 1);
    assert_eq!(reserve("CHARTROOM", ControlKind::Group, 1).unwrap(), 1);
    assert!(reserve("CHARTROOM", ControlKind::Group, 0).is_err());
}

fn a_rolled_back_reservation_is_not_used(store: &TestStore) {
    let failed: Result<u32, Error> = store.write(|tx| {
        tx.reserve_control_numbers("CHARTROOM", ControlKind::Interchange, 3)?;
        Err(Error::Conflict("the file could not be written".into()))
    });
    assert!(failed.is_err());
    let first = store
        .write(|tx| tx.reserve_control_numbers("CHARTROOM", ControlKind::Interchange, 1))
        .unwrap();
    assert_eq!(first, 1);
}

fn control_numbers_do_not_wrap(store: &TestStore) {
    store
        .write(|tx| tx.reserve_control_numbers("CHARTROOM", ControlKind::Interchange, 999_999_998))
        .unwrap();
    let last = store
        .write(|tx| tx.reserve_control_numbers("CHARTROOM", ControlKind::Interchange, 1))
        .unwrap();
    assert_eq!(last, 999_999_999);
    let error = store
        .write(|tx| tx.reserve_control_numbers("CHARTROOM", ControlKind::Interchange, 1))
        .unwrap_err();
    assert!(error.to_string().contains("used up"), "{error}");
}

backend_tests!(
    control_numbers_are_reserved_in_consecutive_blocks,
    a_rolled_back_reservation_is_not_used,
    control_numbers_do_not_wrap
);

//! The lay-term table against the embedded Alphabetic Index.

use crate::CodeSets;
use crate::index::IndexKind;

#[test]
fn lay_terms_resolve_in_the_index() {
    let sets = CodeSets::embedded().unwrap();
    let (indexes, mains) = sets.cross_refs().unwrap();
    let (diseases, main) = indexes
        .iter()
        .zip(mains)
        .find(|(ix, _)| ix.kind == IndexKind::Diseases)
        .unwrap();
    let mut n = 0;
    for lay in super::lay_terms() {
        let term = main.resolve(diseases, lay.index_path);
        let code = term.and_then(|t| main.code_of(diseases, t));
        assert!(
            code.is_some(),
            "{:?} → {:?} has no code in the Index",
            lay.lay,
            lay.index_path
        );
        n += 1;
    }
    assert!(n >= 60, "{n} lay terms");
}

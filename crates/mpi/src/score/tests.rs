use super::*;
use crate::settings::Settings;

fn model() -> Model {
    let settings = Settings::embedded().unwrap();
    Model {
        fields: FIELDS
            .iter()
            .map(|field| {
                let n = field.levels().len();
                (0..n)
                    .map(|idx| Level {
                        m: if idx == 0 { 0.9 } else { 0.1 / (n - 1) as f64 },
                        u: if idx + 1 == n {
                            0.9
                        } else {
                            0.1 / (n - 1) as f64
                        },
                    })
                    .collect()
            })
            .collect(),
        match_share: 0.01,
        twin_weight: settings.twins.weight,
        thresholds: settings.thresholds,
    }
}

#[test]
fn weights_add_up_to_the_probability() {
    let model = model();
    let all_exact = Vector::from_levels([Some(0); 8]);
    let scored = model.score(all_exact);
    let expected = model.prior_weight()
        + FIELDS
            .iter()
            .map(|f| (0.9 / (0.1 / (f.levels().len() - 1) as f64)).log2())
            .sum::<f64>();
    assert!(
        (scored.weight - expected).abs() < 1e-9,
        "{} {}",
        scored.weight,
        expected
    );
    assert_eq!(scored.class, Class::AutoLink);
    let nothing_known = Vector::from_levels([None; 8]);
    assert_eq!(model.score(nothing_known).class, Class::NonMatch);
    assert!((model.weight(nothing_known) - model.prior_weight()).abs() < 1e-12);
}

#[test]
fn twins_never_link_automatically() {
    let model = model();
    let mut levels = [Some(0); 8];
    levels[0] = Some(crate::compare::TWIN_LEVEL);
    let twins = Vector::from_levels(levels);
    let mut lenient = model.clone();
    lenient.twin_weight = -0.5;
    let scored = lenient.score(twins);
    assert!(
        scored.probability >= lenient.thresholds.auto_link,
        "{scored:?}"
    );
    assert_eq!(scored.class, Class::Review);
    assert_eq!(model.explain(twins)[0].weight, model.twin_weight);
}

#[test]
fn explain_names_every_field_and_the_model_prints_its_m_and_u() {
    let model = model();
    let mut levels = [None; 8];
    levels[2] = Some(1);
    let explained = model.explain(Vector::from_levels(levels));
    assert_eq!(explained.len(), 8);
    assert_eq!(explained[0].level, "missing");
    assert_eq!(explained[2].field, "birth_date");
    assert_eq!(explained[2].level, "day and month transposed");
    let toml = model.to_toml();
    assert!(toml.contains("field = \"birth_date\""), "{toml}");
    assert!(
        toml.contains("label = \"day and month transposed\""),
        "{toml}"
    );
    assert!(
        toml.contains("note = \"weight fixed by settings (twins.weight)\""),
        "{toml}"
    );
    assert!(toml.contains("match_share = 0.01"), "{toml}");
}

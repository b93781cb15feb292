//! The text form: every query prints in canonical form and parses back to the same AST;
//! bad queries fail with the line, column and what was expected.

use query::parse;

/// `(input, canonical text)`.
const ROUND_TRIPS: &[(&str, &str)] = &[
    (crate::answers::Q1, crate::answers::Q1),
    (crate::answers::Q2, crate::answers::Q2),
    (crate::answers::Q3, crate::answers::Q3),
    (crate::answers::Q4, crate::answers::Q4),
    (
        "COUNT Patients WHERE Sex = f",
        "count patients where sex = F",
    ),
    (
        "patients measure patients",
        "count patients measure patients",
    ),
    (
        "count patients where age in (0-17, 65+) as of 2026-01-01",
        "count patients where age in (0 - 17, 65+) as of 2026-01-01",
    ),
    (
        "count patients where zip3 in (021, 022) and not deceased",
        "count patients where zip3 in (021, 022) and not deceased",
    ),
    (
        "count patients where diagnosis(code in (E11*, e08.00, E08-E13, I10 - I15))",
        "count patients where diagnosis(code in (E11*, E0800, E08 - E13, I10 - I15))",
    ),
    (
        "count patients where diagnosis(code = E11.9)",
        "count patients where diagnosis(code = E119)",
    ),
    (
        "count patients where diagnosis(code = E11*)",
        "count patients where diagnosis(code in E11*)",
    ),
    (
        "count patients where (sex = F or sex = M) and age < 5 as of 2026-01-01",
        "count patients where (sex = F or sex = M) and age < 5 as of 2026-01-01",
    ),
    (
        "count patients where sex = F or (sex = M and age < 5)",
        "count patients where sex = F or (sex = M and age < 5)",
    ),
    (
        "count patients where (sex = F and zip = 02139) and age > 1",
        "count patients where (sex = F and zip = 02139) and age > 1",
    ),
    (
        "count patients where not (sex = F or sex = M)",
        "count patients where not (sex = F or sex = M)",
    ),
    (
        "count immunizations where status = entered-in-error group by cvx, status",
        "count immunizations where status = entered-in-error group by code, status",
    ),
    (
        "count immunizations where status in (completed, not-done)",
        "count immunizations where status in (completed, not-done)",
    ),
    (
        "count immunizations where cvx in (flu, 88, 100-110)",
        "count immunizations where cvx in (flu, 88, 100 - 110)",
    ),
    (
        "observations where code = \"4548-4\" and value >= -1.5 group by month(date) measure avg(value) as mean_a1c, count",
        "count observations where code = \"4548-4\" and value >= -1.5 group by month(date) measure avg(value) as mean_a1c, count",
    ),
    (
        "encounters where class = EMER and provider in (101, 102) group by provider, week(date), facility, payer",
        "count encounters where class = emergency and provider in (101, 102) group by provider, week(date), facility, payer",
    ),
    (
        "diagnoses where code in J09-J11 and date >= 2025-10-01 and date < 2026-01-01 group by DAY(date) measure patients, count",
        "count diagnoses where code in J09 - J11 and date >= 2025-10-01 and date < 2026-01-01 group by day(date) measure patients, count",
    ),
    (
        "count encounters where class = emergency group by zip3, mmwr_week(date)",
        "count encounters where class = emergency group by zip3, mmwr_week(date)",
    ),
    (
        "count immunizations where cvx in flu group by iso_week(date), code",
        "count immunizations where cvx in flu group by iso_week(date), code",
    ),
    (
        "balances where financial_class in (Medicare, self_pay) as of 2026-01-01 group by payer, financial_class, aging_bucket(0-30, 31+)",
        "balances where financial_class in (medicare, self-pay) as of 2026-01-01 group by payer, financial_class, aging_bucket(0-30,31+)",
    ),
    (
        "count patients where balance(financial_class = commercial, days_past_due > 120) as of 2026-01-01",
        "count patients where balance(financial_class = commercial, days_past_due > 120) as of 2026-01-01",
    ),
    (
        "encounters where SERVICE in (Medicine, \"Primary Care\") group by service, provider",
        "count encounters where service in (medicine, \"primary care\") group by service, provider",
    ),
    (
        "count patients where procedure(provider = 7, code = 99213)",
        "count patients where procedure(provider = 7, code = 99213)",
    ),
    (
        "count procedures group by provider, month(date)",
        "count procedures group by provider, month(date)",
    ),
    (
        "balances as of 2026-01-01 where days_past_due > 90 and payer != 3 measure patients, sum(open_cents), avg(open_cents)",
        "balances where days_past_due > 90 and payer != 3 as of 2026-01-01 measure patients, sum(open_cents), avg(open_cents)",
    ),
    (
        "count patients as of 2026-01-01 group by age_band(0-4,5-17,18+) measure patients where (immunization(cvx in flu) and not diagnosis(code = Z23)) as covered",
        "count patients as of 2026-01-01 group by age_band(0-4,5-17,18+) measure patients where (immunization(cvx in flu) and not diagnosis(code = Z23)) as covered",
    ),
    (
        "count patients where procedure(code in (99213, 99201-99215), date >= 2025-01-01)",
        "count patients where procedure(code in (99213, 99201 - 99215), date >= 2025-01-01)",
    ),
    (
        "count patients\nwhere immunization(cvx = 140 or cvx = 141)",
        "count patients where immunization(cvx = 140 or cvx = 141)",
    ),
    (
        "list patients where not immunization(cvx in flu, date > 2025-09-01)",
        "list patients where not immunization(cvx in flu, date > 2025-09-01) columns mrn, name, birth_date, sex, last_visit",
    ),
    (
        "LIST patients limit 20 order by balance DESC, birth_date asc columns name, balance, payer where balance(days_past_due > 90) as of 2026-01-01",
        "list patients where balance(days_past_due > 90) as of 2026-01-01 columns name, balance, payer order by balance desc, birth_date limit 20",
    ),
    (
        "list patients as of 2026-01-01 columns mrn, age, zip3, provider order by age desc",
        "list patients as of 2026-01-01 columns mrn, age, zip3, provider order by age desc",
    ),
    (
        "encounters where class = inpatient and days_since_discharge > 30 and not has_note(TYPE = Discharge_Summary) as of 2026-01-01",
        "count encounters where class = inpatient and days_since_discharge > 30 and not has_note(type = discharge_summary) as of 2026-01-01",
    ),
    (
        "count notes where status = UNSIGNED and days_after_encounter >= 3 group by type, author, status",
        "count notes where status = unsigned and days_after_encounter >= 3 group by type, author, status",
    ),
    (
        "list patients where encounter(discharge_date >= 2025-06-01, not has_note(type in (discharge_summary, \"operative report\"), status = signed)) columns mrn, last_visit",
        "list patients where encounter(discharge_date >= 2025-06-01, not has_note(type in (discharge_summary, \"operative report\"), status = signed)) columns mrn, last_visit",
    ),
    (
        "count patients where note(author = 12, date > 2025-01-01) group by sex",
        "count patients where note(author = 12, date > 2025-01-01) group by sex",
    ),
];

#[test]
fn queries_print_canonically_and_parse_back_identically() {
    for (input, canonical) in ROUND_TRIPS {
        let query = parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        let printed = query.to_string();
        assert_eq!(&printed, canonical, "printing {input}");
        let again = parse(&printed).unwrap_or_else(|e| panic!("{printed}: {e}"));
        assert_eq!(again, query, "re-parsing {printed}");
    }
}

/// `(input, error message)`.
const ERRORS: &[(&str, &str)] = &[
    (
        "list diagnoses",
        "query 1:6: only patients can be listed, not `diagnoses`; count them instead",
    ),
    (
        "list patients group by sex",
        "query 1:15: a list shows patients, not counts: write `count patients ... group by` to count them",
    ),
    (
        "count patients limit 5",
        "query 1:16: columns, order by and limit belong to a list: write `list patients where ...`",
    ),
    (
        "list patients columns mrn, age",
        "query 1:28: `age` needs a date to be measured on: add `as of YYYY-MM-DD`",
    ),
    (
        "list patients order by name",
        "query 1:24: a list cannot be ordered by `name` (it is read from the chart after the list is chosen); order by birth_date, age, sex, zip, zip3, last_visit or balance",
    ),
    (
        "list patients columns mrn, ssn",
        "query 1:28: expected a column: mrn, name, birth_date, age, sex, zip, zip3, last_visit, provider, payer or balance, found `ssn`",
    ),
    (
        "list patients limit 0",
        "query 1:21: expected a whole number of patients (1 or more) after `limit`, found `0`",
    ),
    (
        "list patients columns mrn, mrn",
        "query 1:28: the column `mrn` is named twice",
    ),
    (
        "",
        "query 1:1: expected a subject: patients, immunizations, diagnoses, procedures, observations, encounters, notes or balances, found end of query",
    ),
    (
        "count people",
        "query 1:7: expected a subject: patients, immunizations, diagnoses, procedures, observations, encounters, notes or balances, found `people`",
    ),
    (
        "count patients where",
        "query 1:21: expected a condition such as `age >= 65`, `sex = F` or `immunization(cvx in flu)`, found end of query",
    ),
    (
        "count patients where age 65",
        "query 1:26: expected a comparison (=, !=, <, <=, >, >=) or `in`, found `65`",
    ),
    (
        "count patients where immunization(cvx in flu",
        "query 1:45: expected `,` or `)`, found end of query",
    ),
    (
        "count patients where immunization(cvx in flux)",
        "query 1:42: unknown code set `flux` (known: flu)",
    ),
    (
        "count patients where cvx = 140",
        "query 1:22: `cvx` is an event field; test it inside an event test such as `immunization(cvx ...)`",
    ),
    (
        "count patients where immunization(code = E11)",
        "query 1:35: an immunization has no field `code`",
    ),
    (
        "count patients where immunization(age > 3)",
        "query 1:35: `age` is a patient field; write it outside `immunization(...)`",
    ),
    (
        "count patients where sex = X",
        "query 1:28: `X` is not a valid sex",
    ),
    (
        "count patients where immunization(date > 2025-02-30)",
        "query 1:42: 2025-02-30 is not a calendar date",
    ),
    (
        "count patients\n  where age >= 65\n  group by week(date)",
        "query 3:12: cannot group patients by `week`",
    ),
    (
        "count patients group by mmwr_week(date)",
        "query 1:25: cannot group patients by `mmwr_week`",
    ),
    (
        "count diagnoses group by day(code)",
        "query 1:30: expected `date`, found `code`",
    ),
    (
        "count diagnoses group by epi_week(date)",
        "query 1:26: expected a grouping such as age_band(...), sex, zip3, day(date), mmwr_week(date), iso_week(date), code, provider, payer or aging_bucket(...), found `epi_week`",
    ),
    (
        "count encounters group by financial_class",
        "query 1:27: cannot group encounters by `financial_class`",
    ),
    (
        "balances where financial_class = cash",
        "query 1:34: `cash` is not a valid financial_class",
    ),
    (
        "count diagnoses group by provider",
        "query 1:26: cannot group diagnoses by `provider`",
    ),
    (
        "count patients where diagnosis(service = medicine)",
        "query 1:32: a diagnosis has no field `service`",
    ),
    (
        "count patients group by age_band(18-5)",
        "query 1:37: band 18-5 ends before it starts",
    ),
    (
        "count patients where sex = F where sex = M",
        "query 1:30: the where clause is given twice",
    ),
    (
        "count immunizations measure sum(open_cents)",
        "query 1:33: cannot sum `open_cents` over immunizations",
    ),
    (
        "count patients where age >= 65 sort 5",
        "query 1:32: expected `where`, `as of`, `group by`, `measure` or the end of the query, found `sort`",
    ),
    (
        "count patients where zip = 021 ; drop",
        "query 1:32: expected a word, number, date, operator or parenthesis, found `;`",
    ),
    (
        "count patients group by sex, zip3, zip, sex, sex",
        "query 1:46: at most 4 grouping dimensions are supported",
    ),
    (
        "count patients where diagnosis(immunization(cvx = 1))",
        "query 1:32: `immunization(...)` cannot be nested inside `diagnosis(...)`",
    ),
    (
        "count patients where has_note(type = progress)",
        "query 1:22: `has_note(...)` tests an encounter's notes; write it inside `encounter(...)` or after `count encounters where`, or use `note(...)` for any note of the patient",
    ),
    (
        "count notes where status = completed",
        "query 1:28: `completed` is not a valid status",
    ),
    (
        "count encounters where has_note(class = inpatient)",
        "query 1:33: a note has no field `class`",
    ),
    (
        "count patients where note(days_since_discharge > 30)",
        "query 1:27: a note has no field `days_since_discharge`",
    ),
    (
        "count diagnoses group by author",
        "query 1:26: cannot group diagnoses by `author`",
    ),
];

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let deep = format!(
        "count patients where {}sex = F{}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    assert_eq!(
        parse(&deep).unwrap_err().to_string(),
        "query 1:86: conditions nest deeper than 64 levels"
    );
    let nots = format!("count patients where {}sex = F", "not ".repeat(100_000));
    assert!(parse(&nots).is_err());
    let fine = format!(
        "count patients where {}sex = F{}",
        "(".repeat(30),
        ")".repeat(30)
    );
    assert!(parse(&fine).is_ok());
}

#[test]
fn errors_name_line_column_and_what_was_expected() {
    for (input, message) in ERRORS {
        match parse(input) {
            Ok(query) => panic!("{input:?} parsed as {query}"),
            Err(error) => assert_eq!(&error.to_string(), message, "for {input:?}"),
        }
    }
}

/// Token soup: random sequences of the language's words and symbols (and some junk).
/// Nothing may panic, and whatever parses must print and parse back to the same AST.
#[test]
fn random_token_sequences_never_panic_and_round_trip_when_they_parse() {
    const VOCABULARY: &[&str] = &[
        "count",
        "patients",
        "immunizations",
        "diagnoses",
        "observations",
        "encounters",
        "balances",
        "where",
        "and",
        "or",
        "not",
        "(",
        ")",
        ",",
        "=",
        "!=",
        "<",
        ">=",
        "in",
        "as",
        "of",
        "group",
        "by",
        "measure",
        "age",
        "sex",
        "zip3",
        "immunization(",
        "diagnosis(",
        "balance(",
        "cvx",
        "flu",
        "status",
        "completed",
        "entered-in-error",
        "code",
        "E11*",
        "E08-E13",
        "I10",
        "\"4548-4\"",
        "value",
        "date",
        "2025-01-01",
        "18",
        "-",
        "+",
        "65",
        "F",
        "deceased",
        "days_past_due",
        "open_cents",
        "financial_class",
        "service",
        "notes",
        "note(",
        "has_note(",
        "encounter(",
        "type",
        "discharge_summary",
        "signed",
        "unsigned",
        "author",
        "days_after_encounter",
        "discharge_date",
        "days_since_discharge",
        "procedures",
        "medicare",
        "self-pay",
        "payer",
        "sum(open_cents)",
        "patients",
        "count",
        "age_band(0-17,18+)",
        "week(date)",
        "day(date)",
        "mmwr_week(date)",
        "iso_week(date)",
        "aging_bucket(91-120,121+)",
        "zip",
        "02139",
        "1.5",
        "class",
        "emergency",
        "provider",
        "list",
        "columns",
        "mrn",
        "last_visit",
        "balance",
        "order",
        "desc",
        "limit",
        "10",
        "\"",
        ";",
        "@",
        "\n",
    ];
    let mut rng = crate::fixture::Rng::new(99);
    let mut parsed = 0;
    for _ in 0..20_000 {
        let n = 1 + rng.below(14) as usize;
        let mut text = String::new();
        if rng.chance(0.8) {
            text.push_str(
                [
                    "count patients where ",
                    "count immunizations where ",
                    "balances where ",
                    "list patients where ",
                    "count encounters where ",
                    "count notes where ",
                ][rng.below(6) as usize],
            );
        }
        for _ in 0..n {
            text.push_str(VOCABULARY[rng.below(VOCABULARY.len() as u64) as usize]);
            text.push(' ');
        }
        if let Ok(query) = parse(&text) {
            parsed += 1;
            let printed = query.to_string();
            let again = parse(&printed)
                .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?} which fails: {e}"));
            assert_eq!(again, query, "{text:?} printed as {printed:?}");
        }
    }
    assert!(
        parsed > 20,
        "the soup should contain some valid queries, got {parsed}"
    );
}

/// Random well-formed filters: conditions joined by and / or / not with random
/// parentheses, so the printer's parenthesisation is checked on many shapes.
#[test]
fn random_filters_round_trip() {
    const CONDITIONS: &[&str] = &[
        "age >= 65",
        "sex = F",
        "zip3 in (021, 022)",
        "deceased",
        "immunization(cvx in flu, status = completed)",
        "immunization(cvx = 140 or not status = completed)",
        "diagnosis(code in E08-E13, date > 2024-01-01)",
        "balance(days_past_due > 90)",
        "balance(financial_class in (medicare, medicaid), days_past_due > 30)",
        "observation(code = \"4548-4\", value >= 6.5)",
        "encounter(class = emergency and (provider = 3 or facility != 2))",
        "encounter(service in (medicine, \"primary care\"), provider != 4)",
        "procedure(provider in (1, 2), code = 99213)",
        "note(type = progress, status = unsigned, days_after_encounter > 2)",
        "encounter(days_since_discharge > 30, not has_note(type = discharge_summary))",
        "encounter(discharge_date < 2025-01-01 and has_note(author != 3 or status = signed))",
    ];
    fn expr(rng: &mut crate::fixture::Rng, depth: u32) -> String {
        if depth == 0 || rng.chance(0.3) {
            return CONDITIONS[rng.below(CONDITIONS.len() as u64) as usize].to_owned();
        }
        match rng.below(4) {
            0 => format!("not {}", expr(rng, depth - 1)),
            1 => format!("({})", expr(rng, depth - 1)),
            2 => format!("{} and {}", expr(rng, depth - 1), expr(rng, depth - 1)),
            _ => format!("{} or {}", expr(rng, depth - 1), expr(rng, depth - 1)),
        }
    }
    let mut rng = crate::fixture::Rng::new(7);
    for _ in 0..2_000 {
        // Every other filter is a list's, with random columns, keys and limit.
        let text = if rng.chance(0.5) {
            format!(
                "count patients where {} as of 2026-01-01",
                expr(&mut rng, 5)
            )
        } else {
            const COLUMNS: &[&str] = &[
                "mrn",
                "name",
                "birth_date",
                "age",
                "sex",
                "zip",
                "zip3",
                "last_visit",
                "provider",
                "payer",
                "balance",
            ];
            const KEYS: &[&str] = &[
                "birth_date",
                "age desc",
                "sex",
                "zip asc",
                "zip3",
                "last_visit desc",
                "balance",
            ];
            let start = rng.below(COLUMNS.len() as u64) as usize;
            let n_columns = 1 + rng.below((COLUMNS.len() - start) as u64) as usize;
            let columns = COLUMNS[start..start + n_columns].join(", ");
            let key = KEYS[rng.below(KEYS.len() as u64) as usize];
            let limit = if rng.chance(0.5) {
                format!(" limit {}", 1 + rng.below(10_000))
            } else {
                String::new()
            };
            format!(
                "list patients where {} as of 2026-01-01 columns {columns} order by {key}{limit}",
                expr(&mut rng, 5)
            )
        };
        let query = parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let printed = query.to_string();
        assert_eq!(
            parse(&printed).unwrap(),
            query,
            "{text} printed as {printed}"
        );
    }
}

//! Bench binary (no harness): validations per second, search and encoder latency
//! percentiles, memory of the loaded code sets and cold-start time. Run with `cargo bench -p codes`.

use std::hint::black_box;
use std::time::Instant;

use codes::{CodeSets, Patient, System};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn main() -> Result<(), codes::Error> {
    let dos = codes::parse_date("2026-01-15").unwrap_or(time::Date::MIN);
    // BENCH_ONE_OFF=1 times only the command-line search, the figure the 50 ms goal is on.
    if std::env::var_os("BENCH_ONE_OFF").is_some() {
        return one_off_search(dos);
    }
    let rss0 = rss_kib();
    let t = Instant::now();
    let sets = CodeSets::embedded()?;
    let headers = t.elapsed();
    sets.icd10cm(dos)?;
    let first = t.elapsed();
    // Everything: every release of every system, the indexes and the edits.
    for r in sets.releases() {
        let d = r.effective_from;
        match r.system {
            System::Icd10Cm => drop(sets.icd10cm(d)?),
            System::Icd10Pcs => drop(sets.icd10pcs(d)?),
            s => drop(sets.flat(s, d)?),
        }
    }
    sets.indexes()?;
    sets.edits()?;
    let cold = t.elapsed();
    let rss1 = rss_kib();
    println!(
        "start-up, release headers only: {:.2} ms",
        headers.as_secs_f64() * 1e3
    );
    println!(
        "cold start to first ICD-10-CM answer (decode the release in force): {:.1} ms",
        first.as_secs_f64() * 1e3
    );
    println!(
        "cold start, decode everything (2 CM, PCS, HCPCS, CVX, indexes, edits): {:.1} ms",
        cold.as_secs_f64() * 1e3
    );
    println!(
        "memory of all loaded code sets (VmRSS delta): {:.1} MiB",
        (rss1 - rss0) as f64 / 1024.0
    );

    // Validation: a realistic mix of billable, header and unknown codes, packed once.
    let cm = sets.icd10cm(dos)?;
    let mut sample: Vec<String> = cm
        .nodes()
        .iter()
        .step_by(7)
        .map(|n| n.code.clone())
        .collect();
    sample.extend(["E1199", "Z9999", "S0000XZ"].iter().map(|s| s.to_string()));
    let packed: Vec<u64> = sample.iter().filter_map(|c| codes::pack(c)).collect();
    let rounds = 400;
    let t = Instant::now();
    let mut hits = 0usize;
    for _ in 0..rounds {
        for &p in &packed {
            hits += usize::from(cm.is_billable_packed(black_box(p)));
        }
    }
    let el = t.elapsed().as_secs_f64();
    let n = (rounds * packed.len()) as f64;
    println!(
        "validate (packed u64, billable on DOS): {:.1} million/s ({hits} hits)",
        n / el / 1e6
    );
    let t = Instant::now();
    let mut hits = 0usize;
    for _ in 0..rounds / 4 {
        for s in &sample {
            hits += usize::from(cm.is_billable(black_box(s)));
        }
    }
    let el = t.elapsed().as_secs_f64();
    let n = (rounds / 4 * sample.len()) as f64;
    println!(
        "validate (from &str, pack + probe): {:.1} million/s ({hits} hits)",
        n / el / 1e6
    );
    let t = Instant::now();
    let m = 20_000;
    for s in sample.iter().take(m) {
        black_box(sets.validate(System::Icd10Cm, s, dos, &Patient::default())?);
    }
    println!(
        "validate (full answer with children and edits): {:.2} million/s",
        m.min(sample.len()) as f64 / t.elapsed().as_secs_f64() / 1e6
    );

    // Search: first query builds the index (reported), then realistic typeahead queries,
    // including every prefix of each query as it is typed.
    let t = Instant::now();
    sets.search(System::Icd10Cm, "warmup", dos, 10)?;
    let rss2 = rss_kib();
    println!(
        "search index build (ICD-10-CM titles, synonyms, index terms): {:.1} ms, +{:.1} MiB",
        t.elapsed().as_secs_f64() * 1e3,
        (rss2 - rss1) as f64 / 1024.0
    );
    let queries = [
        "diab mell neph",
        "type 2 diabetes",
        "essential hypertension",
        "chest pain",
        "copd exacerbation",
        "pneumonia",
        "urinary tract infection",
        "low back pain",
        "fracture femur neck",
        "major depressive disorder",
        "atrial fibrillation",
        "asthma",
        "anxiety",
        "hyperlipidemia",
        "ckd stage 3",
        "otitis media",
        "sepsis",
        "migraine",
        "obesity",
        "acute kidney failure",
        "covid",
        "diabetis",
        "hypertenson",
        "E11.9",
        "S72.0",
        "z00.00",
        "headache",
        "abdominal pain",
        "cough",
        "fever",
        "dermatitis",
        "gerd",
        "osteoarthritis knee",
        "pregnancy",
        "poisoning acetaminophen",
        "neoplasm lung",
        "fall from ladder",
        "dog bite",
        "alzheimer",
        "gout",
    ];
    let mut lat = Vec::new();
    for _ in 0..5 {
        for q in queries {
            let chars: Vec<char> = q.chars().collect();
            for l in 1..=chars.len() {
                let prefix: String = chars[..l].iter().collect();
                let t = Instant::now();
                black_box(sets.search(System::Icd10Cm, &prefix, dos, 10)?);
                let us = t.elapsed().as_secs_f64() * 1e6;
                if std::env::var_os("BENCH_SLOW").is_some() && us > 1000.0 {
                    println!("slow: {prefix:?} {us:.0} µs");
                }
                lat.push(us);
            }
        }
    }
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p) as usize];
    println!(
        "search latency over {} typeahead queries: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        lat.len(),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    let mut full = Vec::new();
    for _ in 0..20 {
        for q in queries {
            let t = Instant::now();
            black_box(sets.search(System::Icd10Cm, q, dos, 10)?);
            full.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    full.sort_by(f64::total_cmp);
    let pct = |p: f64| full[((full.len() as f64 - 1.0) * p) as usize];
    println!(
        "search latency, complete queries only: p50 {:.0} µs, p99 {:.0} µs",
        pct(0.5),
        pct(0.99)
    );
    // The encoder on every statement of the development set.
    let statements: Vec<&str> = include_str!("../test_data/devset.tsv")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split('\t').next())
        .collect();
    black_box(sets.encode(&codes::EncodeRequest::default(), dos)?);
    let mut enc = Vec::new();
    let mut by_statement = vec![Vec::new(); statements.len()];
    for _ in 0..20 {
        for (s, times) in statements.iter().zip(&mut by_statement) {
            let req = codes::EncodeRequest {
                statement: (*s).to_string(),
                ..Default::default()
            };
            let t = Instant::now();
            black_box(sets.encode(&req, dos)?);
            let us = t.elapsed().as_secs_f64() * 1e6;
            enc.push(us);
            times.push(us);
        }
    }
    // Where the tail comes from: the statements slowest at their median (BENCH_SLOW=1).
    if std::env::var_os("BENCH_SLOW").is_some() {
        let mut medians: Vec<(f64, &str)> = by_statement
            .iter_mut()
            .zip(&statements)
            .map(|(times, s)| {
                times.sort_by(f64::total_cmp);
                (times[times.len() / 2], *s)
            })
            .collect();
        medians.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (us, s) in medians.iter().take(8) {
            println!("slow statement: {us:.0} µs median: {s:?}");
        }
    }
    enc.sort_by(f64::total_cmp);
    let pct = |p: f64| enc[((enc.len() as f64 - 1.0) * p) as usize];
    println!(
        "encoder latency over {} statements: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        enc.len(),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    // Coding edits on typical encounters (two to five diagnoses).
    let encounters: [&[&str]; 6] = [
        &["E11.22", "N18.30", "I10"],
        &["I11.0", "I50.9"],
        &["G63", "E11.42"],
        &["S72.001A", "W19.XXXA", "Z79.01"],
        &["O80", "Z37.0"],
        &["J18.9", "J44.1", "E11.9", "I10", "Z79.4"],
    ];
    let patient = Patient::default();
    let mut ed = Vec::new();
    for _ in 0..2000 {
        for e in &encounters {
            let t = Instant::now();
            black_box(sets.coding_edits(e, dos, &patient)?);
            ed.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    ed.sort_by(f64::total_cmp);
    let pct = |p: f64| ed[((ed.len() as f64 - 1.0) * p) as usize];
    println!(
        "coding edits per encounter ({} runs): p50 {:.1} µs, p99 {:.1} µs",
        ed.len(),
        pct(0.5),
        pct(0.99)
    );
    one_off_search(dos)
}

/// A command-line search (`chartroom codes search`): fresh code sets over a data
/// directory whose search cache is already written, loaded as the command loads them, one
/// query answered, and the sets left for the process's end as the command leaves them.
fn one_off_search(dos: time::Date) -> Result<(), codes::Error> {
    let dir = tempfile::tempdir().map_err(|e| codes::Error::Unsupported(e.to_string()))?;
    let cache = dir.path().join(codes::search_cache::CACHE_DIR);
    let open = || CodeSets::open(dir.path()).map(|s| s.with_search_cache(&cache));
    // Writes the cache.
    open()?.search(System::Icd10Cm, "corns on feet", dos, 10)?;
    let mut runs = Vec::new();
    for query in [
        "corns on feet",
        "type 2 diabetes with foot ulcer",
        "pink eye",
        "fracture of left humerus",
    ] {
        for _ in 0..3 {
            let t = Instant::now();
            let sets = open()?;
            sets.prepare_cm_search(dos);
            black_box(sets.search(System::Icd10Cm, query, dos, 10)?);
            runs.push(t.elapsed().as_secs_f64() * 1e3);
            // Freed outside the timing: the command leaves this to the process's end.
            drop(sets);
        }
    }
    runs.sort_by(f64::total_cmp);
    println!(
        "one-off ICD-10-CM search from the cache, as the command line runs it ({} runs): median {:.0} ms, max {:.0} ms",
        runs.len(),
        runs[runs.len() / 2],
        runs[runs.len() - 1]
    );
    Ok(())
}

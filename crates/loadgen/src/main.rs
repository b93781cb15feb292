//! `chartroom-load`: drives a running `chartroom serve` with many concurrent clients doing a
//! records department's mix (see `mix`) for a fixed time, then prints throughput and latency
//! percentiles per kind of request, and every error. Exits 1 when any request failed.
//!
//! Why a small client of our own rather than `oha`/`wrk`/`k6`: the mix needs ids and names
//! read from the server first and bodies that differ per request; `wrk` needs Lua for that,
//! `k6` is a JavaScript runtime, and `oha` drives one URL. This is hyper's client, already in
//! the tree for the server.

mod connection;
mod latency;
mod mix;

use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use clap::Parser;
use hyper::Method;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;

use connection::{Connection, Target};
use latency::{Tally, summarise};
use mix::{Operation, Population};

#[derive(Parser)]
#[command(
    name = "chartroom-load",
    about = "A records department's load on a running Chartroom server"
)]
struct Args {
    /// The server, `http://host:port`.
    #[arg(long)]
    base: String,
    /// An API token holding the permissions the mix needs (read and write demographics and
    /// clinical data, aggregates, audit).
    #[arg(long, env = "CHARTROOM_TOKEN", hide_env_values = true)]
    token: String,
    /// Concurrent clients, each on its own keep-alive connection.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// How long to measure, in seconds.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Seconds of load before measuring starts (connections opened, caches warm).
    #[arg(long, default_value_t = 0)]
    warmup: u64,
    /// Patients read from the server to aim reads, searches and observations at.
    #[arg(long, default_value_t = 2000)]
    sample: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[tokio::main]
async fn main() {
    match run(Args::parse()).await {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(error) => {
            eprintln!("chartroom-load: {error:#}");
            std::process::exit(2);
        }
    }
}

async fn run(args: Args) -> Result<bool> {
    if args.clients == 0 || args.seconds == 0 {
        return Err(anyhow!("--clients and --seconds must be at least 1"));
    }
    let target = Target::parse(&args.base, args.token.clone())?;
    let population = std::sync::Arc::new(sample_population(&target, args.sample).await?);
    println!(
        "{} clients for {} s (after {} s warm-up) against {}, aiming at {} patients on file",
        args.clients,
        args.seconds,
        args.warmup,
        args.base,
        population.ids.len()
    );
    let start = Instant::now();
    let measure_from = start + Duration::from_secs(args.warmup);
    let until = measure_from + Duration::from_secs(args.seconds);
    let mut clients = Vec::with_capacity(args.clients);
    for client in 0..args.clients {
        let population = population.clone();
        let target = target.clone();
        let seed = args
            .seed
            .wrapping_mul(1_000_003)
            .wrapping_add(client as u64);
        let serial_base = (client as u64) << 32;
        clients.push(tokio::spawn(async move {
            drive(target, &population, seed, serial_base, measure_from, until).await
        }));
    }
    let mut tally = Tally::new();
    for client in clients {
        tally.merge(client.await.context("a client task failed")?);
    }
    Ok(report(&mut tally, args.seconds))
}

/// One client's loop: pick, send, time, until the end.
async fn drive(
    target: Target,
    population: &Population,
    seed: u64,
    serial_base: u64,
    measure_from: Instant,
    until: Instant,
) -> Tally {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut connection = Connection::new(target);
    let mut tally = Tally::new();
    let mut serial = serial_base;
    loop {
        let began = Instant::now();
        if began >= until {
            return tally;
        }
        let op = Operation::pick(&mut rng);
        serial += 1;
        let call = population.call(op, &mut rng, serial);
        let answer = connection.send(call.method, &call.path, call.body).await;
        let elapsed = began.elapsed();
        if began < measure_from {
            continue;
        }
        match answer {
            Ok(answer) if answer.status.is_success() => tally.record(op, elapsed),
            Ok(answer) => tally.error(
                op,
                answer.status.as_u16(),
                format!(
                    "{} {}: {}",
                    call.path,
                    answer.status,
                    String::from_utf8_lossy(&answer.body)
                ),
            ),
            Err(error) => tally.error(op, 0, format!("{error:#}")),
        }
    }
}

/// Reads up to `limit` patients (id and family name) through FHIR search paging.
async fn sample_population(target: &Target, limit: usize) -> Result<Population> {
    let mut connection = Connection::new(target.clone());
    let mut population = Population {
        ids: Vec::new(),
        family_names: Vec::new(),
    };
    let mut next = Some(format!(
        "/fhir/Patient?_count={}&_sort=_id",
        limit.clamp(1, 200)
    ));
    while let Some(path) = next.take() {
        let answer = connection.send(Method::GET, &path, None).await?;
        if !answer.status.is_success() {
            return Err(anyhow!(
                "reading patients ({path}) answered {}: {}",
                answer.status,
                String::from_utf8_lossy(&answer.body)
            ));
        }
        let bundle: Value = serde_json::from_slice(&answer.body)
            .with_context(|| format!("the answer to {path} is not JSON"))?;
        for entry in bundle["entry"].as_array().into_iter().flatten() {
            let resource = &entry["resource"];
            if let Some(id) = resource["id"].as_str() {
                population.ids.push(id.to_owned());
            }
            if let Some(family) = resource["name"][0]["family"].as_str() {
                population.family_names.push(family.to_owned());
            }
        }
        if population.ids.len() >= limit {
            break;
        }
        next = bundle["link"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|link| link["relation"] == "next")
            .and_then(|link| link["url"].as_str())
            .map(path_of);
    }
    if population.ids.is_empty() || population.family_names.is_empty() {
        return Err(anyhow!(
            "the server has no patients to read: load demo data first"
        ));
    }
    Ok(population)
}

/// The path and query of an absolute URL the server wrote in a paging link.
fn path_of(url: &str) -> String {
    match url.split_once("://") {
        Some((_, rest)) => rest
            .find('/')
            .map_or("/".to_owned(), |at| rest[at..].to_owned()),
        None => url.to_owned(),
    }
}

fn report(tally: &mut Tally, seconds: u64) -> bool {
    let mut all = Vec::new();
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    println!(
        "{:<30} {:>8} {:>9} {:>9} {:>9}",
        "request", "count", "p50 ms", "p99 ms", "max ms"
    );
    for op in Operation::ALL {
        let micros = &mut tally.micros[op.index()];
        all.extend_from_slice(micros);
        if op.is_write() {
            writes.extend_from_slice(micros)
        } else {
            reads.extend_from_slice(micros)
        }
        print_line(op.label(), micros);
    }
    print_line("all reads and reports", &mut reads);
    print_line("all writes", &mut writes);
    print_line("everything", &mut all);
    println!(
        "throughput: {:.0} requests/s ({} succeeded in {seconds} s), errors: {}",
        all.len() as f64 / seconds as f64,
        all.len(),
        tally.error_count()
    );
    for ((op, status), (count, first)) in &tally.errors {
        let first: String = first.chars().take(300).collect();
        println!(
            "  {count} x {} answered {status}; first: {first}",
            Operation::ALL[*op].label()
        );
    }
    tally.error_count() == 0
}

fn print_line(label: &str, micros: &mut [u32]) {
    match summarise(micros) {
        Some(s) => println!(
            "{label:<30} {:>8} {:>9.2} {:>9.2} {:>9.2}",
            s.count, s.p50, s.p99, s.max
        ),
        None => println!("{label:<30} {:>8}", 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_links_become_paths() {
        assert_eq!(
            path_of("http://127.0.0.1:8080/fhir/Patient?_count=2&page=2"),
            "/fhir/Patient?_count=2&page=2"
        );
        assert_eq!(path_of("/fhir/Patient?x=1"), "/fhir/Patient?x=1");
        assert_eq!(path_of("https://host"), "/");
    }

    #[test]
    fn the_mix_has_the_issue_s_shares() {
        let total: u32 = Operation::ALL.iter().map(|op| op.weight()).sum();
        assert_eq!(total, 100);
        let writes: u32 = Operation::ALL
            .iter()
            .filter(|op| op.is_write())
            .map(|op| op.weight())
            .sum();
        assert_eq!(writes, 20);
        let reports: u32 = [Operation::PopulationQuery, Operation::AuditReport]
            .iter()
            .map(|op| op.weight())
            .sum();
        assert_eq!(reports, 10);
        let mut rng = StdRng::seed_from_u64(7);
        let mut seen = [0u32; 8];
        for _ in 0..100_000 {
            seen[Operation::pick(&mut rng).index()] += 1;
        }
        for op in Operation::ALL {
            let share = f64::from(seen[op.index()]) / 1000.0;
            assert!(
                (share - f64::from(op.weight())).abs() < 1.0,
                "{op:?}: {share}%"
            );
        }
    }

    #[test]
    fn a_base_must_be_plain_http_host_and_port() {
        assert_eq!(
            Target::parse("http://127.0.0.1:8080/", "t".into())
                .unwrap()
                .host_port,
            "127.0.0.1:8080"
        );
        assert!(Target::parse("https://x:1", "t".into()).is_err());
        assert!(Target::parse("http://x:1/api", "t".into()).is_err());
    }
}

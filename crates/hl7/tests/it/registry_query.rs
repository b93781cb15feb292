//! Asking the in-process registry for a patient's immunizations: the QBP^Q11 it reads
//! (profile, query name, the patient's identifiers), and each kind of RSP^K11 answer read
//! by its profile: a history with its forecast, no match, too many, candidates, an error.

use crate::registry::{Answer, at, patient, registry, trail, who};
use hl7::parse;
use hl7::registry::{QueryAnswer, QueryKind, query};
use test_support::TestStore;

/// A Z42 answer (evaluated history and forecast) in the IG's shape: two doses, then the
/// forecast carried by an RXA of CVX 998 and its OBX 30979-9 / 30980-7 pairs.
const Z42: &str = "MSH|^~\\&|MYIIS|MYIIS|CHARTROOM|CHARTROOM|20260302140000+0000||RSP^K11^RSP_K11|RSP-1|P|2.5.1|||NE|NE|||||Z42^CDCPHINVS
MSA|AA|{control}
QAK|{control}|OK|Z44^Request Evaluated History and Forecast^CDCPHINVS
QPD|Z44^Request Evaluated History and Forecast^CDCPHINVS|{control}|432155^^^dcs^MR
PID|1||432155^^^dcs^MR~99887^^^MYIIS^SR||Patient^Johnny^New^^^^L||20110411|M
ORC|RE||197023^CDC
RXA|0|1|20110415||08^HepB pediatric^CVX|999||||||||||||||CP|A
ORC|RE||197024^CDC
RXA|0|1|20120113||110^DTaP-HepB-IPV^CVX|0.5|mL^^UCUM||||||||xy3939|||||CP|A
ORC|RE||0^CDC
RXA|0|1|20260302||998^No vaccine administered^CVX|999||||||||||||||NA
OBX|1|CE|30979-9^Vaccines due next^LN|1|107^DTaP^CVX||||||F
OBX|2|TS|30980-7^Date vaccine due^LN|1|20120313||||||F
OBX|3|CE|30979-9^Vaccines due next^LN|2|03^MMR^CVX||||||F
OBX|4|TS|30980-7^Date vaccine due^LN|2|20120411||||||F
";

const Z33_NF: &str = "MSH|^~\\&|MYIIS|MYIIS|CHARTROOM|CHARTROOM|20260302140000+0000||RSP^K11^RSP_K11|RSP-2|P|2.5.1|||NE|NE|||||Z33^CDCPHINVS
MSA|AA|{control}
QAK|{control}|NF|Z34^Request Immunization History^CDCPHINVS
";

const Z33_TM: &str = "MSH|^~\\&|MYIIS|MYIIS|CHARTROOM|CHARTROOM|20260302140000+0000||RSP^K11^RSP_K11|RSP-3|P|2.5.1|||NE|NE|||||Z33^CDCPHINVS
MSA|AA|{control}
QAK|{control}|TM|Z34^Request Immunization History^CDCPHINVS
";

const Z31: &str = "MSH|^~\\&|MYIIS|MYIIS|CHARTROOM|CHARTROOM|20260302140000+0000||RSP^K11^RSP_K11|RSP-4|P|2.5.1|||NE|NE|||||Z31^CDCPHINVS
MSA|AA|{control}
QAK|{control}|OK|Z34^Request Immunization History^CDCPHINVS
PID|1||11^^^MYIIS^SR||Patient^John^^^^^L||20110411|M
PID|2||12^^^MYIIS^SR||Patient^Jon^^^^^L||20110411|M
";

const REFUSED: &str = "MSH|^~\\&|MYIIS|MYIIS|CHARTROOM|CHARTROOM|20260302140000+0000||RSP^K11^RSP_K11|RSP-5|P|2.5.1|||NE|NE|||||Z33^CDCPHINVS
MSA|AE|{control}
ERR||QPD^1^6|101^Required field missing^HL70357|E||||QPD-6 the birth date is required
QAK|{control}|AE|Z34^Request Immunization History^CDCPHINVS
";

/// `kind` asked of the registry at `address` about `patient`.
fn ask(
    store: &TestStore,
    address: std::net::SocketAddr,
    patient: i64,
    kind: QueryKind,
) -> (store::RegistryMessage, QueryAnswer) {
    let (_dir, trail) = trail();
    query(store, &trail, &at(address), &who(store), patient, kind).unwrap()
}

pub fn the_registry_answers_a_query_with_the_history(store: &TestStore) {
    let patient = patient(store);
    let (address, thread) = registry(vec![Answer::Text(Z42)]);
    let (kept, answer) = ask(
        store,
        address,
        patient,
        QueryKind::EvaluatedHistoryAndForecast,
    );
    let received = thread.join().unwrap();
    let qbp = parse(&received[0]).unwrap();
    let msh = qbp.msh().unwrap();
    assert_eq!(msh.text(9, 1), "QBP");
    assert_eq!(msh.text(9, 2), "Q11");
    assert_eq!(msh.text(21, 1), "Z44");
    let qpd = qbp.first("QPD").unwrap();
    assert_eq!(qpd.text(1, 2), "Request Evaluated History and Forecast");
    assert_eq!(qpd.text(2, 1), kept.control_id);
    assert_eq!(qpd.text(3, 1), "432155");
    assert_eq!(qpd.text(4, 1), "Patient");
    assert_eq!(qpd.text(6, 1), "20110411");
    assert_eq!(qpd.text(7, 1), "M");
    assert_eq!(qpd.text(8, 5), "54000");
    assert_eq!(qbp.first("RCP").unwrap().text(1, 1), "I");

    assert_eq!(
        (kept.message_type.as_str(), kept.status.as_str()),
        ("QBP^Q11", "accepted")
    );
    let QueryAnswer::History {
        profile,
        immunizations,
        forecast,
    } = &answer
    else {
        panic!("{answer:?}");
    };
    assert_eq!(profile, "Z42");
    let given: Vec<(&str, &str)> = immunizations
        .iter()
        .map(|i| (i.cvx.as_str(), i.administered.as_str()))
        .collect();
    assert_eq!(given, [("08", "20110415"), ("110", "20120113")]);
    assert_eq!(immunizations[1].lot, "xy3939");
    let due: Vec<(&str, &str)> = forecast
        .iter()
        .map(|f| (f.vaccine.as_str(), f.due.as_str()))
        .collect();
    assert_eq!(due, [("107", "20120313"), ("03", "20120411")]);
    assert_eq!(
        answer.summary(),
        "Z42: 2 immunization(s) on file at the registry, 2 dose(s) forecast"
    );
    // A query is for treatment: no accounting line.
    assert!(
        store
            .read(|tx| tx.for_patient::<records::Disclosure>(patient))
            .unwrap()
            .is_empty()
    );
}

pub fn no_match_too_many_and_candidates_are_named(store: &TestStore) {
    let patient = patient(store);
    let (address, thread) = registry(vec![
        Answer::Text(Z33_NF),
        Answer::Text(Z33_TM),
        Answer::Text(Z31),
        Answer::Text(REFUSED),
    ]);
    let mut answers = Vec::new();
    for _ in 0..4 {
        let (kept, answer) = ask(store, address, patient, QueryKind::History);
        answers.push((kept.status, answer));
    }
    let received = thread.join().unwrap();
    assert_eq!(
        parse(&received[0]).unwrap().msh().unwrap().text(21, 1),
        "Z34"
    );
    assert_eq!(answers[0], ("accepted".into(), QueryAnswer::NoMatch));
    assert!(answers[0].1.summary().contains("no match"));
    assert_eq!(answers[1], ("accepted".into(), QueryAnswer::TooMany));
    assert!(answers[1].1.summary().contains("too many matches"));
    assert_eq!(
        answers[2],
        ("accepted".into(), QueryAnswer::Candidates { count: 2 })
    );
    assert_eq!(
        answers[3],
        (
            "rejected".into(),
            QueryAnswer::Refused {
                code: "AE".into(),
                text: "QPD-6 the birth date is required".into()
            }
        )
    );
}

pub fn an_unreadable_answer_is_named(store: &TestStore) {
    let patient = patient(store);
    let odd = "MSH|^~\\&|MYIIS|MYIIS|||20260302140000+0000||RSP^K11^RSP_K11|R|P|2.5.1|||||||||Z99^CDCPHINVS\nMSA|AA|{control}\nQAK|{control}|OK\n";
    let (address, thread) = registry(vec![Answer::Text(odd)]);
    let (kept, answer) = ask(store, address, patient, QueryKind::History);
    thread.join().unwrap();
    assert_eq!(kept.status, "rejected");
    assert_eq!(
        answer,
        QueryAnswer::Unreadable {
            problem:
                "MSH-21 response profile Z99 is none of Z31, Z32, Z33, Z42 (CDC IG release 1.5)"
                    .into()
        }
    );
}

test_support::backend_tests!(
    the_registry_answers_a_query_with_the_history,
    no_match_too_many_and_candidates_are_named,
    an_unreadable_answer_is_named,
);

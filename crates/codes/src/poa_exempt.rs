//! CMS's list of ICD-10-CM codes exempt from present-on-admission reporting, embedded
//! (`data/codes/poa-exempt-FY2026.gz`, see `data/README.md`); read by the POA coding edit
//! here and by chart review's POA rule.

use flate2::read::GzDecoder;
use std::collections::HashSet;
use std::io::Read;

const FY2026: &[u8] = include_bytes!("../../../data/codes/poa-exempt-FY2026.gz");

/// The exempt codes, compared without their dot.
#[derive(Debug, Clone, Default)]
pub struct PoaExempt {
    codes: HashSet<String>,
    /// The release named in the file's header.
    pub release: String,
}

fn undotted(code: &str) -> String {
    code.trim()
        .chars()
        .filter(|c| *c != '.')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

impl PoaExempt {
    /// The list shipped with Chartroom, read once per process.
    pub fn shared() -> Result<&'static Self, String> {
        static LIST: std::sync::OnceLock<Result<PoaExempt, String>> = std::sync::OnceLock::new();
        LIST.get_or_init(Self::embedded)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The list shipped with Chartroom.
    pub fn embedded() -> Result<Self, String> {
        let mut text = String::new();
        GzDecoder::new(FY2026)
            .read_to_string(&mut text)
            .map_err(|e| format!("the POA-exempt list cannot be read: {e}"))?;
        Self::parse(&text)
    }

    /// Reads the framed list: a `FORMAT chartroom-review 1 poa-exempt` header, one code a
    /// line, and an `END <n>` count, so a truncated file is refused.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut lines = text.lines();
        let release = lines
            .next()
            .and_then(|h| h.strip_prefix("FORMAT chartroom-review 1 poa-exempt "))
            .ok_or("the POA-exempt list has no FORMAT header")?
            .trim()
            .to_owned();
        let mut codes = HashSet::new();
        let mut counted = None;
        for line in lines {
            if let Some(n) = line.strip_prefix("END ") {
                counted = n.trim().parse::<usize>().ok();
                break;
            }
            codes.insert(undotted(line));
        }
        match counted {
            Some(n) if n == codes.len() => Ok(Self { codes, release }),
            Some(n) => Err(format!(
                "the POA-exempt list says {n} codes but holds {}",
                codes.len()
            )),
            None => Err("the POA-exempt list is truncated (no END line)".into()),
        }
    }

    /// Whether `code` (with or without its dot) is exempt.
    pub fn contains(&self, code: &str) -> bool {
        self.codes.contains(&undotted(code))
    }

    /// How many codes are exempt.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fy2026_list_is_whole() {
        let list = PoaExempt::embedded().unwrap();
        assert_eq!(list.len(), 38_349);
        assert_eq!(list.release, "FY2026");
        assert!(list.contains("Z99.89") && list.contains("B900"));
        assert!(!list.contains("E11.9"), "diabetes must be reported");
        assert!(PoaExempt::parse("FORMAT chartroom-review 1 poa-exempt X\nA00\n").is_err());
    }
}

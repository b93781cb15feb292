//! Jaro-Winkler similarity for the pair loop. A full match of a million patients compares
//! tens of millions of pairs, several names and a street each, so the similarity must not
//! allocate or decode characters: folded names and normalised streets are ASCII, and for
//! strings up to 64 bytes the matched positions fit one word. Anything else (a longer or
//! non-ASCII street) goes to `strsim`, whose result this equals bit for bit.

/// How many times each letter `a`-`z` occurs in a folded name, counted once per person: two
/// names cannot match more characters than they share, which bounds their Jaro-Winkler
/// similarity before it is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Letters([u8; 26]);

impl Letters {
    pub(crate) fn of(name: &str) -> Self {
        let mut counts = [0u8; 26];
        for byte in name.bytes() {
            if let Some(count) = byte
                .checked_sub(b'a')
                .and_then(|idx| counts.get_mut(usize::from(idx)))
            {
                *count = count.saturating_add(1);
            }
        }
        Self(counts)
    }

    /// How many letters two names share, each counted as often as both have it.
    pub(crate) fn shared(&self, other: &Self) -> usize {
        self.0
            .iter()
            .zip(&other.0)
            .map(|(x, y)| usize::from(*x.min(y)))
            .sum()
    }
}

/// A folded name with its letter counts.
pub(crate) type Name<'a> = (&'a str, &'a Letters);

/// The Jaro-Winkler similarity of two folded names when it can reach `floor`, else `None`.
/// Most pairs of strangers share too few letters to reach any band, and are settled by
/// adding 26 numbers instead of matching characters.
pub(crate) fn name_similarity(a: Name, b: Name, floor: f64) -> Option<f64> {
    let (a_len, b_len) = (a.0.len() as f64, b.0.len() as f64);
    if a_len == 0.0 || b_len == 0.0 {
        return None;
    }
    let shared = a.1.shared(b.1) as f64;
    // Every shared letter matched and none out of order, then the bonus of the prefix the
    // names really share (strangers' names mostly start apart, so usually none); a hair
    // above, so rounding never turns away a pair that reaches the floor.
    let jaro = (shared / a_len + shared / b_len + 1.0) / 3.0;
    let prefix = common_prefix(a.0.as_bytes(), b.0.as_bytes()) as f64;
    let bound = jaro + 0.1 * prefix * (1.0 - jaro) + 1e-9;
    if bound < floor {
        return None;
    }
    Some(jaro_winkler(a.0, b.0))
}

/// Jaro-Winkler similarity: Jaro, raised for a common prefix of up to four characters when
/// Jaro exceeds 0.7.
pub(crate) fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if x.len() > 64 || y.len() > 64 || !a.is_ascii() || !b.is_ascii() {
        return strsim::jaro_winkler(a, b);
    }
    let sim = jaro(x, y);
    if sim > 0.7 {
        let prefix = common_prefix(x, y);
        sim + 0.1 * prefix as f64 * (1.0 - sim)
    } else {
        sim
    }
}

/// How many of the first four characters two strings share, counted from the start.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take(4).take_while(|(p, q)| p == q).count()
}

/// Jaro similarity of two ASCII strings of at most 64 bytes: characters match when equal
/// within half the longer length less one, each used once, first come first served.
fn jaro(a: &[u8], b: &[u8]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let range = (a.len().max(b.len()) / 2).saturating_sub(1);
    let (mut a_used, mut b_used) = (0u64, 0u64);
    let mut matches = 0usize;
    for (i, &ch) in a.iter().enumerate() {
        let low = i.saturating_sub(range);
        let high = b.len().min(i + range + 1);
        for (j, &other) in b.iter().enumerate().take(high).skip(low) {
            if other == ch && b_used & (1 << j) == 0 {
                a_used |= 1 << i;
                b_used |= 1 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    // Matched characters out of order, counted in pairs.
    let mut out_of_order = 0usize;
    let mut next_b = b_used;
    let mut rest_a = a_used;
    while rest_a != 0 {
        let i = rest_a.trailing_zeros() as usize;
        let j = next_b.trailing_zeros() as usize;
        if a.get(i) != b.get(j) {
            out_of_order += 1;
        }
        rest_a &= rest_a - 1;
        next_b &= next_b - 1;
    }
    let transpositions = out_of_order / 2;
    let m = matches as f64;
    ((m / a.len() as f64) + (m / b.len() as f64) + ((matches - transpositions) as f64 / m)) / 3.0
}

#[cfg(test)]
mod tests;

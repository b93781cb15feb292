//! American Soundex (the National Archives' rules, as the 1880-1940 censuses were indexed):
//! names that sound alike share a four-character code.
//!
//! Hand-written: the rules have been fixed for a century and fit in one function, and no
//! phonetic crate is in the workspace; a crate for thirty lines would be the larger cost.

/// The Soundex code of a folded name (`a`-`z`, anything else skipped), or `None` when the
/// name has no letter.
pub fn soundex(name: &str) -> Option<[u8; 4]> {
    let mut letters = name.bytes().filter(u8::is_ascii_lowercase);
    let first = letters.next()?;
    let mut code = [first.to_ascii_uppercase(), b'0', b'0', b'0'];
    let mut filled = 1;
    let mut previous = digit(first);
    for letter in letters {
        if filled == 4 {
            break;
        }
        match letter {
            // H and W do not separate two letters of the same code (Ashcraft is A261).
            b'h' | b'w' => {}
            _ => {
                let this = digit(letter);
                if this != 0 && this != previous {
                    if let Some(slot) = code.get_mut(filled) {
                        *slot = b'0' + this;
                    }
                    filled += 1;
                }
                previous = this;
            }
        }
    }
    Some(code)
}

/// The Soundex digit of a letter; 0 for vowels (and Y), which separate equal codes.
fn digit(letter: u8) -> u8 {
    match letter {
        b'b' | b'f' | b'p' | b'v' => 1,
        b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => 2,
        b'd' | b't' => 3,
        b'l' => 4,
        b'm' | b'n' => 5,
        b'r' => 6,
        _ => 0,
    }
}

#[cfg(test)]
mod tests;

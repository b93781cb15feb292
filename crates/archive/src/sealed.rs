//! The sealed stream: a backup file's bytes, encrypted and authenticated block by block.
//!
//! Layout: a header (`MAGIC`, a 32-byte random salt, a 16-byte key check, the block size),
//! then blocks, each a 4-byte big-endian length (high bit set on the final block) and the
//! ChaCha20-Poly1305 ciphertext with its tag (ring, already built for TLS).
//! The block key and the key check are derived from the user's key and the salt with
//! HKDF-SHA256, so every file has its own key and a nonce can be the block's number.
//! The nonce carries the block number and the final-block flag, and the header is the
//! associated data of every block, so a block moved, dropped, repeated or altered, a
//! header altered, or a stream cut short (no final block) fails to open: the online
//! authenticated encryption construction "STREAM" (Hoang, Reyhanitabar, Rogaway, Vizár,
//! 2015).
//!
//! Invariants:
//! - No plaintext of a block is handed out before the block's tag checked.
//! - A wrong key is told apart from damage by the key check, before any block is read.

use crate::error::{Error, Result};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use ring::hkdf;
use std::io::{self, Read, Write};

/// The first bytes of every backup file.
pub const MAGIC: &[u8; 20] = b"chartroom-backup 1\n\0";
const SALT_LEN: usize = 32;
const CHECK_LEN: usize = 16;
const HEADER_LEN: usize = MAGIC.len() + SALT_LEN + CHECK_LEN + 4;
/// Plaintext bytes per block.
pub const BLOCK: usize = 1 << 20;
const TAG_LEN: usize = 16;
const FINAL: u32 = 1 << 31;

/// The key a user keeps for backups: 32 bytes.
#[derive(Clone)]
pub struct BackupKey([u8; 32]);

impl std::fmt::Debug for BackupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BackupKey(..)")
    }
}

const KEY_MAGIC: &str = "chartroom-backup-key 1";

impl BackupKey {
    /// A new random key from the operating system.
    pub fn generate() -> Result<Self> {
        Ok(Self(store::random_bytes::<32>()?))
    }

    /// The key file's text.
    pub fn to_text(&self) -> String {
        format!("{KEY_MAGIC}\n{}\n", hex::encode(self.0))
    }

    /// Reads a key file's text.
    pub fn from_text(text: &str) -> std::result::Result<Self, String> {
        let mut lines = text.lines();
        if lines.next() != Some(KEY_MAGIC) {
            return Err(format!(
                "line 1 is not \"{KEY_MAGIC}\": not a backup key file"
            ));
        }
        let mut bytes = [0u8; 32];
        let line = lines.next().unwrap_or_default().trim();
        hex::decode_to_slice(line, &mut bytes)
            .map_err(|_| "line 2 is not 64 hex digits".to_owned())?;
        Ok(Self(bytes))
    }
}

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn derive(key: &BackupKey, salt: &[u8], info: &[u8], out: &mut [u8]) -> Result<()> {
    hkdf::Salt::new(hkdf::HKDF_SHA256, salt)
        .extract(&key.0)
        .expand(&[info], Len(out.len()))
        .and_then(|okm| okm.fill(out))
        .map_err(|_| Error::Crypto("key derivation failed".into()))
}

struct Keys {
    block: LessSafeKey,
    check: [u8; CHECK_LEN],
}

fn keys(key: &BackupKey, salt: &[u8]) -> Result<Keys> {
    let mut block = [0u8; 32];
    derive(key, salt, b"chartroom backup blocks", &mut block)?;
    let mut check = [0u8; CHECK_LEN];
    derive(key, salt, b"chartroom backup key check", &mut check)?;
    let block = UnboundKey::new(&CHACHA20_POLY1305, &block)
        .map_err(|_| Error::Crypto("the block key was refused".into()))?;
    Ok(Keys {
        block: LessSafeKey::new(block),
        check,
    })
}

fn nonce(counter: u64, last: bool) -> Nonce {
    let mut bytes = [0u8; 12];
    bytes[3..11].copy_from_slice(&counter.to_be_bytes());
    bytes[11] = u8::from(last);
    Nonce::assume_unique_for_key(bytes)
}

/// Writes a sealed stream; `finish` writes the final block and must be called.
pub struct SealWriter<W: Write> {
    out: W,
    keys: Keys,
    header: Vec<u8>,
    buffer: Vec<u8>,
    counter: u64,
}

impl<W: Write> SealWriter<W> {
    /// Writes the header to `out`.
    pub fn new(mut out: W, key: &BackupKey) -> Result<Self> {
        let salt = store::random_bytes::<SALT_LEN>()?;
        let keys = keys(key, &salt)?;
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&salt);
        header.extend_from_slice(&keys.check);
        header.extend_from_slice(&u32::try_from(BLOCK).unwrap_or(u32::MAX).to_be_bytes());
        out.write_all(&header)?;
        Ok(Self {
            out,
            keys,
            header,
            buffer: Vec::with_capacity(BLOCK + TAG_LEN),
            counter: 0,
        })
    }

    fn seal(&mut self, last: bool) -> io::Result<()> {
        let mut block = std::mem::replace(&mut self.buffer, Vec::with_capacity(BLOCK + TAG_LEN));
        self.keys
            .block
            .seal_in_place_append_tag(
                nonce(self.counter, last),
                Aad::from(&self.header),
                &mut block,
            )
            .map_err(|_| io::Error::other("sealing a block failed"))?;
        let len = u32::try_from(block.len()).map_err(io::Error::other)?;
        let len = if last { len | FINAL } else { len };
        self.out.write_all(&len.to_be_bytes())?;
        self.out.write_all(&block)?;
        self.counter += 1;
        Ok(())
    }

    /// Seals what is left as the final block and hands back the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.seal(true)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for SealWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buffer.len() == BLOCK {
            self.seal(false)?;
        }
        let take = data.len().min(BLOCK - self.buffer.len());
        self.buffer.extend_from_slice(&data[..take]);
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Why a sealed stream was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The file does not start like a backup.
    #[error("not a Chartroom backup (its first bytes are not the backup format's)")]
    NotABackup,
    /// The key check does not match.
    #[error("the key does not open this backup (wrong key, or the file's header is damaged)")]
    WrongKey,
    /// The file ends before the final block.
    #[error(
        "the backup is truncated: it ends at byte {at}, inside or after block {block}, before its final block"
    )]
    Truncated {
        /// Bytes read.
        at: u64,
        /// The block being read.
        block: u64,
    },
    /// A block does not authenticate.
    #[error("the backup is damaged: block {block} (at byte {at}) fails authentication")]
    Damaged {
        /// The block.
        block: u64,
        /// Its offset.
        at: u64,
    },
    /// Bytes follow the final block.
    #[error("the backup is damaged: bytes follow its final block at byte {at}")]
    Trailing {
        /// Where they start.
        at: u64,
    },
}

/// Reads a sealed stream, handing out each block's plaintext once its tag checked.
pub struct OpenReader<R: Read> {
    input: R,
    keys: Keys,
    header: Vec<u8>,
    block: Vec<u8>,
    pos: usize,
    counter: u64,
    offset: u64,
    done: bool,
}

fn refused(refusal: Refusal) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, refusal)
}

/// The refusal inside an IO error from `OpenReader`, if it is one.
pub fn refusal_of(error: &io::Error) -> Option<&Refusal> {
    error.get_ref().and_then(|e| e.downcast_ref::<Refusal>())
}

fn read_full(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

impl<R: Read> OpenReader<R> {
    /// Reads and checks the header.
    pub fn new(mut input: R, key: &BackupKey) -> Result<Self> {
        let mut header = vec![0u8; HEADER_LEN];
        let got = read_full(&mut input, &mut header)?;
        if got < MAGIC.len() || header[..MAGIC.len()] != MAGIC[..] {
            return Err(Error::Refused(Refusal::NotABackup));
        }
        if got < HEADER_LEN {
            return Err(Error::Refused(Refusal::Truncated {
                at: got as u64,
                block: 0,
            }));
        }
        let salt = &header[MAGIC.len()..MAGIC.len() + SALT_LEN];
        let keys = keys(key, salt)?;
        let check = &header[MAGIC.len() + SALT_LEN..MAGIC.len() + SALT_LEN + CHECK_LEN];
        // Compared without an early exit, so timing tells nothing of where they differ.
        let differs = check
            .iter()
            .zip(&keys.check)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if differs != 0 {
            return Err(Error::Refused(Refusal::WrongKey));
        }
        Ok(Self {
            input,
            keys,
            header,
            block: Vec::new(),
            pos: 0,
            counter: 0,
            offset: HEADER_LEN as u64,
            done: false,
        })
    }

    fn next_block(&mut self) -> io::Result<()> {
        let start = self.offset;
        let mut len = [0u8; 4];
        let got = read_full(&mut self.input, &mut len)?;
        if got < 4 {
            return Err(refused(Refusal::Truncated {
                at: start + got as u64,
                block: self.counter,
            }));
        }
        let len = u32::from_be_bytes(len);
        let last = len & FINAL != 0;
        let len = (len & !FINAL) as usize;
        if !(TAG_LEN..=BLOCK + TAG_LEN).contains(&len) {
            return Err(refused(Refusal::Damaged {
                block: self.counter,
                at: start,
            }));
        }
        self.block.resize(len, 0);
        let got = read_full(&mut self.input, &mut self.block)?;
        self.offset += 4 + got as u64;
        if got < len {
            return Err(refused(Refusal::Truncated {
                at: self.offset,
                block: self.counter,
            }));
        }
        let plain_len = self
            .keys
            .block
            .open_in_place(
                nonce(self.counter, last),
                Aad::from(&self.header),
                &mut self.block,
            )
            .map_err(|_| {
                refused(Refusal::Damaged {
                    block: self.counter,
                    at: start,
                })
            })?
            .len();
        self.block.truncate(plain_len);
        self.pos = 0;
        self.counter += 1;
        if last {
            self.done = true;
            let mut extra = [0u8; 1];
            if read_full(&mut self.input, &mut extra)? > 0 {
                return Err(refused(Refusal::Trailing { at: self.offset }));
            }
        }
        Ok(())
    }

    /// Reads to the end: the rest must be empty, and the final block must be there.
    pub fn finish(mut self) -> io::Result<()> {
        let mut rest = [0u8; 1];
        match self.read(&mut rest)? {
            0 => Ok(()),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the backup holds more than its manifest lists",
            )),
        }
    }
}

impl<R: Read + io::Seek> OpenReader<R> {
    /// The last `want` bytes of the plaintext (all of it when shorter), reading only the
    /// blocks that hold them: every block but the final one holds exactly `BLOCK` bytes,
    /// so the final block's place follows from the file's length. Each block read is
    /// authenticated as that block of this stream and the last must be the final one, so a
    /// cut or altered tail is refused as the whole stream would be.
    pub fn tail(mut self, want: usize) -> io::Result<Vec<u8>> {
        let end = self.input.seek(io::SeekFrom::End(0))?;
        let stride = (4 + BLOCK + TAG_LEN) as u64;
        let last = end.saturating_sub(HEADER_LEN as u64 + 1) / stride;
        let first = last.saturating_sub(want.div_ceil(BLOCK) as u64);
        self.offset = HEADER_LEN as u64 + first * stride;
        self.input.seek(io::SeekFrom::Start(self.offset))?;
        self.counter = first;
        let mut plain = Vec::new();
        self.read_to_end(&mut plain)?;
        let keep = plain.len().saturating_sub(want);
        Ok(plain.split_off(keep))
    }
}

impl<R: Read> Read for OpenReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.block.len() {
            if self.done {
                return Ok(0);
            }
            self.next_block()?;
        }
        let n = buf.len().min(self.block.len() - self.pos);
        buf[..n].copy_from_slice(&self.block[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

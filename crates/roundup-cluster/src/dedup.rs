//! Near-duplicate detection: MinHash signatures over word shingles with LSH banding.
//!
//! Wire stories are republished by many outlets with light edits (a new first line, a changed
//! headline, a trimmed last paragraph). Their word-shingle sets overlap heavily, so the Jaccard
//! similarity estimated from MinHash signatures finds them; LSH bands make the lookup a few hash
//! probes instead of a scan. A duplicate is folded into its canonical item, which remembers every
//! outlet that ran it.

use crate::text::{fnv1a, mix64};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Number of MinHash functions per signature.
pub const SIGNATURE_LEN: usize = 48;
/// Rows per LSH band (SIGNATURE_LEN / BAND_ROWS bands).
const BAND_ROWS: usize = 4;

/// A MinHash signature of a text's word shingles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature(pub Vec<u32>);

impl Signature {
    /// Signature of a sequence of (lower-cased) words, using shingles of `k` consecutive words.
    /// Returns `None` when there are fewer than `min_shingles` shingles (too short to tell
    /// a copy from a coincidence).
    pub fn of_words<S: AsRef<str>>(
        words: &[S],
        k: usize,
        min_shingles: usize,
    ) -> Option<Signature> {
        let k = k.max(1);
        if words.len() < k || words.len() + 1 - k < min_shingles.max(1) {
            return None;
        }
        let hashes: Vec<u64> = words.iter().map(|w| fnv1a(w.as_ref().as_bytes())).collect();
        Self::of_word_hashes(&hashes, k, min_shingles)
    }

    /// Like [`Signature::of_words`], from the words' [`fnv1a`] hashes.
    pub fn of_word_hashes(hashes: &[u64], k: usize, min_shingles: usize) -> Option<Signature> {
        let k = k.max(1);
        if hashes.len() < k || hashes.len() + 1 - k < min_shingles.max(1) {
            return None;
        }
        let mut sig = vec![u32::MAX; SIGNATURE_LEN];
        for win in hashes.windows(k) {
            let mut h: u64 = 0;
            for x in win {
                h = mix64(h ^ *x);
            }
            let h = mix64(h);
            for (i, slot) in sig.iter_mut().enumerate() {
                // Multiply-shift hashing: one multiply per function (SEEDS are odd-forced).
                let v = ((h ^ SEEDS[i]).wrapping_mul(SEEDS[i] | 1) >> 32) as u32;
                if v < *slot {
                    *slot = v;
                }
            }
        }
        Some(Signature(sig))
    }

    /// Estimated Jaccard similarity of the two shingle sets (share of equal slots).
    pub fn similarity(&self, other: &Signature) -> f32 {
        let same = self.0.iter().zip(&other.0).filter(|(a, b)| a == b).count();
        same as f32 / SIGNATURE_LEN as f32
    }

    fn band_keys(&self) -> impl Iterator<Item = u64> + '_ {
        self.0.chunks(BAND_ROWS).enumerate().map(|(b, rows)| {
            let mut h = mix64(b as u64 + 1);
            for r in rows {
                h = mix64(h ^ *r as u64);
            }
            h
        })
    }
}

const SEEDS: [u64; SIGNATURE_LEN] = {
    let mut s = [0u64; SIGNATURE_LEN];
    let mut i = 0;
    let mut x: u64 = 0x5eed_0fc1_u64;
    while i < SIGNATURE_LEN {
        // SplitMix64 sequence, computed at compile time.
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        s[i] = z ^ (z >> 31);
        i += 1;
    }
    s
};

/// One canonical item and the copies folded into it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DupItem {
    /// Id of the first article seen (the canonical item).
    pub canonical: String,
    /// Every outlet that ran it, in order of first appearance (canonical's outlet first).
    pub outlets: Vec<String>,
    /// Ids of the articles folded into this item (not including the canonical one).
    pub copies: Vec<String>,
    sig: Signature,
    /// Arrival time (Unix seconds) of the latest copy, for expiry.
    last_seen: i64,
}

/// Result of [`DupIndex::check`].
#[derive(Debug, Clone, PartialEq)]
pub enum DupMatch {
    /// A near-duplicate of an earlier item with this canonical id.
    Duplicate {
        /// Canonical article id.
        canonical: String,
        /// Estimated Jaccard similarity of the two texts.
        similarity: f32,
    },
    /// Not a duplicate of anything in the index.
    New,
}

/// Index of recent canonical items for near-duplicate lookup.
///
/// ```
/// use roundup_cluster::dedup::{DupIndex, Signature};
/// let words = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
/// let mut idx = DupIndex::new(0.7);
/// let a = Signature::of_words(&words("the quick brown fox jumps over the lazy dog near the river bank today"), 2, 3).unwrap();
/// let b = Signature::of_words(&words("the quick brown fox jumps over the lazy dog near the river bank tonight"), 2, 3).unwrap();
/// idx.insert("a", "Outlet A", a, 0);
/// assert!(matches!(idx.check(&b), roundup_cluster::dedup::DupMatch::Duplicate { .. }));
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DupIndex {
    threshold: f32,
    items: FxHashMap<String, DupItem>,
    /// Insertion order of canonical ids, for expiry.
    order: VecDeque<String>,
    #[serde(skip)]
    bands: FxHashMap<u64, Vec<String>>,
}

impl DupIndex {
    /// An empty index that calls two texts duplicates at estimated Jaccard ≥ `threshold`.
    pub fn new(threshold: f32) -> Self {
        DupIndex {
            threshold,
            items: FxHashMap::default(),
            order: VecDeque::new(),
            bands: FxHashMap::default(),
        }
    }

    /// Number of canonical items held.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when no item is held.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Finds the best earlier item that `sig` duplicates.
    pub fn check(&self, sig: &Signature) -> DupMatch {
        let mut best: Option<(&str, f32)> = None;
        for key in sig.band_keys() {
            let Some(ids) = self.bands.get(&key) else {
                continue;
            };
            for id in ids {
                let Some(item) = self.items.get(id) else {
                    continue;
                };
                let s = sig.similarity(&item.sig);
                if s >= self.threshold && best.is_none_or(|(_, b)| s > b) {
                    best = Some((id.as_str(), s));
                }
            }
        }
        match best {
            Some((id, s)) => DupMatch::Duplicate {
                canonical: id.to_string(),
                similarity: s,
            },
            None => DupMatch::New,
        }
    }

    /// Adds a new canonical item.
    pub fn insert(&mut self, id: &str, outlet: &str, sig: Signature, now: i64) {
        for key in sig.band_keys() {
            self.bands.entry(key).or_default().push(id.to_string());
        }
        let outlets = if outlet.is_empty() {
            Vec::new()
        } else {
            vec![outlet.to_string()]
        };
        self.items.insert(
            id.to_string(),
            DupItem {
                canonical: id.to_string(),
                outlets,
                copies: Vec::new(),
                sig,
                last_seen: now,
            },
        );
        self.order.push_back(id.to_string());
    }

    /// Folds article `id` from `outlet` into the canonical item `canonical`.
    pub fn fold(&mut self, canonical: &str, id: &str, outlet: &str, now: i64) {
        if let Some(item) = self.items.get_mut(canonical) {
            item.copies.push(id.to_string());
            if !outlet.is_empty() && !item.outlets.iter().any(|o| o == outlet) {
                item.outlets.push(outlet.to_string());
            }
            item.last_seen = item.last_seen.max(now);
        }
    }

    /// The canonical item with this id, if held.
    pub fn item(&self, canonical: &str) -> Option<&DupItem> {
        self.items.get(canonical)
    }

    /// Drops items whose latest copy arrived before `cutoff` (Unix seconds).
    pub fn expire(&mut self, cutoff: i64) {
        while let Some(front) = self.order.front() {
            match self.items.get(front) {
                // Items are queued in arrival order; stopping at the first live one can keep a
                // stale item a little longer (memory only), never drop a live one.
                Some(item) if item.last_seen >= cutoff => break,
                Some(item) => {
                    let sig = item.sig.clone();
                    let id = front.clone();
                    self.items.remove(&id);
                    for key in sig.band_keys() {
                        if let Some(v) = self.bands.get_mut(&key) {
                            v.retain(|x| x != &id);
                            if v.is_empty() {
                                self.bands.remove(&key);
                            }
                        }
                    }
                    self.order.pop_front();
                }
                None => {
                    self.order.pop_front();
                }
            }
        }
    }

    /// Rebuilds the LSH bands after deserialization.
    pub fn rebuild(&mut self) {
        self.bands.clear();
        for id in &self.order {
            if let Some(item) = self.items.get(id) {
                for key in item.sig.band_keys() {
                    self.bands.entry(key).or_default().push(id.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(s: &str) -> Signature {
        let w: Vec<&str> = s.split_whitespace().collect();
        Signature::of_words(&w, 3, 3).unwrap()
    }

    const WIRE: &str = "the philadelphia 76ers fired coach maurice cheeks on saturday one day after the team \
        continued its slide with a loss to the chicago bulls assistant tony dileo will take over as interim \
        coach the sixers are 9 14 this season and have lost six of their last seven games general manager \
        ed stefanski said the decision was difficult but necessary for the future of the franchise";

    #[test]
    fn lightly_edited_copy_is_a_duplicate() {
        let mut idx = DupIndex::new(0.6);
        idx.insert("a1", "AP", sig(WIRE), 100);
        let edited = WIRE
            .replace("on saturday", "saturday")
            .replace("difficult but necessary", "hard but needed");
        match idx.check(&sig(&edited)) {
            DupMatch::Duplicate {
                canonical,
                similarity,
            } => {
                assert_eq!(canonical, "a1");
                assert!(similarity > 0.6, "{similarity}");
            }
            DupMatch::New => panic!("edited copy not found"),
        }
        idx.fold("a1", "b7", "Daily Planet", 120);
        idx.fold("a1", "c9", "AP", 130);
        let item = idx.item("a1").unwrap();
        assert_eq!(item.outlets, ["AP", "Daily Planet"]);
        assert_eq!(item.copies, ["b7", "c9"]);
    }

    #[test]
    fn different_story_is_not_a_duplicate() {
        let mut idx = DupIndex::new(0.6);
        idx.insert("a1", "AP", sig(WIRE), 100);
        let other = "the san diego chargers receiver vincent jackson was arrested early saturday on suspicion \
            of drunken driving police said jackson was pulled over after officers saw his car weaving across \
            lanes on interstate 15 he was booked into county jail and released on bail later that morning";
        assert_eq!(idx.check(&sig(other)), DupMatch::New);
    }

    #[test]
    fn short_texts_get_no_signature() {
        assert!(Signature::of_words(&["business", "highlights"], 2, 3).is_none());
    }

    #[test]
    fn expiry_and_rebuild() {
        let mut idx = DupIndex::new(0.6);
        idx.insert("old", "A", sig(WIRE), 100);
        idx.insert(
            "new",
            "B",
            sig("completely different words about a volcano eruption in iceland today"),
            500,
        );
        idx.expire(200);
        assert_eq!(idx.len(), 1);
        assert_eq!(idx.check(&sig(WIRE)), DupMatch::New);
        let json = serde_json::to_string(&idx).unwrap();
        let mut back: DupIndex = serde_json::from_str(&json).unwrap();
        back.rebuild();
        assert!(matches!(
            back.check(&sig(
                "completely different words about a volcano eruption in iceland today"
            )),
            DupMatch::Duplicate { .. }
        ));
    }
}

//! A study session's reviews packed into one compact value, stored under a unique session id
//! in the student's progress document: merging devices stays a set union of sessions, and a
//! review costs a few bytes instead of an automerge map of its own (~150 bytes).
//!
//! Layout (version 1): `1`, varint card count, each card id as varint length + UTF-8, varint
//! review count, zig-zag varint time of the first review, then per review: varint card index,
//! rating byte, varint seconds since the previous review.

use serde::{Deserialize, Serialize};

/// One answer to one card.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Review {
    pub card: String,
    /// 1 again, 2 hard, 3 good, 4 easy.
    pub rating: u8,
    /// Unix seconds.
    pub at: i64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PackError {
    #[error("ratings are 1 (again) to 4 (easy)")]
    BadRating,
    #[error("reviews must be in time order")]
    OutOfOrder,
    #[error("packed reviews are malformed")]
    Malformed,
}

const VERSION: u8 = 1;

pub fn pack(reviews: &[Review]) -> Result<Vec<u8>, PackError> {
    let mut cards: Vec<&str> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for review in reviews {
        if !(1..=4).contains(&review.rating) {
            return Err(PackError::BadRating);
        }
        index.entry(review.card.as_str()).or_insert_with(|| {
            cards.push(review.card.as_str());
            cards.len() - 1
        });
    }
    let mut out = vec![VERSION];
    put_varint(&mut out, cards.len() as u64);
    for card in &cards {
        put_varint(&mut out, card.len() as u64);
        out.extend_from_slice(card.as_bytes());
    }
    put_varint(&mut out, reviews.len() as u64);
    let first = reviews.first().map_or(0, |r| r.at);
    put_varint(&mut out, zigzag(first));
    let mut previous = first;
    for review in reviews {
        let delta = review.at.checked_sub(previous).filter(|d| *d >= 0).ok_or(PackError::OutOfOrder)?;
        put_varint(&mut out, index[review.card.as_str()] as u64);
        out.push(review.rating);
        put_varint(&mut out, delta.unsigned_abs());
        previous = review.at;
    }
    Ok(out)
}

pub fn unpack(bytes: &[u8]) -> Result<Vec<Review>, PackError> {
    let mut input = bytes;
    if take_byte(&mut input)? != VERSION {
        return Err(PackError::Malformed);
    }
    let card_count = bounded(take_varint(&mut input)?, input.len())?;
    let mut cards = Vec::with_capacity(card_count);
    for _ in 0..card_count {
        let length = bounded(take_varint(&mut input)?, input.len())?;
        let (card, rest) = input.split_at(length);
        cards.push(std::str::from_utf8(card).map_err(|_| PackError::Malformed)?.to_owned());
        input = rest;
    }
    let count = bounded(take_varint(&mut input)?, input.len())?;
    let mut at = unzigzag(take_varint(&mut input)?);
    let mut reviews = Vec::with_capacity(count);
    for _ in 0..count {
        let card = cards.get(bounded(take_varint(&mut input)?, usize::MAX)?).ok_or(PackError::Malformed)?.clone();
        let rating = take_byte(&mut input)?;
        if !(1..=4).contains(&rating) {
            return Err(PackError::Malformed);
        }
        at = at
            .checked_add(i64::try_from(take_varint(&mut input)?).map_err(|_| PackError::Malformed)?)
            .ok_or(PackError::Malformed)?;
        reviews.push(Review { card, rating, at });
    }
    if !input.is_empty() {
        return Err(PackError::Malformed);
    }
    Ok(reviews)
}

fn bounded(value: u64, limit: usize) -> Result<usize, PackError> {
    usize::try_from(value).ok().filter(|v| *v <= limit).ok_or(PackError::Malformed)
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn take_byte(input: &mut &[u8]) -> Result<u8, PackError> {
    let (&first, rest) = input.split_first().ok_or(PackError::Malformed)?;
    *input = rest;
    Ok(first)
}

fn take_varint(input: &mut &[u8]) -> Result<u64, PackError> {
    let mut value = 0_u64;
    for shift in (0..64).step_by(7) {
        let byte = take_byte(input)?;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(PackError::Malformed)
}

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

fn unzigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(n: usize) -> Vec<Review> {
        (0..n)
            .map(|i| Review {
                card: format!("c{:08}", i % 150),
                rating: (i % 4) as u8 + 1,
                at: 1_790_000_000 + (i as i64) * 9,
            })
            .collect()
    }

    #[test]
    fn round_trips_and_stays_small() {
        let reviews = session(200);
        let packed = pack(&reviews).expect("pack");
        assert_eq!(unpack(&packed).expect("unpack"), reviews);
        assert!(packed.len() <= 200 * 12, "{} bytes", packed.len());
        assert_eq!(unpack(&pack(&[]).expect("pack")).expect("unpack"), Vec::new());
    }

    #[test]
    fn refuses_bad_input_and_never_panics_on_garbage() {
        assert_eq!(pack(&[Review { card: "x".into(), rating: 5, at: 0 }]), Err(PackError::BadRating));
        let backwards = [Review { card: "x".into(), rating: 1, at: 10 }, Review { card: "x".into(), rating: 1, at: 5 }];
        assert_eq!(pack(&backwards), Err(PackError::OutOfOrder));
        let packed = pack(&session(20)).expect("pack");
        for cut in 0..packed.len() {
            assert!(unpack(&packed[..cut]).is_err(), "truncated at {cut}");
        }
        for seed in 0..2000_u32 {
            let noise: Vec<u8> =
                (0..64).map(|i| (seed.wrapping_mul(2654435761).wrapping_add(i * 40503) >> 13) as u8).collect();
            let _ = unpack(&noise);
        }
    }
}

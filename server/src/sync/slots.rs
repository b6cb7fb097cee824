//! How many `/sync` connections one user and one device may hold open on
//! this node, so that one enrolled peer cannot take the node's connections
//! (and, with each connection's bounded bytes in flight, its memory) from
//! everyone else. A [`Slot`] is taken before the WebSocket upgrade and given
//! back when the connection ends. Counted per node: several nodes each allow
//! as many.
//!
//! The connections of one user also share a bound on their frames being
//! handled at once ([`Slot::frames`]): however many connections and
//! documents a user's work is spread over, it occupies at most that many
//! of the node's sync shards at a time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;
use uuid::Uuid;

/// The counts of open connections, per user and per device.
#[derive(Debug)]
pub struct Slots {
    per_user: usize,
    per_device: usize,
    frames_per_user: usize,
    open: Mutex<Open>,
}

#[derive(Debug, Default)]
struct Open {
    users: HashMap<Uuid, User>,
    devices: HashMap<Uuid, usize>,
}

/// One user's open connections and their shared frames in flight.
#[derive(Debug)]
struct User {
    connections: usize,
    frames: Arc<Semaphore>,
}

/// The user or the device already has as many connections as allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("too many connections open for this {0}")]
pub struct TooManyConnections(pub &'static str);

/// One open connection's place in the counts; given back on drop.
#[derive(Debug)]
pub struct Slot {
    slots: Arc<Slots>,
    user: Uuid,
    device: Option<Uuid>,
    frames: Arc<Semaphore>,
}

impl Slots {
    /// At most `per_user` connections per user and `per_device` per
    /// device, and `frames_per_user` frames of one user being handled at
    /// once (at least one).
    pub fn new(per_user: usize, per_device: usize, frames_per_user: usize) -> Self {
        Self {
            per_user,
            per_device,
            frames_per_user: frames_per_user.max(1),
            open: Mutex::new(Open::default()),
        }
    }

    /// A slot for a connection of `user` on `device`, unless either is at
    /// its limit.
    pub fn take(
        self: &Arc<Self>,
        user: Uuid,
        device: Option<Uuid>,
    ) -> Result<Slot, TooManyConnections> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.users.get(&user).map_or(0, |u| u.connections) >= self.per_user {
            return Err(TooManyConnections("user"));
        }
        if let Some(device) = device
            && open.devices.get(&device).copied().unwrap_or(0) >= self.per_device
        {
            return Err(TooManyConnections("device"));
        }
        let frames_per_user = self.frames_per_user;
        let entry = open.users.entry(user).or_insert_with(|| User {
            connections: 0,
            frames: Arc::new(Semaphore::new(frames_per_user)),
        });
        entry.connections += 1;
        let frames = Arc::clone(&entry.frames);
        if let Some(device) = device {
            *open.devices.entry(device).or_default() += 1;
        }
        Ok(Slot {
            slots: Arc::clone(self),
            user,
            device,
            frames,
        })
    }

    /// Connections open for `user`.
    pub fn open_for_user(&self, user: Uuid) -> usize {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.users.get(&user).map_or(0, |u| u.connections)
    }
}

impl Slot {
    /// The frames of this slot's user being handled at once: one permit
    /// per frame, held until the sync shard has handled it.
    pub fn frames(&self) -> &Arc<Semaphore> {
        &self.frames
    }
}

fn give_back(counts: &mut HashMap<Uuid, usize>, key: Uuid) {
    if let Some(n) = counts.get_mut(&key) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            counts.remove(&key);
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(user) = open.users.get_mut(&self.user) {
            user.connections = user.connections.saturating_sub(1);
            if user.connections == 0 {
                open.users.remove(&self.user);
            }
        }
        if let Some(device) = self.device {
            give_back(&mut open.devices, device);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_and_devices_are_capped_and_slots_come_back() {
        let slots = Arc::new(Slots::new(3, 2, 1));
        let (alice, phone, tablet) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let a = slots.take(alice, Some(phone)).expect("first");
        let b = slots.take(alice, Some(phone)).expect("second");
        assert_eq!(
            slots.take(alice, Some(phone)).err(),
            Some(TooManyConnections("device"))
        );
        let c = slots.take(alice, Some(tablet)).expect("another device");
        assert_eq!(
            slots.take(alice, Some(tablet)).err(),
            Some(TooManyConnections("user"))
        );
        assert!(
            slots.take(Uuid::new_v4(), None).is_ok(),
            "others unaffected"
        );
        drop(a);
        assert_eq!(slots.open_for_user(alice), 2);
        let _d = slots.take(alice, Some(phone)).expect("a slot came back");
        drop((b, c));
        assert_eq!(slots.open_for_user(alice), 1);
    }

    #[test]
    fn a_users_connections_share_their_frames_in_flight() {
        let slots = Arc::new(Slots::new(4, 4, 2));
        let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
        let a = slots.take(alice, None).expect("first");
        let b = slots.take(alice, None).expect("second");
        let one = Arc::clone(a.frames()).try_acquire_owned().expect("one");
        let _two = Arc::clone(b.frames()).try_acquire_owned().expect("two");
        assert!(
            Arc::clone(a.frames()).try_acquire_owned().is_err(),
            "a third frame of alice's waits, whichever connection it is on"
        );
        let theirs = slots.take(bob, None).expect("bob");
        assert!(Arc::clone(theirs.frames()).try_acquire_owned().is_ok());
        drop(one);
        assert!(Arc::clone(b.frames()).try_acquire_owned().is_ok());
    }
}

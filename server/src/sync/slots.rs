//! How many `/sync` connections one user and one device may hold open on
//! this node, so that one enrolled peer cannot take the node's connections
//! (and, with each connection's bounded bytes in flight, its memory) from
//! everyone else. A [`Slot`] is taken before the WebSocket upgrade and given
//! back when the connection ends. Counted per node: several nodes each allow
//! as many.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

/// The counts of open connections, per user and per device.
#[derive(Debug)]
pub struct Slots {
    per_user: usize,
    per_device: usize,
    open: Mutex<Open>,
}

#[derive(Debug, Default)]
struct Open {
    users: HashMap<Uuid, usize>,
    devices: HashMap<Uuid, usize>,
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
}

impl Slots {
    /// At most `per_user` connections per user and `per_device` per
    /// device.
    pub fn new(per_user: usize, per_device: usize) -> Self {
        Self {
            per_user,
            per_device,
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
        if open.users.get(&user).copied().unwrap_or(0) >= self.per_user {
            return Err(TooManyConnections("user"));
        }
        if let Some(device) = device
            && open.devices.get(&device).copied().unwrap_or(0) >= self.per_device
        {
            return Err(TooManyConnections("device"));
        }
        *open.users.entry(user).or_default() += 1;
        if let Some(device) = device {
            *open.devices.entry(device).or_default() += 1;
        }
        Ok(Slot {
            slots: Arc::clone(self),
            user,
            device,
        })
    }

    /// Connections open for `user`.
    pub fn open_for_user(&self, user: Uuid) -> usize {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.users.get(&user).copied().unwrap_or(0)
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
        give_back(&mut open.users, self.user);
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
        let slots = Arc::new(Slots::new(3, 2));
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
}

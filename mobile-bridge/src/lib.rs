//! What a phone app embeds (DESIGN.md §2): the encrypted local store, typed
//! editing API and sync client driving [`alongside_shared::sync::Hub`] in the
//! initiating role. Built under issue 5; for now the crate only fixes its
//! place in the workspace.

-- Covering colleagues (DESIGN.md §1: "a covering colleague"). While a peer
-- is on leave or off shift, an administrator lets another peer of the
-- service write a participant's record ALONGSIDE the assigned peer: both
-- peers' devices hold it, edit it offline and merge. Ending the cover
-- tells the colleague's devices to purge it. The assigned peer keeps the
-- record throughout (unlike reassignment). Accompaniment logs follow their
-- participant record, as for the assigned peer.

CREATE TABLE coverage (
    participant  UUID NOT NULL REFERENCES document_access (document_id) ON DELETE CASCADE,
    peer_id      UUID NOT NULL REFERENCES users (id),
    granted_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (participant, peer_id)
);
CREATE INDEX coverage_by_peer ON coverage (peer_id);

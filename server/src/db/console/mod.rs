//! The supervisor console in SQL: its sessions (`console_sessions`), which
//! participants and peers a supervisor may see (the teams they belong to),
//! and the read models of its pages — the review queue, the team overview
//! and the accompaniment logs — read from the projection tables.
//!
//! Scoping is done here, in every query, by the supervisor's id: a page
//! cannot forget to filter. Times are returned as milliseconds since the
//! Unix epoch; idleness and expiry are compared in the database (`now()`).

mod accompaniments;
mod queue;
mod sessions;
mod team;

pub use accompaniments::AccompanimentLine;
pub use queue::{QueueRow, ReviewSummary};
pub use sessions::SessionRow;
pub use team::{DeviceSeen, PeerLoad, PeerRow};

/// Marks SQL built here as safe: only the constants of this module are
/// spliced into it (column expressions, the peers CTE); every value is a
/// bind parameter.
fn safe(sql: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(sql)
}

const MS: &str = "(extract(epoch FROM {}) * 1000)::int8";

fn ms(column: &str) -> String {
    MS.replace("{}", column)
}

/// The peers of the supervisor's teams, as a CTE named `peers`.
const PEERS_CTE: &str = "peers AS (
    SELECT DISTINCT u.id, u.username, u.display_name
    FROM team_members s
    JOIN team_members m ON m.team_id = s.team_id
    JOIN users u ON u.id = m.user_id AND u.role = 'peer'
    WHERE s.user_id = $1
)";

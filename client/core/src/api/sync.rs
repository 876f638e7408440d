//! Sync: rounds until nothing is left to send or receive. Changes are marked sent only when
//! the server acknowledges them, so a crash, a dropped connection or a lost answer at any
//! point only means the next round sends them again (the server stores each change once).
//! Being offline is a normal outcome, reported, not an error.
//!
//! The store is locked to prepare a round and to apply its answer, never while the round is
//! on the network: answers and edits made meanwhile go into the next round.

use tallschool_contract::Event;
use tallschool_contract::sync::{DocSummary, StoreStatus, SyncProgress, SyncReport};
use tallschool_shared::DocId;
use tallschool_shared::api::{ClassView, ResultsView};
use tallschool_shared::sync::{self, PROTOCOL_VERSION, SyncRequest, SyncResponse};

use crate::Core;
use crate::error::{ClientError, Result};
use crate::store::Applied;
use crate::{content, video_tests};

/// Changes sent in one round at most.
pub const MAX_CHANGES_PER_ROUND: usize = 2_000;

pub struct SyncService<'a> {
    pub(crate) core: &'a Core,
}

/// One round's request, ready to send.
pub struct Round {
    pub body: Vec<u8>,
    pub changes: usize,
    pub documents: usize,
    first_doc: Option<DocId>,
}

impl SyncService<'_> {
    /// Pending changes, refusals, the last sync, the cursor.
    pub fn status(&self) -> Result<StoreStatus> {
        self.core.store().status()
    }

    /// The documents on this device.
    pub fn documents(&self) -> Result<Vec<DocSummary>> {
        self.core.store().list()
    }

    /// A document's content as JSON.
    pub fn document(&self, doc: DocId) -> Result<serde_json::Value> {
        let mut store = self.core.store();
        let (meta, document) = super::must_exist(store.load(doc)?, doc)?;
        Ok(serde_json::json!({"meta": meta, "content": content::to_json(&document)}))
    }

    /// Put refused changes back in the queue.
    pub fn retry_rejected(&self) -> Result<u64> {
        self.core.store().retry_rejected()
    }

    /// Rounds until nothing is left; an [`Event::SyncRound`] after each, an
    /// [`Event::SyncFinished`] at the end. One sync runs at a time.
    pub async fn run(&self) -> Result<SyncReport> {
        let core = self.core;
        let _one_at_a_time = core.syncing().lock().await;
        let mut report = SyncReport::default();
        if core.signed_in().is_some() {
            let mut store = core.store();
            if store.pending_answers()? > 0 {
                report.answers_written = u64::try_from(store.end_session()?).unwrap_or(0);
            }
        }
        // After a round is refused as a whole (422), documents go one per round until the
        // one the server refuses is found and set aside, so the rest keeps syncing.
        let mut one_document = false;
        loop {
            let round = self.prepare(one_document)?;
            report.bytes_sent += u64::try_from(round.body.len()).unwrap_or(0);
            let response = match self.send(round.body).await {
                Ok(response) => response,
                Err(ClientError::Offline(_)) => {
                    report.offline = true;
                    break;
                }
                Err(ClientError::Server { status: 422, code, message }) => match round.first_doc {
                    Some(doc) if round.documents == 1 => {
                        core.store().refuse_locally(doc, &code, &message)?;
                        report.rejected_docs += 1;
                        continue;
                    }
                    Some(_) if !one_document => {
                        one_document = true;
                        continue;
                    }
                    _ => return Err(ClientError::Server { status: 422, code, message }),
                },
                // Kept for the app to show until an update: the device's work waits, whole.
                Err(ClientError::UpdateRequired(message)) => {
                    core.store().set(crate::store::UPDATE_REQUIRED, &message)?;
                    return Err(ClientError::UpdateRequired(message));
                }
                Err(error) => return Err(error),
            };
            let applied = self.apply(&response)?;
            report.rounds += 1;
            report.sent_changes += u64::try_from(round.changes).unwrap_or(0);
            report.acked_changes += applied.acked;
            report.received_changes += applied.received_changes;
            report.received_docs += applied.received_docs;
            report.rejected_docs += applied.rejected_docs;
            report.media_refused += applied.media_refusals;
            core.changed(&applied.changed);
            let pending = core.store().status()?.pending_changes;
            let progress = progress_after(report.rounds, pending, &response, applied.received_changes);
            core.emit(&Event::SyncRound { report: report.clone(), progress });
            if round.changes > 0 && applied.acked == 0 && applied.rejected_docs == 0 && pending > 0 {
                // Acknowledged before (an earlier answer was lost) — the server still says so:
                // the rows were already marked; anything else means the server ignores us.
                return Err(ClientError::Protocol(
                    "the server neither acknowledged nor refused the changes sent".to_owned(),
                ));
            }
            let nothing_sent = round.changes == 0;
            if !response.has_more && (nothing_sent || pending == 0) {
                break;
            }
            if report.rounds > 100_000 {
                return Err(ClientError::Protocol("sync does not converge".to_owned()));
            }
        }
        if !report.offline {
            core.store().set(crate::store::UPDATE_REQUIRED, "")?;
            self.after_rounds(&mut report).await?;
        }
        report.pending_after = core.store().status()?.pending_changes;
        core.emit(&Event::SyncFinished { report: report.clone() });
        Ok(report)
    }

    /// The next round's request: the cursor and the oldest pending changes.
    pub fn prepare_round(&self) -> Result<Round> {
        self.prepare(false)
    }

    fn prepare(&self, one_document: bool) -> Result<Round> {
        let store = self.core.store();
        let (cursor, epoch) = store.cursor()?;
        let removals_seen = Some(store.removals_seen()?);
        let outgoing = if one_document {
            store.outgoing_one_document(MAX_CHANGES_PER_ROUND)?
        } else {
            store.outgoing(MAX_CHANGES_PER_ROUND)?
        };
        let waiting = store.pending_changes()?.saturating_sub(outgoing.rows.len() as u64);
        drop(store);
        let first_doc = outgoing.push.first().map(|push| push.meta.id);
        let request =
            SyncRequest { protocol: PROTOCOL_VERSION, cursor, epoch, push: outgoing.push, waiting, removals_seen };
        let body = sync::encode(&request).map_err(|e| ClientError::Protocol(e.to_string()))?;
        Ok(Round { body, changes: outgoing.rows.len(), documents: request.push.len(), first_doc })
    }

    /// Send one round, refreshing the access token and backing off as needed.
    pub async fn send(&self, body: Vec<u8>) -> Result<SyncResponse> {
        self.core
            .with_token(|api, token| {
                let body = body.clone();
                async move { api.sync(&token, body).await }
            })
            .await
    }

    /// Apply a round's answer to the store (one transaction).
    pub fn apply(&self, response: &SyncResponse) -> Result<Applied> {
        self.core.store().apply(response)
    }

    /// After the documents: the classes' study settings, answer keys this teacher wrote
    /// offline, and graded results.
    async fn after_rounds(&self, report: &mut SyncReport) -> Result<()> {
        let core = self.core;
        match core.call::<Vec<ClassView>>(http::Method::GET, "/api/v1/me/classes", None).await {
            Ok(classes) => {
                let rows: Vec<_> = classes.iter().map(|c| (c.id.to_string(), c.name.clone(), c.study)).collect();
                core.store().save_classes(&rows)?;
            }
            Err(error) => report.warnings.push(format!("classes: {error}")),
        }
        let pending = video_tests::pending_keys(&core.store())?;
        for (test, keys) in pending {
            let Some(meta) = core.store().meta(test)? else { continue };
            let body = serde_json::json!({"test_id": test, "keys": keys});
            let path = format!("/api/v1/classes/{}/answer-keys", meta.class_id);
            match core.call::<serde_json::Value>(http::Method::PUT, &path, Some(&body)).await {
                Ok(_) => {
                    let questions: Vec<String> = keys.keys().cloned().collect();
                    video_tests::keys_delivered(&core.store(), test, &questions)?;
                    report.keys_delivered += questions.len() as u64;
                }
                Err(error) => report.warnings.push(format!("answer keys of {test}: {error}")),
            }
        }
        let user = core.user()?;
        let tests = {
            let mut store = core.store();
            if user.role == tallschool_shared::Role::Student {
                video_tests::tests_with_submissions(&mut store, user.id)?
            } else {
                video_tests::all_tests(&store)?
            }
        };
        for test in tests {
            match core.video_tests().fetch_results(test).await {
                Ok(results) => report.results_received += results.attempts.len() as u64,
                Err(error) => report.warnings.push(format!("results of {test}: {error}")),
            }
        }
        Ok(())
    }
}

/// Graded results of a test, as the server has them.
pub(crate) async fn results_of(core: &Core, test: DocId) -> Result<ResultsView> {
    let meta = super::must_exist(core.store().meta(test)?, test)?;
    let path = format!("/api/v1/classes/{}/results?test_id={test}", meta.class_id);
    core.call(http::Method::GET, &path, None).await
}

/// Where a sync stands after `round`: changes left each way, and the rounds they should take
/// (sent `MAX_CHANGES_PER_ROUND` at a time, received a page like this round's at a time).
fn progress_after(round: u64, to_send: u64, response: &SyncResponse, received: u64) -> SyncProgress {
    let to_receive = if response.has_more { response.remaining_changes } else { 0 };
    let sending = to_send.div_ceil(MAX_CHANGES_PER_ROUND as u64);
    let receiving = if response.has_more { to_receive.div_ceil(received.max(1)).max(1) } else { 0 };
    SyncProgress { round, rounds_expected: round + sending.max(receiving), to_send, to_receive }
}

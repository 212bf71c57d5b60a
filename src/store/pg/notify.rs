//! Followers on a shared store: one `LISTEN` connection per process, and each notification
//! (`pg_notify('codex_threads', thread_id)`, sent by whatever wrote new lines or an edit) wakes
//! the followers of that thread. No polling.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::AsyncMessage;

use crate::protocol::ThreadId;

/// The channel every writer notifies on, with the thread id as the payload.
pub const CHANNEL: &str = "codex_threads";

type Subscribers = Arc<Mutex<HashMap<ThreadId, Vec<(u64, mpsc::Sender<()>)>>>>;

pub(super) struct Listener {
    subscribers: Subscribers,
    next_id: Mutex<u64>,
    /// Kept so that the connection stays open.
    _client: tokio_postgres::Client,
}

impl Listener {
    pub async fn start(
        config: &super::connect::StoreConfig,
    ) -> Result<Arc<Listener>, tokio_postgres::Error> {
        // The same TLS as the pool's connections.
        let (client, mut connection) = config.pg.connect(config.tls.clone()).await?;
        let subscribers: Subscribers = Arc::default();
        let dispatch = subscribers.clone();
        tokio::spawn(async move {
            let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(message) = messages.next().await {
                match message {
                    Ok(AsyncMessage::Notification(note)) => {
                        let Ok(id) = note.payload().parse::<ThreadId>() else {
                            continue;
                        };
                        let mut subscribers = dispatch.lock().unwrap_or_else(|e| e.into_inner());
                        if let Some(list) = subscribers.get_mut(&id) {
                            // A full channel already holds a pending wake-up.
                            list.retain(|(_, wake)| {
                                !matches!(
                                    wake.try_send(()),
                                    Err(mpsc::error::TrySendError::Closed(()))
                                )
                            });
                        }
                    }
                    Ok(_) => {}
                    Err(err) => {
                        tracing::warn!(%err, "store notifications stopped");
                        break;
                    }
                }
            }
        });
        client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
        Ok(Arc::new(Listener {
            subscribers,
            next_id: Mutex::new(0),
            _client: client,
        }))
    }

    pub fn subscribe(
        self: &Arc<Self>,
        thread_id: ThreadId,
        wake: mpsc::Sender<()>,
    ) -> Subscription {
        let id = {
            let mut next = self.next_id.lock().unwrap_or_else(|e| e.into_inner());
            *next += 1;
            *next
        };
        self.subscribers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(thread_id)
            .or_default()
            .push((id, wake));
        Subscription {
            listener: self.clone(),
            thread_id,
            id,
        }
    }
}

/// Ends its follower's subscription when dropped.
pub(super) struct Subscription {
    listener: Arc<Listener>,
    thread_id: ThreadId,
    id: u64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut subscribers = self
            .listener
            .subscribers
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(list) = subscribers.get_mut(&self.thread_id) {
            list.retain(|(id, _)| *id != self.id);
            if list.is_empty() {
                subscribers.remove(&self.thread_id);
            }
        }
    }
}

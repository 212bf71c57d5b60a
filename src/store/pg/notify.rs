//! Followers on a shared store: one `LISTEN` connection per process, and each notification
//! (`pg_notify('codex_threads', thread_id)`, sent by whatever wrote new lines or an edit) wakes
//! the followers of that thread. No polling.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::AsyncMessage;

use crate::protocol::ThreadId;

/// The channel every writer notifies on, with the thread id as the payload.
pub const CHANNEL: &str = "codex_threads";

type Subscribers = Arc<Mutex<HashMap<ThreadId, Vec<(u64, mpsc::Sender<()>)>>>>;

/// After the `LISTEN` connection is lost, the first retry waits this long, each next one twice
/// as long, up to `RETRY_LONGEST`.
const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_LONGEST: Duration = Duration::from_secs(5);

pub(super) struct Listener {
    subscribers: Subscribers,
    next_id: Mutex<u64>,
    /// Holds the connection and brings it back when it is lost; ends with the listener.
    task: tokio::task::JoinHandle<()>,
}

impl Listener {
    /// Connects and listens. If the connection is lost later (a server restart, a network
    /// blip), it is made again, and every follower is woken once it is back, to read what was
    /// written meanwhile.
    pub async fn start(
        config: &super::connect::StoreConfig,
    ) -> Result<Arc<Listener>, tokio_postgres::Error> {
        let first = listen(config).await?;
        let subscribers: Subscribers = Arc::default();
        let task = tokio::spawn(keep_listening(config.clone(), first, subscribers.clone()));
        Ok(Arc::new(Listener {
            subscribers,
            next_id: Mutex::new(0),
            task,
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

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A `LISTEN` session: the client (which keeps the connection open) and its messages.
type Session = (
    tokio_postgres::Client,
    std::pin::Pin<
        Box<dyn futures::Stream<Item = Result<AsyncMessage, tokio_postgres::Error>> + Send>,
    >,
);

async fn listen(config: &super::connect::StoreConfig) -> Result<Session, tokio_postgres::Error> {
    // The same TLS as the pool's connections.
    let (client, mut connection) = config.pg.connect(config.tls.clone()).await?;
    let mut messages: std::pin::Pin<Box<dyn futures::Stream<Item = _> + Send>> =
        Box::pin(futures::stream::poll_fn(move |cx| {
            connection.poll_message(cx)
        }));
    // The connection makes progress only while its messages are polled: poll them while
    // `LISTEN` is sent, and keep any notification that comes first.
    let early = {
        let statement = format!("LISTEN {CHANNEL}");
        let listen = client.batch_execute(&statement);
        tokio::pin!(listen);
        let mut early = Vec::new();
        loop {
            tokio::select! {
                done = &mut listen => {
                    done?;
                    break;
                }
                Some(message) = messages.next() => early.push(message),
            }
        }
        early
    };
    let messages = Box::pin(futures::stream::iter(early).chain(messages));
    Ok((client, messages))
}

async fn keep_listening(
    config: super::connect::StoreConfig,
    first: Session,
    subscribers: Subscribers,
) {
    let mut session = Some(first);
    let mut retry = RETRY_FIRST;
    loop {
        let (_client, mut messages) = match session.take() {
            Some(session) => session,
            None => match listen(&config).await {
                Ok(session) => {
                    tracing::info!("store notifications are back");
                    retry = RETRY_FIRST;
                    // Lines may have come while nobody listened.
                    wake_all(&subscribers);
                    session
                }
                Err(err) => {
                    tracing::debug!(%err, ?retry, "store notifications: retrying");
                    tokio::time::sleep(retry).await;
                    retry = (retry * 2).min(RETRY_LONGEST);
                    continue;
                }
            },
        };
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(note)) => {
                    if let Ok(id) = note.payload().parse::<ThreadId>() {
                        wake(&subscribers, Some(id));
                    }
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(%err, "store notifications lost; reconnecting");
                    break;
                }
            }
        }
    }
}

fn wake_all(subscribers: &Subscribers) {
    wake(subscribers, None);
}

/// Wakes the followers of `thread` (of every thread for `None`), forgetting those gone.
fn wake(subscribers: &Subscribers, thread: Option<ThreadId>) {
    let mut subscribers = subscribers.lock().unwrap_or_else(|e| e.into_inner());
    for (id, list) in subscribers.iter_mut() {
        if thread.is_some_and(|thread| thread != *id) {
            continue;
        }
        // A full channel already holds a pending wake-up.
        list.retain(|(_, wake)| {
            !matches!(
                wake.try_send(()),
                Err(mpsc::error::TrySendError::Closed(()))
            )
        });
    }
}

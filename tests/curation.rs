//! Sections, pins and projects through the one metadata path, `update_thread_metadata`, on a
//! live and a cold thread, for the local store (a home with Codex's own state DB) and the
//! in-memory store; and the one rule for archived threads.

mod common;

use std::sync::Arc;

use codex_threads::manager::ThreadManager;
use codex_threads::protocol::ThreadId;
use codex_threads::store::local::{LocalStoreOptions, LocalThreadStore};
use codex_threads::store::memory::InMemoryThreadStore;
use codex_threads::store::*;
use common::{SchemaVariant, TestHome, ThreadSpec};
use serde_json::Value;

const PROJECT: &str = "01a25100-0000-7000-8000-000000000001";

fn local_home(threads: usize) -> (TestHome, Vec<ThreadId>) {
    let home = TestHome::new();
    home.create_state_db(SchemaVariant::Current);
    let ids = (0..threads)
        .map(|i| {
            home.add_indexed_thread(&ThreadSpec::new().turn(&format!("thread {i}"), "ok"))
                .id
        })
        .collect();
    home.open_state_db()
        .execute(
            "INSERT INTO projects (id, name, metadata, position, created_at_ms, updated_at_ms) \
             VALUES (?1, 'Proj', '{}', 0, 1, 1)",
            [PROJECT],
        )
        .unwrap();
    (home, ids)
}

fn local_manager(home: &TestHome) -> ThreadManager {
    ThreadManager::new(Arc::new(LocalThreadStore::open(
        home.path(),
        LocalStoreOptions::default(),
    )))
}

fn memory_manager(threads: usize) -> (ThreadManager, Vec<ThreadId>) {
    let store = InMemoryThreadStore::new();
    let ids = (0..threads)
        .map(|i| {
            let id = ThreadId::new();
            let mut meta = StoredThread::blank(id, codex_threads::protocol::time::now_millis());
            meta.preview = format!("thread {i}");
            store.insert_thread(meta, Vec::new());
            id
        })
        .collect();
    store.insert_project(Project {
        id: PROJECT.into(),
        name: "Proj".into(),
        roots: vec!["/work".into()],
    });
    (ThreadManager::new(Arc::new(store)), ids)
}

async fn read(manager: &ThreadManager, id: ThreadId) -> StoredThread {
    manager
        .read_thread(ReadThreadParams {
            thread_id: id,
            include_archived: true,
            include_history: false,
        })
        .await
        .unwrap()
}

fn into(section: &str, before: Option<ThreadId>) -> ThreadMetadataPatch {
    ThreadMetadataPatch::move_to_section(SectionMove::into_section(section, before))
}

async fn section_order(manager: &ThreadManager, section: &str) -> Vec<ThreadId> {
    let mut threads = manager
        .list_threads(ListThreadsParams {
            page_size: 0,
            section_id: Some(section.to_string()),
            ..Default::default()
        })
        .await
        .unwrap()
        .items;
    listing::sort_by_section_position(&mut threads);
    threads.iter().map(|thread| thread.thread_id).collect()
}

/// The checks every store passes, on `ids[0]` (live when `live`) and the cold others.
async fn curation_through_the_one_path(manager: &ThreadManager, ids: &[ThreadId]) {
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    let sections = manager.list_sections().await.unwrap();
    assert_eq!(sections, [ThreadSection::pinned()]);
    let work = manager.create_section("Work").await.unwrap();
    let twin = manager.create_section(" Work ").await.unwrap();
    assert_eq!(twin.name, "Work");
    assert!(
        manager
            .resolve_section("Work")
            .await
            .unwrap_err()
            .to_string()
            .contains(&twin.id)
    );
    // Pin (live and cold), then a move into a section takes the pin away.
    for id in [a, b] {
        let pinned = manager
            .update_thread_metadata(
                id,
                ThreadMetadataPatch::move_to_section(SectionMove::pin()),
                false,
            )
            .await
            .unwrap();
        assert!(pinned.pinned());
    }
    assert_eq!(section_order(manager, PINNED_SECTION_ID).await, [a, b]);
    for (id, before) in [(b, None), (c, None), (a, Some(b))] {
        manager
            .update_thread_metadata(id, into(&work.id, before), false)
            .await
            .unwrap();
    }
    assert_eq!(section_order(manager, &work.id).await, [a, b, c]);
    assert!(!read(manager, a).await.pinned());
    let placed = read(manager, a).await.section.unwrap();
    assert_eq!(
        (placed.section.name.as_str(), placed.position),
        ("Work", 500_000)
    );
    // Within the section, to the end; out of it.
    manager
        .update_thread_metadata(a, into(&work.id, None), false)
        .await
        .unwrap();
    assert_eq!(section_order(manager, &work.id).await, [b, c, a]);
    let out = manager
        .update_thread_metadata(
            c,
            ThreadMetadataPatch::move_to_section(SectionMove::out()),
            false,
        )
        .await
        .unwrap();
    assert_eq!(out.section, None);
    // A thread to go before must be in the section; an unknown section is refused.
    let error = manager
        .update_thread_metadata(b, into(&work.id, Some(c)), false)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("not in that section"), "{error}");
    assert!(
        manager
            .update_thread_metadata(b, into("no-such-section", None), false)
            .await
            .is_err()
    );
    // Rename shows on the threads; deleting takes them out; Pinned is refused both.
    manager.rename_section(&work.id, "Now").await.unwrap();
    assert_eq!(read(manager, b).await.section.unwrap().section.name, "Now");
    assert!(
        manager
            .rename_section(PINNED_SECTION_ID, "x")
            .await
            .is_err()
    );
    assert!(manager.delete_section(PINNED_SECTION_ID).await.is_err());
    manager.delete_section(&work.id).await.unwrap();
    assert_eq!(read(manager, b).await.section, None);
    assert_eq!(
        manager.list_sections().await.unwrap(),
        [ThreadSection::pinned(), twin.clone()]
    );
    // Projects: set (live and cold), filter, clear.
    for id in [a, c] {
        let set = manager
            .update_thread_metadata(
                id,
                ThreadMetadataPatch::project(Some(PROJECT.into())),
                false,
            )
            .await
            .unwrap();
        assert_eq!(set.project.unwrap().name, "Proj");
    }
    let listed = manager
        .list_threads(ListThreadsParams {
            page_size: 0,
            project_id: Some(PROJECT.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 2);
    let cleared = manager
        .update_thread_metadata(a, ThreadMetadataPatch::project(None), false)
        .await
        .unwrap();
    assert_eq!(cleared.project, None);
    assert!(
        manager
            .update_thread_metadata(a, ThreadMetadataPatch::project(Some("nope".into())), false)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn local_store_live_and_cold_threads_in_codex_terms() {
    let (home, ids) = local_home(3);
    let manager = local_manager(&home);
    let live = manager
        .resume_thread(ResumeThreadParams {
            thread_id: ids[0],
            rollout_path: None,
            history: None,
            include_archived: false,
            event_persistence_mode: EventPersistenceMode::Limited,
        })
        .await
        .unwrap();
    let before: Vec<Value> = ids
        .iter()
        .map(|id| home.state_db_row(*id).unwrap())
        .collect();
    curation_through_the_one_path(&manager, &ids).await;
    // Where Codex keeps them: the DB row, as its app server writes it.
    let row = home.state_db_row(ids[1]).unwrap();
    assert_eq!(row["thread_section_id"], Value::Null);
    let row = home.state_db_row(ids[2]).unwrap();
    assert_eq!(row["project_id"], PROJECT);
    assert_eq!(row["is_pinned"], 0, "Codex no longer reads is_pinned");
    // Section moves leave updated_at alone, as Codex's do (b had only section edits).
    assert_eq!(
        home.state_db_row(ids[1]).unwrap()["updated_at_ms"],
        before[1]["updated_at_ms"]
    );
    // Nothing went into a rollout.
    let lines =
        std::fs::read_to_string(read(&manager, ids[1]).await.rollout_path.unwrap()).unwrap();
    assert!(!lines.contains("section"));
    drop(live);
}

#[tokio::test]
async fn in_memory_store_live_and_cold_threads_in_codex_terms() {
    let (manager, mut ids) = memory_manager(2);
    let live = manager
        .start_thread(CreateThreadParams::new(ThreadId::new(), "/work"))
        .await
        .unwrap();
    // Listed like the others: Codex lists a thread once it has a preview.
    let preview = ThreadMetadataPatch {
        preview: Some("live thread".into()),
        ..Default::default()
    };
    live.update_metadata(preview, false).await.unwrap();
    ids.insert(0, live.thread_id());
    curation_through_the_one_path(&manager, &ids).await;
}

#[tokio::test]
async fn positions_are_spaced_out_again_when_no_integer_is_left() {
    let (home, ids) = local_home(3);
    let manager = local_manager(&home);
    let work = manager.create_section("Work").await.unwrap();
    for id in &ids[..2] {
        manager
            .update_thread_metadata(*id, into(&work.id, None), false)
            .await
            .unwrap();
    }
    home.open_state_db()
        .execute_batch(&format!(
            "UPDATE threads SET section_position = 4 WHERE id = '{}';
             UPDATE threads SET section_position = 5 WHERE id = '{}';",
            ids[0], ids[1]
        ))
        .unwrap();
    manager
        .update_thread_metadata(ids[2], into(&work.id, Some(ids[1])), false)
        .await
        .unwrap();
    assert_eq!(
        section_order(&manager, &work.id).await,
        [ids[0], ids[2], ids[1]]
    );
    assert_eq!(
        home.state_db_row(ids[0]).unwrap()["section_position"],
        1_000_000
    );
}

/// Codex refuses a name or a memory mode on an archived thread and accepts a pin or a project;
/// so does every caller of the manager, whatever it passes as `include_archived`.
#[tokio::test]
async fn archived_threads_follow_codexs_one_rule() {
    let (home, ids) = local_home(1);
    let local = local_manager(&home);
    let (memory, memory_ids) = memory_manager(1);
    for (manager, id) in [(&local, ids[0]), (&memory, memory_ids[0])] {
        manager.archive_thread(id).await.unwrap();
        for include_archived in [false, true] {
            for patch in [
                ThreadMetadataPatch::rename(Some("n".into())),
                ThreadMetadataPatch::memory_mode(
                    codex_threads::protocol::ThreadMemoryMode::Disabled,
                ),
            ] {
                let error = manager
                    .update_thread_metadata(id, patch, include_archived)
                    .await
                    .unwrap_err()
                    .to_string();
                assert!(error.contains("unarchive"), "{error}");
            }
        }
        let pinned = manager
            .update_thread_metadata(
                id,
                ThreadMetadataPatch::move_to_section(SectionMove::pin()),
                false,
            )
            .await
            .unwrap();
        assert!(pinned.pinned() && pinned.archived);
        let set = manager
            .update_thread_metadata(
                id,
                ThreadMetadataPatch::project(Some(PROJECT.into())),
                false,
            )
            .await
            .unwrap();
        assert!(set.project.is_some());
        assert_eq!(read(manager, id).await.name, None);
    }
}

#[tokio::test]
async fn a_home_without_projects_or_a_state_db_refuses_in_one_line() {
    let home = TestHome::new();
    let id = home.add_thread(&ThreadSpec::new().turn("x", "y")).id;
    let manager = local_manager(&home);
    for patch in [
        ThreadMetadataPatch::move_to_section(SectionMove::pin()),
        ThreadMetadataPatch::project(None),
    ] {
        let error = manager
            .update_thread_metadata(id, patch, false)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("no state DB") && !error.contains('\n'),
            "{error}"
        );
    }
    assert!(manager.list_sections().await.is_err());
    // The shared store refuses them explicitly too (see pg::update_thread_metadata).
}

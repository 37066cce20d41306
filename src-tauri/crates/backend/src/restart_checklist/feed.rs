//! The checklist kept current: following starts with `follow`, every change of the presence or the
//! supervisor's state moves it on, and each new checklist is emitted as `restart://checklist`.

use std::sync::{Mutex, PoisonError};

use std::sync::Arc;

use super::{ManualChecklist, ManualRestart};
use crate::Backend;
use crate::state::AppState;

/// The restart by hand being followed (the backend's); None until the Restart screen first opens.
#[derive(Default)]
pub struct Checklist {
    followed: Mutex<Option<ManualRestart>>,
}

impl Checklist {
    /// Starts following (or goes on with the restart already followed, unless it finished).
    pub fn follow(&self, state: &AppState) -> ManualChecklist {
        let mut followed = self.followed.lock().unwrap_or_else(PoisonError::into_inner);
        let restart = match *followed {
            Some(restart) if !restart.finished() => restart,
            _ => ManualRestart::start(&state.presence.borrow(), &state.supervisor.state()),
        };
        *followed = Some(restart);
        restart.checklist()
    }

    /// "I restarted Gateway": the session coming back now ends the restart.
    pub fn user_restarted(&self) {
        if let Some(restart) = self
            .followed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            restart.user_restarted();
        }
    }

    /// Moves the followed restart on with `see`; the new checklist when it changed.
    fn update(&self, see: impl FnOnce(&mut ManualRestart)) -> Option<ManualChecklist> {
        let mut followed = self.followed.lock().unwrap_or_else(PoisonError::into_inner);
        let restart = followed.as_mut()?;
        let before = *restart;
        see(restart);
        (*restart != before).then(|| restart.checklist())
    }
}

/// Moves the followed restart on with every presence and supervisor change, until the app ends.
pub async fn run(backend: Arc<Backend>) {
    let state = &backend.state;
    let checklist = &backend.checklist;
    let mut session = state.supervisor.watch();
    let mut presence = state.presence.subscribe();
    loop {
        let changed = tokio::select! {
            changed = session.changed() => match changed {
                Ok(()) => checklist.update(|r| r.see_state(&session.borrow_and_update())),
                Err(_) => return,
            },
            changed = presence.changed() => match changed {
                Ok(()) => checklist.update(|r| r.see_presence(&presence.borrow_and_update())),
                Err(_) => return,
            },
        };
        if let Some(next) = changed {
            backend.emit(crate::events::RESTART_CHECKLIST, next);
        }
    }
}

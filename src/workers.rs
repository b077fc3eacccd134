//! Jobs done on worker threads and taken back in the order they were sent.
//!
//! The one machinery behind every "read on one thread, work on several, write in order"
//! loop: the bulk build's rows ([`crate::pipeline::parallel`]) and the tiler's feature texts
//! (`write::tiles::ahead`). The caller sends jobs ([`Ordered::send`]); the workers take them
//! from one queue, each with its own state, and hand them back on one channel; the caller
//! takes them back strictly in sending order ([`Ordered::next`]), so what it makes of them
//! is the same for any number of workers. At most [`Ordered::in_flight`] jobs are out at
//! once ([`Ordered::has_room`]), so memory stays bounded. A worker's panic is caught and met
//! as an [`Error::Internal`] at its job's place in the order; workers that stopped early are
//! an error too, never a silent end of input. With no worker ([`Ordered::inline`]) each job
//! is done on the calling thread as it is sent, by the same rules.

use std::collections::BTreeMap;
use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::{Scope, ScopedJoinHandle};

use crate::error::Error;

/// The message of a thread's panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message")
}

/// A job done, or the message of the panic that stopped it.
type Done<J> = Result<J, String>;

/// Do `job` with `state`, catching a panic.
fn run_caught<J, W>(run: fn(&mut W, &mut J), state: &mut W, mut job: J) -> Done<J> {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(state, &mut job)));
    match result {
        Ok(()) => Ok(job),
        Err(payload) => Err(panic_message(payload.as_ref()).to_owned()),
    }
}

/// A worker: do jobs from `queue` until it closes, each handed back on `done`; it stops
/// after a panic, and hands back its state.
fn work<J, W>(
    mut state: W,
    run: fn(&mut W, &mut J),
    queue: &Mutex<Receiver<(u64, J)>>,
    done: &Sender<(u64, Done<J>)>,
) -> W {
    loop {
        let job = match queue.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return state, // another worker panicked holding the queue
        };
        let Ok((seq, job)) = job else {
            return state;
        };
        let result = run_caught(run, &mut state, job);
        let panicked = result.is_err();
        if done.send((seq, result)).is_err() || panicked {
            return state;
        }
    }
}

/// Jobs sent to workers, taken back in sending order.
pub struct Ordered<J, W> {
    /// The workers' queue; `None` once closed, or without workers.
    jobs: Option<Sender<(u64, J)>>,
    done: Receiver<(u64, Done<J>)>,
    /// Without workers: the state jobs are done with, on the calling thread.
    inline: Option<W>,
    run: fn(&mut W, &mut J),
    /// Jobs back ahead of their turn.
    ready: BTreeMap<u64, Done<J>>,
    /// The number of the next job to send, and of the next to take back.
    sent: u64,
    taken: u64,
    /// At most this many jobs out at once (sent and not taken back).
    pub in_flight: u64,
    /// What the workers are called in errors ("build thread").
    who: &'static str,
}

impl<J: Send, W: Send> Ordered<J, W> {
    /// One worker thread per state in `states`, spawned in `scope`, each doing `run` on the
    /// jobs it takes; the states come back from the handles once the [`Ordered`] is closed
    /// (or dropped) and the queue is empty. `who` names a worker in errors.
    pub fn on_threads<'scope>(
        scope: &'scope Scope<'scope, '_>,
        states: Vec<W>,
        run: fn(&mut W, &mut J),
        who: &'static str,
    ) -> (Self, Vec<ScopedJoinHandle<'scope, W>>)
    where
        J: 'scope,
        W: 'scope,
    {
        let (jobs, queue) = channel::<(u64, J)>();
        let (done_tx, done) = channel();
        let queue = Arc::new(Mutex::new(queue));
        let workers = states.len() as u64;
        let handles = states
            .into_iter()
            .map(|state| {
                let queue = Arc::clone(&queue);
                let done_tx = done_tx.clone();
                scope.spawn(move || work(state, run, &queue, &done_tx))
            })
            .collect();
        let ordered = Ordered {
            jobs: Some(jobs),
            done,
            inline: None,
            run,
            ready: BTreeMap::new(),
            sent: 0,
            taken: 0,
            in_flight: 2 * workers + 2,
            who,
        };
        (ordered, handles)
    }
}

impl<J, W> Ordered<J, W> {
    /// No worker thread: each job is done with `state` on the calling thread when sent.
    pub fn inline(state: W, run: fn(&mut W, &mut J), who: &'static str) -> Self {
        let (_, done) = channel();
        Ordered {
            jobs: None,
            done,
            inline: Some(state),
            run,
            ready: BTreeMap::new(),
            sent: 0,
            taken: 0,
            in_flight: 2,
            who,
        }
    }

    /// Whether another job may be sent before one is taken back.
    pub fn has_room(&self) -> bool {
        self.sent - self.taken < self.in_flight
    }

    /// Whether every job sent has been taken back.
    pub fn is_idle(&self) -> bool {
        self.sent == self.taken
    }

    /// Hand `job` to a worker (or do it now, without workers).
    pub fn send(&mut self, job: J) {
        let seq = self.sent;
        self.sent += 1;
        if let Some(state) = &mut self.inline {
            let done = run_caught(self.run, state, job);
            self.ready.insert(seq, done);
        } else if let Some(jobs) = &self.jobs {
            // A worker that stopped early handed back its job with its panic, met in turn;
            // if all stopped, `next` says so.
            let _ = jobs.send((seq, job));
        }
        // Sent after `close`: never handed back, and `next` says so.
    }

    /// The next job in sending order: waiting for it with `wait`, else only if it is back
    /// already. `None` when no job is out (or, without `wait`, the next is not back yet).
    /// An error when its worker panicked, or the workers stopped before handing it back.
    pub fn next(&mut self, wait: bool) -> Result<Option<J>, Error> {
        if self.is_idle() {
            return Ok(None);
        }
        loop {
            if let Some(done) = self.ready.remove(&self.taken) {
                self.taken += 1;
                return done
                    .map(Some)
                    .map_err(|m| Error::Internal(format!("a {} panicked: {m}", self.who)));
            }
            let received = if wait {
                self.done.recv().ok()
            } else {
                match self.done.try_recv() {
                    Ok(back) => Some(back),
                    Err(TryRecvError::Empty) => return Ok(None),
                    Err(TryRecvError::Disconnected) => None,
                }
            };
            let Some((seq, done)) = received else {
                return Err(Error::Internal(format!(
                    "the {}s stopped before the end of the input",
                    self.who
                )));
            };
            self.ready.insert(seq, done);
        }
    }

    /// Close the queue: the workers stop once it is empty.
    pub fn close(&mut self) {
        self.jobs = None;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    /// Square the number; panic on 13; the state counts the jobs a worker did.
    fn square(done: &mut usize, job: &mut u64) {
        *done += 1;
        if *job == 13 {
            panic!("unlucky {job}");
        }
        // Uneven work, so jobs come back out of order.
        std::thread::sleep(std::time::Duration::from_micros((*job * 7919) % 300));
        *job *= *job;
    }

    /// Send 0..n, taking back as room runs out; what came back, in order, and the error.
    fn drive(p: &mut Ordered<u64, usize>, n: u64) -> (Vec<u64>, Option<String>) {
        let mut out = Vec::new();
        let mut take = |p: &mut Ordered<u64, usize>, wait| -> Result<bool, Error> {
            match p.next(wait)? {
                Some(v) => {
                    out.push(v);
                    Ok(true)
                }
                None => Ok(false),
            }
        };
        let mut failed = None;
        let mut i = 0;
        let result: Result<(), Error> = (|| {
            while i < n {
                if p.has_room() {
                    p.send(i);
                    i += 1;
                    while take(p, false)? {}
                } else {
                    take(p, true)?;
                }
                assert!(p.sent - p.taken <= p.in_flight);
            }
            while take(p, true)? {}
            Ok(())
        })();
        if let Err(e) = result {
            failed = Some(e.to_string());
        }
        (out, failed)
    }

    #[test]
    fn jobs_come_back_in_sending_order_for_any_number_of_workers() {
        let want: Vec<u64> = (0..200u64).filter(|&i| i != 13).map(|i| i * i).collect();
        for workers in [1, 2, 3, 8] {
            let (out, states) = std::thread::scope(|s| {
                let (mut p, handles) = Ordered::on_threads(s, vec![0; workers], square, "worker");
                let mut out = Vec::new();
                for i in (0..200u64).filter(|&i| i != 13) {
                    while !p.has_room() {
                        out.push(p.next(true).unwrap().unwrap());
                    }
                    p.send(i);
                }
                while let Some(v) = p.next(true).unwrap() {
                    out.push(v);
                }
                p.close();
                let states: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
                (out, states)
            });
            assert_eq!(out, want, "{workers} workers");
            assert_eq!(states.iter().sum::<usize>(), 199, "{workers} workers");
        }
    }

    #[test]
    fn a_panic_is_met_at_its_place_in_the_order() {
        for workers in [0, 1, 3] {
            let (out, failed) = std::thread::scope(|s| {
                let mut p = if workers == 0 {
                    Ordered::inline(0, square, "worker")
                } else {
                    Ordered::on_threads(s, vec![0; workers], square, "worker").0
                };
                let r = drive(&mut p, 40);
                p.close();
                r
            });
            let want: Vec<u64> = (0..13u64).map(|i| i * i).collect();
            assert_eq!(out, want, "{workers} workers");
            assert_eq!(
                failed.as_deref(),
                Some("internal error: a worker panicked: unlucky 13")
            );
        }
    }

    #[test]
    fn workers_that_stopped_early_are_an_error_not_an_end() {
        // Every worker panics on its first job and stops: the jobs after are never done.
        fn boom(_: &mut (), _: &mut u64) {
            panic!("boom");
        }
        std::thread::scope(|s| {
            let (mut p, _) = Ordered::on_threads(s, vec![(); 2], boom, "worker");
            for i in 0..4 {
                p.send(i);
            }
            p.close();
            let mut errors = Vec::new();
            while !p.is_idle() {
                match p.next(true) {
                    Err(e) => errors.push(e.to_string()),
                    Ok(v) => panic!("a job came back: {v:?}"),
                }
                if errors.len() > 4 {
                    break;
                }
            }
            assert_eq!(errors[0], "internal error: a worker panicked: boom");
            assert!(
                errors.iter().any(|e| e.contains("stopped before the end")),
                "{errors:?}"
            );
        });
    }

    #[test]
    fn inline_jobs_are_done_when_sent() {
        let mut p = Ordered::inline(0, square, "worker");
        p.send(3);
        p.send(4);
        assert!(!p.has_room());
        assert_eq!(p.next(false).unwrap(), Some(9));
        assert_eq!(p.next(false).unwrap(), Some(16));
        assert_eq!(p.next(false).unwrap(), None);
        assert!(p.is_idle());
    }
}

//! Measuring the assistant against a set of questions with known sources: hit rate at 1 and 3 for the
//! answerable ones, correct refusals for the rest, and answer time.

use std::fmt;

use egov_core::Lang;
use egov_core::assist::{Outcome, Question};
use serde::{Deserialize, Serialize};

use crate::Assistant;

#[derive(Debug, Deserialize)]
pub struct EvalSet {
    #[serde(default)]
    pub about: String,
    pub questions: Vec<EvalQuestion>,
}

#[derive(Debug, Deserialize)]
pub struct EvalQuestion {
    pub id: String,
    pub lang: Lang,
    pub question: String,
    /// Item keys any of which is a right source; empty: the assistant should decline.
    pub expect: Vec<String>,
}

/// One question that went wrong, for the report.
#[derive(Debug, Serialize)]
pub struct Miss {
    pub id: String,
    pub question: String,
    pub expected: Vec<String>,
    pub outcome: &'static str,
    pub cited: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct EvalReport {
    pub answerable: usize,
    pub hit_at_1: usize,
    pub hit_at_3: usize,
    pub unanswerable: usize,
    pub refused: usize,
    pub median_us: u64,
    pub p95_us: u64,
    pub max_us: u64,
    pub misses: Vec<Miss>,
}

impl EvalReport {
    fn share(n: usize, of: usize) -> f64 {
        if of == 0 { 1.0 } else { n as f64 / of as f64 }
    }
    pub fn hit_rate_at_1(&self) -> f64 {
        Self::share(self.hit_at_1, self.answerable)
    }
    pub fn hit_rate_at_3(&self) -> f64 {
        Self::share(self.hit_at_3, self.answerable)
    }
    pub fn refusal_rate(&self) -> f64 {
        Self::share(self.refused, self.unanswerable)
    }
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "answerable questions:   {:>3}  expected source first: {} ({:.1}%), among the cited (≤3): {} ({:.1}%)",
            self.answerable,
            self.hit_at_1,
            100.0 * self.hit_rate_at_1(),
            self.hit_at_3,
            100.0 * self.hit_rate_at_3()
        )?;
        writeln!(
            f,
            "unanswerable questions: {:>3}  declined: {} ({:.1}%)",
            self.unanswerable,
            self.refused,
            100.0 * self.refusal_rate()
        )?;
        writeln!(
            f,
            "answer time: median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
            self.median_us as f64 / 1000.0,
            self.p95_us as f64 / 1000.0,
            self.max_us as f64 / 1000.0
        )?;
        for m in &self.misses {
            writeln!(
                f,
                "  miss {}: {:?} → {} citing {:?} (expected {:?})",
                m.id, m.question, m.outcome, m.cited, m.expected
            )?;
        }
        Ok(())
    }
}

/// Asks every question of `set` and scores the answers.
pub async fn evaluate(assistant: &Assistant, set: &EvalSet) -> EvalReport {
    let mut report = EvalReport::default();
    let mut times = Vec::new();
    for q in &set.questions {
        let answer = assistant
            .answer(&Question {
                text: q.question.clone(),
                lang: q.lang,
            })
            .await;
        times.push(answer.took_us);
        let cited: Vec<String> = answer.sources.iter().map(|s| s.key.clone()).collect();
        let right = |k: &String| q.expect.contains(k);
        let ok = if q.expect.is_empty() {
            report.unanswerable += 1;
            let declined = answer.outcome != Outcome::Answered;
            report.refused += usize::from(declined);
            declined
        } else {
            report.answerable += 1;
            let answered = answer.outcome == Outcome::Answered;
            let first = answered && cited.first().is_some_and(right);
            let any = answered && cited.iter().take(3).any(right);
            report.hit_at_1 += usize::from(first);
            report.hit_at_3 += usize::from(any);
            any
        };
        if !ok {
            report.misses.push(Miss {
                id: q.id.clone(),
                question: q.question.clone(),
                expected: q.expect.clone(),
                outcome: answer.outcome.as_str(),
                cited,
            });
        }
    }
    times.sort_unstable();
    let at = |p: f64| {
        times
            .get(((times.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(0)
    };
    report.median_us = at(0.5);
    report.p95_us = at(0.95);
    report.max_us = times.last().copied().unwrap_or(0);
    report
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* run.c: the scheduler: every target of a request probed in parallel, reported in argument order.
 *
 * Targets are taken from the command line in argument order (tc_target_iter) as the socket
 * budget lets them start (budget.h: one base unit each), and are reported in the same order as
 * soon as every target before them is.  A target has a record (records.h) from its first
 * attempt to its report:
 *  - without -W, each target is attempted once, and at most the budget plus WINDOW_SLACK
 *    records are alive (finished targets wait there for a slower one before them), so memory
 *    is bounded by -c, not by the number of targets;
 *  - with -W, a target that is not open waits for its next attempt holding no socket and no
 *    probe, in a min-heap of due times (-i after its previous attempt started): every target
 *    gets attempts in turn, earliest due first, ties in argument order, and a target still on
 *    the command line was due from the start, so first attempts come before retries.  Every
 *    target attempted keeps its record until it is reported (tcpcheck(1), WAIT MODE).
 * A probe slot (a struct tc_probe) works on one attempt at a time and moves on to another
 * target when it ends.  One poll loop drives every slot's sockets and the resolver's; each
 * attempt ends at its own deadline (-w, cut at -W).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "heap.h"
#include "hosts.h"
#include "pingstats.h"
#include "probe.h"
#include "progress.h"
#include "records.h"
#include "report.h"

#define POLL_SLICE 100000 /* look at the interrupt flags at least this often */
#define ADVANCE_ROUNDS 8  /* rounds of starting and reporting between two looks at signals */
#define STARTS_PER_ROUND 4096
#define WINDOW_SLACK 1024 /* without -W: finished targets that may wait for a slower one */

/* ---- outcomes ---- */

/* An owned copy of n bytes; NULL (and so nothing shown) when out of memory. */
static unsigned char *copy_bytes(const unsigned char *p, size_t n)
{
    unsigned char *c = p && n > 0 ? malloc(n) : NULL;
    if (c)
        memcpy(c, p, n);
    return c;
}

static void take_outcome(struct tc_outcome *o, const struct tc_result *res)
{
    tc_outcome_free(o);
    *o = (struct tc_outcome){
        .state = (uint8_t)res->state,
        .mismatch = (uint8_t)res->mismatch,
        .resolve_failure = (uint8_t)res->resolve_failure,
        .proxy = (uint8_t)res->proxy,
        .proxy_code = (int16_t)res->proxy_code,
        .has_address = res->has_address,
        .send_failed = res->send_failed,
        .sys_errno = res->sys_errno,
        .error_context = res->error_context,
        .resolve_text = res->resolve_text,
        .deadline_text = res->deadline_text,
        .rtt = res->rtt,
    };
    if (res->has_address)
        memcpy(&o->address, &res->address, sizeof o->address);
    if ((o->reply = copy_bytes(res->reply, res->reply_len)))
        o->reply_len = (uint32_t)res->reply_len;
    if ((o->proxy_text = copy_bytes(res->proxy_text, res->proxy_text_len)))
        o->proxy_text_len = (uint16_t)res->proxy_text_len;
}

/* The run stopped before this target had an answer of its own. */
static void stopped_outcome(struct tc_outcome *o, enum tc_stop_reason why)
{
    tc_outcome_free(o);
    *o = (struct tc_outcome){
        .state = TC_TIMEOUT, .stopped = (uint8_t)why, .rtt = -1, .proxy_code = -1};
}

/* ---- the run ---- */

/* A probe slot and the target it works on. */
struct slot {
    struct tc_probe probe;
    uint64_t seq;
    bool cut_by_wait;        /* its deadline is -W's, sooner than -w would be */
    size_t pfd_first, pfd_n; /* its part of the pollfd array */
};

struct run {
    const struct tc_request *req;
    const struct tc_options *opt;
    const struct tc_sink *sink;
    struct tc_probe_env env;
    struct tc_hosts *hosts;
    struct tc_records records;
    uint64_t window; /* without -W: records alive at most */
    struct tc_target_iter iter;
    bool have_next, iter_done; /* the next target on the command line, taken from iter */
    size_t next_word;
    uint16_t next_port;
    struct tc_heap due; /* wait mode: targets waiting for their next attempt */
    struct slot *slots; /* [0, nslots) work on an attempt */
    size_t nslots, slots_cap;
    struct pollfd *pfds;
    size_t pfds_cap;
    tc_usec run_start, run_deadline; /* -W; INT64_MAX without a limit */
    enum tc_stop_reason stop;
    bool out_of_memory;
    uint64_t passing;        /* wait mode: targets that passed so far (the quorum) */
    uint64_t passed, failed; /* reported */
    int first_failure;
    struct tc_ping_stats *ping; /* ping mode: by sequence number (records stay until the end) */
    uint64_t ping_cap;
    bool ping_over;        /* ping mode ends early: Ctrl-C, or stdout failed */
    struct tc_buf pending; /* ping mode: lines not written yet (see flush_pending) */
    struct tc_buf line;
    struct tc_progress progress; /* the live line on a terminal (progress.h) */
};

/* ---- what passes, and the run's status ---- */

/* Does a target in this state pass?  Open, or with -C refused (tcpcheck(1), EXPECT CLOSED):
 * this is the one place that decides, for the quorum, wait mode and the status alike. */
static bool passes(const struct tc_options *opt, enum tc_state s)
{
    return opt->expect_closed ? s == TC_REFUSED : s == TC_OPEN;
}

/* The status a failing target gives the run (tcpcheck(1), STATES AND EXIT STATUS): its state's,
 * and 6 for an open one that -C expected closed. */
static int failure_status(const struct tc_options *opt, enum tc_state s)
{
    if (opt->expect_closed && s == TC_OPEN)
        return TC_EXIT_MISMATCH;
    return tc_state_status(s);
}

/* The run is stopping: the quorum is met, -W passed, or ping mode ends early. */
static bool stopping(const struct run *r)
{
    return r->stop != TC_STOP_NONE || r->ping_over;
}

/* 0 when every target passed (-a/-m: enough of them), else the first failing target's. */
static int run_status(const struct run *r)
{
    bool success = r->opt->quorum ? r->passed >= r->opt->quorum : r->failed == 0;
    return success ? TC_EXIT_OPEN : r->first_failure;
}

/* ---- reporting ---- */

static void result_of(const struct run *r, const struct tc_record *t, struct tc_result *res)
{
    const struct tc_host *h = &r->req->hosts[r->req->words[t->word].host];
    const struct tc_outcome *o = &t->last;
    *res = (struct tc_result){
        .host = h->name,
        .port = t->port,
        .host_numeric = h->numeric,
        .state = (enum tc_state)o->state,
        .sys_errno = o->sys_errno,
        .error_context = o->error_context,
        .resolve_failure = (enum tc_resolve_failure)o->resolve_failure,
        .resolve_text = o->resolve_text,
        .mismatch = (enum tc_mismatch_reason)o->mismatch,
        .send_failed = o->send_failed,
        .stopped = (enum tc_stop_reason)o->stopped,
        .has_address = o->has_address,
        .rtt = o->rtt,
        .attempts = t->attempts,
        .elapsed = o->elapsed,
        .deadline_text = o->deadline_text,
        .reply = o->reply,
        .reply_len = o->reply_len,
        .unix_socket = h->unix_socket,
        .proxy = (enum tc_proxy_reason)o->proxy,
        .proxy_code = o->proxy_code,
        .proxy_text = o->proxy_text,
        .proxy_text_len = o->proxy_text_len,
    };
    if (o->has_address)
        memcpy(&res->address, &o->address, sizeof o->address);
    if (r->opt->expect_closed && res->state == TC_OPEN)
        res->mismatch = TC_MISMATCH_EXPECT_CLOSED; /* the line says -C expected it closed */
}

/* Lines about targets: -q and -j silence them. */
static void say(struct run *r, const char *line, bool failure)
{
    void (*out)(void *, const char *) = failure ? r->sink->say : r->sink->tell;
    if (!out)
        out = r->sink->say;
    if (out && !r->opt->quiet && !r->opt->json) {
        tc_progress_erase(&r->progress);
        out(r->sink->ctx, line);
    }
}

/* Wait mode with -v: one line when a target's state changes, one when it opens. */
static void say_progress(struct run *r, struct tc_record *t)
{
    if (r->opt->verbose == 0 || (t->said_state && t->said == t->last.state))
        return;
    struct tc_result res;
    result_of(r, t, &res);
    bool pass = passes(r->opt, res.state);
    tc_buf_reset(&r->line);
    if (pass)
        tc_format_success(&r->line, r->opt, &res, res.elapsed);
    else
        tc_format_failure(&r->line, r->opt, &res);
    t->said_state = true;
    t->said = t->last.state;
    if (!r->line.failed)
        say(r, r->line.data, !pass);
}

static void report_lines(struct run *r, const struct tc_record *t, const struct tc_result *res)
{
    bool said_already = r->opt->wait_mode && r->opt->verbose && t->said_state;
    bool pass = passes(r->opt, res->state);
    tc_buf_reset(&r->line);
    if (!pass && !said_already)
        tc_format_failure(&r->line, r->opt, res);
    else if (pass && r->opt->verbose && !r->opt->wait_mode)
        tc_format_success(&r->line, r->opt, res, -1);
    else
        return;
    if (!r->line.failed)
        say(r, r->line.data, !pass);
}

/* Ping mode writes its lines when no connect is being timed, or right after poll() returned:
 * a write to a terminal can take longer than a connect on loopback, and a connect time must
 * not include it (tcpcheck(1), PING MODE).  They are flushed at once, as ping's are, and a
 * failed write ends ping mode (nobody reads any more). */
static void flush_pending(struct run *r)
{
    FILE *out = r->sink->out;
    if (r->pending.len == 0 || !out)
        return;
    fwrite(r->pending.data, 1, r->pending.len, out);
    tc_buf_reset(&r->pending);
    if (fflush(out) != 0 || ferror(out))
        r->ping_over = true;
}

/* Is a connect being timed (ping mode holds its lines back then)? */
static bool timing_connects(const struct run *r)
{
    for (size_t i = 0; i < r->nslots; i++)
        if (r->slots[i].probe.phase == TC_PHASE_CONNECTING)
            return true;
    return false;
}

/* Data for stdout: r->line, which ends in a newline. */
static void write_out(struct run *r)
{
    FILE *out = r->sink->out;
    if (r->line.failed || !out)
        return;
    if (!r->opt->ping) {
        fwrite(r->line.data, 1, r->line.len, out);
        return;
    }
    tc_buf_append(&r->pending, r->line.data, r->line.len);
    if (r->pending.failed)
        r->out_of_memory = true;
}

static void report_json(struct run *r, const struct tc_result *res)
{
    tc_buf_reset(&r->line);
    tc_format_json(&r->line, r->opt, res);
    tc_buf_append(&r->line, "\n", 1);
    write_out(r);
}

/* Ping mode: one probe ended; its line (or object) on stdout at once, not with -q. */
static void report_probe(struct run *r, const struct tc_record *t)
{
    if (r->opt->quiet)
        return;
    struct tc_result res;
    result_of(r, t, &res);
    tc_buf_reset(&r->line);
    if (r->opt->json)
        tc_format_probe_json(&r->line, r->opt, &res, t->attempts);
    else
        tc_format_probe(&r->line, r->opt, &res, t->attempts);
    tc_buf_append(&r->line, "\n", 1);
    write_out(r);
}

/* Ping mode: a target's summary.  It passes with an open probe; otherwise it fails with its
 * last probe's status, or as interrupted when Ctrl-C came before any probe ended.  -V gets
 * open, or the last probe's state; a target without a probe has no entry. */
static void report_ping(struct run *r, const struct tc_record *t, const struct tc_ping_stats *p)
{
    struct tc_result res;
    result_of(r, t, &res);
    bool first = r->passed + r->failed == 0;
    if (p->open > 0) {
        res.state = TC_OPEN;
        r->passed++;
    } else if (r->failed++ == 0) {
        r->first_failure = p->probes ? failure_status(r->opt, res.state) : TC_EXIT_INTERRUPTED;
    }
    if (r->sink->result && p->probes > 0)
        r->sink->result(r->sink->ctx, &res);
    struct tc_ping_summary sum = tc_ping_summarize(p, t->first_start);
    tc_buf_reset(&r->line);
    if (r->opt->json) {
        tc_format_ping_summary_json(&r->line, &res, &sum);
        tc_buf_append(&r->line, "\n", 1);
    } else {
        if (!first || !r->opt->quiet) /* apart from the lines before, as ping does */
            tc_buf_puts(&r->line, "\n");
        tc_format_ping_summary(&r->line, &res, &sum);
    }
    write_out(r);
}

/* The figures of the target with this sequence number; a target never taken from the command
 * line has none. */
static const struct tc_ping_stats *ping_stats_of(const struct run *r, uint64_t seq)
{
    static const struct tc_ping_stats none = {0};
    return seq < r->records.tail ? &r->ping[seq] : &none;
}

static void report(struct run *r, const struct tc_record *t, uint64_t seq)
{
    if (r->opt->ping) {
        report_ping(r, t, ping_stats_of(r, seq));
        return;
    }
    struct tc_result res;
    result_of(r, t, &res);
    if (passes(r->opt, res.state))
        r->passed++;
    else if (r->failed++ == 0)
        r->first_failure = failure_status(r->opt, res.state);
    if (r->sink->result)
        r->sink->result(r->sink->ctx, &res);
    if (r->opt->json)
        report_json(r, &res);
    else
        report_lines(r, t, &res);
}

static bool next_queued(struct run *r);

/* Ping mode prints its summaries once every probe is over, after the last probe's line. */
static bool summaries_due(struct run *r)
{
    return r->nslots == 0 && r->due.n == 0 && (r->ping_over || !next_queued(r));
}

/* Report the final targets at the front, in argument order; returns how many. */
static size_t report_finished_head(struct run *r)
{
    size_t n = 0;
    if (r->opt->ping && !summaries_due(r))
        return 0;
    while (r->records.head < r->records.tail) {
        const struct tc_record *t = tc_record_at(&r->records, r->records.head);
        if (t->stage != TC_TARGET_FINAL)
            break;
        report(r, t, r->records.head);
        tc_records_pop(&r->records);
        n++;
    }
    return n;
}

/* ---- the targets on the command line ---- */

static bool next_queued(struct run *r)
{
    if (!r->have_next && !r->iter_done) {
        r->have_next = tc_target_iter_next(r->req, &r->iter, &r->next_word, &r->next_port);
        r->iter_done = !r->have_next;
    }
    return r->have_next;
}

/* Targets that come back for more attempts (wait mode, ping mode) keep their records. */
static bool retries(const struct run *r)
{
    return r->opt->wait_mode || r->opt->ping;
}

static bool window_open(const struct run *r)
{
    return retries(r) || r->records.tail - r->records.head < r->window;
}

/* Room for ping mode's figures of n targets (zeroed); false when out of memory. */
static bool ping_reserve(struct run *r, uint64_t n)
{
    if (n <= r->ping_cap)
        return true;
    uint64_t cap = r->ping_cap ? r->ping_cap * 2 : 64;
    if (cap < n)
        cap = n;
    if (cap > SIZE_MAX / sizeof *r->ping)
        return false;
    struct tc_ping_stats *p = realloc(r->ping, (size_t)cap * sizeof *p);
    if (!p)
        return false;
    memset(p + r->ping_cap, 0, (size_t)(cap - r->ping_cap) * sizeof *p);
    r->ping = p;
    r->ping_cap = cap;
    return true;
}

/* Take the next target from the command line: its record; NULL when out of memory. */
static struct tc_record *take_queued(struct run *r)
{
    struct tc_record *t = tc_records_append(&r->records);
    if (!t || (retries(r) && !tc_heap_reserve(&r->due, r->records.tail - r->records.head)) ||
        (r->opt->ping && !ping_reserve(r, r->records.tail))) {
        r->out_of_memory = true;
        return NULL;
    }
    t->word = (uint32_t)r->next_word;
    t->port = r->next_port;
    r->have_next = false;
    return t;
}

/* After the run stopped (quorum met, -W passed), once every record is reported: the targets
 * never taken from the command line, in order, with nothing in between. */
static void report_unattempted(struct run *r)
{
    while (next_queued(r)) {
        struct tc_record t = {.word = (uint32_t)r->next_word, .port = r->next_port};
        stopped_outcome(&t.last, r->stop);
        r->have_next = false;
        report(r, &t, UINT64_MAX);
    }
}

static bool finished(struct run *r)
{
    return r->records.head == r->records.tail && !next_queued(r);
}

/* ---- attempts ---- */

/* Slot i's attempt is over: the slots in use stay at the front.  A swap, not a copy: the freed
 * slot keeps its probe's buffers for its next attempt. */
static void release_slot(struct run *r, size_t i)
{
    size_t last = --r->nslots;
    if (i == last)
        return;
    struct slot freed = r->slots[i];
    r->slots[i] = r->slots[last];
    r->slots[last] = freed;
}

/* Did -W cut this attempt short before anything answered?  Such an attempt says nothing
 * about the target, so an earlier attempt's state stands (-W 30 on a closed port ends 1). */
static bool says_nothing(const struct slot *s, const struct tc_record *t,
                         const struct tc_result *res)
{
    if (!s->cut_by_wait || t->attempts < 2)
        return false;
    return tc_result_ran_out_of_time(res);
}

/* Ping mode: after probe `attempts`, the next one is due -i after this one started (at once when
 * this one outlasted -i: probes never overlap), until COUNT probes are done. */
static void after_probe(struct run *r, uint64_t seq, struct tc_record *t)
{
    uint64_t count = r->opt->ping_count;
    if (count != 0 && t->attempts >= count) {
        t->stage = TC_TARGET_FINAL;
        return;
    }
    t->stage = TC_TARGET_WAITING;
    tc_heap_push(&r->due, t->last_start + r->opt->interval.usec, seq);
}

/* What comes after an attempt: without -W the target is final; with -W one that passes is
 * final, others wait until -i after this attempt started, unless that is past -W; in ping
 * mode every target comes back for its COUNT probes. */
static void after_attempt(struct run *r, uint64_t seq, struct tc_record *t)
{
    if (r->opt->ping) {
        after_probe(r, seq, t);
        return;
    }
    if (!r->opt->wait_mode) {
        t->stage = TC_TARGET_FINAL;
        return;
    }
    say_progress(r, t);
    if (passes(r->opt, (enum tc_state)t->last.state)) {
        t->stage = TC_TARGET_FINAL;
        if (r->opt->quorum && ++r->passing >= r->opt->quorum && !stopping(r))
            r->stop = TC_STOP_QUORUM;
        return;
    }
    tc_usec due = t->last_start + r->opt->interval.usec;
    if (due >= r->run_deadline) {
        t->stage = TC_TARGET_FINAL;
        return;
    }
    t->stage = TC_TARGET_WAITING;
    tc_heap_push(&r->due, due, seq);
}

/* Ping mode reads the clock afresh when a probe starts and ends: probes of loopback that end
 * inside connect() can follow each other within one pass of the loop, whose "now" would give
 * them all the same times. */
static tc_usec probe_clock(const struct run *r, tc_usec now)
{
    return r->opt->ping ? tc_now() : now;
}

static void attempt_finished(struct run *r, size_t i, tc_usec now)
{
    now = probe_clock(r, now);
    struct slot *s = &r->slots[i];
    uint64_t seq = s->seq;
    struct tc_record *t = tc_record_at(&r->records, seq);
    const struct tc_result *res = tc_probe_result(&s->probe);
    if (!says_nothing(s, t, res))
        take_outcome(&t->last, res);
    t->last.elapsed = now - t->first_start;
    release_slot(r, i);
    if (r->opt->ping) {
        tc_ping_count(&r->ping[seq], (enum tc_state)t->last.state, t->last.rtt, now);
        report_probe(r, t);
    }
    after_attempt(r, seq, t);
}

static void start_attempt(struct run *r, uint64_t seq, tc_usec now)
{
    now = probe_clock(r, now);
    struct tc_record *t = tc_record_at(&r->records, seq);
    size_t i = r->nslots++;
    struct slot *s = &r->slots[i];
    struct tc_attempt a = {.port = t->port, .now = now, .deadline = now + r->opt->limit.usec};
    s->seq = seq;
    s->cut_by_wait = a.deadline > r->run_deadline;
    if (s->cut_by_wait) {
        a.deadline = r->run_deadline;
        a.deadline_text = r->opt->wait.text;
    }
    tc_usec since = t->attempts ? t->last_start : -1;
    if (t->attempts++ == 0)
        t->first_start = now;
    t->last_start = now;
    t->stage = TC_TARGET_PROBING;
    size_t host = r->req->words[t->word].host;
    const char *why = tc_hosts_prepare(r->hosts, host, since, now, &a);
    if (why)
        tc_probe_fail(&s->probe, &r->env, &a, 0, why);
    else
        tc_probe_begin(&s->probe, &r->env, &a);
    if (tc_probe_done(&s->probe)) /* refused at once, a hosts-file miss: free the slot now */
        attempt_finished(r, i, now);
}

/* Is a target waiting to start: one on the command line (window permitting) or a due retry? */
static bool start_wanted(struct run *r, tc_usec now)
{
    const struct tc_due *top = tc_heap_top(&r->due);
    return !stopping(r) && ((window_open(r) && next_queued(r)) || (top && top->at <= now));
}

/* Start attempts while the budget has room: earliest due first, ties in argument order; a
 * target on the command line was due from the start.  Returns how many started. */
static size_t schedule(struct run *r, tc_usec now)
{
    size_t started = 0;
    while (!stopping(r) && !r->out_of_memory && started < STARTS_PER_ROUND &&
           tc_probe_env_has_room(&r->env)) {
        bool fresh = window_open(r) && next_queued(r);
        const struct tc_due *top = tc_heap_top(&r->due);
        bool retry = top && top->at <= now;
        if (fresh && (!retry || tc_due_before(r->run_start, r->records.tail, top))) {
            if (!take_queued(r))
                break;
            start_attempt(r, r->records.tail - 1, now);
        } else if (retry) {
            uint64_t seq = top->seq;
            tc_heap_pop(&r->due);
            start_attempt(r, seq, now);
        } else {
            break;
        }
        started++;
    }
    /* Extra sockets (Happy Eyeballs) must not take the unit a waiting target needs. */
    r->env.starting = start_wanted(r, now);
    return started;
}

/* Step every attempt in flight; collect those that ended.  Returns how many ended. */
static size_t step_probes(struct run *r, tc_usec now)
{
    size_t ended = 0;
    for (size_t i = r->nslots; i-- > 0;) { /* attempt_finished moves the last slot into i */
        tc_probe_step(&r->slots[i].probe, &r->env, now);
        if (tc_probe_done(&r->slots[i].probe)) {
            attempt_finished(r, i, now);
            ended++;
        }
    }
    return ended;
}

/* ---- stopping: the quorum is met, -W passed, or ping mode ends early ---- */

/* An attempt in flight when the run stops: a later attempt leaves the previous one's state
 * standing; a first attempt cut short has no state of its own.  A probe that Ctrl-C cut short
 * in ping mode had no answer: it is not counted (tcpcheck(1), PING MODE). */
static void cut_off(struct run *r, size_t i, tc_usec now)
{
    struct slot *s = &r->slots[i];
    struct tc_record *t = tc_record_at(&r->records, s->seq);
    tc_probe_abort(&s->probe, &r->env);
    if (r->opt->ping)
        t->attempts--;
    else if (t->attempts < 2)
        stopped_outcome(&t->last, r->stop);
    t->last.elapsed = now - t->first_start;
    t->stage = TC_TARGET_FINAL;
    release_slot(r, i);
}

/* Every target in flight or waiting becomes final; returns how many. */
static size_t carry_out_stop(struct run *r, tc_usec now)
{
    size_t n = r->nslots + r->due.n;
    while (r->nslots > 0)
        cut_off(r, r->nslots - 1, now);
    for (const struct tc_due *top; (top = tc_heap_top(&r->due)); tc_heap_pop(&r->due))
        tc_record_at(&r->records, top->seq)->stage = TC_TARGET_FINAL;
    return n;
}

/* ---- the progress line ---- */

/* When a draw is due: the first target not done in argument order (a record not final, else
 * the next one on the command line) and how many are done.  A scan of the records alive, at
 * most five times a second. */
static void show_progress(struct run *r, tc_usec now)
{
    if (!tc_progress_due(&r->progress, now))
        return;
    struct tc_progress_view v = {.done = r->passed + r->failed, .total = r->req->ntargets};
    for (uint64_t seq = r->records.head; seq < r->records.tail; seq++) {
        const struct tc_record *t = tc_record_at(&r->records, seq);
        if (t->stage == TC_TARGET_FINAL) {
            v.done++;
        } else if (!v.host) {
            v.host = &r->req->hosts[r->req->words[t->word].host];
            v.port = t->port;
        }
    }
    if (!v.host && next_queued(r)) {
        v.host = &r->req->hosts[r->req->words[r->next_word].host];
        v.port = r->next_port;
    }
    tc_progress_draw(&r->progress, &v, now);
}

/* ---- the poll loop ---- */

/* Start, step and report until nothing moves (an attempt that ends frees a unit, a report
 * frees room in the window), but for a few rounds at most, so that the loop still reaches
 * ppoll, where signals are let in, while a sweep of refused ports never has to wait.  True
 * when work is left. */
static bool advance(struct run *r, tc_usec now)
{
    size_t progress;
    int rounds = 0;
    do {
        progress = step_probes(r, now); /* first: a probe that ended in dispatch frees its slot */
        progress += schedule(r, now);
        if (stopping(r))
            progress += carry_out_stop(r, now);
        progress += report_finished_head(r);
        if (stopping(r) && r->records.head == r->records.tail)
            report_unattempted(r);
    } while (progress > 0 && !r->out_of_memory && !finished(r) && ++rounds < ADVANCE_ROUNDS);
    return progress > 0;
}

/* When the loop must look again even if no descriptor is ready. */
static tc_usec next_wakeup(struct run *r, tc_usec now)
{
    tc_usec t = now + POLL_SLICE;
    tc_usec resolver = tc_resolver_next_timeout(tc_hosts_resolver(r->hosts), now);
    if (resolver >= 0 && resolver < t)
        t = resolver;
    for (size_t i = 0; i < r->nslots; i++) {
        tc_usec w = tc_probe_wakeup(&r->slots[i].probe);
        if (w < t)
            t = w;
    }
    const struct tc_due *top = tc_heap_top(&r->due);
    if (top && top->at < t && tc_probe_env_has_room(&r->env))
        t = top->at; /* a due target without room waits for an attempt to end */
    return r->run_deadline < t ? r->run_deadline : t;
}

/* The resolver's descriptors first (*nresolver of them), then each slot's, then the sink's
 * wake_fd.  False when out of memory. */
static bool build_pollfds(struct run *r, size_t *n, size_t *nresolver)
{
    struct tc_resolver *resolver = tc_hosts_resolver(r->hosts);
    size_t need = tc_resolver_nfds(resolver) + r->env.sockets + 1; /* + the sink's wake_fd */
    if (need > r->pfds_cap) {
        struct pollfd *p = realloc(r->pfds, need * sizeof *p);
        if (!p)
            return false;
        r->pfds = p;
        r->pfds_cap = need;
    }
    *nresolver = tc_resolver_pollfds(resolver, r->pfds, r->pfds_cap);
    *n = *nresolver;
    for (size_t i = 0; i < r->nslots; i++) {
        struct slot *s = &r->slots[i];
        s->pfd_first = *n;
        s->pfd_n = tc_probe_pollfds(&s->probe, &r->env, r->pfds + *n, r->pfds_cap - *n);
        *n += s->pfd_n;
    }
    if (r->sink->wake_fd > 0) /* readable: `interrupted` is asked right after the wait */
        r->pfds[(*n)++] = (struct pollfd){.fd = r->sink->wake_fd, .events = POLLIN};
    return true;
}

static int wait_for_events(struct run *r, size_t n, tc_usec now, tc_usec wakeup)
{
    tc_usec wait = wakeup - now;
    if (wait < 0)
        wait = 0;
    if (wait > POLL_SLICE)
        wait = POLL_SLICE;
    struct timespec ts = {.tv_sec = wait / 1000000, .tv_nsec = (wait % 1000000) * 1000};
    if (ppoll(r->pfds, n, &ts, r->sink->wait_mask) < 0 && errno != EINTR)
        return -1;
    return 0;
}

static void dispatch(struct run *r, size_t nresolver, tc_usec now)
{
    tc_resolver_process(tc_hosts_resolver(r->hosts), r->pfds, nresolver);
    for (size_t i = 0; i < r->nslots; i++) {
        struct slot *s = &r->slots[i];
        if (s->pfd_n > 0)
            tc_probe_handle(&s->probe, &r->env, r->pfds + s->pfd_first, s->pfd_n, now);
    }
}

static int interrupted(const struct run *r)
{
    return r->sink->interrupted ? r->sink->interrupted(r->sink->ctx) : 0;
}

/* Ctrl-C ends ping mode as it ends ping: the summaries are printed and the results give the
 * status (tcpcheck(1), PING MODE).  Other signals stop the run as usual. */
static bool ends_ping(struct run *r, int sig)
{
    if (!r->opt->ping || sig != 128 + SIGINT)
        return false;
    r->ping_over = true;
    return true;
}

enum { LOOP_DONE = 0, LOOP_POLL_FAILED = -1, LOOP_NO_MEMORY = -2 };

/* Returns LOOP_DONE when every target is reported, 128 + signal, or a failure. */
static int loop(struct run *r)
{
    for (;;) {
        tc_usec now = tc_now();
        if (now >= r->run_deadline && !stopping(r))
            r->stop = TC_STOP_WAIT_ENDED;
        bool busy = advance(r, now);
        if (r->out_of_memory)
            return LOOP_NO_MEMORY;
        if (finished(r))
            return LOOP_DONE;
        show_progress(r, now);
        tc_usec wakeup = busy ? now : next_wakeup(r, now);
        size_t n, nresolver;
        if (!build_pollfds(r, &n, &nresolver))
            return LOOP_NO_MEMORY;
        if (!timing_connects(r))
            flush_pending(r);
        if (wait_for_events(r, n, now, wakeup) != 0)
            return LOOP_POLL_FAILED;
        tc_usec answered = tc_now(); /* first: the end of every connect poll() saw */
        flush_pending(r);
        int sig = interrupted(r); /* signals get in only during ppoll */
        if (sig && !ends_ping(r, sig))
            return sig;
        dispatch(r, nresolver, answered);
    }
}

/* ---- setup and teardown ---- */

static int run_open(struct run *r, const struct tc_request *req, const struct tc_sink *sink)
{
    memset(r, 0, sizeof *r);
    r->req = req;
    r->opt = &req->opt;
    r->sink = sink;
    tc_probe_env_init(&r->env, &req->opt);
    if (req->opt.has_source) {
        char address[64];
        tc_format_address(&req->opt.source, address, sizeof address);
        snprintf(r->env.bind_context, sizeof r->env.bind_context, "cannot bind %s", address);
    }
    r->window = r->env.budget + WINDOW_SLACK;
    r->records.total = req->ntargets;
    /* Every attempt in flight holds a unit of the budget, so this many slots are enough. */
    r->slots_cap = r->env.budget < req->ntargets ? r->env.budget : (size_t)req->ntargets;
    r->slots = calloc(r->slots_cap ? r->slots_cap : 1, sizeof *r->slots);
    r->hosts = tc_hosts_open(req);
    if (!r->slots || !r->hosts)
        return -1;
    for (size_t i = 0; i < r->slots_cap; i++)
        tc_probe_init(&r->slots[i].probe);
    tc_target_iter_init(&r->iter);
    r->run_start = tc_now();
    r->run_deadline = INT64_MAX;
    if (req->opt.wait_mode && req->opt.wait.usec > 0)
        r->run_deadline = r->run_start + req->opt.wait.usec;
    tc_progress_open(&r->progress, sink->progress, &req->opt, r->run_start);
    return 0;
}

static void run_close(struct run *r)
{
    tc_progress_close(&r->progress); /* before the run's last words, and before it returns */
    for (size_t i = 0; r->slots && i < r->slots_cap; i++)
        tc_probe_free(&r->slots[i].probe, &r->env);
    tc_hosts_close(r->hosts); /* after the probes: they hold lookups */
    tc_records_free(&r->records);
    tc_heap_free(&r->due);
    free(r->ping);
    free(r->slots);
    free(r->pfds);
    tc_buf_free(&r->pending);
    tc_buf_free(&r->line);
}

int tc_run(const struct tc_request *req, const struct tc_sink *sink)
{
    struct run r;
    int rc = run_open(&r, req, sink) == 0 ? loop(&r) : LOOP_NO_MEMORY;
    flush_pending(&r); /* the probes that ended before a signal stopped the run */
    int status = run_status(&r);
    run_close(&r);
    if (rc > 0)
        return rc;
    if (rc != LOOP_DONE && sink->say)
        sink->say(sink->ctx, rc == LOOP_NO_MEMORY ? "out of memory" : "poll failed");
    return rc == LOOP_DONE ? status : TC_EXIT_ERROR;
}

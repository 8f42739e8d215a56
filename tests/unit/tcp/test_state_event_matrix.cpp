// A state x event matrix: every RFC 9293 state (CLOSED = no connection and no
// listener) meets every kind of arriving segment, and each cell says what the
// stack must do per RFC 9293 3.10.7, RFC 5961 and, in TIME-WAIT, RFC 1337 /
// RFC 6191: the exact segments it sends back (flags, seq, ack), the state it
// is in afterwards, every counter that moved (all others must stay put) and
// what the application heard.
//
// The whole matrix is the table `kMatrix` below, one row per cell (a few cells
// have extra rows for a variant of the state, e.g. SYN-RECEIVED reached by a
// simultaneous open). One loop runs every row in a fresh Harness. The last
// TEST_CASE prints the coverage matrix.
//
// Notation (as in packet_script.hpp): P is the peer's ISN, iss the stack's;
// p(n) = P+n and iss(n) = iss+n. Every builder leaves a 65535-byte offered
// window (no window scaling in the peer's SYN), so p(100) is inside it and
// p(100000) beyond it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "packet_script.hpp"

using namespace synline;
using namespace synline::test;
using tcp::State;

namespace {

// ------------------------------------------------------------------ events

enum class Ev : std::uint8_t {
    syn,               // SYN without ACK
    syn_ack,           // SYN+ACK
    ack_in_window,     // a bare ACK the state accepts
    ack_unacceptable,  // a bare ACK the state must not accept (acks unsent data, or bad in the handshake)
    data,              // ACK+PSH with two bytes of text at RCV.NXT
    fin,               // FIN+ACK
    rst_exact,         // RST with SEG.SEQ == RCV.NXT (SYN-SENT: RST+ACK acknowledging our SYN)
    rst_in_window,     // RST in the window but not exact (SYN-SENT: RST without ACK)
    rst_out_of_window, // RST beyond the window (SYN-SENT: RST+ACK with an unacceptable ACK)
    count_
};
constexpr std::size_t kEvents = static_cast<std::size_t>(Ev::count_);
constexpr const char* kEventNames[kEvents] = {"SYN",  "SYN+ACK", "ACK in window", "ACK unacceptable",
                                               "data", "FIN",     "RST exact",     "RST in window",
                                               "RST out of window"};
constexpr const char* kEventColumns[kEvents] = {"SYN", "SYN+ACK", "ACK-ok", "ACK-bad", "data",
                                                "FIN", "RST=",    "RST-in", "RST-out"};

// ------------------------------------------------------------------ sequence numbers

// A sequence number written relative to the dialogue.
struct Ref {
    enum Base : std::uint8_t { peer, ours, literal, any } base = literal;
    std::uint32_t off = 0;

    SeqNum resolve(const Harness& h) const {
        switch (base) {
            case peer: return P + off;
            case ours: return h.iss + off;
            default: return SeqNum(off);
        }
    }
};
constexpr Ref p(std::uint32_t n) { return {Ref::peer, n}; }
constexpr Ref iss(std::uint32_t n) { return {Ref::ours, n}; }
constexpr Ref lit(std::uint32_t n) { return {Ref::literal, n}; }
constexpr Ref any_isn() { return {Ref::any, 0}; }  // an ISN the stack picks: not compared

// The segment the peer sends.
struct In {
    std::uint8_t flags;
    Ref seq;
    Ref ack{};
    const char* text = nullptr;
};

// One segment the stack must send. `ack` is compared when `flags` has ACK.
struct Out {
    std::uint8_t flags;
    Ref seq;
    Ref ack{};
};

std::string describe(std::uint8_t flags, SeqNum seq, SeqNum ack, bool seq_known, std::size_t len) {
    std::ostringstream o;
    o << "[" << flags_to_string(flags) << "] seq=";
    if (seq_known) o << seq.raw();
    else o << "<isn>";
    if (flags & ACK) o << " ack=" << ack.raw();
    o << " len=" << len;
    return o.str();
}

// ------------------------------------------------------------------ rows

using Setup = void (*)(Harness&);

struct Extra {
    const char* variant = nullptr;  // how the state was reached, when not by the default builder
    Setup setup = nullptr;          // nullptr: the builder of the row's state
    std::vector<Out> after_delayed_ack{};  // sent once the delayed-ACK time has passed
};

struct Row {
    State state;
    Ev event;
    In in;
    std::vector<Out> sent;  // at once, in this order
    State after;            // CLOSED: the connection is gone; LISTEN: gone, the listener stays
    std::map<std::string, std::int64_t> moved;  // counter -> delta; every other counter stays
    std::vector<std::string> app;               // RecordingHandler events raised by the segment
    const char* rfc;
    const char* note;
    Extra x{};
};

// ---- setups for the variants

void established_active(Harness& h) {
    h.make_syn_sent();
    h.send(seg(SYN | ACK, P, h.iss + 1).mss(1460));
    h.expect({{ACK, h.iss + 1, P + 1}});
    REQUIRE(h.conn().state() == State::established);
}

void fin_wait_1_half_close(Harness& h) {
    h.make_established();
    h.conn().shutdown_write();  // half-close: the application still reads
    h.expect({{FIN | ACK, h.iss + 1, P + 1}});
    REQUIRE(h.conn().state() == State::fin_wait_1);
}

void fin_wait_2_half_close(Harness& h) {
    fin_wait_1_half_close(h);
    h.send(seg(ACK, P + 1, h.iss + 2));
    h.expect_nothing();
    REQUIRE(h.conn().state() == State::fin_wait_2);
}

// TIME-WAIT of an active open and active close: nothing listens on the port.
void time_wait_no_listener(Harness& h) {
    established_active(h);
    h.conn().close();
    h.expect({{FIN | ACK, h.iss + 1, P + 1}});
    h.send(seg(ACK, P + 1, h.iss + 2));
    h.send(seg(FIN | ACK, P + 1, h.iss + 2));
    h.expect({{ACK, h.iss + 2, P + 2}});
    REQUIRE(h.state() == State::time_wait);
}

void build_state(Harness& h, State s) {
    switch (s) {
        case State::closed: break;  // nothing listens, nothing is connected
        case State::listen: h.make_listening(); break;
        case State::syn_sent: h.make_syn_sent(); break;
        case State::syn_received: h.make_syn_received(); break;
        case State::established: h.make_established(); break;
        case State::fin_wait_1: h.make_fin_wait_1(); break;
        case State::fin_wait_2: h.make_fin_wait_2(); break;
        case State::close_wait: h.make_close_wait(); break;
        case State::closing: h.make_closing(); break;
        case State::last_ack: h.make_last_ack(); break;
        case State::time_wait: h.make_time_wait(); break;
        case State::count_: FAIL("no such state");
    }
}

using S = State;
using M = std::map<std::string, std::int64_t>;
using A = std::vector<std::string>;

// Counter names: the TcpCounters field, arrays as "array.reason".
const std::string kChallenge = "challenge_acks";

// Rows shared by the seven synchronized states, which differ only in where
// the two sequence spaces stand: `rn` = RCV.NXT - P, `sn` = SND.NXT - iss.
// Per-state rows (ACK, data, FIN, exact RST) are written out below.
void add_synchronized_common(std::vector<Row>& rows, S s, std::uint32_t rn, std::uint32_t sn,
                             const A& app_on_reset) {
    const Out challenge{ACK, iss(sn), p(rn)};
    rows.push_back({s, Ev::syn, {SYN, p(100)}, {challenge}, s,
                    M{{"dropped.syn_in_window", 1}, {kChallenge, 1}}, {},
                    "RFC 9293 3.10.7.4 (fourth); RFC 5961 4.2",
                    "a SYN on a synchronized connection, in the window: challenge ACK, the state stays"});
    rows.push_back({s, Ev::syn_ack, {SYN | ACK, p(0), iss(1)}, {challenge}, s,
                    M{{"dropped.out_of_window", 1}, {kChallenge, 1}}, {},
                    "RFC 9293 3.10.7.4 (first); RFC 5961 4.2",
                    "a repeated SYN-ACK (seq = IRS, below the window): unacceptable, answered by a "
                    "rate-limited challenge ACK (the RFC's plain ACK, counted as a challenge)"});
    rows.push_back({s, Ev::ack_unacceptable, {ACK, p(rn), iss(sn + 100)}, {challenge}, s,
                    M{{"dropped.ack_unsent", 1}, {kChallenge, 1}}, {},
                    "RFC 9293 3.10.7.4 (fifth); RFC 5961 5.2",
                    "SEG.ACK > SND.NXT acknowledges data never sent: challenge ACK, segment dropped"});
    rows.push_back({s, Ev::rst_in_window, {RST, p(rn + 100)}, {challenge}, s,
                    M{{"rst_received.challenged", 1}, {kChallenge, 1}}, {},
                    "RFC 9293 3.10.7.4 (second); RFC 5961 3.2",
                    "in the window but not RCV.NXT: challenge ACK, the connection stays"});
    rows.push_back({s, Ev::rst_out_of_window, {RST, p(rn + 100000)}, {}, s,
                    M{{"rst_received.out_of_window", 1}, {"dropped.out_of_window", 1}}, {},
                    "RFC 9293 3.10.7.4 (first); RFC 5961 3.2", "beyond the window: silently ignored"});
    rows.push_back({s, Ev::rst_exact, {RST, p(rn)}, {}, S::closed,
                    M{{"rst_received.accepted", 1}, {"closed.reset_by_peer", 1}}, app_on_reset,
                    "RFC 9293 3.10.7.4 (second); RFC 5961 3.2",
                    "SEG.SEQ == RCV.NXT: the connection is reset at once, nothing is sent"});
}

std::vector<Row> make_matrix() {
    std::vector<Row> rows = {
        // ============================================================ CLOSED (RFC 9293 3.10.7.1)
        {S::closed, Ev::syn, {SYN, p(0)}, {{RST | ACK, lit(0), p(1)}}, S::closed,
         M{{"rst_sent.no_listener", 1}}, {}, "RFC 9293 3.10.7.1; 3.5.2 (1)",
         "connection refused: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SYN counted in SEG.LEN"},
        {S::closed, Ev::syn_ack, {SYN | ACK, p(0), lit(5555)}, {{RST, lit(5555)}}, S::closed,
         M{{"rst_sent.no_connection", 1}}, {}, "RFC 9293 3.10.7.1",
         "ACK on: <SEQ=SEG.ACK><CTL=RST>"},
        {S::closed, Ev::ack_in_window, {ACK, p(1), lit(5555)}, {{RST, lit(5555)}}, S::closed,
         M{{"rst_sent.no_connection", 1}}, {}, "RFC 9293 3.10.7.1",
         "no window exists in CLOSED: every ACK gets <SEQ=SEG.ACK><CTL=RST>"},
        {S::closed, Ev::ack_unacceptable, {ACK, p(1), lit(0xfffffff0)}, {{RST, lit(0xfffffff0)}},
         S::closed, M{{"rst_sent.no_connection", 1}}, {}, "RFC 9293 3.10.7.1",
         "same as any ACK (no window in CLOSED)"},
        {S::closed, Ev::data, {ACK | PSH, p(1), lit(77), "hi"}, {{RST, lit(77)}}, S::closed,
         M{{"rst_sent.no_connection", 1}}, {}, "RFC 9293 3.10.7.1",
         "data after the connection is gone (S27): <SEQ=SEG.ACK><CTL=RST>"},
        {S::closed, Ev::fin, {FIN | ACK, p(1), lit(88)}, {{RST, lit(88)}}, S::closed,
         M{{"rst_sent.no_connection", 1}}, {}, "RFC 9293 3.10.7.1", "<SEQ=SEG.ACK><CTL=RST>"},
        {S::closed, Ev::rst_exact, {RST, p(1)}, {}, S::closed, M{{"dropped.rst_no_connection", 1}},
         {}, "RFC 9293 3.10.7.1", "an incoming RST is discarded (no exact seq exists in CLOSED)"},
        {S::closed, Ev::rst_in_window, {RST | ACK, p(1), lit(5)}, {}, S::closed,
         M{{"dropped.rst_no_connection", 1}}, {}, "RFC 9293 3.10.7.1",
         "RST+ACK: discarded, never answered"},
        {S::closed, Ev::rst_out_of_window, {RST, p(100000)}, {}, S::closed,
         M{{"dropped.rst_no_connection", 1}}, {}, "RFC 9293 3.10.7.1", "discarded"},

        // ============================================================ LISTEN (RFC 9293 3.10.7.2)
        {S::listen, Ev::syn, {SYN, p(0)}, {{SYN | ACK, any_isn(), p(1)}}, S::syn_received,
         M{{"handshake.syns_received", 1}, {"handshake.synacks_from_queue", 1},
           {"handshake.syn_queue", 1}},
         {}, "RFC 9293 3.10.7.2 (third)",
         "<SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>; the half-open entry joins the SYN queue"},
        {S::listen, Ev::syn_ack, {SYN | ACK, p(0), lit(4242)}, {{RST, lit(4242)}}, S::listen,
         M{{"rst_sent.no_connection", 1}}, {}, "RFC 9293 3.10.7.2 (second)",
         "any ACK is bad in LISTEN: <SEQ=SEG.ACK><CTL=RST>"},
        {S::listen, Ev::ack_in_window, {ACK, p(1), lit(4242)}, {{RST, lit(4242)}}, S::listen,
         M{{"rst_sent.no_connection", 1}}, {}, "RFC 9293 3.10.7.2 (second)",
         "no window in LISTEN; no cookie outstanding, so no cookie check (S16)"},
        {S::listen, Ev::ack_unacceptable, {ACK, p(1), lit(0xfffffff0)}, {{RST, lit(0xfffffff0)}},
         S::listen, M{{"rst_sent.no_connection", 1}}, {}, "RFC 9293 3.10.7.2 (second)",
         "same as any ACK"},
        {S::listen, Ev::data, {ACK | PSH, p(1), lit(4242), "hi"}, {{RST, lit(4242)}}, S::listen,
         M{{"rst_sent.no_connection", 1}}, {}, "RFC 9293 3.10.7.2 (second)",
         "text with ACK: reset, nothing created"},
        {S::listen, Ev::fin, {FIN | ACK, p(1), lit(4242)}, {{RST, lit(4242)}}, S::listen,
         M{{"rst_sent.no_connection", 1}}, {}, "RFC 9293 3.10.7.2 (second)", "reset"},
        {S::listen, Ev::rst_exact, {RST, p(1)}, {}, S::listen, M{{"dropped.rst_no_connection", 1}},
         {}, "RFC 9293 3.10.7.2 (first)", "an incoming RST is ignored"},
        {S::listen, Ev::rst_in_window, {RST | ACK, p(1), lit(5)}, {}, S::listen,
         M{{"dropped.rst_no_connection", 1}}, {}, "RFC 9293 3.10.7.2 (first)", "ignored"},
        {S::listen, Ev::rst_out_of_window, {RST, p(100000)}, {}, S::listen,
         M{{"dropped.rst_no_connection", 1}}, {}, "RFC 9293 3.10.7.2 (first)", "ignored"},

        // ============================================================ SYN-SENT (RFC 9293 3.10.7.3)
        // Our SYN is iss; SND.NXT = iss+1; nothing listens on the port.
        {S::syn_sent, Ev::syn, {SYN, p(0)}, {{SYN | ACK, iss(0), p(1)}}, S::syn_received, M{}, {},
         "RFC 9293 3.10.7.3 (fourth)",
         "simultaneous open (S07): <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>"},
        {S::syn_sent, Ev::syn_ack, {SYN | ACK, p(0), iss(1)}, {{ACK, iss(1), p(1)}}, S::established,
         M{{"connections_opened_active", 1}}, {"established"}, "RFC 9293 3.10.7.3 (fourth)",
         "SND.UNA > ISS: ESTABLISHED, <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> at once"},
        {S::syn_sent, Ev::ack_in_window, {ACK, p(1), iss(1)}, {}, S::syn_sent, M{}, {},
         "RFC 9293 3.10.7.3 (fifth)",
         "acceptable ACK but neither SYN nor RST: dropped (no counter in synline)"},
        {S::syn_sent, Ev::ack_unacceptable, {ACK, p(1), iss(5)}, {{RST, iss(5)}}, S::syn_sent,
         M{{"rst_sent.bad_ack", 1}}, {}, "RFC 9293 3.10.7.3 (first)",
         "SEG.ACK > SND.NXT: <SEQ=SEG.ACK><CTL=RST>; our SYN stays outstanding"},
        {S::syn_sent, Ev::data, {ACK | PSH, p(1), iss(1), "hi"}, {}, S::syn_sent, M{}, {},
         "RFC 9293 3.10.7.3 (fifth)", "text without SYN: dropped"},
        {S::syn_sent, Ev::fin, {FIN | ACK, p(1), iss(1)}, {}, S::syn_sent, M{}, {},
         "RFC 9293 3.10.7.3 (fifth); 3.10.7.4 (eighth)", "no FIN processing in SYN-SENT: dropped"},
        {S::syn_sent, Ev::rst_exact, {RST | ACK, p(0), iss(1)}, {}, S::closed,
         M{{"rst_received.refused", 1}, {"closed.refused", 1}}, {"closed:refused"},
         "RFC 9293 3.10.7.3 (second); RFC 5961 3.2",
         "'exact' here: RST+ACK acknowledging our SYN = connection refused (S11)"},
        {S::syn_sent, Ev::rst_in_window, {RST, p(0)}, {}, S::syn_sent, M{}, {},
         "RFC 9293 3.10.7.3 (second)",
         "SYN-SENT has no receive window: a RST without ACK cannot be tied to our SYN, dropped"},
        {S::syn_sent, Ev::rst_out_of_window, {RST | ACK, p(0), iss(5)}, {}, S::syn_sent, M{}, {},
         "RFC 9293 3.10.7.3 (first)",
         "RST+ACK with an unacceptable ACK: dropped, never answered"},

        // ============================================================ SYN-RECEIVED, passive (3.10.7.4)
        // RCV.NXT = P+1, SND.UNA = iss, SND.NXT = iss+1.
        {S::syn_received, Ev::syn, {SYN, p(0)}, {{SYN | ACK, iss(0), p(1)}}, S::syn_received,
         M{{"retransmits", 1}}, {}, "RFC 9293 3.10.7.4 (first, fourth) -- deliberate difference",
         "DIFFERS (deliberately, as Linux): seq == IRS is our lost SYN-ACK's trigger, the SYN-ACK "
         "is repeated; the RFC would ACK (seq below window)"},
        {S::syn_received, Ev::syn_ack, {SYN | ACK, p(0), iss(1)}, {{ACK, iss(1), p(1)}},
         S::syn_received, M{{"dropped.out_of_window", 1}, {kChallenge, 1}}, {},
         "RFC 9293 3.10.7.4 (first); RFC 5961 4.2",
         "passive open never sent a SYN to be answered; seq = IRS is below the window: ACK "
         "(rate-limited challenge)"},
        {S::syn_received, Ev::ack_in_window, {ACK, p(1), iss(1)}, {}, S::established,
         M{{"connections_opened_passive", 1}, {"handshake.syn_queue", -1}}, {"established"},
         "RFC 9293 3.10.7.4 (fifth)", "SND.UNA < SEG.ACK =< SND.NXT: ESTABLISHED, nothing sent"},
        {S::syn_received, Ev::ack_unacceptable, {ACK, p(1), iss(5)}, {{RST, iss(5)}},
         S::syn_received, M{{"rst_sent.bad_ack", 1}}, {}, "RFC 9293 3.10.7.4 (fifth)",
         "<SEQ=SEG.ACK><CTL=RST>; the half-open entry stays"},
        {S::syn_received, Ev::data, {ACK | PSH, p(1), iss(1), "hi"}, {}, S::established,
         M{{"connections_opened_passive", 1}, {"handshake.syn_queue", -1}},
         {"established", "data:hi"}, "RFC 9293 3.10.7.4 (fifth, seventh)",
         "the third segment may carry data (S04): delivered, ACK delayed",
         {.after_delayed_ack = {{ACK, iss(1), p(3)}}}},
        {S::syn_received, Ev::fin, {FIN | ACK, p(1), iss(1)}, {{ACK, iss(1), p(2)}}, S::close_wait,
         M{{"connections_opened_passive", 1}, {"handshake.syn_queue", -1}},
         {"established", "peer_closed"}, "RFC 9293 3.10.7.4 (fifth, eighth)",
         "the ACK establishes, the FIN then moves to CLOSE-WAIT and is acknowledged at once"},
        {S::syn_received, Ev::rst_exact, {RST, p(1)}, {}, S::listen,
         M{{"rst_received.accepted", 1}, {"closed.handshake_reset", 1}, {"handshake.syn_queue", -1}},
         {}, "RFC 9293 3.10.7.4 (second)",
         "passive open: back to LISTEN (the half-open entry goes, S06); the app never knew it"},
        {S::syn_received, Ev::rst_in_window, {RST, p(100)}, {{ACK, iss(1), p(1)}}, S::syn_received,
         M{{"rst_received.challenged", 1}, {kChallenge, 1}}, {},
         "RFC 9293 3.10.7.4 (second); RFC 5961 3.2", "challenge ACK"},
        {S::syn_received, Ev::rst_out_of_window, {RST, p(100000)}, {}, S::syn_received,
         M{{"rst_received.out_of_window", 1}, {"dropped.out_of_window", 1}}, {},
         "RFC 9293 3.10.7.4 (first)", "ignored"},
        {S::syn_received, Ev::syn, {SYN, p(100)}, {{ACK, iss(1), p(1)}}, S::syn_received,
         M{{"dropped.syn_in_window", 1}, {kChallenge, 1}}, {},
         "RFC 9293 3.10.7.4 (fourth) -- differs; RFC 5961 4.2",
         "DIFFERS: a SYN with a new seq (not IRS). RFC 9293 says 'return to LISTEN' silently; "
         "synline sends the RFC 5961 challenge ACK as in synchronized states and keeps the entry. "
         "A restarted peer answers it with RST (seq = our ACK field = RCV.NXT, exact) which removes "
         "the entry, so both paths converge",
         {.variant = "new SYN seq"}},

        // ---- SYN-RECEIVED reached by a simultaneous open (S07): not passive
        {S::syn_received, Ev::syn_ack, {SYN | ACK, p(0), iss(1)}, {}, S::established,
         M{{"connections_opened_active", 1}}, {"established"},
         "RFC 9293 3.10.7.4, figure 7 -- deliberate difference",
         "DIFFERS (deliberately, as Linux's tcp_validate_incoming): the peer's SYN-ACK (seq = IRS, "
         "below the window, ACK = SND.NXT) completes the simultaneous open silently: four segments "
         "in all (S07, RFC figure 7). The 3.10.7.4 text would call it unacceptable and send an ACK",
         {.variant = "simultaneous open", .setup = [](Harness& h) { h.make_simultaneous_syn_received(); }}},
        {S::syn_received, Ev::ack_in_window, {ACK, p(1), iss(1)}, {}, S::established,
         M{{"connections_opened_active", 1}}, {"established"}, "RFC 9293 3.10.7.4 (fifth)",
         "ESTABLISHED (no SYN queue involved)",
         {.variant = "simultaneous open", .setup = [](Harness& h) { h.make_simultaneous_syn_received(); }}},
        {S::syn_received, Ev::rst_exact, {RST, p(1)}, {}, S::closed,
         M{{"rst_received.accepted", 1}, {"closed.refused", 1}}, {"closed:refused"},
         "RFC 9293 3.10.7.4 (second)",
         "active OPEN: 'connection refused' to the user, CLOSED",
         {.variant = "simultaneous open", .setup = [](Harness& h) { h.make_simultaneous_syn_received(); }}},

        // ============================================================ ESTABLISHED (P+1 / iss+1)
        {S::established, Ev::ack_in_window, {ACK, p(1), iss(1)}, {}, S::established, M{}, {},
         "RFC 9293 3.10.7.4 (fifth)", "SND.UNA =< SEG.ACK =< SND.NXT: accepted, nothing to answer"},
        {S::established, Ev::data, {ACK | PSH, p(1), iss(1), "hi"}, {}, S::established, M{},
         {"data:hi"}, "RFC 9293 3.10.7.4 (seventh); RFC 1122 4.2.3.2",
         "delivered at once, ACK delayed", {.after_delayed_ack = {{ACK, iss(1), p(3)}}}},
        {S::established, Ev::fin, {FIN | ACK, p(1), iss(1)}, {{ACK, iss(1), p(2)}}, S::close_wait,
         M{}, {"peer_closed"}, "RFC 9293 3.10.7.4 (eighth)", "CLOSE-WAIT, FIN acknowledged at once"},
        {S::established, Ev::syn_ack, {SYN | ACK, p(0), iss(1)}, {{ACK, iss(1), p(1)}},
         S::established, M{{"dropped.out_of_window", 1}, {kChallenge, 1}}, {},
         "RFC 9293 3.10.7.4 (first); RFC 5961 4.2",
         "active open whose ACK was lost: the peer repeats its SYN-ACK and gets an ACK "
         "(rate-limited challenge)",
         {.variant = "active open", .setup = established_active}},
        {S::established, Ev::ack_unacceptable, {ACK, p(1), iss(1u - 70000u)}, {{ACK, iss(1), p(1)}},
         S::established, M{{"dropped.ack_too_old", 1}, {kChallenge, 1}}, {}, "RFC 5961 5.2",
         "SEG.ACK < SND.UNA - MAX.SND.WND (65535): challenge ACK, dropped",
         {.variant = "ACK too old"}},

        // ============================================================ FIN-WAIT-1 (P+1 / iss+2, after close())
        {S::fin_wait_1, Ev::ack_in_window, {ACK, p(1), iss(2)}, {}, S::fin_wait_2, M{}, {},
         "RFC 9293 3.10.7.4 (fifth)", "our FIN acknowledged: FIN-WAIT-2"},
        {S::fin_wait_1, Ev::data, {ACK | PSH, p(1), iss(1), "hi"}, {{RST | ACK, iss(2), p(3)}},
         S::closed, M{{"rst_sent.unread_data", 1}, {"closed.unread_data", 1}},
         {"closed:unread_data"}, "RFC 1122 4.2.2.13; RFC 9293 3.10.4",
         "close() was a full close: new data can never be read, so RST (S26, as Linux)"},
        {S::fin_wait_1, Ev::fin, {FIN | ACK, p(1), iss(1)}, {{ACK, iss(2), p(2)}}, S::closing, M{},
         {"peer_closed"}, "RFC 9293 3.10.7.4 (eighth)",
         "simultaneous close (S21): our FIN not yet acknowledged, CLOSING"},
        {S::fin_wait_1, Ev::fin, {FIN | ACK, p(1), iss(2)}, {{ACK, iss(2), p(2)}}, S::time_wait, M{},
         {"peer_closed", "closed:normal"}, "RFC 9293 3.10.7.4 (eighth)",
         "FIN+ACK acknowledging our FIN: straight to TIME-WAIT (S22); the application is done "
         "(closed:normal now, closed.normal counted when TIME-WAIT ends)", {.variant = "FIN acks ours"}},
        {S::fin_wait_1, Ev::data, {ACK | PSH, p(1), iss(1), "hi"}, {}, S::fin_wait_1, M{},
         {"data:hi"}, "RFC 9293 3.10.7.4 (seventh)",
         "after shutdown_write() the application still reads: delivered, ACK delayed",
         {.variant = "half-close", .setup = fin_wait_1_half_close,
          .after_delayed_ack = {{ACK, iss(2), p(3)}}}},

        // ============================================================ FIN-WAIT-2 (P+1 / iss+2, after close())
        {S::fin_wait_2, Ev::ack_in_window, {ACK, p(1), iss(2)}, {}, S::fin_wait_2, M{}, {},
         "RFC 9293 3.10.7.4 (fifth)", "a duplicate ACK: nothing to do"},
        {S::fin_wait_2, Ev::data, {ACK | PSH, p(1), iss(2), "hi"}, {{RST | ACK, iss(2), p(3)}},
         S::closed, M{{"rst_sent.unread_data", 1}, {"closed.unread_data", 1}},
         {"closed:unread_data"}, "RFC 1122 4.2.2.13",
         "after a full close() new data gets RST (S26)"},
        {S::fin_wait_2, Ev::fin, {FIN | ACK, p(1), iss(2)}, {{ACK, iss(2), p(2)}}, S::time_wait,
         M{}, {"peer_closed", "closed:normal"}, "RFC 9293 3.10.7.4 (eighth)",
         "TIME-WAIT, FIN acknowledged at once (S18); the application is told it is over"},
        {S::fin_wait_2, Ev::data, {ACK | PSH, p(1), iss(2), "hi"}, {}, S::fin_wait_2, M{},
         {"data:hi"}, "RFC 9293 3.10.7.4 (seventh)", "half-close: delivered, ACK delayed",
         {.variant = "half-close", .setup = fin_wait_2_half_close,
          .after_delayed_ack = {{ACK, iss(2), p(3)}}}},

        // ============================================================ CLOSE-WAIT (P+2 / iss+1)
        {S::close_wait, Ev::ack_in_window, {ACK, p(2), iss(1)}, {}, S::close_wait, M{}, {},
         "RFC 9293 3.10.7.4 (fifth)", "accepted, nothing to answer"},
        {S::close_wait, Ev::data, {ACK | PSH, p(2), iss(1), "hi"}, {}, S::close_wait, M{}, {},
         "RFC 9293 3.10.7.4 (seventh)",
         "text after the peer's FIN cannot be valid: ignored (not delivered, no ACK, no counter)"},
        {S::close_wait, Ev::fin, {FIN | ACK, p(1), iss(1)}, {{ACK, iss(1), p(2)}}, S::close_wait,
         M{{"dropped.out_of_window", 1}}, {}, "RFC 9293 3.10.7.4 (first, eighth)",
         "a retransmitted FIN (our ACK was lost): below the window, ACKed again, state stays"},

        // ============================================================ CLOSING (P+2 / iss+2)
        {S::closing, Ev::ack_in_window, {ACK, p(2), iss(2)}, {}, S::time_wait, M{},
         {"closed:normal"}, "RFC 9293 3.10.7.4 (fifth)",
         "our FIN acknowledged: TIME-WAIT, the application is told it is over"},
        {S::closing, Ev::data, {ACK | PSH, p(2), iss(1), "hi"}, {}, S::closing, M{}, {},
         "RFC 9293 3.10.7.4 (seventh)", "text after the peer's FIN: ignored"},
        {S::closing, Ev::fin, {FIN | ACK, p(1), iss(1)}, {{ACK, iss(2), p(2)}}, S::closing,
         M{{"dropped.out_of_window", 1}}, {}, "RFC 9293 3.10.7.4 (first, eighth)",
         "a retransmitted FIN: ACKed again"},

        // ============================================================ LAST-ACK (P+2 / iss+2)
        {S::last_ack, Ev::ack_in_window, {ACK, p(2), iss(2)}, {}, S::closed,
         M{{"closed.normal", 1}}, {"closed:normal"}, "RFC 9293 3.10.7.4 (fifth)",
         "our FIN acknowledged: CLOSED (S19)"},
        {S::last_ack, Ev::data, {ACK | PSH, p(2), iss(1), "hi"}, {}, S::last_ack, M{}, {},
         "RFC 9293 3.10.7.4 (seventh)", "text after the peer's FIN: ignored"},
        {S::last_ack, Ev::fin, {FIN | ACK, p(1), iss(1)}, {{ACK, iss(2), p(2)}}, S::last_ack,
         M{{"dropped.out_of_window", 1}}, {}, "RFC 9293 3.10.7.4 (first, eighth)",
         "a retransmitted FIN: ACKed again"},

        // ============================================================ TIME-WAIT (P+2 / iss+2)
        {S::time_wait, Ev::syn, {SYN, p(1000)}, {{SYN | ACK, any_isn(), p(1001)}}, S::syn_received,
         M{{"closed.time_wait_reused", 1}, {"handshake.syns_received", 1},
           {"handshake.synacks_from_queue", 1}, {"handshake.syn_queue", 1}},
         {}, "RFC 6191 2 / RFC 9293 3.10.7.4",
         "a listener exists and SEG.SEQ > RCV.NXT (no timestamps): a new incarnation takes the "
         "4-tuple"},
        {S::time_wait, Ev::syn, {SYN, p(2)}, {{ACK, iss(2), p(2)}}, S::time_wait,
         M{{"dropped.syn_in_window", 1}, {kChallenge, 1}}, {},
         "RFC 9293 3.10.7.4 (fourth); RFC 5961 4.2; RFC 6191",
         "SEG.SEQ not above RCV.NXT: no reuse; challenge ACK, TIME-WAIT stays",
         {.variant = "old SYN"}},
        {S::time_wait, Ev::syn_ack, {SYN | ACK, p(0), iss(1)}, {{ACK, iss(2), p(2)}}, S::time_wait,
         M{{"dropped.out_of_window", 1}, {kChallenge, 1}}, {},
         "RFC 9293 3.10.7.4 (first); RFC 5961 4.2", "an old SYN-ACK: ACK (challenge), TIME-WAIT stays"},
        {S::time_wait, Ev::ack_in_window, {ACK, p(2), iss(2)}, {}, S::time_wait, M{}, {},
         "RFC 9293 3.10.7.4 (fifth)", "nothing to do"},
        {S::time_wait, Ev::ack_unacceptable, {ACK, p(2), iss(102)}, {{ACK, iss(2), p(2)}},
         S::time_wait, M{{"dropped.ack_unsent", 1}, {kChallenge, 1}}, {}, "RFC 5961 5.2",
         "challenge ACK"},
        {S::time_wait, Ev::data, {ACK | PSH, p(2), iss(2), "hi"}, {}, S::time_wait, M{}, {},
         "RFC 9293 3.10.7.4 (seventh)", "text after the peer's FIN: ignored"},
        {S::time_wait, Ev::fin, {FIN | ACK, p(1), iss(2)}, {{ACK, iss(2), p(2)}}, S::time_wait,
         M{{"dropped.out_of_window", 1}}, {}, "RFC 9293 3.10.7.4 (first, eighth)",
         "the peer repeats its FIN (our ACK lost): ACKed again, 2*MSL restarts"},
        {S::time_wait, Ev::rst_exact, {RST, p(2)}, {}, S::time_wait,
         M{{"rst_received.in_time_wait", 1}}, {}, "RFC 1337 -- deliberate difference from RFC 9293",
         "DIFFERS (deliberately): RFC 9293 3.10.7.4 (second) would close; RFC 1337 (TIME-WAIT "
         "assassination) ignores it"},
        {S::time_wait, Ev::rst_in_window, {RST, p(100)}, {}, S::time_wait,
         M{{"rst_received.in_time_wait", 1}}, {}, "RFC 1337 -- over RFC 5961 3.2",
         "ignored, no challenge ACK: RFC 1337 takes precedence in TIME-WAIT"},
        {S::time_wait, Ev::rst_out_of_window, {RST, p(100000)}, {}, S::time_wait,
         M{{"rst_received.in_time_wait", 1}, {"dropped.out_of_window", 1}}, {},
         "RFC 9293 3.10.7.4 (first); RFC 1337", "ignored (counted as in_time_wait)"},
        {S::time_wait, Ev::syn, {SYN, p(1000)}, {{ACK, iss(2), p(2)}}, S::time_wait,
         M{{"dropped.syn_in_window", 1}, {kChallenge, 1}}, {},
         "RFC 9293 3.10.7.4 (fourth); RFC 5961 4.2; RFC 6191 2; RFC 1337",
         "with NO listener on the port (active close), a SYN above RCV.NXT cannot open a new "
         "incarnation, so TIME-WAIT stays and challenges it (as Linux ACKs it)",
         {.variant = "active close, no listener", .setup = time_wait_no_listener}},
    };

    // ---- rows the seven synchronized states share (SYN, SYN+ACK, unacceptable ACK, RSTs)
    add_synchronized_common(rows, S::established, 1, 1, {"closed:reset_by_peer"});
    add_synchronized_common(rows, S::fin_wait_1, 1, 2, {"closed:reset_by_peer"});
    add_synchronized_common(rows, S::fin_wait_2, 1, 2, {"closed:reset_by_peer"});
    add_synchronized_common(rows, S::close_wait, 2, 1, {"closed:reset_by_peer"});
    add_synchronized_common(rows, S::closing, 2, 2, {"closed:reset_by_peer"});
    add_synchronized_common(rows, S::last_ack, 2, 2, {"closed:reset_by_peer"});
    // TIME-WAIT's own rows (RFC 1337, RFC 6191) are written out above.
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
        return std::pair(a.state, a.event) < std::pair(b.state, b.event);
    });
    return rows;
}

const std::vector<Row>& matrix() {
    static const std::vector<Row> rows = make_matrix();
    return rows;
}

// ------------------------------------------------------------------ running a row

std::map<std::string, std::int64_t> flatten(const tcp::TcpCounters& c) {
    std::map<std::string, std::int64_t> m;
    auto u = [](std::uint64_t v) { return static_cast<std::int64_t>(v); };
    m["retransmits"] = u(c.retransmits);
    m["challenge_acks"] = u(c.challenge_acks);
    m["connections_opened_passive"] = u(c.connections_opened_passive);
    m["connections_opened_active"] = u(c.connections_opened_active);
    auto add = [&](const char* prefix, const auto& arr, auto enum_tag) {
        using E = decltype(enum_tag);
        for (std::size_t i = 0; i < arr.size(); ++i)
            m[(std::ostringstream() << prefix << "." << tcp::to_string(static_cast<E>(i))).str()] =
                u(arr[i]);
    };
    add("rst_sent", c.rst_sent, tcp::RstSent{});
    add("rst_received", c.rst_received, tcp::RstReceived{});
    add("closed", c.closed, tcp::CloseReason{});
    add("dropped", c.dropped, tcp::SegmentDrop{});
    const auto& hs = c.handshake;
    m["handshake.syns_received"] = u(hs.syns_received);
    m["handshake.synacks_from_queue"] = u(hs.synacks_from_queue);
    m["handshake.synacks_from_cookie"] = u(hs.synacks_from_cookie);
    m["handshake.cookies_validated"] = u(hs.cookies_validated);
    m["handshake.cookies_stale"] = u(hs.cookies_stale);
    m["handshake.cookies_bad_hash"] = u(hs.cookies_bad_hash);
    m["handshake.syn_queue_overflows"] = u(hs.syn_queue_overflows);
    m["handshake.accept_queue_overflows"] = u(hs.accept_queue_overflows);
    m["handshake.syn_queue"] = hs.syn_queue;
    m["handshake.accept_queue"] = hs.accept_queue;
    return m;
}

std::string to_text(const std::map<std::string, std::int64_t>& m) {
    std::ostringstream o;
    for (const auto& [k, v] : m) o << k << (v > 0 ? " +" : " ") << v << "; ";
    return m.empty() ? "(none)" : o.str();
}

std::string cell_name(const Row& r) {
    std::ostringstream o;
    o << tcp::to_string(r.state);
    if (r.x.variant) o << " (" << r.x.variant << ")";
    o << " x " << kEventNames[static_cast<std::size_t>(r.event)];
    return o.str();
}

void check_sent(const Harness& h, const std::vector<Sent>& got, const std::vector<Out>& want) {
    std::ostringstream got_text, want_text;
    for (std::size_t i = 0; i < got.size(); ++i) {
        // A segment whose seq the row leaves open is shown as <isn> on both sides.
        const bool seq_known = i >= want.size() || want[i].seq.base != Ref::any;
        got_text << describe(got[i].flags(), got[i].seq(),
                             got[i].flags() & ACK ? got[i].ack() : SeqNum(0), seq_known,
                             got[i].payload.size()) << "\n";
        // Without ACK the ack field is sent as zero.
        if (!(got[i].flags() & ACK)) CHECK(got[i].ack().raw() == 0);
    }
    for (const Out& o : want)
        want_text << describe(o.flags, o.seq.resolve(h), o.ack.resolve(h), o.seq.base != Ref::any, 0)
                  << "\n";
    CHECK(got_text.str() == want_text.str());
}

void run_row(const Row& r) {
    Harness h;
    if (r.x.setup) r.x.setup(h);
    else build_state(h, r.state);
    REQUIRE(h.take().empty());
    h.app.events.clear();
    const auto before = flatten(h.stack.counters());

    Seg s = seg(r.in.flags, r.in.seq.resolve(h), r.in.ack.resolve(h));
    if (r.in.flags & SYN) s.mss(1460);
    if (r.in.text) s.data(r.in.text);
    h.send(s);

    INFO("reaction, at once");
    check_sent(h, h.take(), r.sent);
    if (!r.x.after_delayed_ack.empty()) {
        h.advance(h.cfg.delayed_ack);
        INFO("reaction after the delayed-ACK time");
        check_sent(h, h.take(), r.x.after_delayed_ack);
    }

    // The state after.
    if (r.after == State::closed || r.after == State::listen) {
        CHECK(h.stack.connection_count() == 0);
        CHECK(h.state() == State::closed);
    } else {
        CHECK(std::string(tcp::to_string(h.state())) == std::string(tcp::to_string(r.after)));
        CHECK(h.stack.connection_count() == 1);
    }
    if (r.state == State::closed) CHECK_FALSE(h.stack.listener_stats(kLocalPort));
    if (r.after == State::listen) CHECK(h.stack.listener_stats(kLocalPort));

    // Exactly these counters moved.
    std::map<std::string, std::int64_t> moved;
    for (const auto& [name, value] : flatten(h.stack.counters()))
        if (value != before.at(name)) moved[name] = value - before.at(name);
    for (const auto& [name, delta] : r.moved)
        REQUIRE(before.count(name) == 1);  // a typo in the table, not a stack bug
    CHECK(to_text(moved) == to_text(r.moved));

    CHECK(h.app.events == r.app);
}

// Cells run in this process, for the coverage print.
std::array<std::array<int, kEvents>, tcp::kStateCount> g_ran{};

void run_rows() {
    for (const Row& r : matrix()) {
        DYNAMIC_SECTION(cell_name(r)) {
            INFO(cell_name(r) << "\n  " << r.rfc << "\n  " << r.note);
            run_row(r);
            ++g_ran[static_cast<std::size_t>(r.state)][static_cast<std::size_t>(r.event)];
        }
    }
}

}  // namespace

TEST_CASE("A state x event matrix: RFC 9293 3.10.7 with RFC 5961 and RFC 1337",
          "[matrix][rfc9293-3.10.7][rfc5961][rfc1337][rfc6191]") {
    run_rows();
}

TEST_CASE("A state x event matrix: every cell has a row; coverage printed",
          "[matrix]") {
    std::array<std::array<int, kEvents>, tcp::kStateCount> rows{};
    std::size_t total = 0;
    for (const Row& r : matrix()) {
        const auto s = static_cast<std::size_t>(r.state), e = static_cast<std::size_t>(r.event);
        ++rows[s][e];
        ++total;
    }
    std::size_t covered = 0, ran = 0;
    std::printf("\nState x event matrix (RFC 9293 3.10.7, RFC 5961, RFC 1337, RFC 6191)\n");
    std::printf("cell = rows tested (extra rows are variants of the state)\n\n");
    std::printf("%-13s", "");
    for (const char* c : kEventColumns) std::printf("%8s", c);
    std::printf("\n");
    for (std::size_t s = 0; s < tcp::kStateCount; ++s) {
        std::printf("%-13s", std::string(tcp::to_string(static_cast<State>(s))).c_str());
        for (std::size_t e = 0; e < kEvents; ++e) {
            char cell[16];
            std::snprintf(cell, sizeof cell, "x%d", rows[s][e]);
            std::printf("%8s", rows[s][e] ? cell : "-");
            if (rows[s][e]) ++covered;
            ran += static_cast<std::size_t>(g_ran[s][e]);
        }
        std::printf("\n");
    }
    std::printf("\ncells covered: %zu/%zu; rows: %zu; rows run in this process: %zu\n\n",
                covered, tcp::kStateCount * kEvents, total, ran);
    CHECK(covered == tcp::kStateCount * kEvents);
}

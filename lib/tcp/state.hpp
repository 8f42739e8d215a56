// Connection states with their RFC 9293 3.3.2 names.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace synline::tcp {

enum class State : std::uint8_t {
    closed,
    listen,
    syn_sent,
    syn_received,
    established,
    fin_wait_1,
    fin_wait_2,
    close_wait,
    closing,
    last_ack,
    time_wait,
    count_
};

inline constexpr std::size_t kStateCount = static_cast<std::size_t>(State::count_);

constexpr std::string_view to_string(State s) {
    constexpr std::string_view names[] = {
        "CLOSED",      "LISTEN",     "SYN-SENT",   "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
        "FIN-WAIT-2",  "CLOSE-WAIT", "CLOSING",    "LAST-ACK",     "TIME-WAIT",
    };
    static_assert(std::size(names) == kStateCount);
    return names[static_cast<std::size_t>(s)];
}

constexpr bool in_state(State s, std::initializer_list<State> set) {
    for (State x : set)
        if (x == s) return true;
    return false;
}

// States in which both sequence spaces are known (RFC 9293 3.3.2).
constexpr bool is_synchronized(State s) {
    return in_state(s, {State::established, State::fin_wait_1, State::fin_wait_2,
                        State::close_wait, State::closing, State::last_ack, State::time_wait});
}

}  // namespace synline::tcp
